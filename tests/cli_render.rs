//! The `berth render` command line on good input: what reaches stdout, in which format,
//! what `--strict` and `--output-dir` do, and that two runs give the same bytes.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `berth render charts/shop [extra]` from the repository root.
fn render_shop(extra: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_berth"))
        .current_dir(repo())
        .args(["render", "charts/shop", "--root", "."])
        .args(extra)
        .output()
        .unwrap()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// stderr with the time of its summary line masked: it varies from run to run.
fn mask_time(stderr: &str) -> String {
    regex::Regex::new(r"in [0-9]+(\.[0-9])? m?s\n")
        .unwrap()
        .replace_all(stderr, "in [time]\n")
        .into_owned()
}

#[test]
fn yaml_goes_to_stdout_and_diagnostics_to_stderr() {
    let out = render_shop(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let yaml = String::from_utf8(out.stdout.clone()).unwrap();
    assert!(yaml.starts_with("apiVersion: v1\nkind: Namespace\n"), "{yaml}");
    assert!(yaml.contains("\n---\n"));
    assert!(!yaml.contains("warning"));
    let err = stderr(&out);
    assert!(
        err.contains("[default-uid]") && err.contains("relaxed: Deployment/shop/worker"),
        "{err}"
    );
}

#[test]
fn json_output_is_a_v1_list_in_install_order() {
    let out = render_shop(&["-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (list["apiVersion"].as_str(), list["kind"].as_str()),
        (Some("v1"), Some("List"))
    );
    let kinds: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|o| o["kind"].as_str())
        .collect();
    assert_eq!(kinds.first(), Some(&"Namespace"));
    let rank = |k: &str| {
        berth::manifest::KIND_ORDER
            .iter()
            .position(|x| *x == k)
            .unwrap_or(usize::MAX)
    };
    assert!(kinds.windows(2).all(|w| rank(w[0]) <= rank(w[1])), "{kinds:?}");
}

#[test]
fn two_runs_give_the_same_bytes() {
    let a = render_shop(&[]);
    let b = render_shop(&[]);
    assert_eq!(a.stdout, b.stdout);
    assert_eq!(mask_time(&stderr(&a)), mask_time(&stderr(&b)));
}

#[test]
fn strict_turns_warnings_into_errors_with_nothing_on_stdout() {
    let out = render_shop(&["--strict"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = stderr(&out);
    assert!(
        err.contains("error: charts/shop/compose.yaml:") && err.contains("under --strict"),
        "{err}"
    );
}

#[test]
fn output_dir_gets_one_file_per_object_and_nothing_on_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("rendered");
    let out = render_shop(&["--output-dir", target.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    let mut names: Vec<String> = std::fs::read_dir(&target)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let whole = String::from_utf8(render_shop(&[]).stdout).unwrap();
    assert_eq!(names.len(), whole.matches("\napiVersion: ").count() + 1);
    assert_eq!(names.first().map(String::as_str), Some("001-namespace-shop.yaml"));
    // The files, in name order, are the stream.
    let joined: Vec<String> = names
        .iter()
        .map(|n| std::fs::read_to_string(target.join(n)).unwrap())
        .collect();
    assert_eq!(joined.join("---\n"), whole);
    assert!(Path::new(&target).is_dir());
}

#[test]
fn check_renders_and_validates_but_writes_nothing() {
    let out = render_shop(&["--check"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    assert!(stderr(&out).contains("warning:"));
}

/// `--env prod` alone, without `--output-dir`, is `render overlays/prod`: to stdout.
#[test]
fn one_environment_renders_to_stdout_as_its_folder_would() {
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_berth"))
            .current_dir(repo())
            .args(["render", "--root", "."])
            .args(args)
            .output()
            .unwrap()
    };
    let by_env = run(&["overlays", "--env", "prod"]);
    let by_folder = run(&["overlays/prod"]);
    assert_eq!(by_env.status.code(), Some(0), "{}", stderr(&by_env));
    assert!(!by_env.stdout.is_empty());
    assert_eq!(by_env.stdout, by_folder.stdout);
    assert!(
        stderr(&by_env).contains("rendered 30 objects for prod:"),
        "{}",
        stderr(&by_env)
    );
}

#[test]
fn several_environments_need_an_output_dir_or_check() {
    let out = Command::new(env!("CARGO_BIN_EXE_berth"))
        .current_dir(repo())
        .args(["render", "overlays", "--root", ".", "--env", "dev,prod"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(
        stderr(&out).contains("2 environments need --output-dir (or --check)"),
        "{}",
        stderr(&out)
    );
    let out = Command::new(env!("CARGO_BIN_EXE_berth"))
        .current_dir(repo())
        .args(["render", "overlays", "--root", ".", "--env", "qa"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no overlay `qa`"), "{}", stderr(&out));
}
