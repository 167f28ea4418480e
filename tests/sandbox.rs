//! The sandbox of DESIGN.md promise 1, as one table: every way berth reads a file, each
//! tried with the three ways out of the project root (`..` that climbs out, an absolute
//! path outside, a symlink inside the root that points outside). Each must be refused:
//! exit 2, nothing on stdout, an `error:` line located at the key that names the path
//! (or, for a command-line flag, naming the flag), a `help:` line, and nothing of the
//! file outside on stderr. Files that no input names (`.env`, a chart's `values.yaml`,
//! its templates) can only leave the root through a symlink; they have a table of their
//! own.
//!
//! The second half proves the environment rule: berth reads no process variable unless
//! the command line names it (`--env-var`, `--env-prefix`), and a chart's templates
//! cannot read the environment at all.
//!
//! Symlinks cannot be committed portably, so every project is built at test time in a
//! temporary folder: `<tmp>/project` is the root, `<tmp>/outside` what must stay unread.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// Text that every file outside the root holds; it must never reach stderr.
const CANARY: &str = "OUTSIDE-CANARY-7d1f";

const COMPOSE: &str = "services:\n  web:\n    image: nginx:1.27\n";

const CHART: &str = "name: app\nversion: 1.0.0\n";

const CONFIGMAP_TEMPLATE: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: \"1\"\n";

const BASE_MANIFESTS: &str = "apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  a: \"1\"
";

/// What lies outside the root: a valid input of each kind, so that only the sandbox can
/// be what refuses it.
fn outside(dir: &Path) {
    let files = [
        ("plain.txt", format!("{CANARY}\n")),
        ("vars.env", format!("CANARY={CANARY}\n")),
        ("values.yaml", format!("canary: {CANARY}\n")),
        (
            "compose.yaml",
            format!("services:\n  other:\n    image: nginx:1.27\n    environment:\n      C: {CANARY}\n"),
        ),
        (
            "patch.yaml",
            format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  b: {CANARY}\n"),
        ),
        ("chart/Chart.yaml", "name: up\nversion: 1.0.0\n".into()),
        (
            "chart/templates/cm.yaml",
            format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: up\ndata:\n  c: {CANARY}\n"),
        ),
        ("chart/values.yaml", format!("canary: {CANARY}\n")),
        ("dir/a.txt", format!("{CANARY}\n")),
        (
            "manifests/cm.yaml",
            format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: m\ndata:\n  c: {CANARY}\n"),
        ),
    ];
    for (name, text) in files {
        write(&dir.join(name), &text);
    }
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[derive(Debug, Clone, Copy)]
enum Escape {
    /// `../…/outside/TARGET`, relative to the folder the path is resolved against.
    DotDot,
    /// `<tmp>/outside/TARGET`.
    Absolute,
    /// `escape`, a symlink in that folder to `<tmp>/outside/TARGET`.
    Symlink,
}

const ALL: &[Escape] = &[Escape::DotDot, Escape::Absolute, Escape::Symlink];

/// One way berth reads a file that an input names.
struct Case {
    /// The read path, as the issue and the book name it.
    read: &'static str,
    /// The project (root-relative name, text); `@P@` stands for the escaping path.
    files: &'static [(&'static str, &'static str)],
    /// `berth render` arguments (run from the root, with `--root .`); `@P@` as above.
    args: &'static [&'static str],
    /// Root-relative folder the path is resolved against (where the symlink is made).
    from: &'static str,
    /// What the path names under `outside/`.
    target: &'static str,
    /// Regex of what follows `error: `: the location (`@P@` is the path, escaped).
    at: &'static str,
}

const CASES: &[Case] = &[
    // The command line.
    Case {
        read: "PATH (the compose file, chart or overlay rendered)",
        files: &[],
        args: &["@P@"],
        from: "",
        target: "compose.yaml",
        at: r"PATH `@P@`",
    },
    Case {
        read: "-f (compose files merged over PATH)",
        files: &[("compose.yaml", COMPOSE)],
        args: &["compose.yaml", "-f", "@P@"],
        from: "",
        target: "compose.yaml",
        at: r"-f `@P@`",
    },
    Case {
        read: "-f (values files of a chart)",
        files: &[("Chart.yaml", CHART), ("templates/cm.yaml", CONFIGMAP_TEMPLATE)],
        args: &[".", "-f", "@P@"],
        from: "",
        target: "values.yaml",
        at: r"-f `@P@`",
    },
    Case {
        read: "--env-file",
        files: &[("compose.yaml", COMPOSE)],
        args: &["compose.yaml", "--env-file", "@P@"],
        from: "",
        target: "vars.env",
        at: r"--env-file `@P@`",
    },
    Case {
        read: "--set-file",
        files: &[("Chart.yaml", CHART), ("templates/cm.yaml", CONFIGMAP_TEMPLATE)],
        args: &[".", "--set-file", "a=@P@"],
        from: "",
        target: "plain.txt",
        at: r"--set-file `a=@P@`",
    },
    // Compose.
    Case {
        read: "compose env_file",
        files: &[(
            "app/compose.yaml",
            "services:\n  web:\n    image: nginx:1.27\n    env_file: @P@\n",
        )],
        args: &["app/compose.yaml"],
        from: "app",
        target: "vars.env",
        at: r"app/compose\.yaml:4:15: ",
    },
    Case {
        read: "compose env_file (long syntax)",
        files: &[(
            "compose.yaml",
            "services:\n  web:\n    image: nginx:1.27\n    env_file:\n      - path: @P@\n        required: false\n",
        )],
        args: &["compose.yaml"],
        from: "",
        target: "vars.env",
        at: r"compose\.yaml:5:\d+: ",
    },
    Case {
        read: "compose label_file",
        files: &[(
            "compose.yaml",
            "services:\n  web:\n    image: nginx:1.27\n    label_file: @P@\n",
        )],
        args: &["compose.yaml"],
        from: "",
        target: "vars.env",
        at: r"compose\.yaml:4:\d+: ",
    },
    Case {
        read: "compose configs file",
        files: &[(
            "compose.yaml",
            "services:\n  web:\n    image: nginx:1.27\n    configs: [conf]\nconfigs:\n  conf:\n    file: @P@\n",
        )],
        args: &["compose.yaml"],
        from: "",
        target: "plain.txt",
        at: r"compose\.yaml:7:11: ",
    },
    Case {
        read: "compose secrets file",
        files: &[(
            "compose.yaml",
            "services:\n  web:\n    image: nginx:1.27\n    secrets: [token]\nsecrets:\n  token:\n    file: @P@\n",
        )],
        args: &["compose.yaml"],
        from: "",
        target: "plain.txt",
        at: r"compose\.yaml:7:11: ",
    },
    Case {
        read: "compose bind mount of a file",
        files: &[(
            "compose.yaml",
            "services:\n  web:\n    image: nginx:1.27\n    volumes:\n      - @P@:/etc/app.conf:ro\n",
        )],
        args: &["compose.yaml"],
        from: "",
        target: "plain.txt",
        at: r"compose\.yaml:5:9: ",
    },
    Case {
        read: "compose bind mount of a folder",
        files: &[(
            "compose.yaml",
            "services:\n  web:\n    image: nginx:1.27\n    volumes:\n      - type: bind\n        source: @P@\n        target: /data\n",
        )],
        args: &["compose.yaml"],
        from: "",
        target: "dir",
        at: r"compose\.yaml:5:\d+: ",
    },
    Case {
        read: "compose extends file",
        files: &[(
            "compose.yaml",
            "services:\n  web:\n    extends:\n      file: @P@\n      service: other\n",
        )],
        args: &["compose.yaml"],
        from: "",
        target: "compose.yaml",
        at: r"compose\.yaml:4:\d+: ",
    },
    Case {
        read: "compose include",
        files: &[(
            "compose.yaml",
            "include:\n  - @P@\nservices:\n  web:\n    image: nginx:1.27\n",
        )],
        args: &["compose.yaml"],
        from: "",
        target: "compose.yaml",
        at: r"compose\.yaml:2:\d+: ",
    },
    Case {
        read: "compose include path (long syntax)",
        files: &[(
            "compose.yaml",
            "include:\n  - path: @P@\nservices:\n  web:\n    image: nginx:1.27\n",
        )],
        args: &["compose.yaml"],
        from: "",
        target: "compose.yaml",
        at: r"compose\.yaml:2:\d+: ",
    },
    Case {
        read: "compose include env_file",
        files: &[
            (
                "compose.yaml",
                "include:\n  - path: other.yaml\n    env_file: @P@\nservices:\n  web:\n    image: nginx:1.27\n",
            ),
            ("other.yaml", "services:\n  other:\n    image: nginx:1.27\n"),
        ],
        args: &["compose.yaml"],
        from: "",
        target: "vars.env",
        at: r"compose\.yaml:2:\d+: ",
    },
    Case {
        read: "compose include project_directory",
        files: &[
            (
                "compose.yaml",
                "include:\n  - path: other.yaml\n    project_directory: @P@\nservices:\n  web:\n    image: nginx:1.27\n",
            ),
            ("other.yaml", "services:\n  other:\n    image: nginx:1.27\n"),
        ],
        args: &["compose.yaml"],
        from: "",
        target: "dir",
        at: r"compose\.yaml:2:\d+: ",
    },
    // Charts.
    Case {
        read: "chart dependencies (file:// path)",
        files: &[
            (
                "charts/app/Chart.yaml",
                "name: app\nversion: 1.0.0\ndependencies:\n  - name: up\n    repository: file://@P@\n",
            ),
            ("charts/app/templates/cm.yaml", CONFIGMAP_TEMPLATE),
        ],
        args: &["charts/app"],
        from: "charts/app",
        target: "chart",
        at: r"charts/app/Chart\.yaml:4:\d+: ",
    },
    Case {
        read: "chart files.get",
        files: &[
            ("Chart.yaml", CHART),
            ("files/ok.txt", "ok\n"),
            (
                "templates/cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: {{ files.get(\"@P@\") | tojson }}\n",
            ),
        ],
        args: &["."],
        from: "files",
        target: "plain.txt",
        at: r"(templates/cm\.yaml:6:\d+|files/escape): ",
    },
    Case {
        read: "chart files.glob",
        files: &[
            ("Chart.yaml", CHART),
            ("files/ok.txt", "ok\n"),
            (
                "templates/cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  n: {{ files.glob(\"@P@/*\") | length | string | tojson }}\n",
            ),
        ],
        args: &["."],
        from: "files",
        target: "dir",
        at: r"(templates/cm\.yaml:6:\d+|files/escape): ",
    },
    // Overlays.
    Case {
        read: "overlay base (a chart)",
        files: &[("overlays/dev/overlay.yaml", "base: @P@\n")],
        args: &["overlays/dev"],
        from: "overlays/dev",
        target: "chart",
        at: r"overlays/dev/overlay\.yaml:1:7: ",
    },
    Case {
        read: "overlay base (a compose file)",
        files: &[("overlays/dev/overlay.yaml", "base: @P@\n")],
        args: &["overlays/dev"],
        from: "overlays/dev",
        target: "compose.yaml",
        at: r"overlays/dev/overlay\.yaml:1:7: ",
    },
    Case {
        read: "overlay base (a folder of manifests)",
        files: &[("overlays/dev/overlay.yaml", "base: @P@\n")],
        args: &["overlays/dev"],
        from: "overlays/dev",
        target: "manifests",
        at: r"overlays/dev/overlay\.yaml:1:7: ",
    },
    Case {
        read: "overlay values",
        files: &[
            ("overlays/dev/overlay.yaml", "base: ../../chart\nvalues:\n  - @P@\n"),
            ("chart/Chart.yaml", CHART),
            ("chart/templates/cm.yaml", CONFIGMAP_TEMPLATE),
        ],
        args: &["overlays/dev"],
        from: "overlays/dev",
        target: "values.yaml",
        at: r"overlays/dev/overlay\.yaml:3:\d+: ",
    },
    Case {
        read: "overlay patch path",
        files: &[
            (
                "overlays/dev/overlay.yaml",
                "base: ../../base\npatches:\n  - path: @P@\n",
            ),
            ("base/cm.yaml", BASE_MANIFESTS),
        ],
        args: &["overlays/dev"],
        from: "overlays/dev",
        target: "patch.yaml",
        at: r"overlays/dev/overlay\.yaml:3:\d+: ",
    },
    Case {
        read: "overlay configMapGenerator files",
        files: &[
            (
                "overlays/dev/overlay.yaml",
                "base: ../../base\nconfigMapGenerator:\n  - name: conf\n    files: [@P@]\n",
            ),
            ("base/cm.yaml", BASE_MANIFESTS),
        ],
        args: &["overlays/dev"],
        from: "overlays/dev",
        target: "plain.txt",
        at: r"overlays/dev/overlay\.yaml:(3|4):\d+: ",
    },
    Case {
        read: "overlay configMapGenerator envs",
        files: &[
            (
                "overlays/dev/overlay.yaml",
                "base: ../../base\nconfigMapGenerator:\n  - name: conf\n    envs: [@P@]\n",
            ),
            ("base/cm.yaml", BASE_MANIFESTS),
        ],
        args: &["overlays/dev"],
        from: "overlays/dev",
        target: "vars.env",
        at: r"overlays/dev/overlay\.yaml:(3|4):\d+: ",
    },
    Case {
        read: "overlay secretGenerator files",
        files: &[
            (
                "overlays/dev/overlay.yaml",
                "base: ../../base\nsecretGenerator:\n  - name: creds\n    files: [@P@]\n",
            ),
            ("base/cm.yaml", BASE_MANIFESTS),
        ],
        args: &["overlays/dev"],
        from: "overlays/dev",
        target: "plain.txt",
        at: r"overlays/dev/overlay\.yaml:(3|4):\d+: ",
    },
    Case {
        read: "overlay secretGenerator envs",
        files: &[
            (
                "overlays/dev/overlay.yaml",
                "base: ../../base\nsecretGenerator:\n  - name: creds\n    envs: [@P@]\n",
            ),
            ("base/cm.yaml", BASE_MANIFESTS),
        ],
        args: &["overlays/dev"],
        from: "overlays/dev",
        target: "vars.env",
        at: r"overlays/dev/overlay\.yaml:(3|4):\d+: ",
    },
];

/// A file no input names, read because of where it is; a symlink put in its place.
struct Implicit {
    read: &'static str,
    files: &'static [(&'static str, &'static str)],
    args: &'static [&'static str],
    /// Root-relative path of the symlink.
    link: &'static str,
    target: &'static str,
    at: &'static str,
}

const IMPLICIT: &[Implicit] = &[
    Implicit {
        read: "compose .env beside the first file",
        files: &[("compose.yaml", COMPOSE)],
        args: &["compose.yaml"],
        link: ".env",
        target: "vars.env",
        at: r"\.env: ",
    },
    Implicit {
        read: "compose file found in a folder",
        files: &[],
        args: &["."],
        link: "compose.yaml",
        target: "compose.yaml",
        at: r"compose\.yaml: ",
    },
    Implicit {
        read: "chart Chart.yaml",
        files: &[("templates/cm.yaml", CONFIGMAP_TEMPLATE)],
        args: &["."],
        link: "Chart.yaml",
        target: "chart/Chart.yaml",
        at: r"Chart\.yaml: ",
    },
    Implicit {
        read: "chart values.yaml",
        files: &[("Chart.yaml", CHART), ("templates/cm.yaml", CONFIGMAP_TEMPLATE)],
        args: &["."],
        link: "values.yaml",
        target: "values.yaml",
        at: r"values\.yaml: ",
    },
    Implicit {
        read: "chart template",
        files: &[("Chart.yaml", CHART)],
        args: &["."],
        link: "templates/cm.yaml",
        target: "chart/templates/cm.yaml",
        at: r"templates/cm\.yaml: ",
    },
    Implicit {
        read: "chart templates folder",
        files: &[("Chart.yaml", CHART)],
        args: &["."],
        link: "templates",
        target: "chart/templates",
        at: r"templates/: ",
    },
    Implicit {
        read: "chart files folder",
        files: &[("Chart.yaml", CHART), ("templates/cm.yaml", CONFIGMAP_TEMPLATE)],
        args: &["."],
        link: "files",
        target: "dir",
        at: r"files/: ",
    },
    Implicit {
        read: "chart subchart vendored under charts/",
        files: &[
            ("Chart.yaml", "name: app\nversion: 1.0.0\ndependencies:\n  - name: up\n"),
            ("templates/cm.yaml", CONFIGMAP_TEMPLATE),
        ],
        args: &["."],
        link: "charts/up",
        target: "chart",
        at: r"Chart\.yaml:4:\d+: ",
    },
    Implicit {
        read: "overlay.yaml",
        files: &[],
        args: &["overlays/dev"],
        link: "overlays/dev/overlay.yaml",
        target: "values.yaml",
        at: r"overlays/dev/overlay\.yaml: ",
    },
    Implicit {
        read: "a manifest in an overlay's base folder",
        files: &[
            ("overlays/dev/overlay.yaml", "base: ../../base\n"),
            ("base/cm.yaml", BASE_MANIFESTS),
        ],
        args: &["overlays/dev"],
        link: "base/more.yaml",
        target: "manifests/cm.yaml",
        at: r"base/more\.yaml: ",
    },
];

/// A fresh `<tmp>/project` beside `<tmp>/outside`.
fn project() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("project");
    std::fs::create_dir(&root).unwrap();
    outside(&tmp.path().join("outside"));
    (tmp, root)
}

/// Writes `files` under `root`, `@P@` replaced by `path`.
fn fill(root: &Path, files: &[(&str, &str)], path: &str) {
    for (name, text) in files {
        write(&root.join(name), &text.replace("@P@", path));
    }
}

/// Runs `berth render ARGS --root .` from `root` and checks the refusal; returns stderr.
fn refused(root: &Path, args: &[String], at: &str, what: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_berth"))
        .current_dir(root)
        .env_clear()
        .arg("render")
        .args(args)
        .args(["--root", "."])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{what}: not refused:\n{stderr}");
    assert!(out.stdout.is_empty(), "{what}: stdout is not empty");
    let located = regex::Regex::new(&format!("(?m)^error: {at}")).unwrap();
    assert!(located.is_match(&stderr), "{what}: no `error: {at}` line:\n{stderr}");
    assert!(
        stderr.lines().any(|l| l.trim_start().starts_with("help:")),
        "{what}: no help line:\n{stderr}"
    );
    assert!(!stderr.contains(CANARY), "{what}: the file outside leaked:\n{stderr}");
    assert!(!stderr.contains("panicked"), "{what}:\n{stderr}");
    stderr
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) {
    std::fs::create_dir_all(link.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(target, link).unwrap();
}

#[cfg(unix)]
#[test]
fn every_named_path_that_leaves_the_root_is_refused() {
    let mut failures = Vec::new();
    for case in CASES {
        for &escape in ALL {
            let (tmp, root) = project();
            let target = tmp.path().join("outside").join(case.target);
            let path = match escape {
                Escape::DotDot => {
                    let depth = case.from.split('/').filter(|s| !s.is_empty()).count();
                    format!("{}outside/{}", "../".repeat(depth + 1), case.target)
                }
                Escape::Absolute => target.display().to_string(),
                Escape::Symlink => {
                    symlink(&target, &root.join(case.from).join("escape"));
                    "escape".to_string()
                }
            };
            fill(&root, case.files, &path);
            let args: Vec<String> = case.args.iter().map(|a| a.replace("@P@", &path)).collect();
            let at = case.at.replace("@P@", &regex::escape(&path));
            let what = format!("{} via {escape:?} ({path})", case.read);
            if let Err(e) = std::panic::catch_unwind(|| refused(&root, &args, &at, &what)) {
                failures.push(e.downcast_ref::<String>().cloned().unwrap_or(what));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} refusals failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[cfg(unix)]
#[test]
fn every_implicit_file_behind_a_symlink_out_of_the_root_is_refused() {
    let mut failures = Vec::new();
    for case in IMPLICIT {
        let (tmp, root) = project();
        fill(&root, case.files, "");
        symlink(&tmp.path().join("outside").join(case.target), &root.join(case.link));
        let args: Vec<String> = case.args.iter().map(|a| a.to_string()).collect();
        let what = format!("{} behind a symlink", case.read);
        if let Err(e) = std::panic::catch_unwind(|| refused(&root, &args, case.at, &what)) {
            failures.push(e.downcast_ref::<String>().cloned().unwrap_or(what));
        }
    }
    assert!(
        failures.is_empty(),
        "{} refusals failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// A symlink that stays inside the root is followed: the sandbox refuses what leaves,
/// not symlinks as such.
#[cfg(unix)]
#[test]
fn a_symlink_inside_the_root_is_followed() {
    let (_tmp, root) = project();
    let files = [
        (
            "compose.yaml",
            "services:\n  web:\n    image: nginx:1.27\n    env_file: link.env\n",
        ),
        ("real/vars.env", "GREETING=hello-from-inside\n"),
    ];
    fill(&root, &files, "");
    symlink(&root.join("real/vars.env"), &root.join("link.env"));
    let out = Command::new(env!("CARGO_BIN_EXE_berth"))
        .current_dir(&root)
        .env_clear()
        .args(["render", "compose.yaml", "--root", "."])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("hello-from-inside"));
}

/// `berth render ARGS --root .` in `root` with `BERTH_SECRET_TEST=leak` (and `HOME`) in its
/// environment; (exit code, stdout, stderr).
fn render_with_env(root: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_berth"))
        .current_dir(root)
        .env_clear()
        .env("BERTH_SECRET_TEST", "leak-7d1f")
        .env("HOME", "/home/someone")
        .arg("render")
        .args(args)
        .args(["--root", "."])
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn compose_interpolation_reads_only_the_variables_named_on_the_command_line() {
    let (_tmp, root) = project();
    let files = [(
        "compose.yaml",
        "services:\n  web:\n    image: nginx:1.27\n    environment:\n      TOKEN: ${BERTH_SECRET_TEST}\n      SHORT: ${SECRET_TEST:-unset}\n      HOME_DIR: ${HOME:-no-home}\n",
    )];
    fill(&root, &files, "");

    // Not named: the variable is missing, although the process has it.
    let (code, stdout, stderr) = render_with_env(&root, &["compose.yaml"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stdout.is_empty());
    assert!(stderr.starts_with("error: compose.yaml:5:14: "), "{stderr}");
    assert!(
        stderr.contains("BERTH_SECRET_TEST") && stderr.contains("--env-var"),
        "{stderr}"
    );
    assert!(!stderr.contains("leak-7d1f"), "{stderr}");

    // Named with --env-var: used; nothing else is (HOME keeps its default).
    let (code, stdout, stderr) = render_with_env(&root, &["compose.yaml", "--env-var", "BERTH_SECRET_TEST"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("value: leak-7d1f"), "{stdout}");
    assert!(
        stdout.contains("value: no-home") && !stdout.contains("/home/someone"),
        "{stdout}"
    );
    assert!(stdout.contains("value: unset"), "{stdout}");

    // Named by --env-prefix: every variable with the prefix, the prefix removed.
    fill(
        &root,
        &[(
            "compose.yaml",
            "services:\n  web:\n    image: nginx:1.27\n    environment:\n      SHORT: ${SECRET_TEST}\n      HOME_DIR: ${HOME:-no-home}\n",
        )],
        "",
    );
    let (code, stdout, stderr) = render_with_env(&root, &["compose.yaml", "--env-prefix", "BERTH_"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("value: leak-7d1f"), "{stdout}");
    assert!(stdout.contains("value: no-home"), "{stdout}");
    let (code, _, stderr) = render_with_env(&root, &["compose.yaml"]);
    assert_eq!(
        code,
        Some(2),
        "without the prefix flag SECRET_TEST is missing: {stderr}"
    );
}

/// A chart's templates have no way to the environment: not as a name, not through `env`
/// (the overlay's name), not even when the variable is named on the command line (named
/// variables feed compose interpolation only).
#[test]
fn chart_templates_cannot_read_the_environment() {
    let (_tmp, root) = project();
    let template = |expr: &str| {
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: {{{{ {expr} | string | tojson }}}}\n"
        )
    };
    for named in [false, true] {
        let flags: &[&str] = if named {
            &["--env-var", "BERTH_SECRET_TEST"]
        } else {
            &[]
        };
        fill(&root, &[("Chart.yaml", CHART)], "");
        write(&root.join("templates/cm.yaml"), &template("env"));
        let args: Vec<&str> = ["."].iter().chain(flags).copied().collect();
        let (code, stdout, stderr) = render_with_env(&root, &args);
        assert_eq!(code, Some(0), "{stderr}");
        assert!(
            stdout.contains("a: ''") || stdout.contains("a: \"\""),
            "`env` is the overlay's name, empty here:\n{stdout}"
        );
        assert!(!stdout.contains("leak-7d1f") && !stderr.contains("leak-7d1f"));
        for expr in [
            "BERTH_SECRET_TEST",
            "env.BERTH_SECRET_TEST",
            "environ.BERTH_SECRET_TEST",
        ] {
            write(&root.join("templates/cm.yaml"), &template(expr));
            let (code, stdout, stderr) = render_with_env(&root, &args);
            assert_eq!(code, Some(2), "`{expr}` must not render:\n{stdout}{stderr}");
            assert!(stderr.starts_with("error: templates/cm.yaml:6:"), "{stderr}");
            assert!(!stderr.contains("leak-7d1f"), "{stderr}");
        }
    }
}
