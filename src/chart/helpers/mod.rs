//! The filters and functions templates can call (DESIGN.md section 4.2), named as Helm
//! users know them, so a chart ported from Helm reads the same way. None reads the clock,
//! the environment, the network or a random source, so a render depends on its inputs
//! only; the Helm names that would need one (`lookup`, `now`, `random`) exist only to say so.
//!
//! One file per family:
//! - `data`: values to text and back (`toyaml`, `tojson`, `fromyaml`, `fromjson`);
//! - `text`: strings (`indent`, `nindent`, `quote`, `squote`, `trunc`, `trimprefix`,
//!   `trimsuffix`, `dns_label`);
//! - `digest`: encodings and hashes (`b64encode`, `b64decode`, `sha256`);
//! - `checks`: stopping a render on purpose (`required`, `fail`) and the refused helpers;
//! - `nested`: rendering another template or a string (`include`, `tpl`), with the guard
//!   that turns a template including itself into an error instead of a stack overflow.

mod checks;
pub use checks::Stop;
mod data;
mod digest;
mod nested;
mod text;

use minijinja::value::{Kwargs, StringInput, ValueKind};
use minijinja::{Environment, Error, ErrorKind, Output, State, Value};

/// Registers every berth filter and function on `env`, and Python's `str`/`dict` methods
/// (`name.startswith("x")`, `values.get("k")`) for authors coming from Jinja.
///
/// Helpers that take one value are both a filter and a function, so Helm's pipeline
/// (`{{ values.x | toyaml }}`) and its prefix form (`{{ toyaml(values.x) }}`) both work.
/// The builtin `indent` is replaced by Helm's (the first line is indented too);
/// `default` is minijinja's builtin; `tojson` is the builtin that refuses undefined values.
pub fn register(env: &mut Environment<'_>) {
    env.set_formatter(yaml_formatter);
    env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);

    env.add_filter("toyaml", data::toyaml);
    env.add_function("toyaml", data::toyaml);
    env.add_filter("tojson", data::tojson);
    env.add_function("tojson", data::tojson);
    env.add_filter("fromyaml", data::fromyaml);
    env.add_function("fromyaml", data::fromyaml);
    env.add_filter("fromjson", data::fromjson);
    env.add_function("fromjson", data::fromjson);

    env.add_filter("indent", text::indent);
    env.add_function("indent", text::indent);
    env.add_filter("nindent", text::nindent);
    env.add_function("nindent", text::nindent);
    env.add_filter("quote", text::quote);
    env.add_function("quote", text::quote);
    env.add_filter("squote", text::squote);
    env.add_function("squote", text::squote);
    env.add_filter("trunc", text::trunc);
    env.add_function("trunc", text::trunc);
    env.add_filter("trimprefix", text::trimprefix);
    env.add_function("trimprefix", text::trimprefix);
    env.add_filter("trimsuffix", text::trimsuffix);
    env.add_function("trimsuffix", text::trimsuffix);
    env.add_filter("dns_label", text::dns_label);
    env.add_function("dns_label", text::dns_label);

    env.add_filter("b64encode", digest::b64encode);
    env.add_function("b64encode", digest::b64encode);
    env.add_filter("b64decode", digest::b64decode);
    env.add_function("b64decode", digest::b64decode);
    env.add_filter("sha256", digest::sha256);
    env.add_function("sha256", digest::sha256);

    // Helm's argument order as a function, the value first as a filter.
    env.add_function("required", checks::required);
    env.add_filter("required", checks::required_filter);
    env.add_function("fail", checks::fail);
    checks::register_refused(env);

    env.add_function("include", nested::include);
    env.add_function("tpl", nested::tpl);
    env.add_filter("tpl", nested::tpl);
}

/// How `{{ value }}` prints, so the text reads back as the same YAML value: booleans as
/// `true`/`false` and none as `null` (minijinja would print Python's `True` and `None`),
/// lists and maps as JSON (as `tojson` writes it), which is YAML flow syntax
/// (`["a", "b"]`, `{"k": 1}`).
/// Strings and numbers print as minijinja prints them.
pub fn yaml_formatter(out: &mut Output, state: &mut State<'_, '_>, value: &Value) -> Result<(), Error> {
    match value.kind() {
        ValueKind::Bool => write!(out, "{}", value.is_true()).map_err(write_failed),
        ValueKind::None => out.write_str("null").map_err(write_failed),
        ValueKind::Seq | ValueKind::Map => {
            let no_options = Kwargs::from_iter(std::iter::empty::<(&str, Value)>());
            let json = minijinja::filters::tojson(value, None, no_options)?;
            out.write_str(json.as_str().unwrap_or_default()).map_err(write_failed)
        }
        _ => minijinja::escape_formatter(out, state, value),
    }
}

fn write_failed(e: std::fmt::Error) -> Error {
    Error::new(ErrorKind::WriteFailure, "cannot write the template output").with_source(e)
}

/// A helper's error. minijinja adds the template name and line of the call.
fn failure(detail: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidOperation, detail.into())
}

/// The error minijinja gives for an undefined value under the environment's undefined
/// behaviour (strict: "`values.x` is undefined"), for helpers that take any value and
/// so would otherwise receive undefined silently.
fn defined(state: &State<'_, '_>, value: &Value) -> Result<(), Error> {
    if value.is_undefined() {
        StringInput::new(state, value)?;
    }
    Ok(())
}

/// A scalar as YAML would spell it (`true`, not `True`); none (and undefined, when the
/// environment lets it through) is the empty string.
fn scalar_text(state: &State<'_, '_>, value: &Value) -> Result<String, Error> {
    defined(state, value)?;
    Ok(match value.kind() {
        ValueKind::Undefined | ValueKind::None => String::new(),
        ValueKind::Bool => value.is_true().to_string(),
        ValueKind::String => value.as_str().unwrap_or_default().to_string(),
        _ => value.to_string(),
    })
}

/// An environment configured as the chart renderer configures its own (auto-escape off,
/// strict undefined, the chart's whitespace rules), over in-memory templates.
#[cfg(test)]
pub(crate) mod testing {
    use std::collections::BTreeMap;

    use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value};

    pub fn env(templates: &[(&str, &str)]) -> Environment<'static> {
        let sources: BTreeMap<String, String> = templates.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect();
        let mut env = Environment::new();
        env.set_auto_escape_callback(|_| AutoEscape::None);
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        // As `chart::template::environment`, in release test runs too.
        env.set_debug(true);
        let syntax = minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()
            .unwrap();
        env.set_syntax(syntax);
        env.set_recursion_limit(200);
        env.set_fuel(Some(1_000_000));
        env.set_loader(move |name| Ok(sources.get(name).cloned()));
        super::register(&mut env);
        env
    }

    /// The render context of a chart, reduced to what the helper tests need.
    pub fn context() -> Value {
        minijinja::context! {
            values => serde_json_value(serde_json::json!({
                "name": "web",
                "image": {"repository": "nginx", "tag": "1.27"},
                "empty": "",
                "nothing": null,
                "zero": 0,
                "replicas": 3,
                "labels": {"tier": "front", "app": "web"},
                "greeting": "hello {{ values.name }}",
            })),
            release => minijinja::context! { name => "demo", namespace => "apps" },
        }
    }

    fn serde_json_value(v: serde_json::Value) -> Value {
        Value::from(minijinja::value::Serde(v))
    }

    /// Renders `source` as the template `test.yaml` (other templates from `templates`).
    pub fn render(templates: &[(&str, &str)], source: &str) -> Result<String, minijinja::Error> {
        let mut all: Vec<(&str, &str)> = templates.to_vec();
        all.push(("test.yaml", source));
        let env = env(&all);
        let template = env.get_template("test.yaml")?;
        template.render(context())
    }

    pub fn ok(source: &str) -> String {
        match render(&[], source) {
            Ok(s) => s,
            Err(e) => panic!("{source:?} failed: {e:#}"),
        }
    }

    pub fn err(source: &str) -> minijinja::Error {
        match render(&[], source) {
            Ok(s) => panic!("{source:?} rendered {s:?}, expected an error"),
            Err(e) => e,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{err, ok, render};

    #[test]
    fn values_print_as_yaml_reads_them() {
        assert_eq!(
            ok("{{ true }} {{ false }} {{ none }} {{ values.replicas }} {{ 1.5 }}"),
            "true false null 3 1.5"
        );
        assert_eq!(ok("{{ values.labels }}"), r#"{"tier": "front", "app": "web"}"#);
        assert_eq!(ok("{{ [1, 'a', true, none] }}"), r#"[1, "a", true, null]"#);
        assert_eq!(ok("{{ values.name }}"), "web");
        let e = err("{{ values.nope }}");
        assert!(e.to_string().contains("`values.nope` is undefined"), "{e}");
    }

    #[test]
    fn python_methods_work_on_strings_and_maps() {
        assert_eq!(ok("{{ values.name.startswith('w') }}"), "true");
        assert_eq!(
            ok("{{ values.labels.get('tier') }} {{ values.labels.get('x', 'none') }}"),
            "front none"
        );
        assert_eq!(ok("{{ values.image.tag.split('.') }}"), r#"["1", "27"]"#);
        assert_eq!(ok("{{ values.labels.keys() | list }}"), r#"["tier", "app"]"#);
        let e = err("{{ values.name.nosuch() }}");
        assert_eq!(e.kind(), minijinja::ErrorKind::UnknownMethod);
    }

    #[test]
    fn macros_can_include_and_tpl() {
        let helpers = (
            "_helpers.j2",
            "{% macro labels() %}{{ include('_labels.yaml') }}{% endmacro %}\n\
             {% macro greet() %}{{ tpl(values.greeting) }}{% endmacro %}\n",
        );
        let labels = ("_labels.yaml", "app: {{ values.name }}\n");
        let out = render(
            &[helpers, labels],
            "{% import '_helpers.j2' as h %}labels:\n  {{- h.labels() | nindent(2) }}\n{{ h.greet() }}\n",
        )
        .unwrap();
        assert_eq!(out, "labels:\n  app: web\nhello web\n");
    }
}
