//! berth's own JSON Schemas (`schemas/overlay.schema.json`, `chart.schema.json`,
//! `x-berth.schema.json`) are published for editors: each is a valid Draft 2020-12 schema
//! with an `$id`, a title and a description on every property (what an editor shows on
//! hover), and every example overlay, chart and x-berth block of the repository
//! validates against them.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn schema(name: &str) -> Value {
    let text = std::fs::read_to_string(repo().join("schemas").join(name)).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Every file named `name` under the example folders and the test fixtures, except the
/// fixtures that are wrong on purpose (`*errors*` folders and the bad-input suite).
fn files_named(name: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for top in ["charts", "overlays", "tests/fixtures", "integrations"] {
        walk(&repo().join(top), &mut |p| {
            if p.file_name().is_some_and(|n| n == name) {
                out.push(p.to_path_buf());
            }
        });
    }
    out.sort();
    out
}

fn walk(dir: &Path, f: &mut dyn FnMut(&Path)) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            let wrong_on_purpose = path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().contains("errors") || n == "bad-input");
            if !wrong_on_purpose {
                walk(&path, f);
            }
        } else {
            f(&path);
        }
    }
}

fn yaml(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn check(validator: &jsonschema::Validator, instance: &Value, what: &str, failures: &mut Vec<String>) {
    for e in validator.iter_errors(instance) {
        failures.push(format!("{what}: {} at {}", e, e.instance_path()));
    }
}

/// Properties without a description (a `$ref` carries its own), by JSON pointer.
fn undescribed(node: &Value, at: &str, out: &mut Vec<String>) {
    match node {
        Value::Object(map) => {
            if let Some(Value::Object(props)) = map.get("properties") {
                for (key, prop) in props {
                    let described = prop
                        .get("description")
                        .and_then(Value::as_str)
                        .is_some_and(|d| !d.is_empty());
                    if !described && prop.get("$ref").is_none() {
                        out.push(format!("{at}/properties/{key}"));
                    }
                }
            }
            for (key, value) in map {
                undescribed(value, &format!("{at}/{key}"), out);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                undescribed(item, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn each_schema_is_a_published_draft_2020_12_schema() {
    for name in ["overlay.schema.json", "chart.schema.json", "x-berth.schema.json"] {
        let s = schema(name);
        assert_eq!(s["$schema"], "https://json-schema.org/draft/2020-12/schema", "{name}");
        assert_eq!(s["$id"], format!("https://berth.dev/schemas/{name}"), "{name}");
        for key in ["title", "description"] {
            assert!(s[key].as_str().is_some_and(|t| !t.is_empty()), "{name} has no {key}");
        }
        if let Err(e) = jsonschema::draft202012::meta::validate(&s) {
            panic!("{name} is not a valid Draft 2020-12 schema: {e}");
        }
        assert!(jsonschema::validator_for(&s).is_ok(), "{name} does not compile");
        let mut missing = Vec::new();
        undescribed(&s, "", &mut missing);
        assert!(
            missing.is_empty(),
            "{name}: properties without a description:\n{}",
            missing.join("\n")
        );
    }
}

#[test]
fn every_example_overlay_validates() {
    let validator = jsonschema::validator_for(&schema("overlay.schema.json")).unwrap();
    let files = files_named("overlay.yaml");
    assert!(files.len() >= 10, "{files:?}");
    let mut failures = Vec::new();
    for file in &files {
        check(&validator, &yaml(file), &file.display().to_string(), &mut failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // And a typo is what the schema catches.
    assert!(!validator.is_valid(&json!({"base": "../base", "namePrefx": "dev-"})));
}

#[test]
fn every_example_chart_validates() {
    let validator = jsonschema::validator_for(&schema("chart.schema.json")).unwrap();
    let files = files_named("Chart.yaml");
    assert!(files.len() >= 10, "{files:?}");
    let mut failures = Vec::new();
    for file in &files {
        check(&validator, &yaml(file), &file.display().to_string(), &mut failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(!validator.is_valid(&json!({"name": "web"})), "version is required");
}

/// The x-berth blocks of every compose file: the top-level one against `$defs/project`,
/// a service's against `$defs/service`, a volume's against `$defs/volume`.
#[test]
fn every_example_x_berth_block_validates() {
    let s = schema("x-berth.schema.json");
    let def = |name: &str| {
        let mut sub = s.clone();
        sub["$ref"] = json!(format!("#/$defs/{name}"));
        jsonschema::validator_for(&sub).unwrap()
    };
    let (project, service, volume) = (def("project"), def("service"), def("volume"));
    let mut blocks = 0;
    let mut failures = Vec::new();
    for top in ["charts", "tests/fixtures"] {
        walk(&repo().join(top), &mut |p| {
            let is_yaml = p.extension().is_some_and(|e| e == "yaml" || e == "yml");
            let text = if is_yaml {
                std::fs::read_to_string(p).unwrap_or_default()
            } else {
                String::new()
            };
            if !text.contains("x-berth:") {
                return;
            }
            let Ok(doc) = serde_saphyr::from_str::<Value>(&text) else {
                return;
            };
            if doc.get("services").is_none() {
                return;
            }
            let at = p.display().to_string();
            if let Some(x) = doc.get("x-berth") {
                blocks += 1;
                check(&project, x, &format!("{at}: x-berth"), &mut failures);
            }
            for (kind, validator) in [("services", &service), ("volumes", &volume)] {
                for (name, item) in doc.get(kind).and_then(Value::as_object).into_iter().flatten() {
                    if let Some(x) = item.get("x-berth") {
                        blocks += 1;
                        check(validator, x, &format!("{at}: {kind}.{name}.x-berth"), &mut failures);
                    }
                }
            }
        });
    }
    assert!(blocks >= 5, "only {blocks} x-berth blocks found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
