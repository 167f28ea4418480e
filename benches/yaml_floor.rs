//! The YAML floor: the least time berth's YAML layer needs to read and write a given
//! manifest stream. It parses the stream with `berth::yaml::parse_stream` (values and
//! positions, nothing else: no checks) and emits it again with `berth::yaml::emit_stream`,
//! so the output is, byte for byte, what berth printed. For comparison it also times
//! serde-saphyr alone (`from_multiple_with_options` into `serde_json::Value`, no
//! positions), the full parser berth falls back to for YAML outside its fast path. `scripts/bench-compare` runs it on berth's
//! output for the 2,000-object overlay, so the distance from berth's time to this floor
//! shows what berth's own work costs.
//!
//!     cargo bench --bench yaml_floor -- [FILE] [RUNS] [layer=berth|saphyr]   # default: a generated stream, 5 runs, both
//!
//! It prints two lines, `yaml_floor:` (berth's layer) and `serde_saphyr:`, each with the
//! documents, bytes, the median parse, emit and total time of RUNS, and whether the
//! emitted bytes equal the input.
//! Under `cargo test` (no `--bench` argument) it runs once on a small stream.

use std::time::{Duration, Instant};

use serde_json::Value;

/// serde-saphyr's default budget allows 1,024 documents; a 2,000-object stream has more.
fn parse_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_documents: 1_000_000,
            max_nodes: 50_000_000,
            max_events: 200_000_000,
        },
    }
}

/// The options of `berth::yaml::emit` (src/yaml/emit.rs), so the bytes are berth's.
fn emit_options() -> serde_saphyr::SerializerOptions {
    serde_saphyr::ser_options! {
        indent_step: 2,
        compact_list_indent: false,
        prefer_block_scalars: true,
        yaml_12: false,
    }
}

fn saphyr_parse(text: &str) -> Vec<Value> {
    serde_saphyr::from_multiple_with_options(text, parse_options()).expect("the stream parses")
}

fn parse(text: &str) -> Vec<Value> {
    let file: std::sync::Arc<str> = "floor.yaml".into();
    berth::yaml::parse_stream(&file, text, berth::yaml::Flavor::Manifest)
        .expect("the stream parses")
        .into_iter()
        .map(|d| d.value)
        .collect()
}

fn emit(docs: &[Value]) -> String {
    berth::yaml::emit_stream(&docs.iter().collect::<Vec<_>>()).expect("the values emit")
}

/// Documents separated by `---`, each ending in a newline, as `berth::yaml::emit_stream`.
fn saphyr_emit(docs: &[Value]) -> String {
    let mut out = String::new();
    for (i, doc) in docs.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        out.push_str(&serde_saphyr::to_string_with_options(doc, emit_options()).expect("the value emits"));
        if !out.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

/// A stream like berth's overlay output when no file is given: n Deployments and Services.
fn generated(n: usize) -> String {
    let docs: Vec<Value> = (0..n)
        .map(|i| {
            if i % 2 == 0 {
                serde_json::json!({
                    "apiVersion": "apps/v1", "kind": "Deployment",
                    "metadata": {"name": format!("prod-app-{i}"), "namespace": "prod", "labels": {"app": format!("app-{i}")}},
                    "spec": {"replicas": 2, "selector": {"matchLabels": {"app": format!("app-{i}")}},
                        "template": {"metadata": {"labels": {"app": format!("app-{i}")}},
                            "spec": {"containers": [{"name": "main", "image": "registry.example.org/prod/app:1.2.3",
                                "ports": [{"name": "http", "containerPort": 8080}],
                                "resources": {"limits": {"cpu": "100m", "memory": "256Mi"}}}]}}}
                })
            } else {
                serde_json::json!({
                    "apiVersion": "v1", "kind": "Service",
                    "metadata": {"name": format!("prod-app-{i}"), "namespace": "prod", "annotations": {"bench/patched": "prod"}},
                    "spec": {"selector": {"app": format!("app-{i}")}, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}
                })
            }
        })
        .collect();
    saphyr_emit(&docs)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--") && !a.starts_with("layer="))
        .collect();
    let benching = std::env::args().any(|a| a == "--bench");
    let (label, text) = match args.first() {
        Some(path) => (
            path.clone(),
            std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}")),
        ),
        None => {
            let n = if benching { 2_000 } else { 20 };
            (format!("generated stream of {n} objects"), generated(n))
        }
    };
    let runs: usize = args
        .get(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(if benching { 5 } else { 1 });
    // `layer=berth` times berth's layer alone, so the process as a whole is the floor.
    let layer = std::env::args().find_map(|a| a.strip_prefix("layer=").map(str::to_owned));
    if layer.as_deref() != Some("saphyr") {
        measure("yaml_floor", &label, &text, runs, parse, emit);
    }
    if layer.as_deref() != Some("berth") {
        measure("serde_saphyr", &label, &text, runs, saphyr_parse, saphyr_emit);
    }
}

/// Times `runs` parse-and-emit rounds of `text` and prints one line.
fn measure(
    name: &str,
    label: &str,
    text: &str,
    runs: usize,
    parse: fn(&str) -> Vec<Value>,
    emit: fn(&[Value]) -> String,
) {
    let (mut parses, mut emits) = (Vec::new(), Vec::new());
    let mut identical = true;
    let mut documents = 0;
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        let docs = parse(text);
        parses.push(t.elapsed());
        let t = Instant::now();
        let out = emit(&docs);
        emits.push(t.elapsed());
        documents = docs.len();
        identical &= out == text;
        std::hint::black_box(out);
    }
    let (parse, emit) = (median(parses.clone()), median(emits.clone()));
    let total = median(parses.iter().zip(&emits).map(|(p, e)| *p + *e).collect());
    let per_s = documents as f64 / total.as_secs_f64().max(1e-9);
    println!(
        "{name}: {label}: {documents} documents, {} bytes, median of {}: parse {:.1} ms, emit {:.1} ms, \
         total {:.1} ms ({per_s:.0} documents/s); output identical to input: {}",
        text.len(),
        runs.max(1),
        parse.as_secs_f64() * 1e3,
        emit.as_secs_f64() * 1e3,
        total.as_secs_f64() * 1e3,
        if identical { "yes" } else { "no" },
    );
}
