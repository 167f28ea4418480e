//! The example overlays (`overlays/dev`, `overlays/staging`, `overlays/prod` over the shop
//! chart): a snapshot of each render, and proof that rendering several environments in one
//! pass writes exactly what rendering each alone prints.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn berth(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_berth"))
        .current_dir(repo())
        .args(args)
        .args(["--root", "."])
        .output()
        .unwrap()
}

/// stdout, then the warnings and relaxations (stderr), as the snapshot text.
fn render(env: &str) -> String {
    let out = berth(&["render", &format!("overlays/{env}")]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "overlays/{env}:\n{stderr}");
    format!("{}# stderr\n{stderr}", String::from_utf8_lossy(&out.stdout))
}

#[test]
fn dev() {
    insta::assert_snapshot!(render("dev"));
}

#[test]
fn staging() {
    insta::assert_snapshot!(render("staging"));
}

#[test]
fn prod() {
    insta::assert_snapshot!(render("prod"));
}

/// Reads back an `--output-dir` folder as one YAML stream in file-name order.
fn read_dir(dir: &Path) -> String {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files.iter().map(|f| std::fs::read_to_string(f).unwrap()).collect()
}

#[test]
fn all_envs_in_one_pass_equal_each_env_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let together = tmp.path().join("together");
    let out = berth(&[
        "render",
        "overlays",
        "--all-envs",
        "--output-dir",
        together.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty());
    for env in ["dev", "prod", "staging"] {
        let alone = tmp.path().join(format!("alone-{env}"));
        let o = berth(&[
            "render",
            &format!("overlays/{env}"),
            "--output-dir",
            alone.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(0));
        assert_eq!(read_dir(&together.join(env)), read_dir(&alone), "{env}");
    }
}
