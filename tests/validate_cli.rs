//! `berth validate` end to end: every rule fails and passes on its own fixture, the gaps
//! schema-only validators miss are caught with the right rule, the four report formats
//! (snapshots; SARIF checked against the SARIF 2.1.0 schema, JUnit parsed as XML), exit
//! codes, custom resources, and the same verdict for `berth render X | berth validate -`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use assert_cmd::Command;
use berth::harden::Profile;
use berth::validate::input::Manifests;
use berth::validate::{self, Options, RULES, Report, Severity};
use serde_json::Value;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/validate")
}

/// Runs `berth ARGS` in `dir` with `stdin`.
fn berth_in(dir: &Path, args: &[&str], stdin: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_berth"))
        .current_dir(dir)
        .args(args)
        .write_stdin(stdin)
        .output()
        .unwrap()
}

/// Runs `berth validate ARGS` in the fixtures folder.
fn validate(args: &[&str]) -> std::process::Output {
    let mut all = vec!["validate"];
    all.extend_from_slice(args);
    berth_in(&fixtures(), &all, "")
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// Reads fixture files and checks them with the library, as the CLI does.
fn check(files: &[&str], profile: Profile) -> (Manifests, Report) {
    let mut m = Manifests::default();
    for f in files {
        let text = std::fs::read_to_string(fixtures().join(f)).unwrap();
        m.add_text(&Arc::from(*f), &text);
    }
    let report = m.check(&Options::new("1.35", profile)).unwrap();
    (m, report)
}

/// The rules of the unwaived findings about `object` (`""` for documents that are none).
fn rules_of<'a>(report: &'a Report, object: &str) -> Vec<&'a str> {
    report
        .active()
        .filter(|f| &*f.object == object)
        .map(|f| f.rule)
        .collect()
}

#[test]
fn every_rule_has_a_failing_and_a_passing_fixture() {
    let dirs: Vec<String> = std::fs::read_dir(fixtures().join("rules"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for dir in &dirs {
        assert!(validate::rule(dir).is_some(), "rules/{dir} names no rule");
    }
    for rule in RULES {
        let fired = |file: &str| {
            let (_, report) = check(&[&format!("rules/{}/{file}", rule.id)], Profile::Restricted);
            report.active().filter(|f| f.rule == rule.id).count()
        };
        assert!(
            fired("fail.yaml") > 0,
            "rules/{}/fail.yaml does not fail the rule",
            rule.id
        );
        assert_eq!(fired("pass.yaml"), 0, "rules/{}/pass.yaml fails the rule", rule.id);
    }
}

#[test]
fn every_object_of_gaps_is_rejected_with_its_rule() {
    let (_, report) = check(&["gaps.yaml"], Profile::None);
    // gap-5 (a duplicate key) is no object: the document is rejected while reading.
    let dup = report.findings.iter().find(|f| f.rule == "SCHEMA-YAML").unwrap();
    assert_eq!(dup.origin.as_ref().map(|o| o.line), Some(52), "{dup:?}");
    assert!(dup.message.contains("`replicas` (first at line 51)"), "{}", dup.message);
    for (object, rule) in [
        ("Deployment/shop/gap-selector", "XREF-SELECTOR"),
        ("Pod/shop/gap-portname", "SCHEMA-NAMES"),
        ("ConfigMap/shop/Bad_Name", "SCHEMA-NAMES"),
        ("Pod/shop/gap-quantity", "SCHEMA-FORMATS"),
        ("Service/shop/gap-enum", "SCHEMA-FORMATS"),
        // Its workload (gap-5's) could not be read, so it selects nothing.
        ("PodDisruptionBudget/shop/gap-pdb", "XREF-SELECTOR"),
        ("CronJob/shop/gap-cron", "SCHEMA-FORMATS"),
        ("Pod/shop/ctl-required", "SCHEMA-STRICT"),
    ] {
        let failing: Vec<&str> = report
            .failing(false)
            .filter(|f| &*f.object == object)
            .map(|f| f.rule)
            .collect();
        assert!(failing.contains(&rule), "{object} should fail {rule}: {failing:?}");
    }
    // The PDB's own problem, under the baseline policy: minAvailable blocks drains.
    let (_, policy) = check(&["gaps.yaml"], Profile::Baseline);
    assert!(rules_of(&policy, "PodDisruptionBudget/shop/gap-pdb").contains(&"REL-PDB"));
    // With a one-replica workload beside it, the PDB is an error of its own.
    let mut m = Manifests::default();
    let text = std::fs::read_to_string(fixtures().join("gaps.yaml")).unwrap();
    let fixed = text.replace("  replicas: 1\n  replicas: 3\n", "  replicas: 1\n");
    m.add_text(&Arc::from("gaps.yaml"), &fixed);
    let report = validate::check(&m.objects, &Options::new("1.35", Profile::Baseline)).unwrap();
    let pdb: Vec<(&str, Severity)> = report
        .active()
        .filter(|f| &*f.object == "PodDisruptionBudget/shop/gap-pdb" && f.path == "/spec/minAvailable")
        .map(|f| (f.rule, f.severity))
        .collect();
    assert_eq!(pdb, [("REL-PDB", Severity::Error)]);
}

#[test]
fn the_broken_objects_of_sample_are_rejected_and_the_others_pass_the_schema() {
    let (_, report) = check(&["sample.yaml"], Profile::None);
    let strict: Vec<(&str, &str, &str)> = report
        .failing(false)
        .filter(|f| f.rule == "SCHEMA-STRICT")
        .map(|f| (&*f.object, f.path.as_str(), f.message.as_str()))
        .collect();
    assert_eq!(
        strict,
        [
            (
                "Deployment/shop/bad-type",
                "/spec/replicas",
                "value is not of types \"null\", \"integer\""
            ),
            (
                "Deployment/shop/bad-field",
                "/spec/template/spec/containers/0/imagePullPolcy",
                "unknown field \"imagePullPolcy\""
            ),
        ]
    );
    let unknown_field = report
        .findings
        .iter()
        .find(|f| f.path.ends_with("imagePullPolcy"))
        .unwrap();
    let at = unknown_field.origin.as_ref().unwrap();
    assert_eq!((at.line, at.column), (142, 11), "located at the misspelled key");
    for ok in [
        "Deployment/shop/web",
        "Service/shop/web",
        "PodDisruptionBudget/shop/web",
    ] {
        assert_eq!(rules_of(&report, ok), Vec::<&str>::new(), "{ok}");
    }
}

#[test]
fn hardened_web_passes_restricted_in_every_version() {
    for version in validate::KUBE_VERSIONS {
        let out = validate(&["--kube-version", version, "hardened-web.yaml"]);
        assert_eq!(out.status.code(), Some(0), "{version}: {}", stdout(&out));
    }
    let out = validate(&["--format", "json", "hardened-web.yaml"]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["summary"]["errors"], 0);
    // Only its NetworkPolicy's peers (frontend, db) are not among the objects.
    let warned: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert_eq!(warned, ["NET-TARGETS", "NET-TARGETS"]);
}

fn report_of(format: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["--format", format];
    args.extend_from_slice(extra);
    args.push("report");
    validate(&args)
}

#[test]
fn reports_in_every_format() {
    for format in ["text", "json", "junit", "sarif"] {
        let out = report_of(format, &[]);
        assert_eq!(out.status.code(), Some(1), "{format}");
        assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
        insta::assert_snapshot!(format!("report_{format}"), stdout(&out));
    }
    insta::assert_snapshot!("report_text_verbose", stdout(&report_of("text", &["--verbose"])));
}

#[test]
fn info_findings_are_counted_alike_with_and_without_verbose() {
    let json = |extra: &[&str]| -> Value { serde_json::from_slice(&report_of("json", extra).stdout).unwrap() };
    let (quiet, verbose) = (json(&[]), json(&["--verbose"]));
    assert_eq!(quiet["summary"], verbose["summary"]);
    assert!(verbose["summary"]["info"].as_u64().unwrap() > 0);
    assert_eq!(quiet["waivers"], verbose["waivers"]);
    let not_info = |doc: &Value| -> Vec<Value> {
        let all = doc["findings"].as_array().unwrap().iter();
        all.filter(|f| f["severity"] != "info").cloned().collect()
    };
    assert_eq!(not_info(&quiet), not_info(&verbose));
    assert_eq!(not_info(&quiet).len(), quiet["findings"].as_array().unwrap().len());
    let last_line = |out: std::process::Output| stdout(&out).lines().last().unwrap_or_default().to_string();
    assert_eq!(
        last_line(report_of("text", &[])),
        last_line(report_of("text", &["--verbose"]))
    );
}

/// The published SARIF 2.1.0 schema has one malformed `pattern` (a stray `]` in the
/// `language` pattern, which berth never sets) that a strict regex engine refuses; it is
/// dropped from the in-memory copy, the vendored file stays as published.
const BROKEN_LANGUAGE_PATTERN: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";

fn drop_broken_pattern(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if map.get("pattern").and_then(Value::as_str) == Some(BROKEN_LANGUAGE_PATTERN) {
                map.remove("pattern");
            }
            map.values_mut().for_each(drop_broken_pattern);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_broken_pattern),
        _ => {}
    }
}

#[test]
fn sarif_output_validates_against_the_sarif_schema() {
    let mut schema: Value =
        serde_json::from_str(&std::fs::read_to_string(fixtures().join("sarif-schema-2.1.0.json")).unwrap()).unwrap();
    drop_broken_pattern(&mut schema);
    let validator = jsonschema::options().offline().build(&schema).unwrap();
    for args in [
        &["report"][..],
        &["--verbose", "report"],
        &["hardened-web.yaml"],
        &["--profile", "none", "gaps.yaml"],
    ] {
        let mut all = vec!["--format", "sarif"];
        all.extend_from_slice(args);
        let sarif: Value = serde_json::from_slice(&validate(&all).stdout).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&sarif)
            .map(|e| format!("{} {e}", e.instance_path()))
            .collect();
        assert_eq!(errors, Vec::<String>::new(), "{args:?}");
    }
    // The rule metadata is the rule table, so code scanning shows every rule's help.
    let sarif: Value = serde_json::from_slice(&report_of("sarif", &[]).stdout).unwrap();
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), RULES.len());
    for (r, row) in rules.iter().zip(RULES) {
        assert_eq!(r["id"], row.id);
        assert_eq!(r["helpUri"], row.help_uri());
        assert!(r["help"]["text"].as_str().unwrap().contains(row.fix));
    }
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let suppressed: Vec<&Value> = results.iter().filter(|r| r.get("suppressions").is_some()).collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0]["ruleId"], "SEC-READONLY-FS");
}

#[test]
fn junit_output_parses_as_junit_xml() {
    use quick_xml::Reader;
    use quick_xml::events::Event;
    let out = report_of("junit", &[]);
    let xml = stdout(&out);
    let mut reader = Reader::from_str(&xml);
    let (mut suites, mut cases, mut failures) = (Vec::new(), 0, Vec::new());
    let mut root = None;
    loop {
        match reader.read_event().unwrap() {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) => {
                let name: String = AsRef::<str>::as_ref(&e.name()).to_string();
                let attr = |k: &str| {
                    e.try_get_attribute(k).unwrap().map(|a| {
                        a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .unwrap()
                            .into_owned()
                    })
                };
                match name.as_str() {
                    "testsuites" => root = attr("failures"),
                    "testsuite" => suites.push((attr("name").unwrap(), attr("tests").unwrap())),
                    "testcase" => cases += 1,
                    "failure" => failures.push(attr("type").unwrap()),
                    _ => {}
                }
            }
            _ => {}
        }
    }
    assert_eq!(
        suites,
        [
            ("report/apps/web.yaml".to_string(), "7".to_string()),
            ("report/broken.yaml".to_string(), "2".to_string())
        ]
    );
    assert_eq!(cases, 9);
    assert_eq!(root.as_deref(), Some("3"));
    assert_eq!(failures, ["RES-MEM-LIMIT", "SCHEMA-YAML", "SCHEMA-NAMES"]);
}

#[test]
fn exit_codes_follow_the_design() {
    assert_eq!(validate(&["hardened-web.yaml"]).status.code(), Some(0));
    assert_eq!(validate(&["gaps.yaml"]).status.code(), Some(1));
    // Warnings pass, unless --strict.
    assert_eq!(validate(&["--strict", "hardened-web.yaml"]).status.code(), Some(1));
    let missing = validate(&["no-such-file.yaml"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(missing.stdout.is_empty());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot read no-such-file.yaml"));
    let version = validate(&["--kube-version", "1.20", "hardened-web.yaml"]);
    assert_eq!(version.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&version.stderr).contains("unsupported --kube-version"));
    assert_eq!(validate(&["--format", "xml", "gaps.yaml"]).status.code(), Some(2));
}

#[test]
fn stdin_folders_and_lists() {
    let text = std::fs::read_to_string(fixtures().join("hardened-web.yaml")).unwrap();
    let out = berth_in(&fixtures(), &["validate", "-"], &text);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("8 objects in 1 file"), "{}", stdout(&out));
    let broken = berth_in(
        &fixtures(),
        &["validate", "--format", "json", "-"],
        "kind: A\nkind: B\n",
    );
    let doc: Value = serde_json::from_slice(&broken.stdout).unwrap();
    assert_eq!(doc["findings"][0]["file"], "stdin");
    assert_eq!(doc["findings"][0]["line"], 2);
    // A folder: *.yaml, *.yml and *.json below it, in path order; notes.txt is not read.
    let out = validate(&["--format", "json", "report"]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["summary"]["files"], 2);
    // A JSON List is flattened, and its items are located inside it.
    let out = validate(&["--profile", "none", "--format", "json", "crd/gadgets.json"]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["summary"]["objects"], 2);
    assert_eq!(doc["findings"][1]["name"], "g2");
    assert_eq!(doc["findings"][1]["line"], 3);
}

#[test]
fn custom_resources_are_checked_against_their_crd_or_schema() {
    let out = validate(&[
        "--profile",
        "none",
        "--format",
        "json",
        "--crd",
        "crd/widgets-crd.yaml",
        "--schema-dir",
        "schemas",
        "crd/widgets.yaml",
        "crd/gadgets.json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let got: Vec<(String, String, String)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["object"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want = [
        ("SCHEMA-STRICT", "Widget/shop/bad", "/spec/size"),
        ("SCHEMA-STRICT", "Widget/shop/bad", "/spec/colour"),
        ("SCHEMA-APIVERSION", "Widget/shop/future", "/apiVersion"),
        ("SCHEMA-STRICT", "Gadget/shop/g2", "/spec/colour"),
    ];
    let want: Vec<(String, String, String)> = want
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    assert_eq!(got, want);
    // Without a schema, a custom kind is a warning, an error under --strict.
    assert_eq!(
        validate(&["--profile", "none", "crd/gadgets.json"]).status.code(),
        Some(0)
    );
    let strict = validate(&["--profile", "none", "--strict", "crd/gadgets.json"]);
    assert_eq!(strict.status.code(), Some(1));
    assert!(stdout(&strict).contains("error[SCHEMA-KIND]"), "{}", stdout(&strict));
    // A --crd that is not a v1 CRD, or a schema folder that is not one, is bad input.
    let bad = validate(&[
        "--crd",
        "crd/gadgets.json",
        "--schema-dir",
        "hardened-web.yaml",
        "gaps.yaml",
    ]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn render_then_validate_gives_the_same_verdict() {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let waivers = regex::Regex::new(r", ([0-9]+) waivers?, in ").unwrap();
    for case in ["privileged", "ports-short", "healthcheck-disabled", "named-volume"] {
        let dir = repo.join("tests/fixtures/render").join(case);
        let rendered = berth_in(&dir, &["render", "compose.yaml", "--root", "."], "");
        assert_eq!(rendered.status.code(), Some(0), "{case}");
        let manifests = stdout(&rendered);
        let out = berth_in(&dir, &["validate", "-"], &manifests);
        assert_eq!(out.status.code(), Some(0), "{case}: {}", stdout(&out));
        // The relaxations the render reports (its summary line counts them) are the
        // waivers validate applies.
        let stderr = String::from_utf8_lossy(&rendered.stderr).into_owned();
        let relaxed: usize = waivers
            .captures(&stderr)
            .and_then(|c| c[1].parse().ok())
            .unwrap_or_else(|| panic!("{case}: no summary line in {stderr}"));
        let waived = stdout(&out).matches("waived[").count();
        assert_eq!(relaxed, waived, "{case}");
    }
    let dir = repo.join("tests/fixtures/render/privileged");
    let rendered = berth_in(&dir, &["render", "compose.yaml", "--root", "."], "");
    // Without its waivers, the privileged container fails validation.
    let stripped: String = stdout(&rendered)
        .lines()
        .filter(|l| !l.contains("berth.dev/waive"))
        .map(|l| format!("{l}\n"))
        .collect();
    let out = berth_in(&dir, &["validate", "-"], &stripped);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("error[PSS-BASELINE]"));
}

#[test]
fn the_book_rule_reference_is_generated_from_the_table() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("book/src/rules.md");
    let generated = validate::rules::markdown();
    if std::env::var_os("BERTH_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    pretty_assertions::assert_eq!(
        committed,
        generated,
        "book/src/rules.md is stale: run the tests with BERTH_BLESS=1"
    );
    for rule in RULES {
        assert!(committed.contains(&format!("\n## {}\n", rule.id)), "{}", rule.id);
    }
}
