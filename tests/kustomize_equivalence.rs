//! The Kustomize equivalence suite (issue 4): each tree under `tests/fixtures/kustomize/`
//! says one thing twice over the same folder of plain manifests, as a kustomization and
//! as a berth overlay. `kubectl kustomize` and `berth render --profile none` must give the
//! same objects, compared as sets keyed by (apiVersion, kind, namespace, name), field by
//! field. A difference berth makes on purpose is listed in the case's `differences.txt`
//! and explained in the book (`book/src/from-kustomize.md`); any other is a failure.
//!
//! Where Kustomize is weak (merge keys and name references inside custom resources), the
//! trees under `tests/fixtures/kustomize/beyond/` show berth's own output as snapshots.
//!
//! A case's layout:
//!
//! ```text
//! <case>/base/                      plain manifests, read by both sides, and the
//!                                   kustomization.yaml that lists them for Kustomize
//!                                   (a manifests base skips it)
//! <case>/kustomize/kustomization.yaml   resources: [../base], then the changes
//! <case>/berth/overlay.yaml             base: ../base, then the same changes
//! <case>/differences.txt            optional: `object | pointer | why` per line
//! ```
//!
//! Stacked cases add a middle layer on each side (`kustomize-mid/`, `berth-mid/`, ...).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use berth::yaml::{self, Flavor};
use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kustomize")
}

/// Runs a test per case, and checks that every case folder has its test.
macro_rules! cases {
    ($($test:ident => $dir:literal,)*) => {
        $(
            #[test]
            fn $test() {
                check($dir);
            }
        )*

        const CASES: &[&str] = &[$($dir),*];
    };
}

cases! {
    annotations => "annotations",
    generator_merge => "generator-merge",
    generator_options => "generator-options",
    generators => "generators",
    images => "images",
    labels_metadata_only => "labels-metadata-only",
    labels_selectors => "labels-selectors",
    labels_templates => "labels-templates",
    namespace => "namespace",
    patch_delete_object => "patch-delete-object",
    patch_directives => "patch-directives",
    patch_json6902 => "patch-json6902",
    patch_merge => "patch-merge",
    patch_strategic_file => "patch-strategic-file",
    patch_strategic_inline => "patch-strategic-inline",
    patch_targets_json6902 => "patch-targets-json6902",
    patch_targets_merge => "patch-targets-merge",
    patch_targets_strategic => "patch-targets-strategic",
    prefix_suffix_references => "prefix-suffix-references",
    production_overlay => "production-overlay",
    replicas => "replicas",
    stacked_overlays => "stacked-overlays",
}

/// Folders under the fixtures that are not equivalence cases.
const NOT_CASES: &[&str] = &["beyond"];

#[test]
fn every_case_folder_has_a_test() {
    let mut folders: Vec<String> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !NOT_CASES.contains(&n.as_str()))
        .collect();
    folders.sort();
    let mut listed: Vec<String> = CASES.iter().map(|c| c.to_string()).collect();
    listed.sort();
    assert_eq!(folders, listed, "add each case folder to `cases!` in this file");
    assert!(CASES.len() >= 15, "issue 4 asks for at least 15 trees");
}

// ---- running both sides ----

/// Whether `kubectl` can run; says why the suite is skipped when it cannot.
fn kubectl_available() -> bool {
    let ok = Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!(
            "SKIPPED: `kubectl` is not on PATH, so the Kustomize side cannot be rendered; \
             install kubectl (`apt-get install -y kubectl`, as .ci/run does) to run the equivalence suite"
        );
    }
    ok
}

fn kustomize(case: &Path) -> String {
    let out = Command::new("kubectl")
        .arg("kustomize")
        .arg(case.join("kustomize"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "kubectl kustomize {}/kustomize failed:\n{}",
        case.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// stderr with the time of its summary line masked: it varies from run to run.
fn mask_time(stderr: &str) -> String {
    regex::Regex::new(r"in [0-9]+(\.[0-9])? m?s\n")
        .unwrap()
        .replace_all(stderr, "in [time]\n")
        .into_owned()
}

/// `berth render <case>/<dir> --profile none --root <case>`: stdout and stderr (its time
/// masked).
fn berth(case: &Path, dir: &str) -> (String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_berth"))
        .current_dir(case)
        .args(["render", dir, "--profile", "none", "--root", "."])
        .output()
        .unwrap();
    let stderr = mask_time(&String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        out.status.code(),
        Some(0),
        "berth render {}/{dir} failed:\n{stderr}",
        case.display()
    );
    (String::from_utf8(out.stdout).unwrap(), stderr)
}

// ---- comparing ----

/// (apiVersion, kind, namespace, name).
type Key = (String, String, String, String);

fn key_of(v: &Value) -> Key {
    let s = |p: &str| v.pointer(p).and_then(Value::as_str).unwrap_or("").to_string();
    (
        s("/apiVersion"),
        s("/kind"),
        s("/metadata/namespace"),
        s("/metadata/name"),
    )
}

/// `Kind/namespace/name`, or `Kind/name` without a namespace (as berth names objects).
fn show(key: &Key) -> String {
    let (_, kind, ns, name) = key;
    if ns.is_empty() {
        format!("{kind}/{name}")
    } else {
        format!("{kind}/{ns}/{name}")
    }
}

fn objects(side: &str, text: &str) -> BTreeMap<Key, Value> {
    let name: Arc<str> = Arc::from(side);
    let mut set = BTreeMap::new();
    for doc in yaml::parse_stream(&name, text, Flavor::Manifest).unwrap() {
        if doc.value.is_null() {
            continue;
        }
        let key = key_of(&doc.value);
        assert!(
            set.insert(key.clone(), doc.value).is_none(),
            "{side} emits {} twice",
            show(&key)
        );
    }
    set
}

/// One field (or object, at the empty pointer) that the two sides do not agree on.
#[derive(Debug)]
struct Difference {
    object: String,
    pointer: String,
    kustomize: Option<Value>,
    berth: Option<Value>,
}

fn compare(kustomize: &BTreeMap<Key, Value>, berth: &BTreeMap<Key, Value>) -> Vec<Difference> {
    let mut out = Vec::new();
    let keys: std::collections::BTreeSet<&Key> = kustomize.keys().chain(berth.keys()).collect();
    for key in keys {
        let object = show(key);
        fields(&object, String::new(), kustomize.get(key), berth.get(key), &mut out);
    }
    out
}

/// Field-by-field differences under `pointer`; maps by key (order ignored), lists item by
/// item when they have the same length, else as a whole.
fn fields(object: &str, pointer: String, k: Option<&Value>, b: Option<&Value>, out: &mut Vec<Difference>) {
    match (k, b) {
        (Some(Value::Object(km)), Some(Value::Object(bm))) => {
            let keys: std::collections::BTreeSet<&String> = km.keys().chain(bm.keys()).collect();
            for key in keys {
                let at = format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"));
                fields(object, at, km.get(key), bm.get(key), out);
            }
        }
        (Some(Value::Array(ka)), Some(Value::Array(ba))) if ka.len() == ba.len() => {
            for (i, (ki, bi)) in ka.iter().zip(ba).enumerate() {
                fields(object, format!("{pointer}/{i}"), Some(ki), Some(bi), out);
            }
        }
        (k, b) if k == b => {}
        (k, b) => out.push(Difference {
            object: object.to_string(),
            pointer,
            kustomize: k.cloned(),
            berth: b.cloned(),
        }),
    }
}

/// A line of `differences.txt`: `object | pointer | why`. It covers the differences at
/// its pointer and under it; an empty pointer means the whole object.
#[derive(Debug)]
struct Known {
    line: usize,
    object: String,
    pointer: String,
    why: String,
}

impl Known {
    fn covers(&self, d: &Difference) -> bool {
        self.object == d.object
            && (self.pointer.is_empty()
                || d.pointer == self.pointer
                || d.pointer.starts_with(&format!("{}/", self.pointer)))
    }
}

fn known_differences(case: &Path) -> Vec<Known> {
    let Ok(text) = std::fs::read_to_string(case.join("differences.txt")) else {
        return Vec::new();
    };
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|(i, l)| {
            let parts: Vec<&str> = l.splitn(3, '|').map(str::trim).collect();
            let [object, pointer, why] = parts.as_slice() else {
                panic!(
                    "{}/differences.txt:{}: write `object | pointer | why`",
                    case.display(),
                    i + 1
                );
            };
            assert!(!why.is_empty(), "{}/differences.txt:{}: say why", case.display(), i + 1);
            Known {
                line: i + 1,
                object: object.to_string(),
                pointer: pointer.to_string(),
                why: why.to_string(),
            }
        })
        .collect()
}

fn json(v: &Option<Value>) -> String {
    match v {
        None => "(absent)".into(),
        Some(v) => serde_json::to_string(v).unwrap(),
    }
}

fn report(d: &Difference) -> String {
    if d.pointer.is_empty() {
        let (side, value) = match (&d.kustomize, &d.berth) {
            (Some(v), None) => ("only kustomize", v),
            (None, Some(v)) => ("only berth", v),
            (Some(v), Some(_)) => ("both, but different", v),
            (None, None) => ("neither", &Value::Null),
        };
        let text = yaml::emit(value).unwrap_or_default();
        let body: String = text.lines().map(|l| format!("      {l}\n")).collect();
        return format!("  {} | (whole object) | emitted by {side}:\n{body}", d.object);
    }
    format!(
        "  {} | {}\n      kustomize: {}\n      berth:     {}\n",
        d.object,
        d.pointer,
        json(&d.kustomize),
        json(&d.berth)
    )
}

/// Renders both sides of a case and fails with a readable list of the differences that
/// `differences.txt` does not explain (and of the lines it has that explain nothing).
fn check(case: &str) {
    if !kubectl_available() {
        return;
    }
    let dir = fixtures().join(case);
    let kustomized = objects("kubectl kustomize", &kustomize(&dir));
    let (text, stderr) = berth(&dir, "berth");
    let rendered = objects("berth render", &text);
    assert!(!kustomized.is_empty(), "{case}: kustomize rendered nothing");
    let known = known_differences(&dir);
    let differences = compare(&kustomized, &rendered);
    let unexplained: Vec<&Difference> = differences
        .iter()
        .filter(|d| !known.iter().any(|k| k.covers(d)))
        .collect();
    let stale: Vec<&Known> = known
        .iter()
        .filter(|k| !differences.iter().any(|d| k.covers(d)))
        .collect();
    if unexplained.is_empty() && stale.is_empty() {
        return;
    }
    let mut msg = format!("{case}: kubectl kustomize and berth render differ\n");
    if !unexplained.is_empty() {
        let _ = writeln!(
            msg,
            "\n{} difference(s) not in differences.txt (object | pointer):",
            unexplained.len()
        );
        for d in &unexplained {
            msg.push_str(&report(d));
        }
    }
    for k in &stale {
        let _ = writeln!(
            msg,
            "\ndifferences.txt:{} lists `{} | {}` ({}), which no longer differs: remove it",
            k.line, k.object, k.pointer, k.why
        );
    }
    if !stderr.trim().is_empty() {
        let _ = writeln!(msg, "\nberth's stderr:\n{stderr}");
    }
    panic!("{msg}");
}

// ---- where berth goes further than Kustomize ----

fn beyond(case: &str) -> (String, String) {
    berth(&fixtures().join("beyond").join(case), "berth")
}

fn find<'a>(objects: &'a BTreeMap<Key, Value>, kind: &str, name: &str) -> &'a Value {
    objects
        .iter()
        .find(|((_, k, _, n), _)| k == kind && n == name)
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("no {kind}/{name} in the output"))
}

fn strings<'a>(list: &'a Value, field: &str) -> Vec<&'a str> {
    let mut out: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i[field].as_str().unwrap())
        .collect();
    out.sort_unstable();
    out
}

/// A strategic patch of lists inside custom resources merges by the overlay's
/// `mergeKeys`, where Kustomize replaces the lists (and loses what the patch left out).
#[test]
fn beyond_merge_keys_merge_lists_inside_custom_resources() {
    let (yaml, _) = beyond("merge-keys");
    let objects = objects("berth render", &yaml);
    let endpoints = &find(&objects, "ServiceMonitor", "api")["spec"]["endpoints"];
    assert_eq!(strings(endpoints, "port"), ["admin", "http", "metrics"]);
    for e in endpoints.as_array().unwrap() {
        match e["port"].as_str() {
            Some("metrics") => assert_eq!(e["interval"], "10s"),
            Some("http") => assert_eq!((&e["path"], &e["interval"]), (&"/healthz".into(), &"60s".into())),
            _ => assert_eq!(e["path"], "/stats/prometheus"),
        }
    }
    let containers = &find(&objects, "Rollout", "api")["spec"]["template"]["spec"]["containers"];
    assert_eq!(strings(containers, "name"), ["api", "proxy"]);
    let api = containers
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "api")
        .unwrap();
    assert_eq!(strings(&api["env"], "name"), ["DB_HOST", "LOG_LEVEL"]);
    assert!(
        api["env"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!({"name": "LOG_LEVEL", "value": "warn"}))
    );
    insta::assert_snapshot!("beyond_merge_keys", yaml);
}

/// References inside custom resources that the overlay declares in `nameReferences`
/// follow the prefix and the generated Secret's hash, where Kustomize leaves them behind.
#[test]
fn beyond_name_references_follow_renames_inside_custom_resources() {
    let (yaml, stderr) = beyond("name-references");
    assert!(!stderr.contains("dangling-reference"), "{stderr}");
    let objects = objects("berth render", &yaml);
    let scaled = &find(&objects, "ScaledObject", "prod-worker")["spec"];
    assert_eq!(scaled["scaleTargetRef"]["name"], "prod-worker");
    assert_eq!(scaled["triggers"][0]["authenticationRef"]["name"], "prod-rabbitmq");
    let secret = objects
        .keys()
        .find(|(_, k, _, n)| k == "Secret" && n.starts_with("prod-queue-credentials-"))
        .map(|(_, _, _, n)| n.as_str())
        .unwrap();
    let auth = &find(&objects, "TriggerAuthentication", "prod-rabbitmq")["spec"];
    assert_eq!(auth["secretTargetRef"][0]["name"], secret);
    insta::assert_snapshot!("beyond_name_references", yaml);
}

/// A reference to an object that is neither rendered nor declared `external` is a
/// warning at the referring object's line; Kustomize renders it silently.
#[test]
fn beyond_dangling_references_are_reported() {
    let (yaml, stderr) = beyond("dangling-reference");
    assert!(yaml.contains("name: web-feature\n"), "{yaml}");
    assert_eq!(stderr.matches("[dangling-reference]").count(), 1, "{stderr}");
    insta::assert_snapshot!("beyond_dangling_reference_warnings", stderr);
}
