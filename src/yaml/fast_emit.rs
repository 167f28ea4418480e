//! A fast path for writing the YAML of ordinary manifests.
//!
//! serde-saphyr's serializer decides quoting and block styles for every scalar, and costs
//! about 20 µs per manifest object: a tenth of converting a large compose file. Most of
//! what berth writes is block mappings and sequences of identifiers, names, images,
//! quantities and integers, whose text serde-saphyr writes as it is. This module writes
//! those directly, in serde-saphyr's layout (two-space indent, sequences indented under
//! their key, `{}`/`[]` when empty). Any string it is not certain serde-saphyr writes
//! plain is handed to serde-saphyr alone and its one-line answer used; a key it is not
//! certain about, a multi-line or folded string, or a float makes it give up with `None`,
//! and the whole document is written by serde-saphyr. The tests compare the two on every
//! fixture, so serde-saphyr stays the definition of what berth writes.

use std::fmt::Write as _;

use serde_json::{Map, Value};

/// The document text of `value`, or `None` to let serde-saphyr write all of it.
pub(super) fn emit(value: &Value, scalar: impl Fn(&Value) -> Option<String>) -> Option<String> {
    let mut w = Writer {
        out: String::with_capacity(1024),
        scalar: &scalar,
    };
    match value {
        Value::Object(map) if !map.is_empty() => w.map(map, 0)?,
        Value::Array(items) if !items.is_empty() => w.seq(items, 0)?,
        other => {
            w.inline(other)?;
            w.out.push('\n');
        }
    }
    Some(w.out)
}

struct Writer<'s> {
    out: String,
    /// serde-saphyr's one-document text of a lone scalar.
    scalar: &'s dyn Fn(&Value) -> Option<String>,
}

impl Writer<'_> {
    fn pad(&mut self, indent: usize) {
        self.out.extend(std::iter::repeat_n(' ', indent));
    }

    /// Entries of a non-empty mapping, each on its own line at `indent`.
    fn map(&mut self, map: &Map<String, Value>, indent: usize) -> Option<()> {
        for (i, (key, value)) in map.iter().enumerate() {
            if i > 0 {
                self.pad(indent);
            }
            self.entry(key, value, indent)?;
        }
        Some(())
    }

    /// `key: value`, the cursor already at the key's column `indent`.
    fn entry(&mut self, key: &str, value: &Value, indent: usize) -> Option<()> {
        if !plain_key(key) {
            return None;
        }
        self.out.push_str(key);
        self.out.push(':');
        match value {
            Value::Object(map) if !map.is_empty() => {
                self.out.push('\n');
                self.pad(indent + 2);
                self.map(map, indent + 2)
            }
            Value::Array(items) if !items.is_empty() => {
                self.out.push('\n');
                self.pad(indent + 2);
                self.seq(items, indent + 2)
            }
            other => {
                self.out.push(' ');
                self.inline(other)?;
                self.out.push('\n');
                Some(())
            }
        }
    }

    /// Items of a non-empty sequence, `- ` at column `indent`, the cursor already there.
    fn seq(&mut self, items: &[Value], indent: usize) -> Option<()> {
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.pad(indent);
            }
            self.out.push_str("- ");
            match item {
                Value::Object(map) if !map.is_empty() => self.map(map, indent + 2)?,
                Value::Array(inner) if !inner.is_empty() => self.seq(inner, indent + 2)?,
                other => {
                    self.inline(other)?;
                    self.out.push('\n');
                }
            }
        }
        Some(())
    }

    /// A scalar or an empty collection, on the current line.
    fn inline(&mut self, value: &Value) -> Option<()> {
        match value {
            Value::Null => self.out.push_str("null"),
            Value::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) if n.is_i64() || n.is_u64() => {
                let _ = write!(self.out, "{n}");
            }
            Value::String(s) if plain_value(s) => self.out.push_str(s),
            Value::Object(map) if map.is_empty() => self.out.push_str("{}"),
            Value::Array(items) if items.is_empty() => self.out.push_str("[]"),
            Value::Object(_) | Value::Array(_) => return None,
            // Quoted strings and floats: serde-saphyr's own text, when it is one line.
            other => {
                let text = (self.scalar)(other)?;
                let line = text.strip_suffix('\n').unwrap_or(&text);
                if line.is_empty() || line.contains('\n') || line.starts_with(['>', '|']) {
                    return None;
                }
                self.out.push_str(line);
            }
        }
        Some(())
    }
}

/// Words that YAML 1.1 or 1.2 readers type as booleans, nulls or floats in some case.
const TYPED_WORDS: &[&str] = &[
    "y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf", "infinity",
];

/// Whether serde-saphyr writes the string `s` as plain text in a value position: short,
/// starting with a letter, `/` or `_`, made of characters that mean nothing to YAML where
/// they stand, and not a word some reader types.
fn plain_value(s: &str) -> bool {
    let bytes = s.as_bytes();
    let Some(&first) = bytes.first() else {
        return false;
    };
    if s.len() > 60 || !(first.is_ascii_alphabetic() || first == b'/' || first == b'_') {
        return false;
    }
    let ok = bytes.iter().enumerate().all(|(i, &c)| match c {
        b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'_' | b'/' | b'-' | b'=' | b'+' | b'@' => true,
        // `a:b` and `nginx:1.25` stay plain; `a: b` and a final `:` do not.
        b':' => bytes
            .get(i + 1)
            .is_some_and(|n| n.is_ascii_alphanumeric() || *n == b'/'),
        // Inner single spaces between words.
        b' ' => {
            let around = |j: Option<usize>| j.and_then(|j| bytes.get(j)).is_some_and(u8::is_ascii_alphanumeric);
            around(i.checked_sub(1)) && around(Some(i + 1))
        }
        _ => false,
    });
    ok && !(s.len() <= 8 && TYPED_WORDS.iter().any(|w| s.eq_ignore_ascii_case(w)))
}

/// Whether serde-saphyr writes `s` as a plain key: as [`plain_value`], without the
/// characters it quotes in keys (`:`, spaces and flow indicators).
fn plain_key(s: &str) -> bool {
    plain_value(s) && !s.bytes().any(|c| matches!(c, b':' | b' '))
}

#[cfg(test)]
mod tests;
