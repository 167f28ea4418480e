//! Secret values never appear in diagnostics (DESIGN.md section 4.1). A distinctive value
//! is put in every place berth takes secrets from: a compose secret's file or variable, an
//! overlay's `secretGenerator` (literals, files, env files), a `Secret` in a base folder or
//! a patch, a `Secret` a chart template writes (literally, or from values), and a `Secret`
//! given to `berth validate`. Then an error is made right beside it, where a snippet or a
//! quoted line would show it, and stderr (and validate's report on stdout) must not hold
//! it, while still locating the error.

use std::path::Path;

use assert_cmd::Command;

const CANARY: &str = "s3cr3t-CANARY-5c8e";

/// One diagnostic beside a secret.
struct Case {
    name: &'static str,
    /// The project (root-relative name, text); `@C@` stands for the secret.
    files: &'static [(&'static str, &'static str)],
    /// The command line, run from the root.
    args: &'static [&'static str],
    /// The expected exit code.
    code: i32,
    /// What stderr must hold (with the report on stdout, for validate): the error's
    /// location, and the mask where a snippet shows the secret's line.
    shows: &'static [&'static str],
}

const BASE: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: \"1\"\n";

const CASES: &[Case] = &[
    // Compose.
    Case {
        name: "compose secret file, an unknown key beside it",
        files: &[
            (
                "compose.yaml",
                "services:\n  web:\n    image: nginx:1.27\n    secrets: [token]\nsecrets:\n  token:\n    file: ./token.txt\n    fil: x\n",
            ),
            ("token.txt", "@C@\n"),
        ],
        args: &["render", "compose.yaml", "--root", "."],
        code: 2,
        shows: &["error: compose.yaml:8:5: "],
    },
    Case {
        name: "compose secret file, warnings under --strict",
        files: &[
            (
                "compose.yaml",
                "services:\n  web:\n    image: nginx\n    secrets: [token]\nsecrets:\n  token:\n    file: ./token.txt\n",
            ),
            ("token.txt", "@C@\n"),
        ],
        args: &["render", "compose.yaml", "--root", ".", "--strict"],
        code: 2,
        shows: &["under --strict"],
    },
    Case {
        name: "compose secret from a named variable, an error beside it",
        files: &[(
            "compose.yaml",
            "services:\n  web:\n    image: nginx:1.27\n    secrets: [token]\nsecrets:\n  token:\n    environment: BERTH_TEST_TOKEN\n    external: maybe\n",
        )],
        args: &["render", "compose.yaml", "--root", ".", "--env-var", "BERTH_TEST_TOKEN"],
        code: 2,
        shows: &["error: compose.yaml:8:"],
    },
    // Overlays: secretGenerator.
    Case {
        name: "secretGenerator literal, an unknown key on the next line",
        files: &[
            (
                "o/overlay.yaml",
                "base: ../base\nsecretGenerator:\n  - name: creds\n    literals:\n      - password=@C@\n    typo: 1\n",
            ),
            ("base/cm.yaml", BASE),
        ],
        args: &["render", "o", "--root", "."],
        code: 2,
        shows: &["error: o/overlay.yaml:6:5: ", "password=[redacted]"],
    },
    Case {
        name: "secretGenerator literal, a duplicate key on the next line",
        files: &[
            (
                "o/overlay.yaml",
                "base: ../base\nsecretGenerator:\n  - name: creds\n    literals:\n      - password=@C@\n    name: again\n",
            ),
            ("base/cm.yaml", BASE),
        ],
        args: &["render", "o", "--root", "."],
        code: 2,
        shows: &["error: o/overlay.yaml:6:5: ", "password=[redacted]"],
    },
    Case {
        name: "secretGenerator literal, a YAML syntax error on the next line",
        files: &[
            (
                "o/overlay.yaml",
                "base: ../base\nsecretGenerator:\n  - name: creds\n    literals:\n      - password=@C@\n      - [unclosed\n",
            ),
            ("base/cm.yaml", BASE),
        ],
        args: &["render", "o", "--root", "."],
        code: 2,
        shows: &["error: o/overlay.yaml:", "password=[redacted]"],
    },
    Case {
        name: "secretGenerator literal without a key (the message quotes it)",
        files: &[
            (
                "o/overlay.yaml",
                "base: ../base\nsecretGenerator:\n  - name: creds\n    literals:\n      - @C@\n",
            ),
            ("base/cm.yaml", BASE),
        ],
        args: &["render", "o", "--root", "."],
        code: 2,
        shows: &["error: o/overlay.yaml:3:5: literal `[redacted]`"],
    },
    Case {
        name: "secretGenerator literal in a flow list, a schema error beside it",
        files: &[
            (
                "o/overlay.yaml",
                "base: ../base\nsecretGenerator:\n  - name: creds\n    literals: [password=@C@, user=admin]\n    type: 5\n",
            ),
            ("base/cm.yaml", BASE),
        ],
        args: &["render", "o", "--root", "."],
        code: 2,
        shows: &["error: o/overlay.yaml:5:"],
    },
    Case {
        name: "secretGenerator env file with a line without a key",
        files: &[
            (
                "o/overlay.yaml",
                "base: ../base\nsecretGenerator:\n  - name: creds\n    envs: [creds.env]\n",
            ),
            ("o/creds.env", "password=@C@\n=@C@\n"),
            ("base/cm.yaml", BASE),
        ],
        args: &["render", "o", "--root", "."],
        code: 2,
        shows: &["error: o/creds.env:2:1: "],
    },
    Case {
        name: "secretGenerator file, a bad key beside it",
        files: &[
            (
                "o/overlay.yaml",
                "base: ../base\nsecretGenerator:\n  - name: creds\n    files: [\"bad key=creds.txt\"]\n",
            ),
            ("o/creds.txt", "@C@\n"),
            ("base/cm.yaml", BASE),
        ],
        args: &["render", "o", "--root", "."],
        code: 2,
        shows: &["error: o/overlay.yaml:3:5: "],
    },
    // Overlays: Secrets in the base and in patches.
    Case {
        name: "a Secret in a base folder, a syntax error beside its value",
        files: &[
            ("o/overlay.yaml", "base: ../base\n"),
            (
                "base/secret.yaml",
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n  password: @C@\n  bad: [\n",
            ),
        ],
        args: &["render", "o", "--root", "."],
        code: 2,
        shows: &["error: base/secret.yaml:7:", "password: [redacted]"],
    },
    Case {
        name: "a Secret patch, a duplicate key beside its value",
        files: &[
            ("o/overlay.yaml", "base: ../base\npatches:\n  - path: secret.yaml\n"),
            (
                "o/secret.yaml",
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n  password: @C@\n  password: again\n",
            ),
            (
                "base/secret.yaml",
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n  password: old\n",
            ),
        ],
        args: &["render", "o", "--root", "."],
        code: 2,
        shows: &["error: o/secret.yaml:7:3: ", "password: [redacted]"],
    },
    // Charts.
    Case {
        name: "a chart Secret written literally, the duplicate key holds the value",
        files: &[
            ("Chart.yaml", "name: app\nversion: 1.0.0\n"),
            (
                "templates/secret.yaml",
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n  password: x\n  password: @C@\n",
            ),
        ],
        args: &["render", ".", "--root", "."],
        code: 2,
        shows: &[
            "error: templates/secret.yaml:7:1: ",
            "(rendered line 7: `  password: [redacted]`)",
        ],
    },
    Case {
        name: "a chart Secret from values, a syntax error on the next line",
        files: &[
            ("Chart.yaml", "name: app\nversion: 1.0.0\n"),
            ("values.yaml", "password: @C@\n"),
            (
                "templates/secret.yaml",
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n  password: {{ values.password }}\n  other: [\n",
            ),
        ],
        args: &["render", ".", "--root", "."],
        code: 2,
        shows: &["error: templates/secret.yaml:7:"],
    },
    Case {
        name: "a chart Secret from values, an undefined value on the next line",
        files: &[
            ("Chart.yaml", "name: app\nversion: 1.0.0\n"),
            ("values.yaml", "password: @C@\n"),
            (
                "templates/secret.yaml",
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n  password: \"@C@\"\n  user: {{ values.user }}\n",
            ),
        ],
        args: &["render", ".", "--root", "."],
        code: 2,
        shows: &["error: templates/secret.yaml:7:", "password: [redacted]"],
    },
    Case {
        name: "a chart Secret failing the schema",
        files: &[
            ("Chart.yaml", "name: app\nversion: 1.0.0\n"),
            ("values.yaml", "password: @C@\n"),
            (
                "templates/secret.yaml",
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n  password: [{{ values.password }}]\n",
            ),
        ],
        args: &["render", ".", "--root", "."],
        code: 1,
        shows: &["Secret/app/creds at /stringData/password"],
    },
    // berth validate.
    Case {
        name: "validate: the duplicate key holds the value",
        files: &[(
            "s.yaml",
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: x\n  password: @C@\n",
        )],
        args: &["validate", "s.yaml"],
        code: 1,
        shows: &["s.yaml:7:3: duplicate key", "password: [redacted]"],
    },
    Case {
        name: "validate: a schema error on the value's line",
        files: &[(
            "s.yaml",
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: [@C@]\n",
        )],
        args: &["validate", "s.yaml"],
        code: 1,
        shows: &["s.yaml:6:13: Secret/s", "password: [redacted]"],
    },
    Case {
        name: "validate: a syntax error on the value's line",
        files: &[(
            "s.yaml",
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  password: [@C@\n",
        )],
        args: &["validate", "s.yaml"],
        code: 1,
        shows: &["s.yaml:"],
    },
    Case {
        name: "validate: a JSON Secret, a schema error on the value's line",
        files: &[(
            "s.json",
            "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"Secret\",\n  \"metadata\": {\"name\": \"s\"},\n  \"stringData\": {\n    \"password\": [\"@C@\"]\n  }\n}\n",
        )],
        args: &["validate", "s.json"],
        code: 1,
        shows: &["s.json:6:"],
    },
    Case {
        name: "validate: Secret data that is not base64 (the message must not quote it)",
        files: &[(
            "s.yaml",
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  ok: aGVsbG8=\n  password: @C@\n",
        )],
        args: &["validate", "s.yaml"],
        code: 1,
        shows: &[
            "s.yaml:7:13: Secret/s",
            "/data/password",
            "is not base64",
            "password: [redacted]",
        ],
    },
    Case {
        name: "a chart Secret whose data is not base64",
        files: &[
            ("Chart.yaml", "name: app\nversion: 1.0.0\n"),
            (
                "templates/secret.yaml",
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\ndata:\n  password: @C@\n",
            ),
        ],
        args: &["render", ".", "--root", "."],
        code: 1,
        shows: &["/data/password", "is not base64"],
    },
    Case {
        name: "validate: the report in every format",
        files: &[(
            "s.yaml",
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: x\n  password: @C@\n",
        )],
        args: &["validate", "s.yaml", "--format", "sarif"],
        code: 1,
        shows: &["duplicate key"],
    },
];

fn write(root: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        let path = root.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text.replace("@C@", CANARY)).unwrap();
    }
}

fn check(case: &Case) -> Result<(), String> {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), case.files);
    let out = Command::new(env!("CARGO_BIN_EXE_berth"))
        .current_dir(tmp.path())
        .env_clear()
        .env("BERTH_TEST_TOKEN", CANARY)
        .args(case.args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    // validate's report is its output; a render's stdout is empty on failure.
    let shown = format!("{stderr}{stdout}");
    let fail = |why: &str| Err(format!("{}: {why}:\n{shown}", case.name));
    if out.status.code() != Some(case.code) {
        return fail(&format!("exit {:?}, expected {}", out.status.code(), case.code));
    }
    if shown.contains(CANARY) {
        return fail("the secret leaked");
    }
    if case.args[0] == "render" && !stdout.is_empty() {
        return fail("stdout is not empty");
    }
    for needle in case.shows {
        if !shown.contains(needle) {
            return fail(&format!("does not show `{needle}`"));
        }
    }
    Ok(())
}

#[test]
fn no_secret_value_appears_in_any_diagnostic() {
    let failures: Vec<String> = CASES.iter().filter_map(|c| check(c).err()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n\n")
    );
}

/// validate's machine formats carry no snippets, but say so by test: no format shows the
/// value.
#[test]
fn no_validate_format_shows_a_secret_value() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        &[(
            "s.yaml",
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: x\n  password: @C@\n  list: [@C@]\n",
        )],
    );
    for format in ["text", "json", "junit", "sarif"] {
        let out = Command::new(env!("CARGO_BIN_EXE_berth"))
            .current_dir(tmp.path())
            .args(["validate", "s.yaml", "--format", format])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{format}");
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!all.contains(CANARY), "{format} shows the secret:\n{all}");
    }
}

/// A successful render of every kind of secret: the warnings and the relaxations on
/// stderr hold none of the values (they are in the manifests on stdout, where they
/// belong).
#[test]
fn warnings_of_a_successful_render_hold_no_secret_value() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        &[
            (
                "compose.yaml",
                "services:\n  web:\n    image: nginx\n    secrets: [token]\n    environment:\n      A: b\nsecrets:\n  token:\n    file: ./token.txt\n",
            ),
            ("token.txt", "@C@\n"),
            (
                "o/overlay.yaml",
                "base: ../compose.yaml\nsecretGenerator:\n  - name: creds\n    literals: [password=@C@]\n    files: [creds.txt]\n    envs: [creds.env]\n",
            ),
            ("o/creds.txt", "@C@\n"),
            ("o/creds.env", "OTHER=@C@\n"),
        ],
    );
    for args in [
        &["render", "compose.yaml", "--root", "."][..],
        &["render", "o", "--root", "."],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_berth"))
            .current_dir(tmp.path())
            .args(args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(
            stderr.contains("warning:"),
            "{args:?}: the case has warnings:\n{stderr}"
        );
        assert!(
            !stderr.contains(CANARY),
            "{args:?}: a warning shows the secret:\n{stderr}"
        );
        assert!(!out.stdout.is_empty());
    }
}
