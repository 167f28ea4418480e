//! The book's worked examples, run as tests so the guide cannot drift from what berth does.
//!
//! A code block the book marks with `<!-- file: PATH -->` on the line before it is a file
//! of the example: in `from-helm.md` it must equal `tests/fixtures/helm-port/PATH` (the
//! Helm chart, its berth port, the overlay), which is rendered here; in
//! `getting-started.md` the marked files are written into a scratch project and the
//! chapter's commands are run over them. The compose chapter's table of every key is
//! `convert::keys::book_table()` verbatim (`BERTH_BLESS=1` rewrites it), and the kompose
//! chapter names every label berth honours.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn chapter(name: &str) -> String {
    std::fs::read_to_string(repo().join("book/src").join(name)).unwrap()
}

/// The code blocks of a chapter marked `<!-- file: PATH -->`, by PATH.
fn marked_files(md: &str) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    let mut lines = md.lines();
    while let Some(line) = lines.next() {
        let Some(path) = line
            .trim()
            .strip_prefix("<!-- file: ")
            .and_then(|r| r.strip_suffix(" -->"))
        else {
            continue;
        };
        let fence = lines.next().unwrap_or_default();
        assert!(fence.starts_with("```"), "{path}: no code block after the marker");
        let mut text = String::new();
        for l in lines.by_ref() {
            if l == "```" {
                break;
            }
            text.push_str(l);
            text.push('\n');
        }
        assert!(files.insert(path.to_string(), text).is_none(), "{path} is marked twice");
    }
    files
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

fn berth(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_berth"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn validate_strict(dir: &Path, manifests: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_berth"))
        .current_dir(dir)
        .args(["validate", "--strict", "-"])
        .write_stdin(manifests)
        .output()
        .unwrap()
}

fn helm_port() -> PathBuf {
    repo().join("tests/fixtures/helm-port")
}

#[test]
fn the_helm_guide_quotes_the_fixture_files() {
    let quoted = marked_files(&chapter("from-helm.md"));
    let root = helm_port();
    let on_disk: Vec<String> = files_under(&root)
        .iter()
        .map(|p| p.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/"))
        .collect();
    for path in &on_disk {
        let text = std::fs::read_to_string(root.join(path)).unwrap();
        let Some(shown) = quoted.get(path) else {
            panic!("from-helm.md does not show tests/fixtures/helm-port/{path}");
        };
        pretty_assertions::assert_eq!(shown, &text, "from-helm.md shows {path} differently");
    }
    for path in quoted.keys() {
        assert!(
            on_disk.contains(path),
            "from-helm.md shows {path}, which is not in tests/fixtures/helm-port"
        );
    }
}

#[test]
fn the_ported_chart_renders_clean_under_strict() {
    let out = berth(
        &helm_port(),
        &["render", "greeter", "--release-name", "demo", "--strict"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Nothing to say but the summary line.
    let err = stderr(&out);
    assert!(
        err.starts_with("rendered 8 objects from greeter: 0 warnings, 0 waivers, in ") && err.lines().count() == 1,
        "{err}"
    );
    let manifests = stdout(&out);
    insta::assert_snapshot!("helm_port_demo", manifests);
    let checked = validate_strict(&helm_port(), &manifests);
    assert_eq!(checked.status.code(), Some(0), "{}", stdout(&checked));
}

#[test]
fn the_prod_overlay_equals_helm_style_flags() {
    let overlay = berth(&helm_port(), &["render", "overlays/prod", "--strict"]);
    assert_eq!(overlay.status.code(), Some(0), "{}", stderr(&overlay));
    let flags = berth(
        &helm_port(),
        &[
            "render",
            "greeter",
            "-f",
            "overlays/prod/values.yaml",
            "--release-name",
            "web",
            "-n",
            "greeter-prod",
        ],
    );
    assert_eq!(flags.status.code(), Some(0), "{}", stderr(&flags));
    let manifests = stdout(&overlay);
    assert_eq!(manifests, stdout(&flags));
    for text in [
        "  name: web-greeter\n  namespace: greeter-prod\n",
        "image: ghcr.io/example/greeter:1.4.3",
        "replicas: 3",
        "- name: LOG_LEVEL\n              value: info",
        "- host: greeter.example.com",
    ] {
        assert!(manifests.contains(text), "{text}\n{manifests}");
    }
    let checked = validate_strict(&helm_port(), &manifests);
    assert_eq!(checked.status.code(), Some(0), "{}", stdout(&checked));
}

#[test]
fn the_guide_shows_the_required_error_of_the_port() {
    let out = berth(
        &helm_port(),
        &[
            "render",
            "greeter",
            "--set",
            "ingress.enabled=true",
            "--set",
            "ingress.hosts[0].path=/x",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    let first = err.lines().next().unwrap();
    assert_eq!(
        first,
        "error: tests/fixtures/helm-port/greeter/templates/ingress.yaml:13:16: a required value is missing: every ingress.hosts entry needs a host"
    );
    let guide = chapter("from-helm.md");
    assert!(
        guide.contains(
            "error: greeter/templates/ingress.yaml:13:16: a required value is missing: every ingress.hosts entry needs a host"
        ),
        "from-helm.md quotes another error than berth gives"
    );
}

/// The getting-started path: a compose project, its first render, one overlay, a
/// validated prod render, and the files `kubectl apply -f` would read.
#[test]
fn getting_started_reaches_a_validated_prod_render() {
    let files = marked_files(&chapter("getting-started.md"));
    assert!(files.contains_key("compose.yaml"), "{:?}", files.keys());
    assert!(files.contains_key("overlays/prod/overlay.yaml"), "{:?}", files.keys());
    let dir = tempfile::tempdir().unwrap();
    // `git init`: the project root is the repository.
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    for (path, text) in &files {
        let at = dir.path().join(path);
        std::fs::create_dir_all(at.parent().unwrap()).unwrap();
        std::fs::write(at, text).unwrap();
    }
    std::fs::write(dir.path().join("db_password.txt"), "change-me\n").unwrap();

    let first = berth(dir.path(), &["render", "compose.yaml"]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    assert!(stdout(&first).contains("kind: StatefulSet"));

    let prod = berth(dir.path(), &["render", "overlays/prod"]);
    assert_eq!(prod.status.code(), Some(0), "{}", stderr(&prod));
    // The images' users are below 10000: the overlay waives the rule for them, the render
    // reports the waiver, and --strict passes, as `berth validate --strict` does.
    assert!(
        stderr(&prod).contains("relaxed[SEC-HIGH-UID]: 2 objects waive it"),
        "{}",
        stderr(&prod)
    );
    assert!(!stderr(&prod).contains("warning[SEC-HIGH-UID]"), "{}", stderr(&prod));
    let strict = berth(dir.path(), &["render", "overlays/prod", "--strict", "--check"]);
    assert_eq!(strict.status.code(), Some(0), "{}", stderr(&strict));
    // Without the waiver, --strict fails on the four warnings.
    let overlay = dir.path().join("overlays/prod/overlay.yaml");
    let text = std::fs::read_to_string(&overlay).unwrap();
    let unwaived = &text[..text.find("  waivers:").expect("the guide's overlay waives")];
    std::fs::write(&overlay, unwaived).unwrap();
    let failing = berth(dir.path(), &["render", "overlays/prod", "--strict", "--check"]);
    assert_eq!(failing.status.code(), Some(1), "{}", stderr(&failing));
    assert!(
        stderr(&failing).contains("4 policy warnings are errors under --strict"),
        "{}",
        stderr(&failing)
    );
    std::fs::write(&overlay, &text).unwrap();
    let manifests = stdout(&prod);
    for text in [
        "kind: Namespace\nmetadata:\n  name: gitea-prod\n",
        "image: gitea/gitea:1.22.3-rootless",
        "- host: git.example.com",
        "kind: Secret",
    ] {
        assert!(manifests.contains(text), "{text}\n{manifests}");
    }
    let checked = Command::new(env!("CARGO_BIN_EXE_berth"))
        .current_dir(dir.path())
        .args(["validate", "-"])
        .write_stdin(manifests.as_str())
        .output()
        .unwrap();
    assert_eq!(checked.status.code(), Some(0), "{}", stdout(&checked));

    let check = berth(dir.path(), &["render", "overlays/prod", "--check"]);
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
    assert!(check.stdout.is_empty());

    let written = berth(
        dir.path(),
        &["render", "overlays/prod", "--output-dir", "rendered/prod"],
    );
    assert_eq!(written.status.code(), Some(0), "{}", stderr(&written));
    let names: Vec<String> = files_under(&dir.path().join("rendered/prod"))
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.first().map(String::as_str), Some("001-namespace-gitea-prod.yaml"));
    assert!(names.iter().any(|n| n.ends_with("-ingress-gitea.yaml")), "{names:?}");
}

#[test]
fn the_compose_chapter_holds_the_generated_key_table() {
    let path = repo().join("book/src/compose.md");
    let md = std::fs::read_to_string(&path).unwrap();
    let begin = "<!-- BEGIN generated: berth::convert::keys::book_table() -->\n";
    let end = "<!-- END generated -->";
    let (head, rest) = md.split_once(begin).expect("compose.md has no BEGIN marker");
    let (table, tail) = rest.split_once(end).expect("compose.md has no END marker");
    let generated = berth::convert::keys::book_table();
    if std::env::var_os("BERTH_BLESS").is_some() {
        std::fs::write(&path, format!("{head}{begin}{generated}{end}{tail}")).unwrap();
        return;
    }
    pretty_assertions::assert_eq!(
        table,
        generated,
        "compose.md's key table is stale: run the tests with BERTH_BLESS=1"
    );
}

#[test]
fn the_kompose_chapter_names_every_honoured_label() {
    let md = chapter("from-kompose.md");
    for (label, knob) in berth::convert::xberth::KOMPOSE_LABELS {
        assert!(
            md.contains(&format!("| `{label}` |")),
            "from-kompose.md has no row for {label}"
        );
        let first = knob.split_whitespace().next().unwrap();
        assert!(
            md.contains(&format!("`{first}`")),
            "from-kompose.md does not name {first}"
        );
    }
}

/// The kompose chapter's worked example: its labels are read as the chapter says, and the
/// warning it quotes is the one berth gives.
#[test]
fn the_kompose_example_renders_as_the_guide_says() {
    let md = chapter("from-kompose.md");
    let files = marked_files(&md);
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    std::fs::write(dir.path().join("compose.yaml"), &files["compose.yaml"]).unwrap();
    let out = berth(dir.path(), &["render", "compose.yaml", "--output-dir", "k8s"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    let quoted = err
        .lines()
        .find(|l| l.contains("kompose.hpa.cpu"))
        .expect("no warning about kompose.hpa.cpu");
    assert!(md.contains(quoted), "from-kompose.md does not quote: {quoted}");
    let k8s = dir.path().join("k8s");
    let all: String = files_under(&k8s)
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    for text in [
        "type: NodePort",
        "nodePort: 30080",
        "schedule: 0 3 * * *",
        "storageClassName: fast",
        "storage: 5Gi",
        "fsGroup: 999",
        "kind: CronJob",
        "kind: StatefulSet",
    ] {
        assert!(all.contains(text), "{text}");
    }
    assert!(!all.contains("kompose."), "a kompose label was copied into the output");
}
