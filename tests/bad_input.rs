//! The `berth` binary on bad input, as data: every `tests/fixtures/bad-input/CASE/` folder
//! holds the input files of one case and an `args` file with the command line (without
//! `berth`), for example `render compose.yaml --set a[x]=1`. The one test here walks the
//! folders, runs the command in the case folder and checks the contract of DESIGN.md
//! promises 3, 7 and 8 for every case:
//!
//! - the exit code is 2 (bad input), or the one in the case's `expect-exit` file;
//! - nothing on stdout, no panic text on stderr;
//! - the first `error:` line names the place: a `file:line:col`, or for a command-line
//!   problem the flag or argument as written;
//! - a `help:` line says what to do (for exit 2; a failed validation lists findings);
//!
//! and snapshots the message (`bad_input__CASE.snap`), so a reviewer reads every message as
//! a user would. `render` and `diff` get `--root .` unless the case names a root, so paths
//! in messages are relative to the case folder.
//!
//! `berth validate` is the one exception to "nothing on stdout": its report goes to stdout
//! in every format, and manifests it cannot read are findings (exit 1), not usage errors.
//! A validate case that expects exit 1 is checked on stdout (with an empty stderr) instead.
//!
//! `args` is split as a shell would split it, for the little quoting the cases need:
//! whitespace separates words, `'...'` is literal, `"..."` allows `\"` and `\\`.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn cases() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad-input");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("args").is_file())
        .collect();
    cases.sort();
    cases
}

/// Shell-like words of an `args` file.
fn split_args(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => words.extend(word.take()),
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                for c in chars.by_ref().take_while(|c| *c != '\'') {
                    w.push(c);
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => w.extend(chars.next()),
                        c => w.push(c),
                    }
                }
            }
            '\\' => word.get_or_insert_with(String::new).extend(chars.next()),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    words
}

/// Whether the `error:` line names its place: a `file:line:col`, or one of the words of
/// the command line (a flag or its value, or PATH) as written.
fn located(error_line: &str, args: &[String]) -> bool {
    let file_line_col = regex::Regex::new(r"[^\s`:(]+:\d+:\d+").unwrap();
    file_line_col.is_match(error_line)
        || args
            .iter()
            .skip(1)
            .filter(|a| a.starts_with('-') || a.len() >= 3)
            .any(|a| error_line.contains(a.as_str()))
}

/// Runs one case and returns what the user reads, checked against the contract.
fn run(case: &Path) -> String {
    let name = case.file_name().unwrap().to_string_lossy().into_owned();
    let mut args = split_args(&std::fs::read_to_string(case.join("args")).unwrap());
    if matches!(args.first().map(String::as_str), Some("render" | "diff")) && !args.iter().any(|a| a == "--root") {
        args.extend(["--root".to_string(), ".".to_string()]);
    }
    let expected: i32 = std::fs::read_to_string(case.join("expect-exit"))
        .map(|t| t.trim().parse().unwrap())
        .unwrap_or(2);
    let out = Command::cargo_bin("berth")
        .unwrap()
        .current_dir(case)
        .args(&args)
        .env_remove("RUST_BACKTRACE")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let report_on_stdout = args.first().map(String::as_str) == Some("validate") && expected == 1;
    let (message, other) = if report_on_stdout {
        (&stdout, &stderr)
    } else {
        (&stderr, &stdout)
    };
    assert_eq!(
        out.status.code(),
        Some(expected),
        "{name}: exit code\nstderr:\n{stderr}\nstdout:\n{stdout}"
    );
    assert!(other.is_empty(), "{name}: unexpected output:\n{other}");
    for panic in ["panicked", "RUST_BACKTRACE"] {
        assert!(!stderr.contains(panic), "{name}: panic text on stderr:\n{stderr}");
    }
    let error_line = message
        .lines()
        .find(|l| l.starts_with("error"))
        .unwrap_or_else(|| panic!("{name}: no error line:\n{message}"));
    assert!(
        located(error_line, &args),
        "{name}: the error line names no place (file:line:col, or the flag as written):\n{message}"
    );
    if expected == 2 {
        assert!(
            message.lines().any(|l| l.trim_start().starts_with("help:")),
            "{name}: no help line:\n{message}"
        );
    }
    // The root's absolute path differs between machines (it shows in sandbox errors).
    let root = case.canonicalize().unwrap();
    message.replace(&root.display().to_string(), "[ROOT]")
}

#[test]
fn bad_input() {
    let cases = cases();
    assert!(
        cases.len() >= 150,
        "the suite has {} cases, fewer than 150",
        cases.len()
    );
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(true);
    settings.set_omit_expression(true);
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let message = run(case);
        settings.set_description(std::fs::read_to_string(case.join("args")).unwrap().trim());
        settings.bind(|| insta::assert_snapshot!(name, message));
    }
}

#[test]
fn args_split_like_a_shell() {
    assert_eq!(
        split_args("render . --set-json 'a={\"x\": 1}' --set \"b=c d\" --set e=f\\ g\n"),
        [
            "render",
            ".",
            "--set-json",
            "a={\"x\": 1}",
            "--set",
            "b=c d",
            "--set",
            "e=f g"
        ]
    );
}
