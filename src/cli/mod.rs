//! Command-line definitions (clap) and one driver per subcommand. The only module that
//! prints: manifests to stdout, diagnostics to stderr.

mod diff;
pub mod docs;
mod explain;
mod init;
mod inputs;
mod progress;
mod render;
mod report;
mod validate;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use report::ColorChoice;

const AFTER_HELP: &str = "\
Exit codes:
  0  success (warnings allowed)
  1  the manifests fail validation or policy
  2  bad input or usage

stdout carries only manifests; diagnostics go to stderr, ending with a one-line summary
(--quiet drops it). Colour only on a terminal, never with NO_COLOR set (--color).";

#[derive(Debug, Parser)]
#[command(name = "berth", version, about = "Render compose files and charts into validated, hardened Kubernetes manifests", after_help = AFTER_HELP)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Colour diagnostics: auto (only when stderr is a terminal and NO_COLOR is unset or
    /// empty), always, or never.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// No summary line and no progress on stderr (warnings and errors still show).
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render a compose file or a chart to Kubernetes manifests.
    Render(Box<render::RenderArgs>),
    /// Check manifests (files, folders or `-`): schema, semantic checks and policy.
    Validate(validate::ValidateArgs),
    /// Compare two renders (two environments, or two revisions) object by object.
    Diff(diff::DiffArgs),
    /// Turn a compose file into an editable chart with dev, staging and prod overlays.
    Init(init::InitArgs),
    /// Show where each object and field of a render came from, and what hardening added
    /// or relaxed.
    Explain(Box<explain::ExplainArgs>),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) on stdout.
    Completions(docs::CompletionsArgs),
    /// Print berth's man page (roff) on stdout: `berth man | man -l -`.
    Man(docs::ManArgs),
}

/// clap's message for a command line it cannot read, in berth's shape: the `error:`
/// line, then its hints (`tip:`, the possible values) as `help:` lines, as every other
/// berth error ends, and the usage line.
fn usage_error(clap: &str) -> String {
    let mut out = String::new();
    let mut helped = false;
    for line in clap.lines() {
        let text = line.trim();
        if let Some(values) = text
            .strip_prefix("[possible values: ")
            .and_then(|v| v.strip_suffix(']'))
        {
            out.push_str(&format!("  help: write one of: {values}\n"));
            helped = true;
        } else if let Some(tip) = text.strip_prefix("tip: ") {
            out.push_str(&format!("  help: {tip}\n"));
            helped = true;
        } else if text.starts_with("For more information, try") {
            if !helped {
                let flag = text.split('\'').nth(1).unwrap_or("--help");
                out.push_str(&format!("  help: see the options with `{flag}`\n"));
            }
        } else if !text.is_empty() {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// Prints `err` and ends the process with its exit code: for an error found where no
/// result can be returned (a template over its memory budget, see `crate::memory`).
pub fn exit_with(err: crate::Error) -> ! {
    let code = report::error(&err, None);
    std::process::exit(i32::from(code))
}

/// Runs berth with the process arguments and returns the exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) if e.use_stderr() => {
            let text = e.render().to_string();
            // Help shown for a missing subcommand is help, not an error to reshape.
            match text.starts_with("error:") {
                true => eprint!("{}", usage_error(&text)),
                false => eprint!("{text}"),
            }
            return ExitCode::from(2);
        }
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(0);
        }
    };
    report::configure(cli.color, cli.quiet);
    let code = match cli.command {
        Command::Render(args) => render::run(*args),
        Command::Validate(args) => validate::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Init(args) => init::run(args),
        Command::Explain(args) => explain::run(*args),
        Command::Completions(args) => docs::completions(args),
        Command::Man(args) => docs::man(args),
    };
    ExitCode::from(code)
}
