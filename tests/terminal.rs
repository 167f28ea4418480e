//! What berth writes to the terminal, around the manifests: warnings grouped by kind and
//! counted, the summary line, colour (`--color`, `NO_COLOR`, never when piped), `--quiet`,
//! and the policy warnings a render reports as `berth validate` does. The tests run
//! without a terminal, so `auto` means no colour and no progress line.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/terminal")
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `berth ARGS` in `dir`, with `NO_COLOR` and `TERM` removed unless `env` sets them.
fn berth(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_berth"));
    cmd.current_dir(dir).env_remove("NO_COLOR").env_remove("TERM");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.args(args).output().unwrap()
}

fn render(case: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["render", "compose.yaml", "--root", "."];
    args.extend_from_slice(extra);
    berth(&fixtures().join(case), &args, &[])
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// stderr with the time of its summary line masked.
fn masked(out: &std::process::Output) -> String {
    regex::Regex::new(r"in [0-9]+(\.[0-9])? m?s\n")
        .unwrap()
        .replace_all(&stderr(out), "in [time]\n")
        .into_owned()
}

const ESC: char = '\u{1b}';

#[test]
fn one_group_per_warning_kind_with_a_count_and_every_object() {
    let out = render("many", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    // Twelve services, each with the same two warnings and two relaxations: four groups.
    assert_eq!(err.matches("warning[default-uid]: 12 warnings\n").count(), 1, "{err}");
    assert_eq!(
        err.matches("warning[default-resources]: 12 warnings\n").count(),
        1,
        "{err}"
    );
    assert_eq!(
        err.matches("relaxed[REL-READINESS]: 12 objects waive it: ").count(),
        1,
        "{err}"
    );
    // Not a terminal: every object is listed, and each help is printed once.
    assert_eq!(err.matches("runs as UID/GID 10001").count(), 12, "{err}");
    assert_eq!(
        err.matches("  help: if the image needs another user").count(),
        1,
        "{err}"
    );
    assert!(!err.contains("more ("), "{err}");
    insta::assert_snapshot!("many_services", masked(&out));
}

#[test]
fn the_summary_line_counts_objects_warnings_and_waivers() {
    let out = render("many", &[]);
    let err = stderr(&out);
    let last = err.lines().last().unwrap();
    let line =
        regex::Regex::new(r"^rendered 51 objects from compose\.yaml: 24 warnings, 24 waivers, in [0-9]+ ms$").unwrap();
    assert!(line.is_match(last), "{last}");
    // The count of objects is what stdout holds.
    let yaml = String::from_utf8(out.stdout).unwrap();
    assert_eq!(yaml.matches("\napiVersion: ").count() + 1, 51);
    let check = render("many", &["--check"]);
    assert!(
        stderr(&check)
            .lines()
            .last()
            .unwrap()
            .starts_with("checked 51 objects from compose.yaml: ")
    );
}

#[test]
fn several_environments_have_one_summary_and_no_progress_when_piped() {
    let out = berth(
        &repo(),
        &["render", "overlays", "--root", ".", "--env", "dev,prod", "--check"],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = masked(&out);
    assert!(
        err.ends_with("checked 58 objects for 2 environments (dev, prod): 14 warnings, 4 waivers, in [time]\n"),
        "{err}"
    );
    // Each line names its environment; no progress line (stderr is not a terminal).
    assert!(
        err.contains("  - [dev] charts/shop/compose.yaml:18:5: Deployment/shop-dev/web runs as"),
        "{err}"
    );
    assert!(!err.contains('\r') && !err.contains("environments…"), "{err}");
    let one = berth(
        &repo(),
        &["render", "overlays", "--root", ".", "--env", "prod", "--check"],
        &[],
    );
    assert!(
        masked(&one).ends_with("checked 30 objects for prod: 6 warnings, 2 waivers, in [time]\n"),
        "{}",
        masked(&one)
    );
}

#[test]
fn quiet_drops_the_summary_but_not_the_warnings_nor_stdout() {
    let loud = render("many", &[]);
    for quiet in [&["-q"][..], &["--quiet"]] {
        let out = render("many", quiet);
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(out.stdout, loud.stdout);
        let err = stderr(&out);
        assert!(!err.contains("rendered 51 objects"), "{err}");
        assert!(err.contains("warning[default-uid]: 12 warnings"), "{err}");
        assert_eq!(masked(&loud).lines().count(), err.lines().count() + 1);
    }
    // A global flag: before the subcommand too.
    let dir = fixtures().join("many");
    let before = berth(&dir, &["-q", "render", "compose.yaml", "--root", "."], &[]);
    assert_eq!(before.stderr, render("many", &["-q"]).stderr);
}

#[test]
fn colour_only_when_asked_or_on_a_terminal_and_never_with_no_color() {
    let dir = fixtures().join("many");
    let args = ["render", "compose.yaml", "--root", "."];
    let run = |flag: Option<&str>, env: &[(&str, &str)]| {
        let mut a: Vec<&str> = args.to_vec();
        if let Some(f) = flag {
            a.extend(["--color", f]);
        }
        berth(&dir, &a, env)
    };
    let plain = run(None, &[]);
    assert!(!stderr(&plain).contains(ESC), "piped: no colour by default");
    let always = run(Some("always"), &[]);
    assert!(stderr(&always).contains("\u{1b}[1;33mwarning\u{1b}[0m[default-uid]: 12 warnings"));
    assert!(!stderr(&run(Some("never"), &[])).contains(ESC));
    assert!(!stderr(&run(Some("auto"), &[("NO_COLOR", "1")])).contains(ESC));
    assert!(!stderr(&run(None, &[("NO_COLOR", "1")])).contains(ESC));
    // The flag is the user's word: `always` wins over NO_COLOR.
    assert!(stderr(&run(Some("always"), &[("NO_COLOR", "1")])).contains(ESC));
    // Colour never reaches stdout, and takes nothing from stderr but the escapes.
    assert_eq!(always.stdout, plain.stdout);
    let stripped = regex::Regex::new("\u{1b}\\[[0-9;]*m").unwrap();
    let masked_time = |s: &str| {
        regex::Regex::new(r"in [0-9]+ ms")
            .unwrap()
            .replace_all(s, "in [time]")
            .into_owned()
    };
    assert_eq!(
        masked_time(&stripped.replace_all(&stderr(&always), "")),
        masked_time(&stderr(&plain))
    );
}

#[test]
fn errors_and_their_snippets_follow_the_same_colour_decision() {
    let dir = repo().join("tests/fixtures/chart-errors/values-file-duplicate-key");
    let args = ["render", ".", "--root", "."];
    let never = berth(&dir, &args, &[]);
    assert_eq!(never.status.code(), Some(2));
    assert!(!stderr(&never).contains(ESC), "{}", stderr(&never));
    let mut coloured = args.to_vec();
    coloured.extend(["--color", "always"]);
    let always = berth(&dir, &coloured, &[]);
    let err = stderr(&always);
    assert!(
        err.starts_with("\u{1b}[1;31merror\u{1b}[0m: values.yaml:3:1: duplicate key"),
        "{err:?}"
    );
    // miette's snippet is coloured too, and still framed the same way.
    let snippet: Vec<&str> = err.lines().skip(1).take(6).collect();
    assert!(snippet.iter().any(|l| l.contains(ESC)), "{snippet:?}");
    assert!(snippet.iter().any(|l| l.contains('╭')), "{snippet:?}");
    // NO_COLOR leaves the error plain.
    assert!(!stderr(&berth(&dir, &args, &[("NO_COLOR", "yes")])).contains(ESC));
    // validate's errors too; its report (stdout) never gets colour.
    let missing = berth(&dir, &["validate", "--color", "always", "no-such-file.yaml"], &[]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).starts_with("\u{1b}[1;31merror\u{1b}[0m: "),
        "{}",
        stderr(&missing)
    );
}

#[test]
fn render_reports_the_policy_warnings_validate_reports_and_strict_fails_on_them() {
    let out = render("low-uid", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = masked(&out);
    insta::assert_snapshot!("low_uid_render", err);
    assert!(err.contains("warning[SEC-HIGH-UID]: 2 warnings"), "{err}");
    let manifests = String::from_utf8(out.stdout.clone()).unwrap();
    let dir = fixtures().join("low-uid");
    let validated = Command::new(env!("CARGO_BIN_EXE_berth"))
        .current_dir(&dir)
        .args(["validate", "-"])
        .write_stdin(manifests.as_str())
        .output()
        .unwrap();
    let report = String::from_utf8(validated.stdout).unwrap();
    // The same findings: one line each in both.
    let count = |text: &str| text.matches("use 10000 or more").count();
    assert_eq!(count(&report), 2, "{report}");
    assert_eq!(count(&err), count(&report), "{err}\n{report}");
    // --strict fails on them in both, with the same exit code and nothing on stdout.
    let strict = render("low-uid", &["--strict"]);
    assert_eq!(strict.status.code(), Some(1), "{}", stderr(&strict));
    assert!(strict.stdout.is_empty());
    assert!(
        stderr(&strict).contains("2 policy warnings are errors under --strict"),
        "{}",
        stderr(&strict)
    );
    let validated = Command::new(env!("CARGO_BIN_EXE_berth"))
        .current_dir(&dir)
        .args(["validate", "--strict", "-"])
        .write_stdin(manifests.as_str())
        .output()
        .unwrap();
    assert_eq!(validated.status.code(), Some(1));
    // stdout stays the manifests alone, byte for byte, whatever stderr does.
    for extra in [&["-q"][..], &["--color", "always"], &["--check"]] {
        let other = render("low-uid", extra);
        let expected: &[u8] = if extra == ["--check"] { b"" } else { &out.stdout };
        assert_eq!(other.stdout, expected, "{extra:?}");
    }
}
