//! The fast writer must write exactly what serde-saphyr writes wherever it answers; these
//! tests compare the two on every value the fixtures and snapshots hold, and on strings
//! chosen to sit on each side of serde-saphyr's quoting rules.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::super::emit::full_emit;
use super::super::{Flavor, full_stream};

fn fast(value: &Value) -> Option<String> {
    let scalar = |v: &Value| full_emit(v).ok();
    super::emit(value, scalar)
}

/// Asserts agreement; returns whether the fast writer answered.
fn agree(name: &str, value: &Value) -> bool {
    let Some(text) = fast(value) else {
        return false;
    };
    let full = full_emit(value).unwrap_or_else(|e| panic!("{name}: serde-saphyr cannot write it: {e:?}"));
    pretty_assertions::assert_eq!(text, full, "{name}");
    true
}

fn files(dir: &Path, exts: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, exts, out);
        } else if path.extension().is_some_and(|e| exts.iter().any(|x| e == *x)) {
            out.push(path);
        }
    }
}

/// Every document of every YAML fixture and every rendered snapshot.
#[test]
fn agrees_with_serde_saphyr_on_every_fixture_and_snapshot() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = Vec::new();
    for dir in [
        "tests/fixtures",
        "tests/snapshots",
        "charts",
        "overlays",
        "../shared/corpus",
    ] {
        files(&root.join(dir), &["yaml", "yml", "snap"], &mut paths);
    }
    paths.sort();
    let (mut fast_docs, mut docs) = (0, 0);
    for path in &paths {
        let Ok(mut text) = std::fs::read_to_string(path) else {
            continue;
        };
        if path.extension().is_some_and(|e| e == "snap") {
            // An insta header (`---`, metadata, `---`), then the snapshot's text.
            let mut parts = text.splitn(3, "---\n");
            text = parts.nth(2).unwrap_or_default().to_string();
        }
        let name = path.display().to_string();
        let Ok(parsed) = full_stream(&name.as_str().into(), &text, Flavor::Manifest) else {
            continue;
        };
        for (i, d) in parsed.iter().enumerate() {
            docs += 1;
            if agree(&format!("{name} document {i}"), &d.value) {
                fast_docs += 1;
            }
        }
    }
    println!("fast writer answered for {fast_docs} of {docs} documents");
    assert!(docs > 500, "the fixtures are there");
    assert!(
        fast_docs * 2 > docs,
        "most documents take the fast path ({fast_docs} of {docs})"
    );
}

/// Strings at the edges of the quoting rules, as values, keys and sequence items.
#[test]
fn agrees_on_strings_at_the_edges_of_quoting() {
    let strings = [
        "web",
        "nginx:1.25",
        "app.kubernetes.io/name",
        "100m",
        "128Mi",
        "a b",
        "a  b",
        "a:b",
        "a: b",
        "a#b",
        "a #b",
        "-a",
        "a,b",
        "a=b",
        "@a",
        "a@b",
        "/tmp",
        "./x",
        "~",
        "~x",
        "True",
        "TRUE",
        "yes",
        "On",
        "3.2.1",
        "1.0",
        "x.y",
        "http://a:80/b",
        "a_b",
        "_a",
        "%a",
        "a!",
        "!a",
        "&a",
        "*a",
        "a?",
        "?a",
        "|a",
        ">a",
        "a'b",
        "a\"b",
        "[a]",
        "a[0]",
        "{a}",
        "${VAR}",
        "null",
        "Null",
        "e3",
        "1e3",
        "0x1F",
        "0755",
        "12:30",
        "a:",
        ":a",
        "a::b",
        "é",
        "naïve",
        "✓",
        "Infinity",
        "NaN",
        "inf",
        ".inf",
        "y",
        "N",
        "=",
        "<<",
        "",
        " a",
        "a ",
        "line\nbreak",
        "tab\there",
        "word word word word word word word word word word word word word word",
        "x/",
        "a-",
        "A1",
        "9a",
        "1",
        "-1",
        "+1",
        "2001-12-14",
        "a:1",
        "a:/b",
        "a/b:c",
    ];
    for s in strings {
        for value in [
            json!({ "k": s }),
            json!({ s: 1 }),
            json!({"k": {"j": [s, {s: [s]}]}}),
            json!([s]),
            json!(s),
        ] {
            agree(&format!("{s:?} in {value}"), &value);
        }
    }
}

#[test]
fn agrees_on_every_shape_of_value() {
    let values = [
        json!({"a": null, "b": [], "c": {}, "d": [[1, 2], []], "e": [{}], "f": [{"x": [1]}]}),
        json!({"n": 1.5, "m": 1.0, "i": -3, "u": 18446744073709551615u64, "t": true}),
        json!([[["deep"]], {"a": {"b": {"c": [1]}}}]),
        json!({}),
        json!([]),
        json!(null),
        json!(7),
    ];
    for v in values {
        agree(&v.to_string(), &v);
    }
}

#[test]
fn ordinary_manifests_take_the_fast_path() {
    let deployment = json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"app.kubernetes.io/name": "web"}},
        "spec": {"replicas": 2, "template": {"spec": {"containers": [{
            "name": "web", "image": "nginx:1.25", "ports": [{"name": "http", "containerPort": 8080}],
            "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}},
            "securityContext": {"capabilities": {"drop": ["ALL"]}}
        }]}}}
    });
    assert!(agree("deployment", &deployment));
}
