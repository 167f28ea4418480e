//! Tests of the yaml module as a whole: spans, limits, merges, flavors, round trips.

use std::sync::Arc;

use serde_json::{Value, json};

use super::*;
use serde_saphyr::Spanned;

fn file() -> Arc<str> {
    "dir/f.yaml".into()
}

fn one(text: &str, flavor: Flavor) -> Document {
    parse_one(&file(), text, flavor).unwrap()
}

fn input_error(text: &str, flavor: Flavor) -> (String, String, String) {
    match parse_stream(&file(), text, flavor) {
        Err(Error::Input { origin, message, help }) => (
            origin.map(|o| o.to_string()).unwrap_or_default(),
            message,
            help.unwrap_or_default(),
        ),
        other => panic!("expected an input error, got {other:?}"),
    }
}

#[test]
fn spans_locate_every_node_and_key() {
    let text = "\
services:
  web:
    image: nginx
    ports:
      - \"80:80\"
      - target: 443
        published: 8443
    command: [a, {b: c}]
";
    let d = one(text, Flavor::Compose);
    let at = |p: &str| d.spans.origin(p).to_string();
    let key = |p: &str| d.spans.key_origin(p).to_string();
    assert_eq!(at(""), "dir/f.yaml:1:1");
    assert_eq!(at("/services"), "dir/f.yaml:2:3");
    assert_eq!(key("/services"), "dir/f.yaml:1:1");
    assert_eq!(at("/services/web/image"), "dir/f.yaml:3:12");
    assert_eq!(key("/services/web/image"), "dir/f.yaml:3:5");
    assert_eq!(at("/services/web/ports/0"), "dir/f.yaml:5:9");
    assert_eq!(at("/services/web/ports/1"), "dir/f.yaml:6:9");
    assert_eq!(at("/services/web/ports/1/published"), "dir/f.yaml:7:20");
    assert_eq!(key("/services/web/ports/1/published"), "dir/f.yaml:7:9");
    assert_eq!(at("/services/web/command/1/b"), "dir/f.yaml:8:22");
    assert_eq!(key("/services/web/command/1/b"), "dir/f.yaml:8:19");
    // Unknown pointers fall back to the nearest located ancestor.
    assert_eq!(at("/services/web/ports/1/nope"), "dir/f.yaml:6:9");
    // A sequence item has no key: key_origin gives the item.
    assert_eq!(key("/services/web/ports/0"), "dir/f.yaml:5:9");
    // Every node is indexed: root, 2 maps, image, ports, 2 items, 2 entries, command, 2 items, b.
    assert_eq!(d.spans.len(), 13);
}

#[test]
fn spans_escape_pointer_segments() {
    let d = one("a/b:\n  c~d: 1\n", Flavor::Compose);
    assert_eq!(d.spans.origin("/a~1b/c~0d").to_string(), "dir/f.yaml:2:8");
    assert_eq!(pointer_segment("a/b~c"), "a~1b~0c");
}

#[test]
fn subtree_keeps_positions_under_a_new_root() {
    let d = one("services:\n  web:\n    image: x\n", Flavor::Compose);
    let web = d.spans.subtree("/services/web");
    assert_eq!(web.origin("/image").to_string(), "dir/f.yaml:3:12");
    assert_eq!(web.key_origin("/image").to_string(), "dir/f.yaml:3:5");
    assert_eq!(web.file().as_ref(), "dir/f.yaml");
}

#[test]
fn streams_have_per_document_spans_and_skip_empty_documents() {
    let text = "a: 1\n---\n# only a comment\n---\n---\n--- ~\n---\nnull\n---\nb:\n  - 2\n";
    let docs = parse_stream(&file(), text, Flavor::Manifest).unwrap();
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[0].value, json!({"a": 1}));
    assert_eq!(docs[1].value, json!({"b": [2]}));
    assert_eq!(docs[0].spans.origin("/a").to_string(), "dir/f.yaml:1:4");
    assert_eq!(docs[1].spans.origin("/b/0").to_string(), "dir/f.yaml:11:5");
    assert_eq!(docs[1].spans.origin("/a").to_string(), "dir/f.yaml:10:1");
}

#[test]
fn empty_input_is_null_for_one_and_nothing_for_a_stream() {
    for text in ["", "\n\n", "# just a comment\n", "---\n", "~\n", "--- null\n"] {
        assert_eq!(one(text, Flavor::Compose).value, Value::Null, "{text:?}");
        assert!(
            parse_stream(&file(), text, Flavor::Manifest).unwrap().is_empty(),
            "{text:?}"
        );
    }
}

#[test]
fn parse_one_refuses_a_second_document() {
    let e = parse_one(&file(), "a: 1\n---\nb: 2\n", Flavor::Compose).unwrap_err();
    let Error::Input { origin, message, help } = e else {
        panic!()
    };
    assert_eq!(origin.unwrap().to_string(), "dir/f.yaml:3:1");
    assert!(message.contains("more than one YAML document"), "{message}");
    assert!(help.unwrap().contains("---"));
}

#[test]
fn duplicate_keys_are_located_at_the_second_occurrence() {
    let text = "services:\n  web:\n    image: a\n    ports: []\n    image: b\n";
    let (at, message, help) = input_error(text, Flavor::Compose);
    assert_eq!(at, "dir/f.yaml:5:5");
    assert_eq!(message, "duplicate key `image` (first at line 3)");
    assert!(help.contains("unique"), "{help}");
    // Top level, flow style, keys that only look different in YAML but collide in JSON,
    // and inside sequences in both styles (the fast reader finds these once the mapping
    // is read, and leaves them to the full parser).
    for (text, flavor, at, key) in [
        ("a: 1\nb: 2\na: 3\n", Flavor::Manifest, "3:1", "a"),
        ("x: {a: 1, a: 2}\n", Flavor::Compose, "1:11", "a"),
        ("1: a\n\"1\": b\n", Flavor::Compose, "2:1", "1"),
        ("a: 1\n'a': 2\n", Flavor::Compose, "2:1", "a"),
        ("items:\n  - a: 1\n    b: 2\n    a: 3\n", Flavor::Manifest, "4:5", "a"),
        ("items: [{a: 1}, {b: 1, b: 2}]\n", Flavor::Manifest, "1:24", "b"),
    ] {
        let (place, message, _) = input_error(text, flavor);
        assert_eq!(place, format!("dir/f.yaml:{at}"), "{text:?}");
        assert!(
            message.starts_with(&format!("duplicate key `{key}` (first at line ")),
            "{text:?}: {message}"
        );
    }
}

#[test]
fn merge_keys_expand_with_own_keys_winning_in_stable_order() {
    let text = "\
x-base: &base
  restart: always
  image: base
  labels: {tier: web}
x-limits: &limits
  mem_limit: 512m
  restart: never
services:
  api:
    image: api
    <<: [*base, *limits]
    environment: {A: '1'}
  one:
    <<: *base
    image: one
";
    let d = one(text, Flavor::Compose);
    let api = &d.value["services"]["api"];
    let keys: Vec<&str> = api.as_object().unwrap().keys().map(String::as_str).collect();
    // Own keys in source order, then merged keys in source order; the first source wins.
    assert_eq!(keys, ["image", "environment", "restart", "labels", "mem_limit"]);
    assert_eq!(api["image"], "api");
    assert_eq!(api["restart"], "always");
    assert_eq!(api["mem_limit"], "512m");
    assert_eq!(
        d.value["services"]["one"],
        json!({"image": "one", "restart": "always", "labels": {"tier": "web"}})
    );
    // Merged entries are located where they are defined; own entries where they are.
    assert_eq!(d.spans.origin("/services/api/image").to_string(), "dir/f.yaml:10:12");
    assert_eq!(d.spans.origin("/services/api/restart").to_string(), "dir/f.yaml:2:12");
    assert_eq!(
        d.spans.key_origin("/services/api/restart").to_string(),
        "dir/f.yaml:2:3"
    );
    assert_eq!(d.spans.origin("/services/api/mem_limit").to_string(), "dir/f.yaml:6:14");
    assert_eq!(
        d.spans.origin("/services/api/labels/tier").to_string(),
        "dir/f.yaml:4:18"
    );
    assert!(d.value.pointer("/services/api/<<").is_none());
}

#[test]
fn aliases_copy_values_and_are_located_at_the_anchor() {
    let text = "a: &ports\n  - 80\n  - 443\nb: *ports\nc: &s hello\nd: *s\n";
    let d = one(text, Flavor::Compose);
    assert_eq!(
        d.value,
        json!({"a": [80, 443], "b": [80, 443], "c": "hello", "d": "hello"})
    );
    assert_eq!(d.spans.origin("/b/1").to_string(), "dir/f.yaml:3:5");
    assert_eq!(d.spans.key_origin("/b").to_string(), "dir/f.yaml:4:1");
    assert_eq!(d.spans.origin("/d").to_string(), "dir/f.yaml:5:7");
}

#[test]
fn alias_bombs_stop_with_a_located_error() {
    let mut text = String::from("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for (prev, name) in ["a", "b", "c", "d", "e", "f", "g", "h"]
        .iter()
        .zip(["b", "c", "d", "e", "f", "g", "h", "i"])
    {
        let refs = vec![format!("*{prev}"); 10].join(", ");
        text.push_str(&format!("{name}: &{name} [{refs}]\n"));
    }
    let (at, message, help) = input_error(&text, Flavor::Compose);
    assert!(at.starts_with("dir/f.yaml:"), "{at}");
    assert_ne!(at, "dir/f.yaml", "the error must name a line");
    assert!(
        message.starts_with("invalid YAML: aliases copy too many nodes (limit `yaml-alias-nodes`: at most 200,000"),
        "{message}"
    );
    assert!(
        !message.contains(" at line "),
        "location belongs in the origin: {message}"
    );
    assert_eq!(MAX_ALIAS_REPLAYED_EVENTS, 200_000);
    assert!(help.contains("alias bomb"), "{help}");
}

#[test]
fn deep_nesting_is_refused_without_overflowing_the_stack() {
    let mut block_deep = String::new();
    for i in 0..10_000 {
        block_deep.push_str(&" ".repeat(i));
        block_deep.push_str("a:\n");
    }
    let sequences = "- ".repeat(10_000) + "x\n";
    let flow = "[".repeat(10_000);
    let flow_maps = "{a: ".repeat(10_000);
    for text in [&block_deep, &sequences, &flow, &flow_maps] {
        let (at, message, help) = input_error(text, Flavor::Manifest);
        assert!(at.starts_with("dir/f.yaml:"), "{at}");
        assert!(message.starts_with("invalid YAML: "), "{message}");
        assert_eq!(
            message,
            format!(
                "invalid YAML: the file nests too deep {}",
                crate::limits::YAML_DEPTH.tag()
            )
        );
        assert!(help.contains("flatten"), "{help}");
    }
}

#[test]
fn nesting_up_to_the_limit_is_accepted() {
    let depth = MAX_DEPTH - 1;
    let mut text = String::new();
    for i in 0..depth {
        text.push_str(&" ".repeat(i));
        text.push_str("a:\n");
    }
    let d = one(&text, Flavor::Compose);
    let pointer = "/a".repeat(depth);
    assert_eq!(d.value.pointer(&pointer), Some(&Value::Null));
    assert_eq!(
        d.spans.key_origin(&pointer).to_string(),
        format!("dir/f.yaml:{depth}:{depth}")
    );
}

#[test]
fn syntax_errors_are_located_with_a_single_line_message_and_help() {
    let (at, message, help) = input_error("services:\n  web:\n    image: foo\n   ports:\n", Flavor::Compose);
    assert_eq!(at, "dir/f.yaml:4:4");
    assert!(message.starts_with("invalid YAML: "), "{message}");
    assert!(!message.contains('\n') && !message.contains(" at line "), "{message}");
    assert!(help.contains("indentation"), "{help}");
    let (at, message, _) = input_error("a: [1, 2\n", Flavor::Compose);
    assert!(at.starts_with("dir/f.yaml:"), "{at}");
    assert!(!message.contains('\n'), "{message}");
}

#[test]
fn non_finite_numbers_are_strings_in_compose_and_errors_in_manifests() {
    let d = one("a: .inf\nb: -.inf\nc: .nan\n", Flavor::Compose);
    assert_eq!(d.value, json!({"a": ".inf", "b": "-.inf", "c": ".nan"}));
    let (at, message, help) = input_error("a: .inf\n", Flavor::Manifest);
    assert_eq!(at, "dir/f.yaml:1:4");
    assert!(message.contains(".inf"), "{message}");
    assert!(help.contains("quote"), "{help}");
}

/// Plain scalars and what each flavor makes of them (compose: go-yaml v3; manifests: kubectl).
fn typing_table() -> Vec<(&'static str, Value, Value)> {
    vec![
        ("yes", json!("yes"), json!(true)),
        ("no", json!("no"), json!(false)),
        ("on", json!("on"), json!(true)),
        ("off", json!("off"), json!(false)),
        ("y", json!("y"), json!(true)),
        ("N", json!("N"), json!(false)),
        ("true", json!(true), json!(true)),
        ("True", json!(true), json!(true)),
        ("FALSE", json!(false), json!(false)),
        ("~", Value::Null, Value::Null),
        ("null", Value::Null, Value::Null),
        ("Null", Value::Null, Value::Null),
        ("0440", json!(288), json!(288)),
        ("0644", json!(420), json!(420)),
        ("0o17", json!(15), json!(15)),
        ("0x1F", json!(31), json!(31)),
        ("1e3", json!(1000.0), json!(1000.0)),
        ("1_000", json!(1000), json!(1000)),
        ("12:30", json!("12:30"), json!("12:30")),
        ("8080:80", json!("8080:80"), json!("8080:80")),
        ("-5", json!(-5), json!(-5)),
        ("1.5", json!(1.5), json!(1.5)),
        ("'yes'", json!("yes"), json!("yes")),
        ("\"0644\"", json!("0644"), json!("0644")),
        ("!!str 12", json!("12"), json!("12")),
        ("nginx:1.25", json!("nginx:1.25"), json!("nginx:1.25")),
    ]
}

#[test]
fn flavors_type_plain_scalars_like_compose_and_kubectl() {
    for (text, compose, manifest) in typing_table() {
        let doc = format!("v: {text}\n");
        assert_eq!(one(&doc, Flavor::Compose).value["v"], compose, "compose reads {text}");
        assert_eq!(one(&doc, Flavor::Manifest).value["v"], manifest, "kubectl reads {text}");
    }
}

fn ambiguous_strings() -> Vec<String> {
    let mut v: Vec<String> = [
        "yes",
        "no",
        "on",
        "off",
        "y",
        "n",
        "Y",
        "N",
        "Yes",
        "NO",
        "On",
        "OFF",
        "True",
        "false",
        "TRUE",
        "~",
        "null",
        "Null",
        "NULL",
        "0755",
        "0644",
        "0x1F",
        "0o17",
        "0b101",
        "1e3",
        "1E3",
        "1_000",
        "12:30",
        "1:20:30",
        "8080:80",
        ".inf",
        "-.inf",
        "+.inf",
        ".Inf",
        ".nan",
        ".NaN",
        "",
        " ",
        " lead",
        "trail ",
        "#",
        "# c",
        "a #b",
        "a# b",
        ": ",
        "a: b",
        "a:",
        "- x",
        "-",
        "--",
        "---",
        "...",
        "[x]",
        "{x}",
        "]",
        "}",
        "*a",
        "&a",
        "!t",
        "!!str",
        "%x",
        "@x",
        "`x`",
        "|",
        ">",
        "'",
        "\"",
        "\\",
        "a\\nb",
        "?",
        "? x",
        ",",
        "=",
        "<<",
        "1.0",
        "-1",
        "+1",
        "0",
        "-0",
        "00",
        "1.",
        ".5",
        "2001-12-14",
        "2001-12-14t21:59:43.10-05:00",
        "line1\nline2",
        "line1\nline2\n",
        "trailing\n\n",
        "\nleading",
        "tab\there",
        "cr\rhere",
        "\u{7f}",
        "\u{1b}[0m",
        "ünïcødé ✓ 日本",
        "emoji 🚀",
        "\u{feff}bom",
        "\u{a0}nbsp",
        "a  b",
        "x\u{2028}y",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.push("x".repeat(2000));
    v.push("word ".repeat(400));
    v.push(format!("{}\n", "long line with spaces ".repeat(20)));
    v
}

#[test]
fn emitted_strings_read_back_as_the_same_strings_in_both_flavors() {
    let strings = ambiguous_strings();
    let map: serde_json::Map<String, Value> = strings
        .iter()
        .enumerate()
        .map(|(i, s)| (format!("k{i}"), Value::String(s.clone())))
        .collect();
    let value = Value::Object(map);
    let text = emit(&value).unwrap();
    for flavor in [Flavor::Compose, Flavor::Manifest] {
        let back = one(&text, flavor).value;
        for (i, s) in strings.iter().enumerate() {
            assert_eq!(
                back[format!("k{i}")],
                Value::String(s.clone()),
                "{flavor:?} changed {s:?} in:\n{text}"
            );
        }
    }
    // Also as sequence items and as keys.
    let seq = Value::Array(strings.iter().cloned().map(Value::String).collect());
    let keys: serde_json::Map<String, Value> = strings.iter().map(|s| (s.clone(), json!(1))).collect();
    for v in [seq, Value::Object(keys)] {
        let text = emit(&v).unwrap();
        for flavor in [Flavor::Compose, Flavor::Manifest] {
            assert_eq!(one(&text, flavor).value, v, "{flavor:?}:\n{text}");
        }
    }
}

#[test]
fn emitted_values_of_every_type_round_trip() {
    let value = json!({
        "int": 42, "neg": -7, "big": 9_007_199_254_740_993_u64, "min": i64::MIN, "float": 1.5, "tiny": 1e-9,
        "whole_float": 3.0, "t": true, "f": false, "nothing": null, "empty_map": {}, "empty_list": [],
        "nested": [[1, [2, []]], [{}], {"a": [{"b": {"c": [null, "x"]}}]}],
        "list_of_maps": [{"name": "web", "ports": [{"containerPort": 80}]}, {"name": "db"}],
    });
    let text = emit(&value).unwrap();
    for flavor in [Flavor::Compose, Flavor::Manifest] {
        assert_eq!(one(&text, flavor).value, value, "{flavor:?}:\n{text}");
    }
}

#[test]
fn emit_uses_kubectl_style_block_layout() {
    let value = json!({
        "kind": "Pod",
        "spec": {"containers": [{"name": "web", "args": ["a", "b"], "env": []}], "volumes": {}},
        "data": {"script": "echo 1\necho 2\n"},
    });
    let expected = "\
kind: Pod
spec:
  containers:
    - name: web
      args:
        - a
        - b
      env: []
  volumes: {}
data:
  script: |
    echo 1
    echo 2
";
    assert_eq!(emit(&value).unwrap(), expected);
    assert_eq!(emit(&json!("yes")).unwrap(), "\"yes\"\n");
}

#[test]
fn emit_stream_separates_documents_and_is_deterministic() {
    let a = json!({"a": 1});
    let b = json!({"b": ["x"]});
    let text = emit_stream(&[&a, &b]).unwrap();
    assert_eq!(text, "a: 1\n---\nb:\n  - x\n");
    assert_eq!(emit_stream(&[&a, &b]).unwrap(), text);
    assert_eq!(emit_stream(&[]).unwrap(), "");
    let back: Vec<Value> = parse_stream(&file(), &text, Flavor::Manifest)
        .unwrap()
        .into_iter()
        .map(|d| d.value)
        .collect();
    assert_eq!(back, vec![a, b]);
}

#[test]
fn odd_keys_and_merge_values_get_our_wording() {
    let cases = [
        (
            "~: x\n",
            "dir/f.yaml:1:1",
            "invalid YAML: a mapping key is null (`~`, `null` or empty)",
            "quote it",
        ),
        (
            "? [a, b]\n: x\n",
            "dir/f.yaml:1:3",
            "invalid YAML: a mapping key is a list or a mapping",
            "plain text keys",
        ),
        (
            "<<: 1\n",
            "dir/f.yaml:1:5",
            "invalid YAML: YAML merge value must be mapping",
            "`<<: [*a, *b]`",
        ),
        (
            "a: *nope\n",
            "dir/f.yaml:1:4",
            "invalid YAML: alias references unknown anchor",
            "define the anchor",
        ),
    ];
    for (text, at, message, help) in cases {
        let (got_at, got_message, got_help) = input_error(text, Flavor::Compose);
        assert_eq!(got_at, at, "{text:?}");
        assert!(got_message.starts_with(message), "{text:?}: {got_message}");
        assert!(got_help.contains(help), "{text:?}: {got_help}");
    }
    // Scalar keys of other types keep their spelling.
    assert_eq!(
        one("true: a\n1.5: b\n0x1F: c\n", Flavor::Manifest).value,
        json!({"true": "a", "1.5": "b", "0x1F": "c"})
    );
}

#[test]
fn inline_merge_sources_and_tags() {
    let d = one(
        "a: {<<: [{x: 1}, {x: 2, y: 3}], z: 0}\nb: !!str 0644\nc: !!binary aGVsbG8=\n",
        Flavor::Manifest,
    );
    assert_eq!(
        d.value,
        json!({"a": {"z": 0, "x": 1, "y": 3}, "b": "0644", "c": "hello"})
    );
    assert_eq!(d.spans.origin("/a/y").to_string(), "dir/f.yaml:1:28");
}

/// Span building against a plain parse, and the per-call overhead of the parser thread.
/// Run by hand: `cargo test --lib yaml::tests::timing_probe -- --ignored --nocapture`.
#[test]
#[ignore = "timing probe, run by hand"]
fn timing_probe() {
    use std::time::Instant;
    let obj = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-NUM\n  namespace: prod\n  labels:\n    app.kubernetes.io/name: web\n    app.kubernetes.io/instance: web-NUM\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: web\n  template:\n    metadata:\n      labels:\n        app.kubernetes.io/name: web\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.25\n          ports:\n            - containerPort: 80\n              name: http\n          env:\n            - name: A\n              value: \"yes\"\n            - name: B\n              value: \"0644\"\n          resources:\n            requests: {cpu: 100m, memory: 128Mi}\n            limits: {memory: 256Mi}\n          securityContext:\n            runAsNonRoot: true\n            readOnlyRootFilesystem: true\n            allowPrivilegeEscalation: false\n            capabilities:\n              drop: [ALL]\n";
    let text: String = (0..2000)
        .map(|i| obj.replace("NUM", &i.to_string()))
        .collect::<Vec<_>>()
        .join("---\n");
    let t = Instant::now();
    let plain: Vec<Value> = serde_saphyr::from_multiple_with_options(&text, options(Flavor::Manifest)).unwrap();
    println!(
        "plain Value:   {:?} ({} docs, {} bytes)",
        t.elapsed(),
        plain.len(),
        text.len()
    );
    let t = Instant::now();
    let events = serde_saphyr::granit_parser::Parser::new_from_str(&text).count();
    println!("events only:   {:?} ({events} events)", t.elapsed());
    let t = Instant::now();
    let nodes: Vec<Spanned<node::Node>> =
        serde_saphyr::from_multiple_with_options(&text, options(Flavor::Manifest)).unwrap();
    println!("spanned nodes: {:?}", t.elapsed());
    let t = Instant::now();
    let n = nodes
        .into_iter()
        .map(|n| node::into_document(&file(), n).unwrap())
        .collect::<Vec<_>>()
        .len();
    println!("build values:  {:?} ({n} docs)", t.elapsed());
    let t = Instant::now();
    let docs = parse_stream(&file(), &text, Flavor::Manifest).unwrap();
    println!(
        "parse_stream:  {:?} ({} spans in doc 0)",
        t.elapsed(),
        docs[0].spans.len()
    );
    let values: Vec<&Value> = docs.iter().map(|d| &d.value).collect();
    let t = Instant::now();
    let out = emit_stream(&values).unwrap();
    println!("emit_stream:   {:?} ({} bytes)", t.elapsed(), out.len());
    let t = Instant::now();
    for _ in 0..1000 {
        parse_one(&file(), "a: 1\n", Flavor::Compose).unwrap();
    }
    println!("1000 tiny parse_one: {:?}", t.elapsed());
    let t = Instant::now();
    for _ in 0..1000 {
        let _: Value = serde_saphyr::from_str_with_options("a: 1\n", options(Flavor::Compose)).unwrap();
    }
    println!("1000 tiny plain: {:?}", t.elapsed());
    for n in [500, 1000, 2000] {
        let text: String = (0..n)
            .map(|i| obj.replace("NUM", &i.to_string()))
            .collect::<Vec<_>>()
            .join("---\n");
        let t = Instant::now();
        let _ = parse_stream(&file(), &text, Flavor::Manifest).unwrap();
        println!("{n} docs: {:?}", t.elapsed());
    }
}

/// Every node of `value` (root included), as JSON pointers.
fn pointers(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                pointers(v, format!("{at}/{}", pointer_segment(k)), out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                pointers(v, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

/// Every YAML file under ../shared (compose corpus, reference manifests): each parses or
/// fails with a located error, and every node of every document has its own position.
#[test]
fn corpus_files_get_a_position_for_every_node() {
    let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    if !shared.exists() {
        println!("skipped: {} is missing", shared.display());
        return;
    }
    let mut files = Vec::new();
    let mut dirs = vec![shared.join("corpus"), shared.join("reference")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                files.push(path);
            }
        }
    }
    files.sort();
    let (mut parsed, mut nodes) = (0, 0);
    for path in &files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let name: Arc<str> = path.display().to_string().into();
        let flavor = if path.to_string_lossy().contains("/corpus/") {
            Flavor::Compose
        } else {
            Flavor::Manifest
        };
        match parse_stream(&name, &text, flavor) {
            Ok(docs) => {
                parsed += 1;
                for d in docs {
                    let mut all = Vec::new();
                    pointers(&d.value, String::new(), &mut all);
                    assert_eq!(d.spans.len(), all.len(), "{name}: one span per node");
                    for p in &all {
                        assert!(d.spans.origin(p).line > 0, "{name}: {p} has no position");
                    }
                    nodes += all.len();
                }
            }
            Err(Error::Input { origin, message, .. }) => {
                let origin = origin.unwrap();
                assert!(origin.line > 0, "{name}: unlocated error {message}");
                println!("{origin}: {message}");
            }
            Err(e) => panic!("{name}: {e:?}"),
        }
    }
    println!("{parsed} of {} files parsed, {nodes} nodes located", files.len());
    assert!(parsed * 10 >= files.len() * 9, "most corpus files are valid YAML");
}

#[test]
fn columns_count_characters_and_crlf_and_bom_are_handled() {
    let d = one("\u{feff}ключ: значение\r\nb:\r\n  - ✓\r\n", Flavor::Compose);
    assert_eq!(d.value, json!({"ключ": "значение", "b": ["✓"]}));
    assert_eq!(d.spans.origin("/ключ").to_string(), "dir/f.yaml:1:7");
    assert_eq!(d.spans.origin("/b/0").to_string(), "dir/f.yaml:3:5");
}

/// Keys are always read back as strings, so the round trip cannot show an unquoted key that
/// kubectl would retype (`yes:` becomes the key "true"); check the quoting itself.
#[test]
fn ambiguous_keys_are_quoted() {
    let typed = [
        "yes",
        "no",
        "on",
        "off",
        "y",
        "n",
        "Y",
        "N",
        "True",
        "~",
        "null",
        "Null",
        "0755",
        "0x1F",
        "0o17",
        "1e3",
        "1_000",
        "12:30",
        ".inf",
        "-.inf",
        ".nan",
        "",
        "1.0",
        "-1",
        "2001-12-14",
    ];
    let keys: serde_json::Map<String, Value> = typed.iter().map(|s| (s.to_string(), json!(1))).collect();
    let text = emit(&Value::Object(keys)).unwrap();
    for key in typed {
        assert!(
            text.lines().any(|l| l == format!("\"{key}\": 1")),
            "{key:?} unquoted in:\n{text}"
        );
    }
}

#[test]
fn many_services_may_merge_one_anchor() {
    // serde-saphyr's alias-to-anchor ratio would refuse this (more than 10 aliases per
    // anchor); the replayed-nodes limit is what stops bombs.
    let mut text = String::from("x-defaults: &defaults\n  restart: always\nservices:\n");
    for i in 0..500 {
        text.push_str(&format!("  s{i}:\n    <<: *defaults\n    image: nginx\n"));
    }
    let d = one(&text, Flavor::Compose);
    assert_eq!(d.value["services"]["s499"]["restart"], "always");
}
