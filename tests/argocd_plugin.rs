//! The Argo CD plugin (`integrations/argocd/plugin.yaml`) run the way Argo CD's CMP server
//! runs it: its `generate` command and args as one process (`sh -c SCRIPT`), in the
//! Application's source folder of a copy of the repository without `.git`, with a
//! cleared environment holding only PATH (the built berth first), Argo CD's build
//! variables and the Application's plugin env as `ARGOCD_ENV_*`. Argo CD takes stdout as
//! the manifests, so stdout must be the manifests and nothing else, and nothing on error.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `spec.generate`: command then args, the argv Argo CD executes.
fn generate_argv() -> Vec<String> {
    let text = std::fs::read_to_string(repo().join("integrations/argocd/plugin.yaml")).unwrap();
    let plugin: Value = serde_saphyr::from_str(&text).unwrap();
    assert_eq!(plugin["apiVersion"], "argoproj.io/v1alpha1");
    assert_eq!(plugin["kind"], "ConfigManagementPlugin");
    assert_eq!(plugin["metadata"]["name"], "berth");
    assert!(plugin["spec"].get("init").is_none(), "berth needs no init step");
    let generate = &plugin["spec"]["generate"];
    let words = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
            .unwrap_or_default()
    };
    let mut argv = words(&generate["command"]);
    argv.extend(words(&generate["args"]));
    assert_eq!(argv.first().map(String::as_str), Some("sh"));
    argv
}

fn discover_argv() -> Vec<String> {
    let text = std::fs::read_to_string(repo().join("integrations/argocd/plugin.yaml")).unwrap();
    let plugin: Value = serde_saphyr::from_str(&text).unwrap();
    plugin["spec"]["discover"]["find"]["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

/// Runs `argv` as the CMP server does: in `app_dir`, with only PATH, Argo CD's build
/// variables and `plugin_env` (named as in the Application, prefixed here).
fn run_as_argocd(
    argv: &[String],
    app_dir: &Path,
    source_path: &str,
    plugin_env: &[(&str, &str)],
) -> std::process::Output {
    let berth = PathBuf::from(env!("CARGO_BIN_EXE_berth"));
    let path = format!("{}:/usr/local/bin:/usr/bin:/bin", berth.parent().unwrap().display());
    let (program, args) = argv.split_first().unwrap();
    let mut cmd = Command::new(program);
    cmd.args(args)
        .current_dir(app_dir)
        .env_clear()
        .env("PATH", path)
        .env("ARGOCD_APP_NAME", "shop-prod")
        .env("ARGOCD_APP_NAMESPACE", "shop-prod")
        .env("ARGOCD_APP_REVISION", "0123456789abcdef0123456789abcdef01234567")
        .env("ARGOCD_APP_REVISION_SHORT", "0123456")
        .env("ARGOCD_APP_SOURCE_PATH", source_path)
        .env(
            "ARGOCD_APP_SOURCE_REPO_URL",
            "https://git.example.com/platform/shop.git",
        )
        .env("ARGOCD_APP_SOURCE_TARGET_REVISION", "main")
        .env("KUBE_VERSION", "1.35.0")
        .env(
            "KUBE_API_VERSIONS",
            "v1,apps/v1,batch/v1,networking.k8s.io/v1,policy/v1",
        );
    for (name, value) in plugin_env {
        cmd.env(format!("ARGOCD_ENV_{name}"), value);
    }
    cmd.output().unwrap()
}

/// What `berth render ARGS` prints from the repository root, the reference output.
fn berth_render(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> String {
    let out = assert_cmd::Command::new(env!("CARGO_BIN_EXE_berth"))
        .current_dir(dir)
        .arg("render")
        .args(args)
        .env_clear()
        .envs(envs.iter().copied())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// A copy of `dirs` of the repository in a fresh folder: what the CMP sidecar receives
/// (a tarball of the repository; here without `.git`, as with a tar exclusion).
fn checkout(dirs: &[&str]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for dir in dirs {
        copy_dir(&repo().join(dir), &tmp.path().join(dir));
    }
    tmp
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dest = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), dest).unwrap();
        }
    }
}

/// stdout as a YAML stream: every document a Kubernetes object, nothing else.
fn objects(stdout: &str) -> Vec<Value> {
    let docs: Vec<Value> = serde_saphyr::from_multiple(stdout).unwrap();
    assert!(!docs.is_empty());
    for doc in &docs {
        assert!(
            doc["apiVersion"].is_string() && doc["kind"].is_string() && doc["metadata"]["name"].is_string(),
            "not a Kubernetes object: {doc}"
        );
    }
    docs
}

#[test]
fn generate_in_an_overlay_folder_prints_the_overlay_render() {
    let tmp = checkout(&["charts", "overlays"]);
    let out = run_as_argocd(
        &generate_argv(),
        &tmp.path().join("overlays/prod"),
        "overlays/prod",
        &[],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let expected = berth_render(&repo(), &["overlays/prod", "--root", "."], &[]);
    assert_eq!(objects(&stdout), objects(&expected));
    assert_eq!(stdout, expected, "the plugin's bytes are berth render's");
    assert!(objects(&stdout).iter().any(|o| o["kind"] == "Deployment"));
}

#[test]
fn berth_env_renders_one_overlay_of_a_folder_of_overlays() {
    let tmp = checkout(&["charts", "overlays"]);
    for env in ["dev", "staging", "prod"] {
        let out = run_as_argocd(
            &generate_argv(),
            &tmp.path().join("overlays"),
            "overlays",
            &[("BERTH_ENV", env)],
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{env}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let expected = berth_render(&repo(), &[&format!("overlays/{env}"), "--root", "."], &[]);
        assert_eq!(String::from_utf8(out.stdout).unwrap(), expected, "{env}");
    }
}

#[test]
fn the_application_env_reaches_compose_interpolation() {
    let tmp = checkout(&["tests/fixtures/argocd"]);
    let app = tmp.path().join("tests/fixtures/argocd/compose");
    let source = "tests/fixtures/argocd/compose";
    let out = run_as_argocd(&generate_argv(), &app, source, &[("REGISTRY", "registry.example.com")]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let expected = berth_render(
        &repo().join(source),
        &[".", "--env-var", "REGISTRY"],
        &[("REGISTRY", "registry.example.com")],
    );
    assert_eq!(stdout, expected);
    let images: Vec<String> = objects(&stdout)
        .iter()
        .filter(|o| o["kind"] == "Deployment")
        .map(|o| o["spec"]["template"]["spec"]["containers"][0]["image"].to_string())
        .collect();
    assert_eq!(images, ["\"registry.example.com/web:1.4.2\""]);
}

#[test]
fn bad_input_fails_with_nothing_on_stdout() {
    // A compose variable the Application does not set.
    let tmp = checkout(&["tests/fixtures/argocd"]);
    let source = "tests/fixtures/argocd/compose";
    let out = run_as_argocd(&generate_argv(), &tmp.path().join(source), source, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stderr).contains("variable `REGISTRY` is required"));

    // An overlay with a misspelt key.
    let tmp = checkout(&["tests/fixtures/overlay-errors/unknown-key"]);
    let source = "tests/fixtures/overlay-errors/unknown-key/overlay";
    let out = run_as_argocd(&generate_argv(), &tmp.path().join(source), source, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("namePrefx"));

    // An environment that is not there.
    let tmp = checkout(&["charts", "overlays"]);
    let out = run_as_argocd(
        &generate_argv(),
        &tmp.path().join("overlays"),
        "overlays",
        &[("BERTH_ENV", "qa")],
    );
    assert_ne!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
}

#[test]
fn discovery_matches_berth_folders_only() {
    let tmp = checkout(&["charts", "overlays", "tests/fixtures/argocd"]);
    let found = |dir: &str| {
        let out = run_as_argocd(&discover_argv(), &tmp.path().join(dir), dir, &[]);
        assert_eq!(out.status.code(), Some(0), "{dir}");
        !out.stdout.is_empty()
    };
    assert!(found("overlays/prod"), "an overlay");
    assert!(found("overlays"), "a folder of overlays");
    assert!(found("charts/shop"), "a chart");
    assert!(found("tests/fixtures/argocd/compose"), "a compose project");
    assert!(!found("tests/fixtures"), "a folder with none of them");
}
