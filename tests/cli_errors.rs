//! The `berth` binary on bad input: one test per kind of error the book's "errors" chapter
//! explains. Each asserts the contract of DESIGN.md promises 3, 7 and 8: exit code 2,
//! nothing at all on stdout, and on stderr an `error:` line that names the place
//! (`file:line:col`, or the file for whole-file problems) and a `help:` line.
//!
//! Where the location is chosen (decided with the loader, written down in the book):
//! an unknown or duplicate key points at the key; a value of the wrong type, a path or an
//! interpolation points at the value (for a list item: the item); a cycle may point at any
//! link of the cycle; YAML syntax errors are checked by line only, since the column is the
//! parser's. Inputs that cannot be committed (a 1 MiB file, a symlink out of the root) are
//! built in a temporary copy of the fixture.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

fn fixture(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/errors")
        .join(case)
}

/// `berth render compose.yaml --root DIR [extra]`, run from DIR (paths in errors are
/// root-relative, so the working directory does not show in them).
fn render_in(dir: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    Command::new(env!("CARGO_BIN_EXE_berth"))
        .current_dir(dir)
        .arg("render")
        .arg("compose.yaml")
        .arg("--root")
        .arg(dir)
        .args(extra)
        .assert()
}

/// Exit 2, empty stdout, `error: <location>` on stderr (`location` is a regex matched
/// right after `error: `), and a `help:` line.
fn assert_input_error(assert: assert_cmd::assert::Assert, location: &str) -> String {
    let out = assert.code(2).stdout(predicate::str::is_empty()).get_output().clone();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let located = regex::Regex::new(&format!(r"(?m)^error: {location}")).unwrap();
    assert!(
        located.is_match(&stderr),
        "stderr has no `error: {location}` line:\n{stderr}"
    );
    assert!(
        stderr.lines().any(|l| l.trim_start().starts_with("help:")),
        "stderr has no help: line:\n{stderr}"
    );
    stderr
}

fn assert_mentions(stderr: &str, needle: &str) {
    assert!(
        stderr.to_lowercase().contains(&needle.to_lowercase()),
        "stderr does not mention `{needle}`:\n{stderr}"
    );
}

/// Copies a fixture folder into a fresh temporary folder (`<tmp>/project`), so a test can
/// add files that must not be committed; the project's parent is the temp folder itself.
fn scratch_copy(case: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("project");
    std::fs::create_dir(&project).unwrap();
    for entry in std::fs::read_dir(fixture(case)).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), project.join(entry.file_name())).unwrap();
    }
    (tmp, project)
}

#[test]
fn malformed_yaml() {
    // `command:` is indented deeper than `image:`, inside a plain scalar.
    let err = assert_input_error(render_in(&fixture("malformed-yaml"), &[]), r"compose\.yaml:4:\d+: ");
    assert!(!err.contains("panicked"));
}

#[test]
fn duplicate_key() {
    let err = assert_input_error(render_in(&fixture("duplicate-key"), &[]), r"compose\.yaml:4:5: ");
    assert_mentions(&err, "image");
}

#[test]
fn unknown_key_typo() {
    let err = assert_input_error(render_in(&fixture("unknown-key"), &[]), r"compose\.yaml:4:5: ");
    assert_mentions(&err, "restrat");
}

#[test]
fn wrong_type() {
    let err = assert_input_error(render_in(&fixture("wrong-type"), &[]), r"compose\.yaml:4:12: ");
    assert_mentions(&err, "ports");
}

#[test]
fn missing_variable() {
    let err = assert_input_error(render_in(&fixture("missing-variable"), &[]), r"compose\.yaml:3:12: ");
    assert_mentions(&err, "NGINX_TAG");
    // The help says where a value can come from.
    assert_mentions(&err, ".env");
}

#[test]
fn extends_cycle() {
    let err = assert_input_error(render_in(&fixture("extends-cycle"), &[]), r"compose\.yaml:(4|6):14: ");
    assert_mentions(&err, "cycle");
}

#[test]
fn depends_on_cycle() {
    let err = assert_input_error(
        render_in(&fixture("depends-on-cycle"), &[]),
        r"compose\.yaml:(4|7):\d+: ",
    );
    assert_mentions(&err, "cycle");
}

#[test]
fn include_cycle() {
    let err = assert_input_error(
        render_in(&fixture("include-cycle"), &[]),
        r"(other|compose)\.yaml:1:\d+: ",
    );
    assert_mentions(&err, "cycle");
}

#[test]
fn bind_mount_outside_the_root() {
    let err = assert_input_error(render_in(&fixture("bind-outside-root"), &[]), r"compose\.yaml:5:9: ");
    assert_mentions(&err, "../x");
}

#[test]
fn absolute_host_path() {
    let err = assert_input_error(render_in(&fixture("absolute-host-path"), &[]), r"compose\.yaml:5:9: ");
    assert_mentions(&err, "/var/lib/data");
}

#[test]
fn docker_socket() {
    let err = assert_input_error(render_in(&fixture("docker-socket"), &[]), r"compose\.yaml:5:9: ");
    assert_mentions(&err, "docker.sock");
}

#[test]
fn bind_mounted_file_over_one_mib() {
    let (_tmp, project) = scratch_copy("big-bind-file");
    std::fs::write(project.join("big.bin"), vec![b'x'; 1024 * 1024 + 1]).unwrap();
    let err = assert_input_error(render_in(&project, &[]), r"compose\.yaml:6:9: ");
    assert_mentions(&err, "big.bin");
    assert_mentions(&err, "MiB");
}

#[cfg(unix)]
#[test]
fn symlink_escaping_the_root() {
    let (tmp, project) = scratch_copy("symlink-escape");
    let outside = tmp.path().join("outside.conf");
    std::fs::write(&outside, "secret = not-for-berth\n").unwrap();
    std::os::unix::fs::symlink(&outside, project.join("app.conf")).unwrap();
    let err = assert_input_error(render_in(&project, &[]), r"compose\.yaml:6:9: ");
    assert_mentions(&err, "symlink");
    assert!(!err.contains("not-for-berth"), "the target's content leaked:\n{err}");
}

#[test]
fn missing_env_file() {
    let err = assert_input_error(render_in(&fixture("missing-env-file"), &[]), r"compose\.yaml:4:15: ");
    assert_mentions(&err, "missing.env");
}

#[test]
fn unknown_kube_version() {
    let out = render_in(&fixture("valid"), &["--kube-version", "1.12"])
        .code(2)
        .stdout(predicate::str::is_empty())
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(err.lines().any(|l| l.starts_with("error: ")), "no error line:\n{err}");
    assert_mentions(&err, "1.12");
    // The help lists what is supported.
    assert_mentions(&err, berth::validate::DEFAULT_KUBE_VERSION);
    assert!(err.contains("help:"), "no help line:\n{err}");
}

#[test]
fn nonexistent_path() {
    let dir = fixture("valid");
    let out = Command::new(env!("CARGO_BIN_EXE_berth"))
        .current_dir(&dir)
        .args(["render", "no-such-compose.yaml", "--root"])
        .arg(&dir)
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        err.lines()
            .any(|l| l.starts_with("error: ") && l.contains("no-such-compose.yaml")),
        "no error line naming the file:\n{err}"
    );
    assert!(err.contains("help:"), "no help line:\n{err}");
}

#[test]
fn nonexistent_folder() {
    let dir = fixture("valid");
    let out = Command::new(env!("CARGO_BIN_EXE_berth"))
        .current_dir(&dir)
        .args(["render", "no/such/folder/compose.yaml"])
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(err.lines().any(|l| l.starts_with("error: ")), "no error line:\n{err}");
    assert_mentions(&err, "no/such/folder");
    assert!(err.contains("help:"), "no help line:\n{err}");
}

/// The valid fixture renders, so the failures above are about their inputs, not the setup.
#[test]
fn valid_fixture_renders() {
    render_in(&fixture("valid"), &[])
        .code(0)
        .stdout(predicate::str::contains("kind: Deployment"));
}
