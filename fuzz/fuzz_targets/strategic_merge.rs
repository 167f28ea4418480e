//! Overlay patches: a strategic merge patch (and, on the same pair, an RFC 7396 merge
//! patch) of two YAML documents, as an overlay's `patches:` applies them; the result is
//! emitted as YAML. Input: the object NUL the patch.
#![no_main]

mod common;

use std::sync::Arc;

use berth::overlay::patch;
use berth::yaml::{self, Flavor};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let p = common::parts(data, 2);
    let file: Arc<str> = "fuzz.yaml".into();
    let (Ok(obj), Ok(p)) = (
        yaml::parse_one(&file, &p[0], Flavor::Manifest),
        yaml::parse_one(&file, &p[1], Flavor::Manifest),
    ) else {
        return;
    };
    let mut merged = obj.value.clone();
    if patch::strategic(&mut merged, &p.value, "1.35").is_ok() {
        let _ = yaml::emit(&merged);
    }
    let mut merged = obj.value;
    patch::merge(&mut merged, &p.value);
    let _ = yaml::emit(&merged);
});
