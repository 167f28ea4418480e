//! Writing values as YAML that every reader types the same way.
//!
//! Style (deterministic, chosen once here): block style, two-space indent, sequences
//! indented under their key as kubectl writes them (`containers:\n  - name: web`), keys in
//! the value's own order, `{}`/`[]` for empty collections, `|` for multi-line strings and
//! `>` for long single-line strings with spaces. Any string that a YAML 1.1 reader
//! (kubectl: `yes`, `on`, `0755`, `1_000`, `12:30`, ...) or a YAML 1.2 reader would read as
//! something else is quoted.

use serde_json::Value;

use crate::error::Error;

fn options() -> serde_saphyr::SerializerOptions {
    serde_saphyr::ser_options! {
        indent_step: 2,
        compact_list_indent: false,
        prefer_block_scalars: true,
        yaml_12: false,
    }
}

/// Emits one value as a YAML document (block style, YAML-1.1-safe quoting), ending in a newline.
pub fn emit(value: &Value) -> Result<String, Error> {
    let scalar = |v: &Value| serde_saphyr::to_string_with_options(v, options()).ok();
    match super::fast_emit::emit(value, scalar) {
        Some(text) => Ok(text),
        None => full_emit(value),
    }
}

/// serde-saphyr's text of `value`: the definition of what berth writes.
pub(super) fn full_emit(value: &Value) -> Result<String, Error> {
    let mut out = serde_saphyr::to_string_with_options(value, options()).map_err(|e| Error::Output {
        message: format!("cannot write YAML: {}", e.to_string().lines().next().unwrap_or("")),
    })?;
    if !out.ends_with('\n') {
        out.push('\n');
    }
    Ok(out)
}

/// Emits values as one stream, documents separated by `---`.
pub fn emit_stream(values: &[&Value]) -> Result<String, Error> {
    let mut out = String::new();
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        out.push_str(&emit(v)?);
    }
    Ok(out)
}
