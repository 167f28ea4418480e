//! Templates to objects: render one template with the chart's context, parse the text it
//! produced as a manifest stream (duplicate keys are errors), and locate every object and
//! every error at the template line that produced it.

use std::sync::Arc;

use minijinja::Value as Jinja;
use regex::Regex;
use serde_json::Value;

use super::lines::LineMap;
use super::template::{Output, Source, Templates, template_error};
use super::values::Values;
use crate::error::Error;
use crate::limits;
use crate::manifest::Object;
use crate::source::Origin;
use crate::yaml::{self, Flavor};

/// Renders `src` to text; an undefined value names the values path that is missing.
pub fn text(t: &Templates, name: &str, ctx: &Jinja, values: &Values) -> Result<String, Error> {
    let file = t.files.get(name).map_or(name, String::as_str);
    let _budget = crate::memory::Budget::start(file);
    let mut out = Output::start();
    let rendered = t
        .env
        .get_template(name)
        .and_then(|tmpl| tmpl.render_captured_to(ctx.clone(), &mut out));
    rendered.map(|_| out.into_string()).map_err(|e| {
        if Output::overflowed() {
            // A failed write carries no template line: the template is the place.
            return limits::TEMPLATE_OUTPUT_BYTES
                .exceeded(Some(Origin::file(file)), "the template produces too much text");
        }
        let mut err = template_error(&e, &t.files);
        if e.kind() == minijinja::ErrorKind::UndefinedError {
            explain_undefined(&mut err, &e, values);
        }
        err
    })
}

/// Rewrites an undefined-value error to name the `values.…` path that is missing, found
/// on the template line the error points at.
fn explain_undefined(err: &mut Error, e: &minijinja::Error, values: &Values) {
    let (Some(src), Some(line)) = (e.template_source(), e.line()) else {
        return;
    };
    let Some(text) = src.lines().nth(line.saturating_sub(1)) else {
        return;
    };
    let Some(missing) = missing_values_path(text, &values.tree) else {
        return;
    };
    if let Error::Input { message, help, .. } = err {
        *message = format!("undefined value: `{}` is not set", missing.0);
        *help = Some(match missing.1 {
            Some(parent) => format!(
                "`{parent}` has no key `{}`: set it in values.yaml (or -f/--set), or guard it with `| default(...)` or `is defined`",
                missing.0.rsplit(['.', '[']).next().unwrap_or("").trim_end_matches(']')
            ),
            None => "set it in values.yaml (or -f/--set), or guard it with `| default(...)` or `is defined`".into(),
        });
    }
}

/// The first `values.a.b[0]` chain on `line` that does not resolve in `tree`: the chain
/// up to the missing part, and the deepest part that exists (when not `values` itself).
fn missing_values_path(line: &str, tree: &Value) -> Option<(String, Option<String>)> {
    static CHAIN: std::sync::LazyLock<Option<Regex>> = std::sync::LazyLock::new(|| {
        Regex::new(r#"\bvalues((?:\.[A-Za-z_][A-Za-z0-9_]*|\[\s*(?:"[^"]*"|'[^']*'|\d+)\s*\])+)"#).ok()
    });
    static PART: std::sync::LazyLock<Option<Regex>> = std::sync::LazyLock::new(|| {
        Regex::new(r#"\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*(?:"([^"]*)"|'([^']*)'|(\d+))\s*\]"#).ok()
    });
    let (chain, part) = (CHAIN.as_ref()?, PART.as_ref()?);
    for m in chain.captures_iter(line) {
        let mut node = tree;
        let mut path = "values".to_string();
        for p in part.captures_iter(m.get(1)?.as_str()) {
            let whole = p.get(0)?.as_str();
            let parent = path.clone();
            path.push_str(whole);
            let next = match (p.get(1).or(p.get(2)).or(p.get(3)), p.get(4)) {
                (Some(key), _) => node.get(key.as_str()),
                (None, Some(i)) => i.as_str().parse::<usize>().ok().and_then(|i| node.get(i)),
                _ => None,
            };
            match next {
                Some(n) => node = n,
                None => return Some((path, (parent != "values").then_some(parent))),
            }
        }
    }
    None
}

/// Parses rendered text into objects located at their template lines. `file` is the
/// template's root-relative path. With `traced` (the values the template saw), each
/// object also records the template line of every field and the values that line read,
/// for `berth explain`.
pub fn objects(src: &Source, text: &str, traced: Option<&Values>) -> Result<Vec<Object>, Error> {
    let lines = LineMap::new(&src.text, text);
    let at = |line: usize| Origin::new(src.file.clone(), lines.template_line(line), 1);
    let rendered_name: Arc<str> = format!("{} (rendered)", src.file).into();
    let docs = yaml::parse_stream(&rendered_name, text, Flavor::Manifest).map_err(|e| match e {
        Error::Input { origin, message, help } => {
            let line = origin.as_ref().map_or(0, |o| o.line);
            // The rendered text may hold a Secret's values: quote it masked.
            let masked = crate::redact::text(text);
            let shown = masked.lines().nth(line.saturating_sub(1)).unwrap_or("").trim_end();
            Error::Input {
                origin: Some(at(line)),
                message: format!(
                    "the text this template rendered is not valid YAML: {message} (rendered line {line}: `{shown}`)"
                ),
                help: Some(format!(
                    "{}; check the whitespace control (`{{%-`, `-%}}`) and indent/nindent around this template line",
                    help.unwrap_or_default()
                )),
            }
        }
        other => other,
    })?;
    docs.into_iter()
        .map(|d| {
            let origin = at(d.spans.origin("").line);
            check_object(&d.value, &origin)?;
            let trace = traced.map(|values| trace(src, &d, &lines, &origin, values));
            let mut object = Object::new(d.value, Some(origin));
            object.trace = trace;
            Ok(object)
        })
        .collect()
}

/// The provenance of one rendered document: each field at its template line, with the
/// values that line read.
fn trace(
    src: &Source,
    doc: &yaml::Document,
    lines: &LineMap,
    origin: &Origin,
    values: &Values,
) -> Box<crate::explain::Trace> {
    use crate::explain::{Stage, Step, Trace, leaves, values_read};
    let mut fields = std::collections::BTreeMap::new();
    leaves(&doc.value, "", &mut |pointer, _| {
        let line = lines.template_line(doc.spans.origin(pointer).line);
        let mut step = Step::new(
            Stage::Template,
            "template",
            Some(Origin::new(src.file.clone(), line, 1)),
        );
        if let Some(text) = src.text.lines().nth(line.saturating_sub(1)) {
            step.values = values_read(text, values);
        }
        fields.insert(pointer.to_string(), vec![step]);
    });
    let made = Step::new(Stage::Template, "rendered by template", Some(origin.clone()));
    Box::new(Trace::new(made, &doc.value, fields))
}

/// A rendered document must be a Kubernetes object: a mapping with `apiVersion`, `kind`
/// and `metadata.name`.
fn check_object(v: &Value, origin: &Origin) -> Result<(), Error> {
    let missing = if !v.is_object() {
        Some("is not a mapping")
    } else if !v.get("apiVersion").is_some_and(Value::is_string) {
        Some("has no `apiVersion`")
    } else if !v.get("kind").is_some_and(Value::is_string) {
        Some("has no `kind`")
    } else if !v.pointer("/metadata/name").is_some_and(Value::is_string) {
        Some("has no `metadata.name`")
    } else {
        None
    };
    match missing {
        None => Ok(()),
        Some(why) => Err(Error::input(
            Some(origin.clone()),
            format!("a document this template rendered {why}, so it is not a Kubernetes object"),
            "every document a template renders must be an object with apiVersion, kind and metadata.name; wrap optional documents in `{% if %}`",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_missing_values_path_is_named() {
        let tree = json!({"image": {"repo": "x"}, "ports": [80]});
        let f = |l: &str| missing_values_path(l, &tree);
        assert_eq!(
            f("image: {{ values.image.repo }}:{{ values.image.tag }}"),
            Some(("values.image.tag".into(), Some("values.image".into())))
        );
        assert_eq!(f("x: {{ values.nope.deeper }}"), Some(("values.nope".into(), None)));
        assert_eq!(
            f("x: {{ values.ports[1] }}"),
            Some(("values.ports[1]".into(), Some("values.ports".into())))
        );
        assert_eq!(f("x: {{ values[\"image\"].repo }}"), None);
        assert_eq!(f("x: {{ other }}"), None);
    }
}
