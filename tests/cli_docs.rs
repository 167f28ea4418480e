//! The command line documents itself from one clap tree: the book's CLI reference
//! (`book/src/cli.md`, generated; `BERTH_BLESS=1` rewrites it), shell completions and the
//! man page. The checks derive the subcommands and flags from clap at test time, so a
//! new subcommand or flag fails them until the book names it.

use std::path::PathBuf;

use assert_cmd::Command;
use clap::{CommandFactory, Parser};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn berth(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_berth")).args(args).output().unwrap()
}

/// The built clap tree (built, so subcommands carry their full names).
fn cli() -> clap::Command {
    let mut cmd = berth::cli::Cli::command();
    cmd.build();
    cmd
}

/// Every visible subcommand, with its path from the top (`["render"]`, ...).
fn subcommands(cmd: &clap::Command, path: &[String], out: &mut Vec<(Vec<String>, clap::Command)>) {
    for sub in cmd.get_subcommands() {
        if sub.is_hide_set() || sub.get_name() == "help" {
            continue;
        }
        let mut p = path.to_vec();
        p.push(sub.get_name().to_string());
        out.push((p.clone(), sub.clone()));
        subcommands(sub, &p, out);
    }
}

fn all_subcommands() -> Vec<(Vec<String>, clap::Command)> {
    let mut out = Vec::new();
    subcommands(&cli(), &[], &mut out);
    out
}

#[test]
fn the_book_cli_reference_is_generated_from_clap() {
    let path = repo().join("book/src/cli.md");
    let generated = berth::cli::docs::markdown();
    if std::env::var_os("BERTH_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    pretty_assertions::assert_eq!(
        committed,
        generated,
        "book/src/cli.md is stale: run `BERTH_BLESS=1 cargo test --test cli_docs` and review the diff"
    );
}

/// Each subcommand has its section in cli.md, and every long flag (and visible alias)
/// of that subcommand appears in its section; the top-level flags in the page's head.
#[test]
fn every_flag_of_every_subcommand_is_in_the_book() {
    let md = std::fs::read_to_string(repo().join("book/src/cli.md")).unwrap();
    let mut sections = std::collections::BTreeMap::new();
    let mut rest = md.as_str();
    let head;
    match rest.split_once("\n## berth ") {
        Some((h, r)) => {
            head = h;
            rest = r;
        }
        None => panic!("cli.md has no `## berth COMMAND` section"),
    }
    for part in rest.split("\n## berth ") {
        let title = part.lines().next().unwrap_or_default().trim().to_string();
        sections.insert(title, part);
    }
    let top = cli();
    let mut missing = Vec::new();
    let check = |missing: &mut Vec<String>, where_: &str, text: &str, cmd: &clap::Command| {
        for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
            let longs = arg
                .get_long()
                .into_iter()
                .chain(arg.get_visible_aliases().unwrap_or_default());
            for long in longs {
                if !text.contains(&format!("--{long}")) {
                    missing.push(format!("{where_}: --{long}"));
                }
            }
        }
    };
    check(&mut missing, "berth", head, &top);
    for (path, cmd) in all_subcommands() {
        let name = path.join(" ");
        match sections.get(&name) {
            Some(text) => check(&mut missing, &format!("berth {name}"), text, &cmd),
            None => missing.push(format!("berth {name}: no `## berth {name}` section")),
        }
    }
    assert!(
        missing.is_empty(),
        "book/src/cli.md lacks (run `BERTH_BLESS=1 cargo test --test cli_docs`):\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_cli_reference_names_the_exit_codes() {
    let md = std::fs::read_to_string(repo().join("book/src/cli.md")).unwrap();
    for line in [
        "0  success (warnings allowed)",
        "1  the manifests fail validation or policy",
        "2  bad input or usage",
    ] {
        assert!(md.contains(line), "cli.md lacks the exit code line `{line}`");
    }
}

#[test]
fn completions_name_every_subcommand_in_every_shell() {
    let names: Vec<String> = all_subcommands().into_iter().map(|(p, _)| p.join(" ")).collect();
    assert!(names.iter().any(|n| n == "render") && names.iter().any(|n| n == "man"));
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = berth(&["completions", shell]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{shell}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.stderr.is_empty(), "{shell}");
        let script = String::from_utf8(out.stdout).unwrap();
        for name in &names {
            assert!(script.contains(name.as_str()), "{shell} completions lack `{name}`");
        }
        // Flags too: a script that completes commands but not their options is half one.
        assert!(script.contains("output-dir"), "{shell} completions lack --output-dir");
    }
}

#[test]
fn completions_refuse_an_unknown_shell() {
    let out = berth(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("bash"));
}

/// The first request after clap_mangen's preamble (two lines defining the quote string)
/// is the title, `.TH berth 1`, and the page documents every subcommand and flag.
#[test]
fn the_man_page_is_roff_with_every_subcommand() {
    let out = berth(&["man"]);
    assert_eq!(out.status.code(), Some(0));
    let page = String::from_utf8(out.stdout).unwrap();
    let first = page
        .lines()
        .find(|l| !l.starts_with(".ie ") && !l.starts_with(".el "))
        .unwrap_or_default();
    assert!(first.starts_with(".TH berth 1 "), "{first}");
    assert!(page.contains("\n.SH NAME\n") && page.contains("\n.SH SYNOPSIS\n"));
    for (path, _) in all_subcommands() {
        assert!(page.contains(&format!("berth\\-{}(1)", path.join("\\-"))), "{path:?}");
    }
    assert!(page.contains("Exit codes:"));
}

#[test]
fn a_subcommand_has_its_own_man_page() {
    let out = berth(&["man", "render"]);
    assert_eq!(out.status.code(), Some(0));
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(page.contains("\n.TH berth-render 1 "), "{page}");
    assert!(page.contains("\\-\\-output\\-dir"));
    let bad = berth(&["man", "rendr"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(bad.stdout.is_empty());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("render, validate"));
}

/// The hooks of `.pre-commit-hooks.yaml` run commands berth accepts (the entry, then a
/// file name as pre-commit appends), and the book's pre-commit section names each hook.
#[test]
fn the_pre_commit_hooks_run_real_commands_and_are_documented() {
    let text = std::fs::read_to_string(repo().join(".pre-commit-hooks.yaml")).unwrap();
    let hooks: Vec<serde_json::Value> = serde_saphyr::from_str(&text).unwrap();
    let ci = std::fs::read_to_string(repo().join("book/src/ci.md")).unwrap();
    assert!(hooks.len() >= 2);
    for hook in &hooks {
        let id = hook["id"].as_str().unwrap();
        assert_eq!(
            hook["language"], "rust",
            "{id}: pre-commit builds berth from this repository"
        );
        let entry: Vec<&str> = hook["entry"].as_str().unwrap().split_whitespace().collect();
        assert_eq!(entry.first(), Some(&"berth"), "{id}");
        let argv = entry.iter().copied().chain(["k8s/deploy.yaml"]);
        if let Err(e) = berth::cli::Cli::try_parse_from(argv) {
            panic!("{id}: `{}` is not a berth command line: {e}", hook["entry"]);
        }
        assert!(ci.contains(&format!("id: {id}")), "ci.md does not show the hook {id}");
    }
}

/// What the two documentation commands print, as text to review: a completion script
/// (fish's, the most readable) and a man page, so a change to either shows in review.
#[test]
fn completions_and_man_pages_as_printed() {
    for (name, args) in [
        ("completions_fish", &["completions", "fish"][..]),
        ("man_berth", &["man"][..]),
        ("man_init", &["man", "init"][..]),
    ] {
        let out = berth(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(
            out.stderr.is_empty(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        insta::assert_snapshot!(name, String::from_utf8(out.stdout).unwrap());
    }
}
