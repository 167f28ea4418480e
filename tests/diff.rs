//! `berth diff`: the repository's example environments compared, equal renders, a Secret
//! change shown without its value, a comparison with another checkout (`--against`), and
//! the usage errors. Exit codes as diff(1): 0 equal, 1 different, 2 trouble.

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(case: &str) -> PathBuf {
    repo().join("tests/fixtures/diff").join(case)
}

/// `berth diff ARGS --root ROOT`, run in ROOT: (exit code, stdout, stderr).
fn diff_in(root: &Path, args: &[&str]) -> (i32, String, String) {
    common::berth_in(root, "diff", args)
}

/// Exit 2, nothing on stdout, an `error:` line and a `help:` line; returns stderr.
fn usage_error(root: &Path, args: &[&str]) -> String {
    common::usage_error(diff_in(root, args))
}

#[test]
fn dev_against_prod_of_the_example() {
    let (code, stdout, _) = diff_in(&repo(), &["overlays", "--env", "dev,prod"]);
    assert_eq!(code, 1);
    // The example's namespaces differ (shop-dev, shop-prod): objects still match.
    assert!(stdout.starts_with("namespace shop-dev -> shop-prod: objects matched by kind and name\n"));
    insta::assert_snapshot!(stdout);
}

#[test]
fn two_env_flags_equal_one_comma_list() {
    let (_, a, _) = diff_in(&repo(), &["overlays", "--env", "dev", "--env", "prod"]);
    let (_, b, _) = diff_in(&repo(), &["overlays", "--env", "dev,prod"]);
    assert_eq!(a, b);
}

#[test]
fn exact_namespaces_match_as_written() {
    let (code, stdout, _) = diff_in(&repo(), &["overlays", "--env", "dev,prod", "--exact-namespaces"]);
    assert_eq!(code, 1);
    let last = stdout.lines().last().unwrap();
    assert!(last.starts_with("0 objects changed, "), "{last}");
    assert!(stdout.contains("+ Deployment/shop-prod/api\n") && stdout.contains("- Deployment/shop-dev/api\n"));
}

#[test]
fn identical_renders_exit_0() {
    let (code, stdout, _) = diff_in(&repo(), &["overlays/staging", "overlays/staging"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!(stdout, @"0 objects changed, 0 added, 0 removed (30 unchanged)");
}

#[test]
fn a_secret_change_is_redacted() {
    let root = fixture("secret");
    let (code, stdout, _) = diff_in(&root, &["old", "new"]);
    assert_eq!(code, 1);
    // Neither the passwords nor their base64 (what the Secret holds).
    for secret in [
        "hunter2",
        "correct-horse",
        "b2xkLWh1bnRlcjI=",
        "bmV3LWNvcnJlY3QtaG9yc2U=",
    ] {
        assert!(!stdout.contains(secret), "{stdout}");
    }
    insta::assert_snapshot!(stdout);
}

#[test]
fn a_secret_change_is_redacted_in_json() {
    let (code, stdout, _) = diff_in(&fixture("secret"), &["old", "new", "-o", "json"]);
    assert_eq!(code, 1);
    for secret in ["b2xkLWh1bnRlcjI=", "bmV3LWNvcnJlY3QtaG9yc2U="] {
        assert!(!stdout.contains(secret), "{stdout}");
    }
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["equal"], false);
    insta::assert_snapshot!(stdout);
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

#[test]
fn against_another_checkout() {
    // Another checkout of the example where prod runs five api replicas.
    let tmp = tempfile::tempdir().unwrap();
    for dir in ["charts", "overlays"] {
        copy_tree(&repo().join(dir), &tmp.path().join(dir));
    }
    let overlay = tmp.path().join("overlays/prod/overlay.yaml");
    let text = std::fs::read_to_string(&overlay).unwrap();
    std::fs::write(&overlay, text.replace("count: 3", "count: 5")).unwrap();
    let (code, stdout, stderr) = diff_in(&repo(), &["overlays/prod", "--against", tmp.path().to_str().unwrap()]);
    assert_eq!(code, 1, "{stderr}");
    insta::assert_snapshot!(stdout, @r"
    ~ Deployment/shop-prod/api
      spec.replicas: 3 -> 5
    1 object changed, 0 added, 0 removed (29 unchanged)
    ");
    // The same with the environment named by --env.
    let (_, with_env, _) = diff_in(
        &repo(),
        &["overlays", "--env", "prod", "--against", tmp.path().to_str().unwrap()],
    );
    assert_eq!(with_env, stdout);
}

#[test]
fn against_a_folder_without_the_path() {
    let tmp = tempfile::tempdir().unwrap();
    let stderr = usage_error(&repo(), &["overlays/prod", "--against", tmp.path().to_str().unwrap()]);
    assert!(stderr.contains("holds no `overlays/prod`"), "{stderr}");
}

#[test]
fn one_env_alone_is_a_usage_error() {
    let stderr = usage_error(&repo(), &["overlays", "--env", "dev"]);
    insta::assert_snapshot!(stderr);
}

#[test]
fn a_path_alone_is_a_usage_error() {
    let stderr = usage_error(&repo(), &["overlays/dev"]);
    assert!(stderr.contains("needs two renders"), "{stderr}");
}

#[test]
fn three_envs_are_a_usage_error() {
    let stderr = usage_error(&repo(), &["overlays", "--env", "dev,staging,prod"]);
    assert!(stderr.contains("--env names 3"), "{stderr}");
}

#[test]
fn an_unknown_env_is_a_usage_error() {
    let stderr = usage_error(&repo(), &["overlays", "--env", "dev,qa"]);
    insta::assert_snapshot!(stderr);
}

#[test]
fn a_side_that_fails_validation_exits_2() {
    // `berth render` exits 1 for this chart; diff keeps 1 for "different".
    let root = fixture("invalid");
    let (code, stdout, stderr) = diff_in(&root, &[".", "."]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty());
    insta::assert_snapshot!(stderr);
}

#[test]
fn help_states_the_exit_codes() {
    let out = Command::new(env!("CARGO_BIN_EXE_berth"))
        .args(["diff", "--help"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8(out.stdout).unwrap();
    for line in [
        "0  the two renders hold the same objects",
        "1  they differ",
        "2  trouble",
    ] {
        assert!(help.contains(line), "`{line}` missing from:\n{help}");
    }
}
