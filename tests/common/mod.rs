//! Helpers shared by the CLI suites (`chart_errors`, `overlay_errors`, `diff`, `explain`).
//! Each suite compiles this module on its own and uses only some of it.
#![allow(dead_code)]

use std::path::Path;

use assert_cmd::Command;

/// Runs `berth render <target> --root .` in the case folder `dir` with the extra arguments
/// of `berth-test.args` (one per line), checks the error contract (the exit code of
/// `expected-exit`, else 2; empty stdout; an `error:` line; a `help:` line for exit 2), and
/// returns stderr with the machine-specific root replaced by `[ROOT]`.
pub fn render_error(dir: &Path, target: &str) -> String {
    let args: Vec<String> = std::fs::read_to_string(dir.join("berth-test.args"))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect();
    let expected: i32 = std::fs::read_to_string(dir.join("expected-exit"))
        .map(|t| t.trim().parse().unwrap())
        .unwrap_or(2);
    let out = Command::new(env!("CARGO_BIN_EXE_berth"))
        .current_dir(dir)
        .args(["render", target, "--root", "."])
        .args(&args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(expected), "{}:\n{stderr}", dir.display());
    assert!(out.stdout.is_empty(), "{}: stdout is not empty", dir.display());
    assert!(
        stderr.starts_with("error: "),
        "{}: no error line:\n{stderr}",
        dir.display()
    );
    if expected == 2 {
        assert!(
            stderr.lines().any(|l| l.trim_start().starts_with("help:")),
            "{}: no help line:\n{stderr}",
            dir.display()
        );
    }
    // The root's absolute path differs between machines.
    let root = dir.canonicalize().unwrap();
    stderr.replace(&root.display().to_string(), "[ROOT]")
}

/// `berth COMMAND ARGS --root ROOT`, run in ROOT: (exit code, stdout, stderr).
pub fn berth_in(root: &Path, command: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_berth"))
        .current_dir(root)
        .arg(command)
        .args(args)
        .arg("--root")
        .arg(root)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// The contract of a usage or input error on a run of [`berth_in`]: exit 2, nothing on
/// stdout, an `error:` line and a `help:` line. Returns stderr.
pub fn usage_error((code, stdout, stderr): (i32, String, String)) -> String {
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.lines().any(|l| l.trim_start().starts_with("help:")), "{stderr}");
    stderr
}
