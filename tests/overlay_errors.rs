//! The `berth` binary on bad overlays: every `tests/fixtures/overlay-errors/<case>/` is a
//! project root whose `overlay/` folder must fail to render. Each case asserts the contract of DESIGN.md
//! promises 3, 7 and 8 (exit 2, or 1 for objects that fail validation; nothing on stdout;
//! an `error:` line naming the place and a `help:` line) and snapshots stderr, so a
//! reviewer reads every message as a user would.
//!
//! `berth-test.args` holds extra command-line arguments, one per line; `expected-exit`
//! holds the exit code when it is not 2.

use std::path::Path;

use assert_cmd::Command;

fn run(dir: &Path) -> String {
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
        .args(["render", "overlay", "--root", "."])
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

#[test]
fn overlay_errors() {
    insta::glob!("fixtures/overlay-errors/*/overlay/overlay.yaml", |path| {
        insta::assert_snapshot!(run(path.parent().unwrap().parent().unwrap()));
    });
}
