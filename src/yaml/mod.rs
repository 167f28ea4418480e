//! The only code that touches the YAML library (serde-saphyr).
//!
//! Parsing gives `serde_json::Value` (with `preserve_order`) plus a `Spans` index from
//! JSON pointer to line and column, so every later stage can locate a value. Duplicate
//! keys are errors, alias expansion is bounded, `<<` merge keys are expanded. Emitting
//! quotes every string that a YAML 1.1 reader (kubectl) would retype.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use crate::error::Error;
use crate::source::Origin;

/// How plain scalars are typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// Compose and values files, read as docker compose reads them (YAML 1.2 core schema:
    /// `yes` and `on` stay strings, `0755` is a string... as compose-go does).
    Compose,
    /// Kubernetes manifests, read as kubectl reads them (YAML 1.1: `yes` is a bool,
    /// `0644` is octal 420), so a manifest berth accepts is one the API server accepts.
    Manifest,
}

/// One parsed YAML document.
#[derive(Debug, Clone)]
pub struct Document {
    pub value: Value,
    pub spans: Spans,
}

/// Maps JSON pointers (`/services/web/image`) to where the value starts in the file.
#[derive(Debug, Clone, Default)]
pub struct Spans {
    file: Arc<str>,
    at: HashMap<String, (usize, usize)>,
}

impl Spans {
    pub fn new(file: Arc<str>) -> Self {
        Spans {
            file,
            at: HashMap::new(),
        }
    }

    pub fn insert(&mut self, pointer: String, line: usize, column: usize) {
        self.at.insert(pointer, (line, column));
    }

    pub fn file(&self) -> &Arc<str> {
        &self.file
    }

    /// The origin of the value at `pointer`, or of its nearest located ancestor, or of
    /// the file as a whole.
    pub fn origin(&self, pointer: &str) -> Origin {
        let mut p = pointer;
        loop {
            if let Some(&(line, column)) = self.at.get(p) {
                return Origin::new(self.file.clone(), line, column);
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return Origin::file(self.file.clone()),
            }
        }
    }

    /// Spans of the subtree at `prefix`, re-rooted (for values moved into another tree).
    pub fn subtree(&self, prefix: &str) -> Spans {
        let mut out = Spans::new(self.file.clone());
        for (k, v) in &self.at {
            if let Some(rest) = k.strip_prefix(prefix)
                && (rest.is_empty() || rest.starts_with('/'))
            {
                out.at.insert(rest.to_string(), *v);
            }
        }
        out
    }
}

/// Escapes one JSON-pointer segment (RFC 6901).
pub fn pointer_segment(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn options(flavor: Flavor) -> serde_saphyr::Options {
    match flavor {
        Flavor::Compose => serde_saphyr::options! { strict_booleans: true, legacy_octal_numbers: true },
        Flavor::Manifest => serde_saphyr::options! { legacy_octal_numbers: true },
    }
}

fn parse_error(file: &Arc<str>, e: &serde_saphyr::Error) -> Error {
    let (line, column) = e
        .location()
        .map(|l| (l.line() as usize, l.column() as usize))
        .unwrap_or((0, 0));
    Error::Input {
        origin: Some(Origin::new(file.clone(), line, column)),
        message: format!("invalid YAML: {}", e.to_string().lines().next().unwrap_or("")),
        help: Some("fix the YAML syntax at the place shown".into()),
    }
}

/// Parses a single-document file (compose files, values files, overlay.yaml).
/// An empty file gives `null`.
pub fn parse_one(file: &Arc<str>, text: &str, flavor: Flavor) -> Result<Document, Error> {
    let value: Value = serde_saphyr::from_str_with_options(text, options(flavor)).map_err(|e| parse_error(file, &e))?;
    Ok(Document {
        value,
        spans: Spans::new(file.clone()),
    })
}

/// Parses a stream of documents separated by `---` (manifests). Empty documents are skipped.
pub fn parse_stream(file: &Arc<str>, text: &str, flavor: Flavor) -> Result<Vec<Document>, Error> {
    let values: Vec<Value> =
        serde_saphyr::from_multiple_with_options(text, options(flavor)).map_err(|e| parse_error(file, &e))?;
    Ok(values
        .into_iter()
        .map(|value| Document {
            value,
            spans: Spans::new(file.clone()),
        })
        .collect())
}

/// Emits one value as a YAML document (block style, YAML-1.1-safe quoting), ending in a newline.
pub fn emit(value: &Value) -> Result<String, Error> {
    serde_saphyr::to_string(value).map_err(|e| Error::Output {
        message: format!("cannot write YAML: {e}"),
    })
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
