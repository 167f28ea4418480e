//! A chart's `values.schema.json`, checked against the merged values.
//!
//! Helm reports a failing value by its path only; berth also names the file line or the
//! `--set` argument that supplied it (from the values' provenance) and the line of the
//! schema rule it broke, so the user knows which of the many layers to fix.

use jsonschema::ValidationError;
use jsonschema::error::{TypeKind, ValidationErrorKind};
use serde_json::Value;

use super::{Source, Values, dotted, type_name};
use crate::error::Error;
use crate::source::{Origin, Sandbox};
use crate::yaml::{self, Flavor, Spans, pointer_segment};

/// Checks the merged values against a chart's `values.schema.json` (root-relative name);
/// an error names the file:line (or flag) that supplied the bad value. When several values
/// fail, the first is the error and the help lists the others.
pub fn check_schema(values: &Values, sandbox: &Sandbox, schema_file: &str) -> Result<(), Error> {
    let mut errors = schema_errors(values, sandbox, schema_file)?.into_iter();
    let Some(first) = errors.next() else {
        return Ok(());
    };
    let rest: Vec<String> = errors
        .map(|e| match e.origin() {
            Some(o) => format!("{o}: {e}"),
            None => e.to_string(),
        })
        .collect();
    if rest.is_empty() {
        return Err(first);
    }
    match first {
        Error::Input { origin, message, help } => Err(Error::Input {
            origin,
            message,
            help: Some(format!(
                "{}\n  {} more value(s) fail the schema:\n    {}",
                help.unwrap_or_default(),
                rest.len(),
                rest.join("\n    ")
            )),
        }),
        other => Err(other),
    }
}

/// Every value that fails the schema, each as a located input error (sorted: values
/// from files by place, then values from flags). `Err` when the schema itself cannot be
/// read, parsed or compiled.
pub fn schema_errors(values: &Values, sandbox: &Sandbox, schema_file: &str) -> Result<Vec<Error>, Error> {
    let file = sandbox.read(schema_file, None)?;
    let text = file.text()?;
    let schema: Value = serde_json::from_str(text).map_err(|e| {
        let detail = e.to_string();
        let detail = detail.split(" at line ").next().unwrap_or_default().to_string();
        Error::input(
            Some(Origin::new(file.name.clone(), e.line(), e.column().max(1))),
            format!("the values schema is not valid JSON: {detail}"),
            "fix the JSON at the place shown (values.schema.json is JSON, not YAML)",
        )
    })?;
    // JSON is YAML: the YAML reader gives the schema's line numbers for free.
    let spans = yaml::parse_one(&file.name, text, Flavor::Manifest)
        .map(|d| d.spans)
        .unwrap_or_else(|_| Spans::new(file.name.clone()));
    let validator = jsonschema::options().offline().build(&schema).map_err(|e| {
        let at = e.instance_path().as_str();
        let help = match e.kind() {
            ValidationErrorKind::Referencing(_) => {
                "berth checks values offline: a `$ref` must point inside this file (`#/$defs/name`)"
            }
            _ => "fix the schema; see https://json-schema.org for the keywords of its draft",
        };
        Error::input(
            Some(spans.origin(at)),
            format!("the values schema is not a valid JSON Schema: {}", e.masked()),
            help,
        )
    })?;
    let mut found: Vec<(Option<Origin>, String, Error)> = validator
        .iter_errors(&values.tree)
        .map(|e| {
            let rule = spans
                .exact(e.schema_path().as_str())
                .unwrap_or_else(|| spans.origin(""));
            let (pointer, message, help) = describe(&e, &values.tree);
            let source = values.source_of(&pointer);
            let help = format!("{}; the rule is at {rule}", help(source));
            let (origin, message) = match source {
                Some(Source::File(o)) => (Some(o.clone()), message),
                Some(flag @ Source::Flag { .. }) => (None, format!("{message} (set by {flag})")),
                None => (None, message),
            };
            (
                origin.clone(),
                message.clone(),
                Error::Input {
                    origin,
                    message,
                    help: Some(help),
                },
            )
        })
        .collect();
    found.sort_by(|a, b| (a.0.is_none(), &a.0, &a.1).cmp(&(b.0.is_none(), &b.0, &b.1)));
    found.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
    Ok(found.into_iter().map(|(_, _, e)| e).collect())
}

/// How to fix a failing value, given where it came from.
type Help = Box<dyn Fn(Option<&Source>) -> String>;

/// The pointer that locates the failure, our message (with the `--set` spelling of the
/// path and the schema's complaint) and how to fix it.
fn describe(e: &ValidationError<'_>, tree: &Value) -> (String, String, Help) {
    let pointer = e.instance_path().as_str().to_string();
    let found = tree.pointer(&pointer);
    let path = dotted(tree, &pointer);
    let place = if path.is_empty() {
        "the values".to_string()
    } else {
        format!("`{path}`")
    };
    match e.kind() {
        ValidationErrorKind::Type { kind } => {
            let want = crate::schema_check::expected(kind);
            let found = found.map_or("nothing", type_name);
            let text_wanted = matches!(kind, TypeKind::Single(t) if t.to_string() == "string");
            let help: Help = Box::new(move |source| match source {
                Some(Source::Flag { flag: "--set", .. }) if text_wanted => {
                    "--set types `true`, `false`, `null` and whole numbers; use --set-string to pass text".into()
                }
                Some(Source::Flag { .. }) => format!("pass {want} (--set-json takes any JSON type)"),
                _ if text_wanted => "quote the value (`tag: \"1.0\"`) so that YAML reads it as text".into(),
                _ => format!("change the value to {want}"),
            });
            (
                pointer,
                format!("{place} must be {}, found {found}", crate::schema_check::expected(kind)),
                help,
            )
        }
        ValidationErrorKind::Required { property } => {
            let key = property.as_str().map_or_else(|| property.to_string(), str::to_string);
            let full = if path.is_empty() {
                super::set::escape_key(&key)
            } else {
                format!("{path}.{}", super::set::escape_key(&key))
            };
            let help: Help = Box::new(move |_| format!("set `{full}` in a values file or with --set {full}=..."));
            let message = if path.is_empty() {
                format!("the values lack the required key `{key}`")
            } else {
                format!("{place} is missing the required key `{key}`")
            };
            (pointer, message, help)
        }
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            let key = unexpected.first().cloned().unwrap_or_default();
            let child = format!("{pointer}/{}", pointer_segment(&key));
            let more = if unexpected.len() > 1 {
                format!(" (also: {})", unexpected.get(1..).unwrap_or_default().join(", "))
            } else {
                String::new()
            };
            let help: Help =
                Box::new(|_| "remove the key or fix its spelling; the schema lists the keys it allows".into());
            (
                child,
                format!("{place} has the key `{key}`, which the schema does not allow{more}"),
                help,
            )
        }
        ValidationErrorKind::Enum { options } => {
            let options = options.to_string();
            let help: Help = Box::new(move |_| format!("use one of {options}"));
            let shown = found.map(short).unwrap_or_default();
            (
                pointer,
                format!("{place} is {shown}, which is not one of the values the schema allows"),
                help,
            )
        }
        _ => {
            let help: Help = Box::new(|_| "change the value so that it satisfies the schema rule".into());
            // The validator's own words, with the value when it is short enough to read.
            let words = match found {
                Some(v) if !v.is_object() && !v.is_array() && v.to_string().chars().count() <= 60 => e.to_string(),
                _ => e.masked().to_string(),
            };
            (pointer, format!("{place}: {words}"), help)
        }
    }
}

/// A value for a message, cut short: values can be whole files (`--set-file`).
fn short(v: &Value) -> String {
    let text = v.to_string();
    match text.char_indices().nth(60) {
        Some((i, _)) => format!("{}...", text.get(..i).unwrap_or_default()),
        None => text,
    }
}
