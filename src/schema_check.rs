//! Checks an input file against one of berth's JSON Schemas (compose-spec, Chart.yaml,
//! overlay.yaml) and explains the first failure in the user's terms: what is wrong, at the
//! file:line of the offending key or value, with a "did you mean" for typos.
//!
//! The schemas stay the single definition of each format (editors use the same files);
//! this module only translates the validator's errors.

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{ValidationError, Validator};
use serde_json::Value;

use crate::error::Error;
use crate::source::Origin;
use crate::yaml::{Spans, pointer_segment};

/// One schema and how to name places in the documents it describes.
pub struct Schema<'a> {
    pub root: &'a Value,
    pub validator: &'a Validator,
    /// "`ports` in service `web`" for `/services/web/ports`.
    pub place_of: fn(&str) -> String,
    /// The help when an error has none of its own.
    pub default_help: &'a str,
    /// Said after "remove it" for an unknown key (compose: ", or prefix it with `x-`").
    pub unknown_key_hint: &'a str,
}

/// A vendored schema compiled on first use and kept in `cell`; `what` names it in the
/// error, which would be a bug in berth.
pub fn cached(
    cell: &'static std::sync::OnceLock<Result<(Value, Validator), String>>,
    text: &str,
    what: &str,
) -> Result<&'static (Value, Validator), Error> {
    cell.get_or_init(|| compile(text)).as_ref().map_err(|e| Error::Usage {
        message: format!("internal error: the {what} schema does not compile: {e}"),
        help: None,
    })
}

/// Compiles a vendored schema text once; an error here is a bug in berth.
pub fn compile(text: &str) -> Result<(Value, Validator), String> {
    let schema: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let validator = jsonschema::options()
        .offline()
        .build(&schema)
        .map_err(|e| e.to_string())?;
    Ok((schema, validator))
}

impl Schema<'_> {
    /// Validates `value`; reports the first problem, by position.
    pub fn check(&self, value: &Value, spans: &Spans) -> Result<(), Error> {
        let mut errors: Vec<(Origin, String, String, Option<String>)> = self
            .validator
            .iter_errors(value)
            .map(|e| {
                let (pointer, message, help) = self.describe(&e, value);
                let origin = if message.starts_with("unknown key") || message.starts_with("invalid name") {
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
            help: Some(help.unwrap_or_else(|| self.default_help.to_string())),
        })
    }
    /// Pointer of the offending value (or key), message and help.
    fn describe(&self, e: &ValidationError<'_>, root: &Value) -> (String, String, Option<String>) {
        let place_of = self.place_of;
        let in_place = |p: &str| in_place(p, place_of);
        let pointer = e.instance_path().as_str().to_string();
        let place = place_of(&pointer);
        match e.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                let key = unexpected.first().cloned().unwrap_or_default();
                let allowed = allowed_keys(self.root, e.schema_path().as_str());
                let patterns = key_patterns(self.root, e.schema_path().as_str());
                let key_pointer = format!("{pointer}/{}", pointer_segment(&key));
                if allowed.is_empty() && !patterns.is_empty() {
                    // The keys here are names (of services, volumes, ...): this one is
                    // not a typo of a known key but a name the format does not allow.
                    return (
                        key_pointer,
                        format!("invalid name `{key}` {}", in_place(&pointer)),
                        Some(format!(
                            "rename it: a name here must match {}",
                            patterns
                                .iter()
                                .map(|p| match p.as_str() {
                                    "^[a-zA-Z0-9._-]+$" =>
                                        "`^[a-zA-Z0-9._-]+$` (letters, digits, `.`, `_` and `-`)".into(),
                                    p => format!("`{p}`"),
                                })
                                .collect::<Vec<_>>()
                                .join(" or ")
                        )),
                    );
                }
                let help = closest(&key, &allowed).map_or_else(
                    || {
                        if allowed.is_empty() {
                            format!("remove it{}", self.unknown_key_hint)
                        } else {
                            format!("remove it{}; known keys: {}", self.unknown_key_hint, allowed.join(", "))
                        }
                    },
                    |c| format!("did you mean `{c}`?"),
                );
                (
                    key_pointer,
                    format!("unknown key `{key}` {}", in_place(&pointer)),
                    Some(help),
                )
            }
            ValidationErrorKind::Type { kind } => {
                let value = root.pointer(&pointer);
                let found = value.map_or("nothing", crate::error::value_kind);
                let wants_mapping = expected(kind).contains("a mapping");
                (
                    pointer.clone(),
                    format!("{place} must be {}, found {found}", expected(kind)),
                    value
                        .and_then(Value::as_str)
                        .filter(|_| wants_mapping)
                        .and_then(missing_space_after_colon),
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
                    Some(b) => self.describe(b, root),
                    _ => {
                        let found = root.pointer(&pointer).map_or("nothing", crate::error::value_kind);
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
                let (_, m, h) = self.describe(error, root);
                (pointer.clone(), format!("invalid key {} ({m})", in_place(&pointer)), h)
            }
            _ => (pointer.clone(), format!("{place}: {}", e.masked()), None),
        }
    }
}

/// The help for a string that was meant as `key: value` but lacks the space after the
/// colon (`image:nginx`), which YAML reads as one plain string.
fn missing_space_after_colon(text: &str) -> Option<String> {
    let (key, value) = text.split_once(':')?;
    let is_key = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c));
    (is_key && !value.is_empty() && !value.starts_with([' ', '\t']))
        .then(|| format!("`{text}` is read as one string; write a space after the colon: `{key}: {value}`"))
}

fn in_place(pointer: &str, place_of: fn(&str) -> String) -> String {
    if pointer.is_empty() {
        "at the top level".into()
    } else {
        format!("in {}", place_of(pointer))
    }
}

/// "an integer", "a list or a mapping": what a schema type asks for, in words.
pub fn expected(kind: &TypeKind) -> String {
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

/// The property names allowed where an `additionalProperties` error fired.
fn allowed_keys(root: &Value, schema_path: &str) -> Vec<String> {
    schema_node(root, schema_path)
        .and_then(|n| n.get("properties"))
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// The patterns that keys must match where an `additionalProperties` error fired, when
/// the keys there are names (services, volumes) rather than a fixed set.
fn key_patterns(root: &Value, schema_path: &str) -> Vec<String> {
    schema_node(root, schema_path)
        .and_then(|n| n.get("patternProperties"))
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// The schema object holding the keyword at the end of `schema_path`.
fn schema_node<'a>(root: &'a Value, schema_path: &str) -> Option<&'a Value> {
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
        let mut n = next?;
        // Paths may step through a `$ref`; follow it to the definition.
        if let Some(target) = n.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix('#')) {
            n = root.pointer(target).unwrap_or(n);
        }
        node = n;
    }
    Some(node)
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
