//! YAML parsing with spans, in both flavors, as every reader of berth calls it; then the
//! emitter on what the manifest flavor read, whose output must read back the same.
#![no_main]

use std::sync::Arc;

use berth::yaml::{self, Flavor};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file: Arc<str> = "fuzz.yaml".into();
    let _ = yaml::parse_one(&file, text, Flavor::Compose);
    let Ok(docs) = yaml::parse_stream(&file, text, Flavor::Manifest) else {
        return;
    };
    for d in &docs {
        // Every span lookup the later stages make: the root, and a pointer below it.
        let _ = d.spans.origin("");
        let _ = d.spans.key_origin("/metadata/name");
        let _ = d.spans.origin("/spec/template/spec/containers/0/image");
    }
    let values: Vec<&serde_json::Value> = docs.iter().map(|d| &d.value).collect();
    if let Ok(out) = yaml::emit_stream(&values) {
        let back = yaml::parse_stream(&file, &out, Flavor::Manifest)
            .unwrap_or_else(|e| panic!("emitted YAML does not read back: {e}\n---\n{out}"));
        let back: Vec<&serde_json::Value> = back.iter().map(|d| &d.value).collect();
        assert_eq!(values, back, "emitted YAML reads back different:\n{out}");
    }
});
