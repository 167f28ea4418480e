//! Validation of each compose file against the vendored compose-spec JSON Schema.
//!
//! The schema catches typos and wrong shapes before normalisation guesses at them;
//! this module turns the validator's errors into one human, located message.

use std::sync::OnceLock;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{ValidationError, Validator};
use serde_json::Value;

use crate::error::Error;
use crate::source::Origin;
use crate::yaml::{Spans, pointer_segment};

const SCHEMA_TEXT: &str = include_str!("../../schemas/compose/compose-spec.json");

fn schema() -> Option<&'static Value> {
    static SCHEMA: OnceLock<Option<Value>> = OnceLock::new();
    SCHEMA.get_or_init(|| serde_json::from_str(SCHEMA_TEXT).ok()).as_ref()
}

fn validator() -> Result<&'static Validator, Error> {
    static VALIDATOR: OnceLock<Result<Validator, String>> = OnceLock::new();
    let built = VALIDATOR.get_or_init(|| {
        let schema = schema().ok_or("the vendored compose schema is not JSON")?;
        jsonschema::options().offline().build(schema).map_err(|e| e.to_string())
    });
    built.as_ref().map_err(|e| Error::Usage {
        message: format!("internal error: the compose schema does not compile: {e}"),
        help: None,
    })
}

/// Validates one (interpolated) compose file. Reports the first problem, by position.
pub fn validate(value: &Value, spans: &Spans) -> Result<(), Error> {
    let validator = validator()?;
    let mut errors: Vec<(Origin, String, String, Option<String>)> = validator
        .iter_errors(value)
        .map(|e| {
            let (pointer, message, help) = describe(&e, value);
            let origin = if message.starts_with("unknown key") {
                spans.key_origin(&pointer)
            } else {
                spans.origin(&pointer)
            };
            (origin, pointer, message, help)
        })
        .collect();
    errors.sort();
    let Some((origin, _, message, help)) = errors.into_iter().next() else {
        return Ok(());
    };
    Err(Error::Input {
        origin: Some(origin),
        message,
        help: Some(help.unwrap_or_else(|| "see the compose specification for this key".into())),
    })
}

/// Pointer of the offending value (or key), message and help.
fn describe(e: &ValidationError<'_>, root: &Value) -> (String, String, Option<String>) {
    let pointer = e.instance_path().as_str().to_string();
    let place = place_of(&pointer);
    match e.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            let key = unexpected.first().cloned().unwrap_or_default();
            let allowed = allowed_keys(e.schema_path().as_str());
            let help = closest(&key, &allowed).map_or_else(
                || {
                    if allowed.is_empty() {
                        "remove it, or prefix it with `x-` to keep it as an extension".to_string()
                    } else {
                        format!("remove it, or prefix it with `x-`; known keys: {}", allowed.join(", "))
                    }
                },
                |c| format!("did you mean `{c}`?"),
            );
            let key_pointer = format!("{pointer}/{}", pointer_segment(&key));
            (
                key_pointer,
                format!("unknown key `{key}` {}", in_place(&pointer)),
                Some(help),
            )
        }
        ValidationErrorKind::Type { kind } => {
            let found = root.pointer(&pointer).map_or("nothing", type_name);
            (
                pointer.clone(),
                format!("{place} must be {}, found {found}", expected(kind)),
                None,
            )
        }
        ValidationErrorKind::OneOfNotValid { context } | ValidationErrorKind::AnyOf { context } => {
            // Report the branch whose type matched (the form the user meant), at its
            // deepest error.
            let wrong_type = |b: &ValidationError<'_>| {
                matches!(b.kind(), ValidationErrorKind::Type { .. }) && b.instance_path().as_str() == pointer
            };
            let best = context
                .iter()
                .filter(|branch| !branch.iter().all(&wrong_type))
                .filter_map(|branch| branch.iter().max_by_key(|b| b.instance_path().as_str().len()))
                .max_by_key(|b| b.instance_path().as_str().len());
            match best {
                Some(b) => describe(b, root),
                _ => {
                    let found = root.pointer(&pointer).map_or("nothing", type_name);
                    let forms: Vec<String> = context
                        .iter()
                        .filter_map(|b| match b.first().map(|x| x.kind()) {
                            Some(ValidationErrorKind::Type { kind }) => Some(expected(kind)),
                            _ => None,
                        })
                        .collect();
                    let msg = if forms.len() == context.len() && !forms.is_empty() {
                        format!("{place} must be {}, found {found}", forms.join(" or "))
                    } else {
                        format!("{place} has none of the allowed forms (found {found})")
                    };
                    (pointer.clone(), msg, None)
                }
            }
        }
        ValidationErrorKind::Required { property } => (
            pointer.clone(),
            format!("{place} is missing the required key {property}"),
            None,
        ),
        ValidationErrorKind::Enum { options } => {
            let found = root.pointer(&pointer).map(|v| v.to_string()).unwrap_or_default();
            (
                pointer.clone(),
                format!("{place} must be one of {options}, found {found}"),
                None,
            )
        }
        ValidationErrorKind::Pattern { pattern } => {
            let found = root.pointer(&pointer).map(|v| v.to_string()).unwrap_or_default();
            (
                pointer.clone(),
                format!("{place} is {found}, which does not match `{pattern}`"),
                None,
            )
        }
        ValidationErrorKind::UniqueItems => (pointer.clone(), format!("{place} has duplicate entries"), None),
        ValidationErrorKind::PropertyNames { error } => {
            let (_, m, h) = describe(error, root);
            (pointer.clone(), format!("invalid key {} ({m})", in_place(&pointer)), h)
        }
        _ => (pointer.clone(), format!("{place}: {}", e.masked()), None),
    }
}

/// "`ports` in service `web`" for `/services/web/ports`.
fn place_of(pointer: &str) -> String {
    let segs: Vec<&str> = pointer.split('/').skip(1).collect();
    match segs.as_slice() {
        [] => "the file".into(),
        ["services", name] => format!("service `{name}`"),
        ["services", name, rest @ ..] => format!("`{}` in service `{name}`", rest.join(".")),
        [top, name] => format!("{} `{name}`", top.trim_end_matches('s')),
        [top, name, rest @ ..] => format!("`{}` in {} `{name}`", rest.join("."), top.trim_end_matches('s')),
        [top] => format!("`{top}`"),
    }
}

fn in_place(pointer: &str) -> String {
    if pointer.is_empty() {
        "at the top level".into()
    } else {
        format!("in {}", place_of(pointer))
    }
}

fn expected(kind: &TypeKind) -> String {
    let name = |t: &jsonschema::JsonType| match t.to_string().as_str() {
        "array" => "a list".to_string(),
        "object" => "a mapping".to_string(),
        "integer" => "an integer".to_string(),
        other => format!("a {other}"),
    };
    match kind {
        TypeKind::Single(t) => name(t),
        TypeKind::Multiple(set) => set.iter().map(|t| name(&t)).collect::<Vec<_>>().join(" or "),
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// The property names allowed where an `additionalProperties` error fired.
fn allowed_keys(schema_path: &str) -> Vec<String> {
    let Some(root) = schema() else { return Vec::new() };
    let segs: Vec<String> = schema_path
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect();
    let mut node = root;
    for seg in segs.iter().take(segs.len().saturating_sub(1)) {
        let next = match node {
            Value::Array(a) => seg.parse::<usize>().ok().and_then(|i| a.get(i)),
            other => other.get(seg.as_str()),
        };
        let Some(mut n) = next else { return Vec::new() };
        // Paths may step through a `$ref`; follow it to the definition.
        if let Some(target) = n.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix('#')) {
            n = root.pointer(target).unwrap_or(n);
        }
        node = n;
    }
    node.get("properties")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// The allowed key closest to `key`, when it is close enough to be a typo.
pub fn closest(key: &str, allowed: &[String]) -> Option<String> {
    allowed
        .iter()
        .map(|a| (edit_distance(key, a), a))
        .filter(|(d, a)| *d <= 2.max(a.len() / 4) && *d < a.len())
        .min()
        .map(|(_, a)| a.clone())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            let v = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            cur.push(v);
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(v: Value) -> Error {
        validate(&v, &Spans::new("compose.yaml".into())).unwrap_err()
    }

    #[test]
    fn valid_file_passes() {
        let v = json!({"services": {"db": {"image": "postgres", "ports": ["5432:5432"], "restart": "always"}}});
        validate(&v, &Spans::new("c.yaml".into())).unwrap();
    }

    #[test]
    fn unknown_key_suggests_the_closest() {
        let e = check(json!({"services": {"db": {"image": "x", "restrat": "always"}}}));
        assert_eq!(e.to_string(), "unknown key `restrat` in service `db`");
        assert_eq!(e.help(), Some("did you mean `restart`?"));
        let e = check(json!({"servces": {}}));
        assert_eq!(e.to_string(), "unknown key `servces` at the top level");
        assert_eq!(e.help(), Some("did you mean `services`?"));
    }

    #[test]
    fn wrong_type_names_both_types() {
        let e = check(json!({"services": {"db": {"image": "x", "ports": "80:80"}}}));
        assert_eq!(e.to_string(), "`ports` in service `db` must be a list, found a string");
        let e = check(json!({"services": {"db": {"image": "x", "build": {"contxt": "."}}}}));
        assert_eq!(e.to_string(), "unknown key `contxt` in `build` in service `db`");
        assert_eq!(e.help(), Some("did you mean `context`?"));
        let e = check(json!({"services": {"db": {"image": "x", "environment": 5}}}));
        assert_eq!(
            e.to_string(),
            "`environment` in service `db` must be a mapping or a list, found a number"
        );
        let e = check(json!({"services": {"db": {"image": ["x"]}}}));
        assert_eq!(e.to_string(), "`image` in service `db` must be a string, found a list");
    }
}
