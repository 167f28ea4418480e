//! Every input the fuzz targets (fuzz/, book/src/fuzzing.md) found a crash, a hang or an
//! out-of-memory with, replayed on stable through the same library calls as its target,
//! so the fix stays fixed without nightly or libFuzzer.
//!
//! The inputs live in tests/fixtures/fuzz/TARGET/, in the target's own format (several
//! files joined by NUL bytes). Each named test below replays one input and says what it
//! must now give; `every_found_input_replays` replays them all, so a new input added there
//! is covered even before it has its own test: it must not panic.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use berth::chart::values::{self, SetArg, SetKind, Values};
use berth::chart::{self, Request};
use berth::compose::{self, LoadOptions};
use berth::convert::{self, ConvertOptions};
use berth::error::Warnings;
use berth::harden::Profile;
use berth::overlay::patch;
use berth::source::Sandbox;
use berth::validate::Options;
use berth::validate::input::Manifests;
use berth::validate::report::{Format, Run};
use berth::yaml::{self, Flavor};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz")
}

fn input(target: &str, name: &str) -> Vec<u8> {
    let path = fixtures().join(target).join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The NUL-separated parts of a multi-file input, `n` of them (missing ones empty).
fn parts(data: &[u8], n: usize) -> Vec<String> {
    let mut out: Vec<String> = data
        .splitn(n, |b| *b == 0)
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect();
    out.resize(n, String::new());
    out
}

fn write_all(root: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        let path = root.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

/// fuzz/fuzz_targets/yaml.rs: both flavors; what the manifest flavor read emits and
/// reads back the same. Returns the number of manifest documents read.
fn yaml_target(data: &[u8]) -> usize {
    let Ok(text) = std::str::from_utf8(data) else {
        return 0;
    };
    let file: Arc<str> = "fuzz.yaml".into();
    let _ = yaml::parse_one(&file, text, Flavor::Compose);
    let Ok(docs) = yaml::parse_stream(&file, text, Flavor::Manifest) else {
        return 0;
    };
    let values: Vec<&serde_json::Value> = docs.iter().map(|d| &d.value).collect();
    if let Ok(out) = yaml::emit_stream(&values) {
        let back = yaml::parse_stream(&file, &out, Flavor::Manifest)
            .unwrap_or_else(|e| panic!("emitted YAML does not read back: {e}\n---\n{out}"));
        let back: Vec<&serde_json::Value> = back.iter().map(|d| &d.value).collect();
        assert_eq!(values, back, "emitted YAML reads back different:\n{out}");
    }
    docs.len()
}

/// fuzz/fuzz_targets/compose.rs: compose.yaml NUL .env NUL base.yaml NUL override.yaml.
fn compose_target(data: &[u8]) -> Result<usize, berth::Error> {
    let p = parts(data, 4);
    let dir = tempfile::tempdir().unwrap();
    let names = ["compose.yaml", ".env", "base.yaml", "override.yaml"];
    let files: Vec<(&str, &str)> = names.iter().copied().zip(p.iter().map(String::as_str)).collect();
    write_all(dir.path(), &files);
    let sandbox = Sandbox::new(dir.path()).unwrap();
    let mut files = vec!["compose.yaml".to_string()];
    if !p[3].is_empty() {
        files.push("override.yaml".to_string());
    }
    let opts = LoadOptions {
        files,
        variables: vec![("FUZZ_TAG".into(), "1.0".into())],
        ..LoadOptions::default()
    };
    let mut warnings = Warnings::default();
    let project = compose::load(&sandbox, &opts, &mut warnings)?;
    let opts = ConvertOptions {
        namespace: None,
        kube_version: "1.35".into(),
    };
    convert::convert(&project, &sandbox, &opts, &mut warnings).map(|o| o.len())
}

/// fuzz/fuzz_targets/set.rs: NUL-separated arguments, the first byte of each the flag.
fn set_target(data: &[u8]) -> Result<Values, berth::Error> {
    const KINDS: [SetKind; 5] = [
        SetKind::Set,
        SetKind::String,
        SetKind::Json,
        SetKind::Literal,
        SetKind::File,
    ];
    let dir = tempfile::tempdir().unwrap();
    write_all(dir.path(), &[("a.txt", "from a file\n"), ("dir/b.txt", "b")]);
    let sandbox = Sandbox::new(dir.path()).unwrap();
    let sets: Vec<SetArg> = data
        .split(|b| *b == 0)
        .filter_map(|part| {
            let (kind, text) = part.split_first()?;
            Some(SetArg {
                kind: KINDS[usize::from(*kind) % KINDS.len()],
                text: String::from_utf8_lossy(text).into_owned(),
            })
        })
        .collect();
    for s in &sets {
        let _ = values::parse_path(&s.text, None);
    }
    let mut v = Values::default();
    values::apply_sets(&mut v, &sets, &sandbox)?;
    yaml::emit(&v.tree)?;
    Ok(v)
}

/// fuzz/fuzz_targets/template.rs: values.yaml NUL templates/fuzz.yaml NUL
/// templates/_helpers.tpl (without a NUL, all of it is the template).
fn template_target(data: &[u8]) -> Result<usize, berth::Error> {
    let (values, template, helpers) = match data.iter().position(|b| *b == 0) {
        None => (String::new(), String::from_utf8_lossy(data).into_owned(), String::new()),
        Some(_) => {
            let p = parts(data, 3);
            (p[0].clone(), p[1].clone(), p[2].clone())
        }
    };
    let dir = tempfile::tempdir().unwrap();
    write_all(
        dir.path(),
        &[
            (
                "Chart.yaml",
                "apiVersion: v2\nname: fuzz\nversion: 1.0.0\nappVersion: \"2.1\"\n",
            ),
            ("values.yaml", &values),
            ("templates/fuzz.yaml", &template),
            ("templates/_helpers.tpl", &helpers),
        ],
    );
    let sandbox = Sandbox::new(dir.path()).unwrap();
    let req = Request {
        kube_version: "1.35".into(),
        ..Request::default()
    };
    let mut warnings = Warnings::default();
    chart::render(&sandbox, "", Values::default(), &req, &mut warnings).map(|o| o.objects.len())
}

/// fuzz/fuzz_targets/strategic_merge.rs: the object NUL the patch.
fn strategic_merge_target(data: &[u8]) -> Result<serde_json::Value, String> {
    let p = parts(data, 2);
    let file: Arc<str> = "fuzz.yaml".into();
    let obj = yaml::parse_one(&file, &p[0], Flavor::Manifest).map_err(|e| e.to_string())?;
    let patch_doc = yaml::parse_one(&file, &p[1], Flavor::Manifest).map_err(|e| e.to_string())?;
    let mut merged = obj.value.clone();
    patch::merge(&mut merged, &patch_doc.value);
    let _ = yaml::emit(&merged);
    let mut merged = obj.value;
    patch::strategic(&mut merged, &patch_doc.value, "1.35").map_err(|e| format!("{e:?}"))?;
    yaml::emit(&merged).map_err(|e| e.to_string())?;
    Ok(merged)
}

/// fuzz/fuzz_targets/validate.rs: one manifest stream, the text and JSON reports.
fn validate_target(data: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(data).ok()?;
    let file: Arc<str> = "fuzz.yaml".into();
    let mut manifests = Manifests::default();
    manifests.add_text(&file, text);
    let mut sources = HashMap::new();
    sources.insert(file.clone(), Arc::from(berth::redact::text(text)));
    let opts = Options::new("1.35", Profile::Restricted);
    let report = manifests.check(&opts).ok()?;
    let run = Run {
        report: &report,
        objects: &manifests.objects,
        files: &manifests.files,
        sources: &sources,
        strict: false,
        verbose: true,
    };
    let _ = run.write(Format::Json);
    Some(run.write(Format::Text))
}

/// Replays `data` through `target`'s calls. (How long it takes is not asserted: timings
/// are measured by scripts, not tests; a hang shows as a test that never ends.)
fn replay(target: &str, data: &[u8]) {
    match target {
        "yaml" => drop(yaml_target(data)),
        "compose" => drop(compose_target(data)),
        "set" => drop(set_target(data)),
        "template" => drop(template_target(data)),
        "strategic_merge" => drop(strategic_merge_target(data)),
        "validate" => drop(validate_target(data)),
        other => panic!("tests/fixtures/fuzz/{other}: no such fuzz target"),
    }
}

#[test]
fn every_found_input_replays() {
    let mut n = 0;
    for dir in std::fs::read_dir(fixtures()).unwrap() {
        let dir = dir.unwrap().path();
        let target = dir.file_name().unwrap().to_string_lossy().into_owned();
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        for f in files {
            replay(&target, &std::fs::read(&f).unwrap());
            n += 1;
        }
    }
    assert!(n > 0, "tests/fixtures/fuzz holds no input");
}

/// tests/fixtures/chart-errors/endless-loop as a template-target input: with 50,000,000
/// instructions of fuel it ran past libFuzzer's 10 s timeout (3.4 s of CPU on the fuzz
/// build); with 10,000,000 it stops well within it, with the fuel error at its line.
#[test]
fn endless_loop_ends() {
    let data = input("template", "endless-loop");
    let err = template_target(&data).expect_err("an endless loop cannot render");
    let berth::Error::Input { origin, message, .. } = err else {
        panic!("not an input error: {err:?}");
    };
    assert!(message.starts_with("the template ran too long"), "{message}");
    assert!(message.contains("limit `template-fuel`"), "{message}");
    let origin = origin.expect("located");
    assert_eq!((&*origin.file, origin.line), ("templates/fuzz.yaml", 1));
}
