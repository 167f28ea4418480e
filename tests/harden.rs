//! Hardening and NetworkPolicies end to end: a hand-made converter-like input is
//! hardened and compared with a reviewed golden file, which the independent cross-checker
//! (kubernetes-validate --strict, yamllint, checkov) passes with no failure
//! (`cargo test --test harden -- --ignored` runs it when ../shared is present).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use berth::compose::Project;
use berth::convert::network;
use berth::harden::{self, HardenOptions, Profile};
use berth::manifest::{self, Object};
use berth::yaml::{self, Flavor};
use berth::{Warning, Warnings};
use serde_json::{Value, json};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/harden")
        .join(name)
}

fn read(name: &str) -> String {
    std::fs::read_to_string(fixture(name)).unwrap()
}

fn objects(name: &str) -> Vec<Object> {
    let file: Arc<str> = Arc::from(name);
    yaml::parse_stream(&file, &read(name), Flavor::Manifest)
        .unwrap()
        .into_iter()
        .map(|d| Object::new(d.value, None))
        .collect()
}

fn project(name: &str) -> Project {
    let file: Arc<str> = Arc::from(name);
    let doc = yaml::parse_one(&file, &read(name), Flavor::Compose).unwrap();
    serde_json::from_value(doc.value).unwrap()
}

fn opts(profile: Profile) -> HardenOptions {
    HardenOptions {
        profile,
        kube_version: "1.35".into(),
    }
}

fn emit(objects: &[Object]) -> String {
    let values: Vec<&Value> = objects.iter().map(|o| &o.value).collect();
    yaml::emit_stream(&values).unwrap()
}

/// The web fixture hardened, NetworkPolicies of the shop project added, in install order.
fn render() -> (String, Vec<Warning>) {
    let mut warnings = Warnings::default();
    let mut objs = objects("web.yaml");
    harden::harden(&mut objs, &opts(Profile::Restricted), &mut warnings);
    objs.extend(network::network_policies(
        &project("shop-compose.yaml"),
        "shop",
        &mut warnings,
    ));
    manifest::order(&mut objs);
    (emit(&objs), warnings.into_sorted())
}

/// Compares with a golden file; `BERTH_BLESS=1` rewrites it instead (then review the
/// diff with git as code).
fn check_golden(name: &str, out: &str) {
    if std::env::var_os("BERTH_BLESS").is_some() {
        std::fs::write(fixture(name), out).unwrap();
        return;
    }
    pretty_assertions::assert_eq!(out, read(name));
}

#[test]
fn hardened_output_matches_the_golden_file() {
    let (out, _) = render();
    check_golden("web.hardened.yaml", &out);
}

#[test]
fn hardened_output_warns_once_per_default() {
    let (_, warnings) = render();
    let codes: Vec<&str> = warnings.iter().map(|w| w.code).collect();
    assert_eq!(codes, ["default-resources", "default-uid"]);
    assert!(warnings.iter().all(|w| w.message.contains("Deployment/shop/web")));
}

#[test]
fn hardening_twice_changes_nothing() {
    let mut objs = objects("web.yaml");
    let mut w = Warnings::default();
    let first = harden::harden_with_record(&mut objs, &opts(Profile::Restricted), &mut w);
    assert!(!first.is_empty());
    let once = objs.clone();
    let second = harden::harden_with_record(&mut objs, &opts(Profile::Restricted), &mut w);
    assert_eq!(second, []);
    assert_eq!(objs, once);
}

#[test]
fn every_change_is_recorded_with_a_pointer_that_exists() {
    let mut objs = objects("web.yaml");
    let changes = harden::harden_with_record(&mut objs, &opts(Profile::Restricted), &mut Warnings::default());
    for c in &changes {
        let object = objs.iter().find(|o| o.id() == c.object).unwrap();
        assert!(object.value.pointer(&c.pointer).is_some(), "{c:?}");
        assert!(!c.reason.is_empty());
    }
    let added: Vec<&str> = changes
        .iter()
        .filter(|c| c.pointer.is_empty())
        .map(|c| c.object.as_str())
        .collect();
    assert_eq!(added, ["ServiceAccount/shop/web", "PodDisruptionBudget/shop/web"]);
}

#[test]
fn baseline_sets_no_security_context_and_none_only_resources() {
    for (profile, level) in [(Profile::Baseline, "baseline"), (Profile::None, "privileged")] {
        let mut objs = objects("web.yaml");
        harden::harden(&mut objs, &opts(profile), &mut Warnings::default());
        let dep = &objs.iter().find(|o| o.kind() == "Deployment").unwrap().value;
        let pod = &dep["spec"]["template"]["spec"];
        assert!(pod.get("securityContext").is_none(), "{profile:?}");
        assert!(pod["containers"][0].get("securityContext").is_none());
        assert_eq!(pod["containers"][0]["resources"]["limits"]["memory"], "256Mi");
        let ns = &objs[0].value["metadata"]["labels"];
        assert_eq!(ns["pod-security.kubernetes.io/enforce"], level);
        if profile == Profile::None {
            assert!(pod.get("serviceAccountName").is_none());
            assert!(dep["spec"].get("replicas").is_none());
            assert_eq!(objs.len(), 3);
        } else {
            assert_eq!(pod["serviceAccountName"], "web");
            assert_eq!(dep["spec"]["replicas"], 2);
        }
    }
}

#[test]
fn network_policies_cover_every_service_with_container_ports() {
    let (out, warnings) = render();
    assert!(warnings.iter().all(|w| !w.code.starts_with("network")), "{warnings:?}");
    let docs = yaml::parse_stream(&Arc::from("out"), &out, Flavor::Manifest).unwrap();
    let policy = |name: &str| {
        docs.iter()
            .map(|d| &d.value)
            .find(|v| v["kind"] == "NetworkPolicy" && v["metadata"]["name"] == name)
            .unwrap()
            .clone()
    };
    let web = policy("web");
    assert_eq!(
        web["spec"]["ingress"][0]["ports"],
        json!([{"protocol": "TCP", "port": 8080}])
    );
    let cache = policy("cache");
    assert_eq!(
        cache["spec"]["ingress"][0]["ports"],
        json!([{"protocol": "TCP", "port": 6379}])
    );
    assert!(cache["spec"].get("egress").is_none(), "internal network: no egress");
    let frontend = policy("frontend");
    assert_eq!(
        frontend["spec"]["ingress"][0]["from"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"],
        "ingress-nginx"
    );
}

/// Runs the independent cross-checker over the golden files (objects carrying a waiver
/// are counted apart). Needs ../shared and Python; the first run installs the tools
/// (minutes), hence `#[ignore]`.
#[test]
#[ignore]
fn golden_files_pass_the_cross_checker() {
    let tool = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/tools/crosscheck");
    if !tool.exists() {
        println!("skipped: {} is missing", tool.display());
        return;
    }
    let out = std::process::Command::new(tool)
        .args([
            "--policy",
            "--skip",
            "CKV_K8S_14",
            "--exempt-annotated",
            "berth.dev/waive",
        ])
        .arg(fixture("web.hardened.yaml"))
        .arg(fixture("workloads.hardened.yaml"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("0 schema errors, 0 yaml errors, 0 policy failures"),
        "{stdout}"
    );
}

#[test]
fn every_workload_kind_is_hardened_and_user_values_survive() {
    let mut objs = objects("workloads.yaml");
    let mut warnings = Warnings::default();
    harden::harden(&mut objs, &opts(Profile::Restricted), &mut warnings);
    objs.extend(network::network_policies(
        &project("workloads-compose.yaml"),
        "shop",
        &mut warnings,
    ));
    manifest::order(&mut objs);
    let out = emit(&objs);
    check_golden("workloads.hardened.yaml", &out);
}
