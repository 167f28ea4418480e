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

/// stderr with the time of its summary line masked: it varies from run to run.
fn mask_time(stderr: &str) -> String {
    regex::Regex::new(r"in [0-9]+(\.[0-9])? m?s\n")
        .unwrap()
        .replace_all(stderr, "in [time]\n")
        .into_owned()
}

/// stdout, then the warnings and relaxations (stderr), as the snapshot text.
fn render(env: &str) -> String {
    let out = berth(&["render", &format!("overlays/{env}")]);
    let stderr = mask_time(&String::from_utf8_lossy(&out.stderr));
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

/// `policy.defaults.resources` fills what the input leaves unset, before hardening's own
/// defaults; values the input sets win.
#[test]
fn policy_defaults_fill_unset_resources_only() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::create_dir_all(root.join("base")).unwrap();
    std::fs::create_dir_all(root.join("env")).unwrap();
    std::fs::write(
        root.join("base/app.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n  \
         template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n        - {name: a, image: nginx:1.27}\n        \
         - {name: b, image: nginx:1.27, resources: {limits: {memory: 1Gi}}}\n",
    )
    .unwrap();
    std::fs::write(
        root.join("env/overlay.yaml"),
        "base: ../base\npolicy:\n  defaults:\n    resources:\n      requests: {cpu: 50m, memory: 64Mi}\n      limits: {memory: 128Mi}\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_berth"))
        .current_dir(root)
        .args(["render", "env", "--root", ".", "--profile", "none", "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let containers = &list["items"][0]["spec"]["template"]["spec"]["containers"];
    assert_eq!(containers[0]["resources"]["requests"]["cpu"], "50m");
    assert_eq!(containers[0]["resources"]["requests"]["memory"], "64Mi");
    assert_eq!(containers[0]["resources"]["limits"]["memory"], "128Mi");
    assert_eq!(
        containers[1]["resources"]["limits"]["memory"], "1Gi",
        "the input's limit wins"
    );
    assert_eq!(containers[1]["resources"]["requests"]["cpu"], "50m");
}

/// Renders `overlay` (the overlay file's text) in `overlay/` over `compose` (a compose
/// file in the root) and returns stderr.
fn render_over_compose(compose: &str, overlay: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("compose.yaml"), compose).unwrap();
    std::fs::create_dir(tmp.path().join("overlay")).unwrap();
    std::fs::write(tmp.path().join("overlay/overlay.yaml"), overlay).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_berth"))
        .current_dir(tmp.path())
        .args(["render", "overlay", "--root", "."])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    stderr
}

/// A patch that sets a container's image replaces the one compose named: that one runs
/// nowhere, so it is not warned about (the policy judges the image that does run).
#[test]
fn an_image_a_patch_replaced_is_not_warned_about() {
    let compose = "name: shop\nservices:\n  web:\n    image: nginx\n  db:\n    image: postgres\n";
    let overlay = "base: ../compose.yaml\npatches:\n  - target: {kind: Deployment, name: web}\n    patch:\n      - {op: replace, path: /spec/template/spec/containers/0/image, value: \"nginx:1.27\"}\n";
    let stderr = render_over_compose(compose, overlay);
    assert!(!stderr.contains("service `web`: image"), "{stderr}");
    assert!(stderr.contains("service `db`: image `postgres` has no tag"), "{stderr}");
}

#[test]
fn image_tag_warning_speaks_of_the_image_after_the_overlays_images() {
    let compose = "name: shop\nservices:\n  web:\n    image: nginx:latest\n  cache:\n    image: redis\n  db:\n    image: postgres\n";
    // The overlay pins web by tag and cache by digest; db gets `latest` spelled out.
    let overlay = "base: ../compose.yaml\nimages:\n  - name: nginx\n    newTag: \"1.27\"\n  - name: redis\n    digest: sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n  - name: postgres\n    newTag: latest\n";
    let stderr = render_over_compose(compose, overlay);
    assert!(
        stderr.contains("service `db`: image `postgres:latest` is tagged `latest` [image-tag]"),
        "{stderr}"
    );
    assert!(!stderr.contains("service `web`: image"), "{stderr}");
    assert!(!stderr.contains("service `cache`: image"), "{stderr}");
    // The same compose file alone still warns about all three.
    let stderr = render_over_compose(compose, "base: ../compose.yaml\n");
    assert!(stderr.contains("warning[image-tag]: 3 warnings"), "{stderr}");
}
