//! What `berth explain` prints: per object, where it came from, what it relaxes, and per
//! field its value (shortened, secrets redacted) and the steps that set it. Text for
//! people, JSON (`berth.dev/explain/v1`, documented in `book/src/explain.md`) for tools.

use serde_json::{Map, Value, json};

use super::{Stage, Step};
use crate::error::Error;
use crate::manifest::{self, Object};
use crate::redact::MASK;

/// Longest value shown in the text table; longer ones end in `…`.
const VALUE_WIDTH: usize = 40;

/// Widest path column in the text table.
const PATH_WIDTH: usize = 64;

/// One object explained.
#[derive(Debug)]
pub struct Explained<'o> {
    pub object: &'o Object,
    pub relaxations: Vec<Relaxed<'o>>,
    pub fields: Vec<Field<'o>>,
}

/// One `berth.dev/waive` entry and the step that wrote it.
#[derive(Debug)]
pub struct Relaxed<'o> {
    pub rule: String,
    pub reason: String,
    pub by: Option<&'o Step>,
}

/// One leaf of an object.
#[derive(Debug)]
pub struct Field<'o> {
    pub pointer: String,
    /// `spec.template.spec.containers[0].image`.
    pub path: String,
    /// The value, or [`MASK`] for a Secret's data.
    pub value: Value,
    /// The steps that set it, oldest first; empty when only the object's origin is known.
    pub history: &'o [Step],
}

/// The objects `--object` names (all when `None`): `KIND/NAME` or `KIND/NAMESPACE/NAME`,
/// the kind matched without regard to case. None matching is a usage error that lists
/// the objects there are.
pub fn select<'o>(objects: &'o [Object], wanted: Option<&str>) -> Result<Vec<&'o Object>, Error> {
    let Some(wanted) = wanted else {
        return Ok(objects.iter().collect());
    };
    let parts: Vec<&str> = wanted.split('/').collect();
    let (kind, namespace, name) = match parts.as_slice() {
        [k, n] => (*k, None, *n),
        [k, ns, n] => (*k, Some(*ns), *n),
        _ => {
            return Err(Error::Usage {
                message: format!("--object `{wanted}` is not KIND/NAME or KIND/NAMESPACE/NAME"),
                help: Some("name an object as the output says it, e.g. `--object Deployment/web`".into()),
            });
        }
    };
    let found: Vec<&Object> = objects
        .iter()
        .filter(|o| o.kind().eq_ignore_ascii_case(kind) && o.name() == name)
        .filter(|o| namespace.is_none_or(|ns| o.namespace() == ns))
        .collect();
    if !found.is_empty() {
        return Ok(found);
    }
    let ids: Vec<String> = objects.iter().map(short_id).collect();
    let close: Vec<&String> = ids
        .iter()
        .filter(|id| {
            let (k, n) = id.split_once('/').unwrap_or(("", id.as_str()));
            k.eq_ignore_ascii_case(kind) || n == name
        })
        .collect();
    let listed = if close.is_empty() {
        ids.iter().map(String::as_str).collect::<Vec<_>>().join(", ")
    } else {
        close.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
    };
    Err(Error::Usage {
        message: format!("--object {wanted}: the render has no such object"),
        help: Some(format!(
            "{} {listed}",
            if close.is_empty() {
                "its objects are:"
            } else {
                "did you mean:"
            }
        )),
    })
}

/// `Kind/name`, as `--object` takes it.
fn short_id(o: &Object) -> String {
    format!("{}/{}", o.kind(), o.name())
}

/// The selected objects explained, keeping only the fields `--field` names (a path as
/// the text output prints it, or a JSON pointer; its subfields too). A field filter that
/// matches nothing is a usage error.
pub fn explain<'o>(objects: &[&'o Object], field: Option<&str>) -> Result<Vec<Explained<'o>>, Error> {
    let mut out = Vec::new();
    for o in objects {
        let mut fields = Vec::new();
        let secret = o.kind() == "Secret";
        super::leaves(&o.value, "", &mut |pointer, value| {
            let path = dotted(pointer);
            if field.is_some_and(|f| !selected(f, pointer, &path)) {
                return;
            }
            let hidden = secret && (pointer.starts_with("/data/") || pointer.starts_with("/stringData/"));
            let history = o
                .trace
                .as_ref()
                .and_then(|t| t.fields.get(pointer))
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            fields.push(Field {
                pointer: pointer.to_string(),
                path,
                value: if hidden {
                    Value::String(MASK.into())
                } else {
                    value.clone()
                },
                history,
            });
        });
        if field.is_some() && fields.is_empty() {
            continue;
        }
        out.push(Explained {
            object: o,
            relaxations: relaxations(o),
            fields,
        });
    }
    if let (Some(f), true) = (field, out.is_empty()) {
        return Err(Error::Usage {
            message: format!("--field {f}: no selected object has this field"),
            help: Some(
                "give a field as the explain output prints it (`spec.template.spec.containers[0].image`, or a prefix such as `spec.template`), or as a JSON pointer (`/spec/replicas`)"
                    .into(),
            ),
        });
    }
    Ok(out)
}

/// Whether the leaf at `pointer` (printed `path`) is `filter` or under it.
fn selected(filter: &str, pointer: &str, path: &str) -> bool {
    let under = |whole: &str, prefix: &str, seps: &[char]| {
        whole == prefix
            || whole
                .strip_prefix(prefix)
                .and_then(|rest| rest.chars().next())
                .is_some_and(|c| seps.contains(&c))
    };
    if filter.starts_with('/') {
        under(pointer, filter, &['/'])
    } else {
        under(path, filter, &['.', '['])
    }
}

/// The relaxations written on `o`, each with the step that wrote the annotation.
fn relaxations(o: &Object) -> Vec<Relaxed<'_>> {
    let pointer = format!(
        "/metadata/annotations/{}",
        crate::yaml::pointer_segment(manifest::WAIVE_ANNOTATION)
    );
    let Some(text) = o.value.pointer(&pointer).and_then(Value::as_str) else {
        return Vec::new();
    };
    let history = o.trace.as_ref().and_then(|t| t.fields.get(&pointer));
    manifest::waivers(text)
        .into_iter()
        .map(|(rule, reason)| Relaxed {
            rule: rule.to_string(),
            reason: reason.to_string(),
            // The step whose change brought this rule in: the first whose recorded
            // annotation holds it is not known, so the latest writer answers.
            by: history
                .and_then(|h| h.last())
                .or_else(|| o.trace.as_ref().map(|t| &t.created)),
        })
        .collect()
}

/// A JSON pointer as people write the path: `spec.containers[0].image`; a key that is
/// not a plain word is quoted (`metadata.annotations["berth.dev/waive"]`).
pub fn dotted(pointer: &str) -> String {
    let mut out = String::new();
    for seg in pointer.split('/').skip(1) {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        if !seg.is_empty() && seg.chars().all(|c| c.is_ascii_digit()) {
            out.push_str(&format!("[{seg}]"));
        } else if !seg.is_empty() && seg.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&seg);
        } else {
            out.push_str(&format!("[{}]", Value::String(seg)));
        }
    }
    out
}

/// A step as one phrase: what, where, and the values a template line read.
pub fn describe(step: &Step) -> String {
    let mut s = step.what.clone();
    if let Some(o) = &step.origin {
        s.push_str(&format!(" {o}"));
    }
    if !step.values.is_empty() {
        let reads: Vec<String> = step
            .values
            .iter()
            .map(|u| format!("{} from {}", u.path, u.source))
            .collect();
        s.push_str(&format!(" ({})", reads.join(", ")));
    }
    s
}

/// How an object came to be, one line.
fn made(o: &Object) -> String {
    match &o.trace {
        Some(t) => describe(&t.created),
        None => match &o.origin {
            Some(origin) => format!("from {origin}"),
            None => "made by berth".into(),
        },
    }
}

/// The origin column of one field.
fn field_origin(o: &Object, f: &Field) -> String {
    match f.history.last() {
        Some(step) => describe(step),
        None => format!("object-level: {}", made(o)),
    }
}

/// A value shortened for the table: strings bare, the rest as compact JSON.
fn short(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.replace('\n', "\\n"),
        other => other.to_string(),
    };
    if s.chars().count() > VALUE_WIDTH {
        let cut: String = s.chars().take(VALUE_WIDTH - 1).collect();
        format!("{cut}…")
    } else {
        s
    }
}

/// The text report: per object a header (id, origin, relaxations, renames) and a table.
pub fn to_text(explained: &[Explained]) -> String {
    let mut out = String::new();
    for (i, e) in explained.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let o = e.object;
        out.push_str(&format!("{}\n", o.id()));
        out.push_str(&format!("  made: {}\n", made(o)));
        for step in o.trace.iter().flat_map(|t| &t.later) {
            out.push_str(&format!("  renamed: {}\n", describe(step)));
        }
        for r in &e.relaxations {
            let by = r.by.map(|s| format!(" (by: {})", describe(s))).unwrap_or_default();
            out.push_str(&format!("  relaxed: {}: {}{by}\n", r.rule, r.reason));
        }
        let hardened = e
            .fields
            .iter()
            .filter(|f| f.history.iter().any(|s| s.stage == Stage::Harden))
            .count();
        if hardened > 0 {
            out.push_str(&format!("  hardening set {hardened} field(s)\n"));
        }
        let rows: Vec<(String, String, String)> = e
            .fields
            .iter()
            .map(|f| (f.path.clone(), short(&f.value), field_origin(o, f)))
            .collect();
        // A very long path overflows its column rather than widen every row.
        let w0 = rows
            .iter()
            .map(|r| r.0.chars().count())
            .max()
            .unwrap_or(0)
            .clamp(5, PATH_WIDTH);
        let w1 = rows.iter().map(|r| r.1.chars().count()).max().unwrap_or(0).max(5);
        out.push_str(&format!("  {:w0$}  {:w1$}  ORIGIN\n", "FIELD", "VALUE"));
        for (path, value, origin) in rows {
            let pad = |s: &str, w: usize| format!("{s}{}", " ".repeat(w.saturating_sub(s.chars().count())));
            out.push_str(&format!("  {}  {}  {origin}\n", pad(&path, w0), pad(&value, w1)));
        }
    }
    out
}

/// A step as JSON: `{stage, what, file, line, column, values}` (location keys only when
/// known, `values` only for template lines that read values).
fn step_json(step: &Step) -> Value {
    let mut m = Map::new();
    m.insert("stage".into(), json!(step.stage.name()));
    m.insert("what".into(), json!(step.what));
    if let Some(o) = &step.origin {
        m.insert("file".into(), json!(&*o.file));
        if o.line > 0 {
            m.insert("line".into(), json!(o.line));
            m.insert("column".into(), json!(o.column));
        }
    }
    if !step.values.is_empty() {
        let reads: Vec<Value> = step
            .values
            .iter()
            .map(|u| json!({"path": u.path, "source": u.source}))
            .collect();
        m.insert("values".into(), Value::Array(reads));
    }
    Value::Object(m)
}

/// The JSON report (`berth.dev/explain/v1`).
pub fn to_json(explained: &[Explained]) -> Value {
    let objects: Vec<Value> = explained
        .iter()
        .map(|e| {
            let o = e.object;
            let made = match &o.trace {
                Some(t) => step_json(&t.created),
                None => step_json(&Step::new(Stage::Berth, "made by berth", o.origin.clone())),
            };
            let renamed: Vec<Value> = o.trace.iter().flat_map(|t| &t.later).map(step_json).collect();
            let relaxations: Vec<Value> = e
                .relaxations
                .iter()
                .map(|r| json!({"rule": r.rule, "reason": r.reason, "writtenBy": r.by.map_or(Value::Null, step_json)}))
                .collect();
            let fields: Vec<Value> = e
                .fields
                .iter()
                .map(|f| {
                    json!({
                        "path": f.path,
                        "pointer": f.pointer,
                        "value": f.value,
                        "level": if f.history.is_empty() { "object" } else { "field" },
                        "history": f.history.iter().map(step_json).collect::<Vec<_>>(),
                    })
                })
                .collect();
            json!({
                "id": o.id(),
                "apiVersion": o.api_version(),
                "kind": o.kind(),
                "namespace": o.namespace(),
                "name": o.name(),
                "made": made,
                "renamed": renamed,
                "relaxations": relaxations,
                "fields": fields,
            })
        })
        .collect();
    json!({"apiVersion": "berth.dev/explain/v1", "objects": objects})
}
