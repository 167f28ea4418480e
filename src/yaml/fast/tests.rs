//! The fast path must agree with the full parser wherever it answers: same values, same
//! positions for every node and key. These tests compare the two on every YAML fixture and
//! on hand-written edge cases, and check that the common shapes do take the fast path.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::json;

use super::super::{Document, Flavor, full_stream};
use super::parse;

fn file() -> Arc<str> {
    "f.yaml".into()
}

/// Parses with both paths and asserts agreement; returns whether the fast path answered.
fn agree(name: &str, text: &str, flavor: Flavor) -> bool {
    let file: Arc<str> = name.into();
    let Some(fast) = parse(&file, text).ok().flatten() else {
        return false;
    };
    let full = match full_stream(&file, text, flavor) {
        Ok(docs) => docs,
        Err(e) => panic!("{name} ({flavor:?}): the fast path read what the full parser refuses: {e:?}"),
    };
    assert_eq!(fast.len(), full.len(), "{name} ({flavor:?}): document count");
    for (i, (a, b)) in fast.iter().zip(&full).enumerate() {
        assert_eq!(a.value, b.value, "{name} ({flavor:?}) document {i}: values");
        pretty_assertions::assert_eq!(
            a.spans.entries(),
            b.spans.entries(),
            "{name} ({flavor:?}) document {i}: spans"
        );
    }
    true
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

/// Every YAML file the tests own (and, where present, the shared corpus and reference
/// manifests), in both flavors.
#[test]
fn agrees_with_the_full_parser_on_every_fixture() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in [
        "tests/fixtures",
        "charts",
        "overlays",
        "../shared/corpus",
        "../shared/reference",
    ] {
        yaml_files(&root.join(dir), &mut files);
    }
    files.sort();
    let (mut fast, mut total) = (0, 0);
    for path in &files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        // Chart templates are Jinja, not YAML, until rendered.
        if text.contains("{{") || text.contains("{%") {
            continue;
        }
        let name = path.display().to_string();
        total += 1;
        let a = agree(&name, &text, Flavor::Compose);
        let b = agree(&name, &text, Flavor::Manifest);
        if a && b {
            fast += 1;
        }
    }
    println!("fast path answered for {fast} of {total} files");
    assert!(total > 100, "the fixtures are there");
    assert!(fast * 2 > total, "most files take the fast path ({fast} of {total})");
}

/// Every file cut after each of its lines, and with each line removed: broken and odd
/// YAML of the shapes real files have, where the fast path must decline or agree.
#[test]
fn agrees_on_cut_and_gapped_variants_of_the_fixtures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["tests/fixtures", "charts", "overlays"] {
        yaml_files(&root.join(dir), &mut files);
    }
    files.sort();
    let mut variants = 0;
    for path in &files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let lines: Vec<&str> = text.lines().collect();
        if text.contains("{{") || text.contains("{%") || lines.len() > 50 {
            continue;
        }
        let name = path.display().to_string();
        for k in 0..lines.len() {
            let cut = lines[..k].join("\n") + "\n";
            let gap = [&lines[..k], &lines[k + 1..]].concat().join("\n") + "\n";
            for (what, variant) in [("cut", cut), ("gap", gap)] {
                agree(
                    &format!("{name} ({what} at line {})", k + 1),
                    &variant,
                    Flavor::Manifest,
                );
                variants += 1;
            }
        }
    }
    println!("{variants} variants compared");
}

#[test]
fn common_shapes_take_the_fast_path_and_agree() {
    let cases = [
        "a: 1\n",
        "a:\n  b: c\n  d: [1, 2, {e: f}]\n",
        "- a\n- b: 1\n  c: 2\n- - x\n  - z\n",
        "key:\n- a\n- b\nnext: 1\n",
        "outer:\n  - name: web\n    ports:\n    - 80\n    image: nginx:1.25\n",
        "a: 'it''s'\nb: \"q\\\"uote\\n\"\nc: plain text # comment\n",
        "# lead\n---\na: 1\n---\n# empty\n---\nb: 2\n",
        "resources: {requests: {cpu: 100m, memory: 128Mi}}\n",
        "k: v#not-a-comment\nurl: http://x:80/a\n",
        "\"quoted key\": 1\n'single': 2\n",
        "a: true\nb: false\nc: null\nd: ~\ne: 0\nf: 8080\n",
        "ключ: значение\nb:\n  - ✓\n",
        "  indented: 1\n  doc: 2\n",
        "list: []\nmap: {}\n",
        "a: [b, c] # trailing\n",
        "a/b:\n  c~d: 1\n",
        "a:\nb:\n  c:\n  d: 1\ne:\n",
        "- a:\n  b:\n",
        "version: 1.0.0\nip: 10.0.0.1\n",
        "cpus: 1.5\nratio: 0.25\nbig: 12345.678901\n",
    ];
    for text in cases {
        for flavor in [Flavor::Compose, Flavor::Manifest] {
            assert!(agree("f.yaml", text, flavor), "fast path declined {text:?}");
        }
    }
}

#[test]
fn leaves_everything_else_to_the_full_parser() {
    let cases = [
        "a: &x 1\nb: *x\n",
        "a: !!str 1\n",
        "base: &b {x: 1}\nc:\n  <<: *b\n",
        "a: |\n  text\n",
        "a: >-\n  text\n",
        "a: multi\n  line\n",
        "a: \"multi\n  line\"\n",
        "a: [1,\n  2]\n",
        "a: 1\na: 2\n",
        "a: yes\n",
        "a: On\n",
        "a: 0755\n",
        "a: 0x1F\n",
        "a: 1e3\n",
        "a: 1_000\n",
        "a: 12:30\n",
        "a: .inf\n",
        "a: -1\n",
        "a: 01.5\n",
        "a: 1.\n",
        "a: .5\n",
        "a: 2001-12-14\n",
        "a: Null\n",
        "a: nan\n",
        "yes: 1\n",
        "8080: x\n",
        "a:\tb\n",
        "a: b\r\n",
        "\u{feff}a: b\n",
        "%YAML 1.2\n---\na: b\n",
        "--- {a: b}\n",
        "a: b\n...\n",
        "? a\n: b\n",
        "a: {b: }\n",
        "a: \"\\u00e9\"\n",
        "a: b: c\n",
        "a: - b\n",
        "- a\n-\n- c\n",
    ];
    for text in cases {
        assert!(matches!(parse(&file(), text), Ok(None)), "fast path took {text:?}");
    }
}

#[test]
fn typed_values_and_positions() {
    let text = "a:\n  - x: 1\n    w: [true, \"2\"]\n";
    let docs: Vec<Document> = parse(&file(), text).ok().flatten().unwrap();
    assert_eq!(docs[0].value, json!({"a": [{"x": 1, "w": [true, "2"]}]}));
    let at = |p: &str| docs[0].spans.origin(p).to_string();
    assert_eq!(at("/a"), "f.yaml:2:3");
    assert_eq!(at("/a/0"), "f.yaml:2:5");
    assert_eq!(at("/a/0/w/1"), "f.yaml:3:15");
    assert_eq!(docs[0].spans.key_origin("/a/0/w").to_string(), "f.yaml:3:5");
}

#[test]
fn deep_nesting_is_left_to_the_full_parser() {
    let deep = "[".repeat(200) + &"]".repeat(200) + "\n";
    assert!(matches!(parse(&file(), &deep), Ok(None)));
    let mut nested = String::new();
    for i in 0..200 {
        nested.push_str(&" ".repeat(i));
        nested.push_str("a:\n");
    }
    assert!(matches!(parse(&file(), &nested), Ok(None)));
}
