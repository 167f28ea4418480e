//! Everything berth says about its own command line, generated from the one clap tree so
//! none of it can drift from the flags berth accepts: `berth completions SHELL`, `berth
//! man [COMMAND]`, and the book's CLI reference ([`markdown`], checked by
//! `tests/cli_docs.rs`).

use std::fmt::Write as _;
use std::io::Write;

use clap::{Arg, Args, CommandFactory};
use clap_complete::Shell;

use crate::error::Error;

use super::{Cli, report};

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to write a completion script for.
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// A subcommand whose page to print (berth-render(1), ...) instead of berth(1).
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
}

/// `berth completions SHELL`: the script on stdout.
pub fn completions(args: CompletionsArgs) -> u8 {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "berth", &mut script);
    finish(out(&script))
}

/// `berth man [COMMAND]`: a roff page on stdout (`berth man | man -l -`).
pub fn man(args: ManArgs) -> u8 {
    finish(man_page(args.command.as_deref()).and_then(|page| out(&page)))
}

fn man_page(name: Option<&str>) -> Result<Vec<u8>, Error> {
    let mut cli = Cli::command();
    cli.build();
    let page = match name {
        None => cli,
        Some(name) => {
            let known: Vec<String> = visible_subcommands(&cli).map(|c| c.get_name().to_string()).collect();
            let sub = visible_subcommands(&cli).find(|c| c.get_name() == name).cloned();
            // Built, a subcommand's display name is berth-render, the page man(1) users
            // look for.
            sub.ok_or_else(|| Error::Usage {
                message: format!("no subcommand `{name}`"),
                help: Some(format!("berth man takes one of: {}", known.join(", "))),
            })?
        }
    };
    let mut buf = Vec::new();
    clap_mangen::Man::new(page)
        .source(format!("berth {}", env!("CARGO_PKG_VERSION")))
        .render(&mut buf)
        .map_err(|e| Error::Output {
            message: format!("cannot write the man page: {e}"),
        })?;
    Ok(buf)
}

fn out(bytes: &[u8]) -> Result<(), Error> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .map_err(|e| Error::Output {
            message: format!("cannot write to stdout: {e}"),
        })
}

fn finish(result: Result<(), Error>) -> u8 {
    match result {
        Ok(()) => 0,
        Err(e) => report::error(&e, None),
    }
}

fn visible_subcommands(cmd: &clap::Command) -> impl Iterator<Item = &clap::Command> {
    cmd.get_subcommands()
        .filter(|c| !c.is_hide_set() && c.get_name() != "help")
}

/// The book's CLI reference page (`book/src/cli.md`): every subcommand, every argument
/// with its help, default, possible values and aliases, and the exit codes.
pub fn markdown() -> String {
    let mut cli = Cli::command();
    cli.build();
    let mut md = String::new();
    md.push_str(
        "<!-- Generated from berth's clap definition by tests/cli_docs.rs; do not edit.\n     \
         Regenerate with: BERTH_BLESS=1 cargo test --test cli_docs -->\n\n",
    );
    md.push_str("# Command-line reference\n\n");
    if let Some(about) = cli.get_about() {
        let _ = writeln!(md, "{about}.\n");
    }
    md.push_str(
        "This page is generated from the same definition that parses berth's arguments, so \
         it lists exactly the flags berth accepts. `berth help COMMAND` (or `berth COMMAND \
         --help`) prints the same text in a terminal, and `berth man` prints it as a man \
         page.\n\n",
    );
    let _ = writeln!(md, "```text\n{}\n```\n", usage(&cli));
    md.push_str("Commands:\n\n");
    for sub in visible_subcommands(&cli) {
        let _ = writeln!(
            md,
            "- [`berth {name}`](#berth-{name}): {about}",
            name = sub.get_name(),
            about = sub.get_about().map(|a| a.to_string()).unwrap_or_default()
        );
    }
    md.push('\n');
    section_args(&mut md, &cli);
    if let Some(after) = cli.get_after_long_help().or(cli.get_after_help()) {
        md.push_str("## Exit codes and streams\n\n");
        let _ = writeln!(md, "```text\n{}\n```\n", after.to_string().trim_end());
        md.push_str("See [Exit codes and streams](exit-codes.md) for what each code means to a script.\n\n");
    }
    md.push_str(INSTALL_COMPLETIONS);
    for sub in visible_subcommands(&cli) {
        command_section(&mut md, sub, &format!("berth {}", sub.get_name()));
    }
    md.truncate(md.trim_end().len());
    md.push('\n');
    md
}

/// Where each shell looks for completions; the page's one hand-written section, since
/// clap knows the scripts but not where shells load them from.
const INSTALL_COMPLETIONS: &str = "\
## Shell completions and the man page

`berth completions SHELL` prints a completion script; install it where your shell loads
completions from:

```sh
berth completions bash > ~/.local/share/bash-completion/completions/berth
berth completions zsh > ~/.zfunc/_berth          # with fpath+=(~/.zfunc) before compinit
berth completions fish > ~/.config/fish/completions/berth.fish
echo 'eval (berth completions elvish | slurp)' >> ~/.config/elvish/rc.elv
berth completions powershell >> $PROFILE
```

`berth man` prints berth(1) and `berth man COMMAND` a subcommand's page, berth-render(1)
and so on, as roff: read one with `berth man | man -l -`, or install them with
`berth man > ~/.local/share/man/man1/berth.1` (and `berth man render >
~/.local/share/man/man1/berth-render.1`, ...).

";

fn command_section(md: &mut String, cmd: &clap::Command, full: &str) {
    let _ = writeln!(md, "## {full}\n");
    if let Some(about) = cmd.get_long_about().or(cmd.get_about()) {
        let _ = writeln!(md, "{}\n", about.to_string().trim_end());
    }
    let _ = writeln!(md, "```text\n{}\n```\n", usage(cmd));
    section_args(md, cmd);
    if let Some(after) = cmd.get_after_long_help().or(cmd.get_after_help()) {
        let _ = writeln!(md, "```text\n{}\n```\n", after.to_string().trim_end());
    }
    for sub in visible_subcommands(cmd) {
        command_section(md, sub, &format!("{full} {}", sub.get_name()));
    }
}

fn usage(cmd: &clap::Command) -> String {
    cmd.clone().render_usage().to_string()
}

fn section_args(md: &mut String, cmd: &clap::Command) {
    let (positional, options): (Vec<&Arg>, Vec<&Arg>) = cmd
        .get_arguments()
        .filter(|a| !a.is_hide_set())
        .partition(|a| a.is_positional());
    if !positional.is_empty() {
        md.push_str("Arguments:\n\n");
        for arg in positional {
            let names = arg
                .get_value_names()
                .map(|v| v.iter().map(|n| format!("<{n}>")).collect::<Vec<_>>().join(" "));
            let name = names.unwrap_or_else(|| format!("<{}>", arg.get_id().as_str().to_uppercase()));
            item(md, &format!("`{name}`"), arg);
        }
        md.push('\n');
    }
    if !options.is_empty() {
        md.push_str("Options:\n\n");
        for arg in options {
            let mut names = Vec::new();
            if let Some(s) = arg.get_short() {
                names.push(format!("-{s}"));
            }
            if let Some(l) = arg.get_long() {
                names.push(format!("--{l}"));
            }
            let mut label = names.join(", ");
            if arg.get_action().takes_values() {
                let value = arg
                    .get_value_names()
                    .map(|v| v.iter().map(|n| format!("<{n}>")).collect::<Vec<_>>().join(" "))
                    .unwrap_or_else(|| format!("<{}>", arg.get_id().as_str().to_uppercase()));
                label = format!("{label} {value}");
            }
            item(md, &format!("`{label}`"), arg);
        }
        md.push('\n');
    }
}

fn item(md: &mut String, label: &str, arg: &Arg) {
    let help = arg
        .get_long_help()
        .or(arg.get_help())
        .map(|h| h.to_string())
        .unwrap_or_default();
    let mut help = escape(help.trim()).replace('\n', "\n  ").replace("\n  \n", "\n\n");
    // clap drops the final period of a one-line help; the page reads as sentences.
    if !help.is_empty() && !help.ends_with(['.', '!', '?', ']']) {
        help.push('.');
    }
    let _ = write!(md, "- {label}: {help}");
    let mut extra = Vec::new();
    if arg.get_action().takes_values() {
        let defaults: Vec<String> = arg
            .get_default_values()
            .iter()
            .map(|d| format!("`{}`", d.to_string_lossy()))
            .collect();
        if !defaults.is_empty() {
            extra.push(format!("Default: {}.", defaults.join(", ")));
        }
        let values: Vec<String> = arg
            .get_possible_values()
            .iter()
            .filter(|v| !v.is_hide_set())
            .map(|v| match v.get_help() {
                Some(h) => format!("`{}` ({})", v.get_name(), h.to_string().trim_end_matches('.')),
                None => format!("`{}`", v.get_name()),
            })
            .collect();
        if !values.is_empty() {
            extra.push(format!("Possible values: {}.", values.join(", ")));
        }
    }
    let aliases: Vec<String> = arg
        .get_visible_aliases()
        .unwrap_or_default()
        .iter()
        .map(|a| format!("`--{a}`"))
        .collect();
    if !aliases.is_empty() {
        extra.push(format!("Alias: {}.", aliases.join(", ")));
    }
    let repeat =
        matches!(arg.get_action(), clap::ArgAction::Append) && !arg.is_positional() && !help.contains("repeatable");
    if repeat {
        extra.push("Repeatable.".to_string());
    }
    for e in extra {
        let _ = write!(md, "\n  {e}");
    }
    md.push('\n');
}

/// Help text is plain text with `code` spans: outside them, the characters Markdown
/// would read as emphasis or HTML are escaped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_code = false;
    for c in text.chars() {
        if c == '`' {
            in_code = !in_code;
        } else if !in_code && matches!(c, '*' | '_' | '<' | '>' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
