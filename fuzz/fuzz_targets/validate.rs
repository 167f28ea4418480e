//! `berth validate` on one manifest stream: objects read with spans, every schema,
//! semantic and policy check of the restricted profile, findings located, the text and
//! JSON reports written.
#![no_main]

use std::collections::HashMap;
use std::sync::Arc;

use berth::harden::Profile;
use berth::validate::input::Manifests;
use berth::validate::report::{Format, Run};
use berth::validate::Options;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file: Arc<str> = "fuzz.yaml".into();
    let mut manifests = Manifests::default();
    manifests.add_text(&file, text);
    let mut sources = HashMap::new();
    sources.insert(file.clone(), Arc::from(berth::redact::text(text)));
    let opts = Options::new("1.35", Profile::Restricted);
    let Ok(report) = manifests.check(&opts) else {
        return;
    };
    let run = Run {
        report: &report,
        objects: &manifests.objects,
        files: &manifests.files,
        sources: &sources,
        strict: false,
        verbose: true,
    };
    let _ = run.write(Format::Text);
    let _ = run.write(Format::Json);
});
