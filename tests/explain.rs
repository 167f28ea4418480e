//! `berth explain`: where each object and field of a render came from, on small
//! fixtures of each input kind (compose, a chart with values and `--set`, an overlay with
//! a patch and transforms, a compose relaxation), the `--object` and `--field` filters,
//! the usage errors (exit 2, nothing on stdout), and the redaction of every Secret value.

mod common;

use std::path::{Path, PathBuf};

use base64::Engine;

fn fixture(case: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/explain")
        .join(case)
}

/// `berth explain ARGS --root ROOT`, run in ROOT: (exit code, stdout, stderr).
fn explain_in(root: &Path, args: &[&str]) -> (i32, String, String) {
    common::berth_in(root, "explain", args)
}

/// Exit 0; stdout.
fn explain(case: &str, args: &[&str]) -> String {
    let (code, stdout, stderr) = explain_in(&fixture(case), args);
    assert_eq!(code, 0, "{stderr}");
    stdout
}

/// Exit 2, nothing on stdout, an `error:` line and a `help:` line; returns stderr.
fn usage_error(case: &str, args: &[&str]) -> String {
    common::usage_error(explain_in(&fixture(case), args))
}

#[test]
fn compose_objects_are_explained_by_their_compose_key_and_hardening() {
    let out = explain("compose", &["compose.yaml", "--object", "Deployment/web"]);
    assert!(out.starts_with("Deployment/shop/web\n  made: converted from compose services.web compose.yaml:4:5\n"));
    insta::assert_snapshot!("compose_deployment", out);
}

#[test]
fn chart_fields_name_their_template_line_and_the_values_they_read() {
    let out = explain(
        "chart",
        &[
            ".",
            "--set",
            "image.tag=2.0.0",
            "--object",
            "Deployment/api",
            "--field",
            "spec.replicas",
        ],
    );
    assert!(
        out.contains(
            "spec.replicas  2      template templates/deployment.yaml:6:1 (values.replicas from values.yaml:4:11)"
        ),
        "{out}"
    );
    let image = explain(
        "chart",
        &[
            ".",
            "--set",
            "image.tag=2.0.0",
            "--object",
            "Deployment/api",
            "--field",
            "spec.template.spec.containers[0].image",
        ],
    );
    insta::assert_snapshot!("chart_image_text", image);
    let json = explain(
        "chart",
        &[
            ".",
            "--set",
            "image.tag=2.0.0",
            "--object",
            "Deployment/api",
            "--field",
            "spec.template.spec.containers[0].image",
            "-o",
            "json",
        ],
    );
    insta::assert_snapshot!("chart_image_json", json);
}

#[test]
fn overlay_fields_name_the_patch_line_and_each_transform() {
    let out = explain("overlay", &["prod", "--object", "Deployment/prod-web"]);
    for expected in [
        "  renamed: namePrefix/nameSuffix (references follow) prod/overlay.yaml:3:13\n",
        "spec.replicas ",
        "strategic patch prod/patches/web.yaml:6:13",
        "images prod/overlay.yaml:7:3",
        "namespace prod/overlay.yaml:2:12",
        "manifest base/app.yaml:9:12",
    ] {
        assert!(out.contains(expected), "{expected}\n{out}");
    }
    insta::assert_snapshot!("overlay_deployment", out);
    // The history of a field, oldest first: the base's line, then the patch's.
    let json = explain(
        "overlay",
        &[
            "prod",
            "--object",
            "Deployment/prod-web",
            "--field",
            "/spec/replicas",
            "-o",
            "json",
        ],
    );
    insta::assert_snapshot!("overlay_replicas_json", json);
}

#[test]
fn env_names_the_overlay_folder() {
    let a = explain("overlay", &["prod", "--object", "Deployment/prod-web"]);
    let b = explain("overlay", &[".", "--env", "prod", "--object", "Deployment/prod-web"]);
    assert_eq!(a, b);
}

#[test]
fn relaxations_say_what_asked_for_them_and_why() {
    let out = explain(
        "relaxed",
        &[
            "compose.yaml",
            "--object",
            "deployment/worker",
            "--field",
            "metadata.annotations",
        ],
    );
    assert!(out.contains("  relaxed: PSS-RESTRICTED: compose user: root (by: converted from compose services.worker compose.yaml:4:5)\n"), "{out}");
    insta::assert_snapshot!("relaxed_annotations", out);
}

#[test]
fn a_field_is_the_same_as_a_path_or_a_pointer_and_includes_its_subfields() {
    let args = |field: &'static str| ["compose.yaml", "--object", "Deployment/web", "--field", field];
    let dotted = explain("compose", &args("spec.strategy"));
    let pointer = explain("compose", &args("/spec/strategy"));
    assert_eq!(dotted, pointer);
    let rows: Vec<&str> = dotted.lines().filter(|l| l.starts_with("  spec.")).collect();
    assert_eq!(rows.len(), 3, "{dotted}");
}

#[test]
fn an_unknown_object_is_a_usage_error_that_names_the_objects_there_are() {
    let stderr = usage_error("compose", &["compose.yaml", "--object", "Deployment/wbe"]);
    insta::assert_snapshot!("unknown_object", stderr);
    let stderr = usage_error("compose", &["compose.yaml", "--object", "web"]);
    assert!(stderr.contains("is not KIND/NAME or KIND/NAMESPACE/NAME"), "{stderr}");
}

#[test]
fn an_unknown_field_is_a_usage_error() {
    // A prefix of a key is not the key.
    let stderr = usage_error(
        "compose",
        &["compose.yaml", "--object", "Deployment/web", "--field", "spec.strat"],
    );
    assert!(
        stderr.contains("--field spec.strat: no selected object has this field"),
        "{stderr}"
    );
}

#[test]
fn two_environments_are_a_usage_error() {
    let stderr = usage_error("overlay", &[".", "--env", "prod,prod"]);
    assert!(stderr.contains("explains one render"), "{stderr}");
}

#[test]
fn a_bad_input_is_render_s_error() {
    let (code, stdout, stderr) = explain_in(&fixture("compose"), &["missing.yaml"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty());
    assert!(stderr.starts_with("error: "), "{stderr}");
}

/// Every Secret value (a compose secret's file, a chart Secret from values and from
/// `--set`, a secretGenerator literal) is masked in both outputs, raw or base64.
#[test]
fn secret_values_are_redacted() {
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let cases: &[(&str, &[&str], &[&str])] = &[
        ("compose", &["compose.yaml"], &["s3cr3t-COMPOSE-1"]),
        ("chart", &["."], &["s3cr3t-CHART-2"]),
        ("chart", &[".", "--set", "password=s3cr3t-FLAG-4"], &["s3cr3t-FLAG-4"]),
        ("overlay", &["prod"], &["s3cr3t-GENERATOR-3"]),
    ];
    for (case, args, secrets) in cases {
        for format in ["text", "json"] {
            let mut all: Vec<&str> = args.to_vec();
            all.extend(["-o", format]);
            let (code, stdout, stderr) = explain_in(&fixture(case), &all);
            assert_eq!(code, 0, "{case} {stderr}");
            assert!(stdout.contains("[redacted]"), "{case} {format}: {stdout}");
            for s in *secrets {
                for shown in [s.to_string(), b64(s), b64(&format!("{s}\n"))] {
                    assert!(!stdout.contains(&shown), "{case} {format} shows {shown}");
                    assert!(!stderr.contains(&shown), "{case} {format} shows {shown} on stderr");
                }
            }
        }
    }
    // The flag that set a secret is named without its value.
    let out = explain(
        "chart",
        &[".", "--set", "password=s3cr3t-FLAG-4", "--object", "Secret/api-db"],
    );
    assert!(out.contains("(values.password from --set password)"), "{out}");
}
