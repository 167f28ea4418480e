//! Compose loading as `berth render` does it: `-f compose.yaml [-f override.yaml]` in a
//! project root that also holds `.env` and `base.yaml` (for `extends` and `include`),
//! then the conversion to objects. Input: compose.yaml NUL .env NUL base.yaml NUL
//! override.yaml.
#![no_main]

mod common;

use berth::Sandbox;
use berth::compose::{self, LoadOptions};
use berth::convert::{self, ConvertOptions};
use berth::error::Warnings;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let p = common::parts(data, 4);
    let names = ["compose.yaml", ".env", "base.yaml", "override.yaml"];
    for (name, text) in names.iter().zip(&p) {
        common::write(name, text);
    }
    let Ok(sandbox) = Sandbox::new(common::scratch()) else {
        return;
    };
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
    let Ok(project) = compose::load(&sandbox, &opts, &mut warnings) else {
        return;
    };
    let opts = ConvertOptions {
        namespace: None,
        kube_version: "1.35".into(),
    };
    let _ = convert::convert(&project, &sandbox, &opts, &mut warnings);
});
