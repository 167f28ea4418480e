//! What the targets share: the input format of the multi-file targets and a scratch
//! project root.
//!
//! A multi-file input is its files joined by NUL bytes (NUL never occurs in the text
//! berth reads, so the split is unambiguous and libFuzzer can add or drop a file by
//! inserting or deleting one byte). Missing parts are empty files.

#![allow(dead_code)]

use std::path::Path;

/// The parts of `data` between NUL bytes, as text (invalid UTF-8 is replaced, as the
/// inputs berth reads are text; the `yaml` target covers raw bytes).
pub fn parts(data: &[u8], n: usize) -> Vec<String> {
    let mut out: Vec<String> = data
        .splitn(n, |b| *b == 0)
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect();
    out.resize(n, String::new());
    out
}

/// A scratch project root, made once per process and reused by every run.
pub fn scratch() -> &'static Path {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("a scratch folder for the fuzz target"))
        .path()
}

/// Writes `text` to `name` under the scratch root (making its folder).
pub fn write(name: &str, text: &str) {
    let path = scratch().join(name);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("scratch folder");
    }
    std::fs::write(path, text).expect("scratch file");
}
