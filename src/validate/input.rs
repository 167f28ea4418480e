//! Manifest text to objects, for `berth validate`: multi-document YAML streams and JSON
//! files, `List` kinds flattened into their items, every object with the spans that
//! locate its fields.
//!
//! A document that does not parse (a syntax error, a duplicate key) is a SCHEMA-YAML
//! finding, and it must not hide the other documents of its file: the stream is parsed
//! whole first (the fast path); when that fails, each document is parsed alone to find the
//! broken ones, which are then blanked out (every line turned into a comment, so line
//! numbers stay) and the stream is parsed again.

use std::cell::Cell;
use std::sync::Arc;

use serde_json::Value;

use super::engine::Finding;
use super::rules::Severity;
use crate::error::Error;
use crate::manifest::Object;
use crate::source::Origin;
use crate::yaml::{self, Flavor, Spans};

/// Objects read from manifest files, with their spans, and the documents that failed.
#[derive(Default)]
pub struct Manifests {
    pub objects: Vec<Object>,
    /// `spans[i]` locates the fields of `objects[i]`.
    pub spans: Vec<Spans>,
    /// SCHEMA-YAML findings of documents that are not objects.
    pub findings: Vec<Finding>,
    /// Every file read, in order.
    pub files: Vec<Arc<str>>,
}

impl Manifests {
    /// The place of the field at `pointer` in object `index` (or of its nearest ancestor);
    /// with `key`, the place of its mapping key.
    pub fn locate(&self, index: usize, pointer: &str, key: bool) -> Option<Origin> {
        let spans = self.spans.get(index)?;
        Some(if key {
            spans.key_origin(pointer)
        } else {
            spans.origin(pointer)
        })
    }

    /// The report on these manifests, as `berth validate` prints it: every object checked,
    /// each finding located in its file, the documents' own findings merged in.
    pub fn check(&mut self, opts: &super::Options) -> Result<super::engine::Report, Error> {
        let mut report = super::check(&self.objects, opts)?;
        report.locate(|i, pointer, key| self.locate(i, pointer, key));
        self.merge_into(&mut report);
        Ok(report)
    }

    /// Moves the findings about documents into `report`, and orders all findings by file
    /// and by document, so a report reads top to bottom like the files.
    pub fn merge_into(&mut self, report: &mut super::engine::Report) {
        report.findings.append(&mut self.findings);
        let ranks = super::report::file_ranks(&self.files);
        // Findings come object by object, so most share the file of the one before: its
        // rank is remembered rather than hashed (a file name) again.
        // (Every name is alive meanwhile, so its address names it.)
        let last: Cell<Option<(*const u8, usize)>> = Cell::new(None);
        let rank = |file: &Arc<str>| {
            let at = Arc::as_ptr(file).cast::<u8>();
            match last.get() {
                Some((seen, r)) if std::ptr::eq(seen, at) => r,
                _ => {
                    let r = ranks.get(file).copied().unwrap_or(usize::MAX);
                    last.set(Some((at, r)));
                    r
                }
            }
        };
        let key = |f: &Finding| {
            let origin = match f.index {
                Some(i) => self.objects.get(i).and_then(|o| o.origin.as_ref()),
                None => f.origin.as_ref(),
            };
            origin.map_or((usize::MAX, 0), |o| (rank(&o.file), o.line))
        };
        // Objects are read file by file, so without findings about documents the order
        // usually holds already; checking it costs one pass, sorting a copy of every key.
        if !report.findings.is_sorted_by_key(key) {
            report.findings.sort_by_cached_key(key);
        }
    }

    /// Adds the documents of one file.
    pub fn add_text(&mut self, file: &Arc<str>, text: &str) {
        self.files.push(file.clone());
        match yaml::parse_stream(file, text, Flavor::Manifest) {
            Ok(docs) => docs.into_iter().for_each(|d| self.add_document(d.value, d.spans)),
            Err(_) => self.add_broken(file, text),
        }
    }

    /// A file that is not text: the finding is where reading stopped (the first byte that
    /// is not UTF-8), with what to do about it.
    pub fn add_unreadable(&mut self, file: &Arc<str>, e: &Error) {
        self.files.push(file.clone());
        let origin = e.origin().cloned().unwrap_or_else(|| Origin::file(file.clone()));
        let message = match e.help() {
            Some(h) => format!("{e} ({h})"),
            None => e.to_string(),
        };
        self.findings.push(yaml_finding(origin, message));
    }

    /// The slow path: find the broken documents, report them, and read the rest.
    fn add_broken(&mut self, file: &Arc<str>, text: &str) {
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let mut blanked: Vec<bool> = vec![false; lines.len()];
        for (start, end) in documents(&lines) {
            let chunk: String = lines.get(start..end).unwrap_or_default().concat();
            if let Err(e) = yaml::parse_stream(file, &chunk, Flavor::Manifest) {
                self.findings.push(shifted(file, &e, start));
                blanked
                    .get_mut(start..end)
                    .into_iter()
                    .flatten()
                    .for_each(|b| *b = true);
            }
        }
        let rest: String = lines
            .iter()
            .zip(&blanked)
            .map(|(line, blank)| if *blank { "#\n" } else { line })
            .collect();
        match yaml::parse_stream(file, &rest, Flavor::Manifest) {
            Ok(docs) => docs.into_iter().for_each(|d| self.add_document(d.value, d.spans)),
            Err(e) if !blanked.iter().any(|b| *b) => self.findings.push(shifted(file, &e, 0)),
            // Documents that parse alone but not together (rare): the errors above stand.
            Err(_) => {}
        }
    }

    fn add_document(&mut self, value: Value, spans: Spans) {
        let is_list = value
            .get("kind")
            .and_then(Value::as_str)
            .is_some_and(|k| k.ends_with("List"))
            && value.get("items").is_some_and(Value::is_array);
        if is_list {
            let items = match value {
                Value::Object(mut m) => m.remove("items"),
                _ => None,
            };
            let items = match items {
                Some(Value::Array(items)) => items,
                _ => Vec::new(),
            };
            for (i, item) in items.into_iter().enumerate() {
                self.add_object(item, spans.subtree(&format!("/items/{i}")));
            }
        } else {
            self.add_object(value, spans);
        }
    }

    fn add_object(&mut self, value: Value, spans: Spans) {
        if !value.is_object() {
            let what = match value {
                Value::Array(_) => "a list",
                Value::String(_) => "a string",
                Value::Number(_) => "a number",
                Value::Bool(_) => "a boolean",
                _ => "empty",
            };
            self.findings.push(yaml_finding(
                spans.origin(""),
                format!("this document is {what}, not a Kubernetes object (a mapping with apiVersion and kind)"),
            ));
            return;
        }
        let origin = spans.origin("");
        self.objects.push(Object::new(value, Some(origin)));
        self.spans.push(spans);
    }
}

fn yaml_finding(origin: Origin, message: String) -> Finding {
    Finding {
        rule: "SCHEMA-YAML",
        severity: Severity::Error,
        index: None,
        object: Arc::from(""),
        path: String::new(),
        key: false,
        message,
        origin: Some(origin),
        waived: None,
    }
}

/// A parse error of a document that starts at line `offset` (0-based) of its file, as a
/// finding located in the file.
fn shifted(file: &Arc<str>, e: &Error, offset: usize) -> Finding {
    let origin = match e.origin() {
        Some(o) if o.line > 0 => Origin::new(file.clone(), o.line + offset, o.column),
        _ => Origin::new(file.clone(), offset + 1, 1),
    };
    // The parser counts lines from the start of the document it was given.
    let text = shift_lines(&e.to_string(), offset);
    let message = match e.help() {
        Some(h) => format!("{text} ({h})"),
        None => text,
    };
    yaml_finding(origin, message)
}

/// Adds `offset` to every `line N` a parser message mentions.
fn shift_lines(message: &str, offset: usize) -> String {
    if offset == 0 {
        return message.to_string();
    }
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(i) = rest.find("line ") {
        let (head, tail) = rest.split_at(i + 5);
        out.push_str(head);
        let digits = tail.len() - tail.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let (number, after) = tail.split_at(digits);
        match number.parse::<usize>() {
            Ok(n) => out.push_str(&(n + offset).to_string()),
            Err(_) => out.push_str(number),
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// The line ranges (start inclusive, end exclusive) of the documents of a stream: a line
/// that starts with `---` or `...` followed by a space or nothing begins a new one (YAML
/// forbids such lines inside a document, even in block scalars).
fn documents(lines: &[&str]) -> Vec<(usize, usize)> {
    let marker = |l: &str| {
        let l = l.trim_end_matches(['\n', '\r']);
        (l.starts_with("---") || l.starts_with("..."))
            && l.get(3..).is_none_or(|r| r.is_empty() || r.starts_with([' ', '\t']))
    };
    let mut out = Vec::new();
    let mut start = 0;
    for (i, l) in lines.iter().enumerate() {
        if marker(l) && i > start {
            out.push((start, i));
            start = i;
        }
    }
    if start < lines.len() {
        out.push((start, lines.len()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Manifests {
        let mut m = Manifests::default();
        m.add_text(&Arc::from("m.yaml"), text);
        m
    }

    #[test]
    fn documents_split_at_markers_only() {
        let text = "a: 1\n---\nb: |\n  ---x\n--- {c: 1}\n...\n";
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        assert_eq!(documents(&lines), [(0, 1), (1, 4), (4, 5), (5, 6)]);
    }

    #[test]
    fn a_broken_document_hides_none_of_the_others() {
        let text =
            "kind: A\napiVersion: v1\n---\nkind: B\nkind: B\n---\nkind: C\napiVersion: v1\nmetadata: {name: c}\n";
        let m = read(text);
        let kinds: Vec<&str> = m.objects.iter().map(Object::kind).collect();
        assert_eq!(kinds, ["A", "C"]);
        assert_eq!(m.findings.len(), 1);
        let f = &m.findings[0];
        assert_eq!(f.rule, "SCHEMA-YAML");
        assert_eq!(f.origin.as_ref().map(|o| o.line), Some(5), "{f:?}");
        assert!(f.message.contains("kind"), "{}", f.message);
        assert!(f.message.contains("line 4"), "{}", f.message);
        // The object after the broken one keeps its own line numbers.
        assert_eq!(m.locate(1, "/metadata/name", false).map(|o| o.line), Some(9));
    }

    #[test]
    fn lists_are_flattened_with_their_spans() {
        let text = "apiVersion: v1\nkind: List\nitems:\n  - kind: A\n    metadata: {name: a}\n  - kind: B\n    metadata: {name: b}\n";
        let m = read(text);
        assert_eq!(m.objects.len(), 2);
        assert_eq!(
            m.locate(1, "/metadata/name", false).map(|o| (o.line, o.column)),
            Some((7, 22))
        );
    }

    #[test]
    fn json_files_and_non_objects() {
        let m = read("{\n\t\"kind\": \"A\",\n\t\"apiVersion\": \"v1\"\n}\n");
        assert_eq!(m.objects.len(), 1, "{:?}", m.findings);
        let m = read("- a\n---\nplain\n");
        assert_eq!(m.objects.len(), 0);
        assert_eq!(m.findings.len(), 2);
        assert!(m.findings[0].message.contains("a list"));
    }
}
