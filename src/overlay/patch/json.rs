//! JSON merge patch (RFC 7396) and JSON patch (RFC 6902).
//!
//! The `json-patch` crate reads and applies the operations, except where it would move the
//! keys of a map: with `serde_json`'s `preserve_order` its removals swap the last key into
//! the removed one's place, and berth keeps the order of the input's keys in its output.
//! So removing a map member (`remove`, and the first half of `move`) and the merge patch
//! are done here, with order-preserving removal.
//!
//! Errors name the operation by its index (`at` is `/<index>`), say what was wrong with
//! the path, and never print a Secret's values.

use json_patch::jsonptr::Pointer;
use json_patch::{AddOperation, PatchErrorKind, PatchOperation};
use serde_json::{Map, Value};

use super::PatchError;
use super::strategic::short;

/// Applies an RFC 7396 JSON merge patch: maps merge, `null` deletes, anything else
/// (lists too) replaces.
pub fn merge(obj: &mut Value, patch: &Value) {
    let Value::Object(p) = patch else {
        *obj = patch.clone();
        return;
    };
    if !obj.is_object() {
        *obj = Value::Object(Map::new());
    }
    if let Value::Object(m) = obj {
        for (k, v) in p {
            if v.is_null() {
                m.shift_remove(k);
            } else {
                merge(m.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
    }
}

/// Applies an RFC 6902 JSON patch (a list of operations). All or nothing: on error `obj`
/// is left as it was.
pub fn json6902(obj: &mut Value, ops: &Value) -> Result<(), PatchError> {
    let Value::Array(list) = ops else {
        return Err(PatchError::new(
            "",
            "a JSON patch must be a list of operations",
            "write a list: `- {op: replace, path: /spec/replicas, value: 3}`",
        ));
    };
    let secret = obj.get("kind").and_then(Value::as_str) == Some("Secret");
    let mut doc = obj.clone();
    for (i, raw) in list.iter().enumerate() {
        let at = format!("/{i}");
        let unreadable = |why: String| PatchError::new(at.clone(), why, OPERATION_HELP);
        let op: PatchOperation = match raw {
            Value::Object(m) if !m.contains_key("op") => return Err(unreadable(format!("operation {i} has no `op`"))),
            Value::Object(_) => serde_json::from_value(raw.clone())
                .map_err(|e| unreadable(format!("operation {i} cannot be read: {e}")))?,
            _ => return Err(unreadable(format!("operation {i} is not a map"))),
        };
        apply(&mut doc, &op, secret).map_err(|(message, help)| PatchError::new(at, message, help))?;
    }
    *obj = doc;
    Ok(())
}

const OPERATION_HELP: &str = "an operation is `{op: add|remove|replace|move|copy|test, path: /json/pointer, ...}`: add, replace and test need `value`, move and copy need `from`; paths start with `/`";

type Failure = (String, String);

fn apply(doc: &mut Value, op: &PatchOperation, secret: bool) -> Result<(), Failure> {
    match op {
        PatchOperation::Remove(r) if parent_is_map(doc, &r.path) => {
            return take_member(doc, &r.path)
                .map(drop)
                .ok_or_else(|| missing(doc, "remove", &r.path));
        }
        PatchOperation::Move(m) if parent_is_map(doc, &m.from) => {
            if m.path.starts_with(&m.from) && m.path.len() != m.from.len() {
                return Err(inside_itself(m.from.as_str(), m.path.as_str()));
            }
            let Some(value) = take_member(doc, &m.from) else {
                return Err(missing_from(doc, "move", &m.from));
            };
            let add = PatchOperation::Add(AddOperation {
                path: m.path.clone(),
                value,
            });
            return apply(doc, &add, secret);
        }
        _ => {}
    }
    json_patch::patch(doc, std::slice::from_ref(op)).map_err(|e| explain(doc, op, &e.kind, secret))
}

fn parent_is_map(doc: &Value, path: &Pointer) -> bool {
    path.split_back()
        .and_then(|(parent, _)| doc.pointer(parent.as_str()))
        .is_some_and(Value::is_object)
}

/// Removes a map member keeping the order of the others.
fn take_member(doc: &mut Value, path: &Pointer) -> Option<Value> {
    let (parent, last) = path.split_back()?;
    doc.pointer_mut(parent.as_str())?
        .as_object_mut()?
        .shift_remove(last.decoded().as_ref())
}

fn op_name(op: &PatchOperation) -> &'static str {
    match op {
        PatchOperation::Add(_) => "add",
        PatchOperation::Remove(_) => "remove",
        PatchOperation::Replace(_) => "replace",
        PatchOperation::Move(_) => "move",
        PatchOperation::Copy(_) => "copy",
        PatchOperation::Test(_) => "test",
    }
}

fn shown(pointer: &str) -> &str {
    if pointer.is_empty() {
        "the object's root"
    } else {
        pointer
    }
}

/// What is missing on the way to `path`: the first step that does not exist.
fn first_gap(doc: &Value, path: &Pointer) -> String {
    let mut here = doc;
    let mut walked = String::new();
    for token in path.tokens() {
        let key = token.decoded();
        let next = match here {
            Value::Object(m) => m.get(key.as_ref()),
            Value::Array(a) => key.parse::<usize>().ok().and_then(|i| a.get(i)),
            _ => None,
        };
        let Some(next) = next else {
            let place = shown(&walked).to_string();
            return match here {
                Value::Object(_) => format!("{place} has no `{key}`"),
                Value::Array(a) => format!(
                    "{place} is a list of {} items, and `{key}` is not one of its indexes",
                    a.len()
                ),
                other => format!("{place} is {}, not a map or a list", crate::error::value_kind(other)),
            };
        };
        walked.push('/');
        walked.push_str(token.encoded());
        here = next;
    }
    format!("{} exists", shown(&walked))
}

const CHECK_PATH: &str = "check the path against the object as the earlier patches leave it; list indexes count from 0";

fn missing(doc: &Value, op: &str, path: &Pointer) -> Failure {
    (
        format!("`{op}` {}: nothing there ({})", path.as_str(), first_gap(doc, path)),
        CHECK_PATH.into(),
    )
}

fn missing_from(doc: &Value, op: &str, from: &Pointer) -> Failure {
    (
        format!(
            "`{op}` from {}: nothing there ({})",
            from.as_str(),
            first_gap(doc, from)
        ),
        CHECK_PATH.into(),
    )
}

fn inside_itself(from: &str, path: &str) -> Failure {
    (
        format!("`move` cannot move {from} into itself ({path})"),
        "move the value to a place outside it, or copy it".into(),
    )
}

/// Why `add` could not place a value at `path`.
fn cannot_add(doc: &Value, path: &Pointer) -> Failure {
    let Some((parent, last)) = path.split_back() else {
        return missing(doc, "add", path);
    };
    match doc.pointer(parent.as_str()) {
        Some(Value::Array(a)) => (
            format!(
                "`add` {}: `{}` is not a position in {}, a list of {} items",
                path.as_str(),
                last.decoded(),
                shown(parent.as_str()),
                a.len()
            ),
            format!("use an index from 0 to {}, or `-` to append", a.len()),
        ),
        Some(other) => (
            format!(
                "`add` {}: {} is {}, not a map or a list",
                path.as_str(),
                shown(parent.as_str()),
                crate::error::value_kind(other)
            ),
            "add to a map or a list; to change the value itself, use `replace`".into(),
        ),
        None => (
            format!(
                "`add` {}: its parent {} does not exist ({})",
                path.as_str(),
                parent.as_str(),
                first_gap(doc, parent)
            ),
            format!(
                "`add` creates only the last step of its path: add {} first (e.g. with `value: {{}}`)",
                parent.as_str()
            ),
        ),
    }
}

fn explain(doc: &Value, op: &PatchOperation, kind: &PatchErrorKind, secret: bool) -> Failure {
    let name = op_name(op);
    match (op, kind) {
        (PatchOperation::Test(t), PatchErrorKind::TestFailed) => test_failed(doc, t.path.as_str(), &t.value, secret),
        (PatchOperation::Test(t), _) if secret => (
            format!(
                "`test` failed: nothing at {} ({})",
                t.path.as_str(),
                first_gap(doc, &t.path)
            ),
            "the test guards the patch: check the path (a Secret's values are not shown)".into(),
        ),
        (PatchOperation::Test(t), _) => (
            format!(
                "`test` failed: expected {} at {}, found nothing there ({})",
                short(&t.value),
                t.path.as_str(),
                first_gap(doc, &t.path)
            ),
            "the test guards the patch: fix the path, or the base has changed and the patch needs review".into(),
        ),
        (PatchOperation::Move(m), PatchErrorKind::CannotMoveInsideItself) => {
            inside_itself(m.from.as_str(), m.path.as_str())
        }
        (PatchOperation::Move(m), PatchErrorKind::InvalidFromPointer) => missing_from(doc, name, &m.from),
        (PatchOperation::Copy(c), PatchErrorKind::InvalidFromPointer) => missing_from(doc, name, &c.from),
        (PatchOperation::Add(_) | PatchOperation::Move(_) | PatchOperation::Copy(_), _) => cannot_add(doc, op.path()),
        _ => missing(doc, name, op.path()),
    }
}

fn test_failed(doc: &Value, path: &str, expected: &Value, secret: bool) -> Failure {
    if secret {
        return (
            format!("`test` failed: the value at {path} is not the expected one (a Secret's values are not shown)"),
            "the test guards the patch: the base has changed, or the expected value is wrong".into(),
        );
    }
    let found = doc.pointer(path).map_or_else(|| "nothing".to_string(), short);
    (
        format!(
            "`test` failed: expected {} at {path}, but it was not found there (the value is {found})",
            short(expected)
        ),
        "the test guards the patch: the base has changed and the patch needs review, or the expected value is wrong"
            .into(),
    )
}
