//! Values to text and back: `toyaml`, `tojson`, `fromyaml`, `fromjson`.
//!
//! `toyaml` writes through berth's one YAML emitter, so a value a template prints is
//! quoted exactly as berth quotes its own output (a string `yes` or `0755` stays a
//! string for kubectl). `fromyaml` reads through berth's one parser, with the manifest
//! flavour that the rendered text is read with afterwards, duplicate keys refused.

use std::sync::Arc;

use minijinja::value::{Kwargs, Serde};
use minijinja::{State, Value};

use super::{defined, failure};
use crate::yaml::{self, Flavor};

/// `value | toyaml`: the value as block YAML, map keys in their own order, without the
/// trailing newline (so `{{ x | toyaml | nindent(2) }}` leaves no blank line).
pub fn toyaml(state: &State<'_, '_>, value: &Value) -> Result<String, minijinja::Error> {
    defined(state, value)?;
    let json = serde_json::to_value(value).map_err(|e| {
        failure(format!(
            "toyaml: this value cannot be written as YAML ({e}); map keys must be strings"
        ))
    })?;
    let text = yaml::emit(&json).map_err(|e| failure(format!("toyaml: {e}")))?;
    Ok(text.strip_suffix('\n').unwrap_or(&text).to_string())
}

/// `value | tojson(indent=None)`: minijinja's builtin (`{"a": 1}`, `<>&'` escaped as
/// `\u003c`…, which is still valid JSON and YAML), except that an undefined value is an
/// error instead of `null`.
pub fn tojson(
    state: &State<'_, '_>,
    value: &Value,
    indent: Option<Value>,
    kwargs: Kwargs,
) -> Result<Value, minijinja::Error> {
    defined(state, value)?;
    minijinja::filters::tojson(value, indent, kwargs)
}

/// `text | fromyaml`: one YAML document parsed as kubectl parses manifests.
pub fn fromyaml(text: String) -> Result<Value, minijinja::Error> {
    let name: Arc<str> = "fromyaml".into();
    match yaml::parse_one(&name, &text, Flavor::Manifest) {
        Ok(doc) => Ok(Value::from(Serde(doc.value))),
        Err(e) => {
            let at = e
                .origin()
                .filter(|o| o.line > 0)
                .map(|o| format!(" at line {}, column {} of the text", o.line, o.column))
                .unwrap_or_default();
            // The parser's hints speak of a file shown with a snippet; here the text is a value.
            let help = e
                .help()
                .filter(|h| !h.is_empty())
                .map(|h| format!("; {}", h.replace("at the place shown", "at that line and column")))
                .unwrap_or_default();
            Err(failure(format!("fromyaml: {e}{at}{help}")))
        }
    }
}

/// `text | fromjson`: one JSON value.
pub fn fromjson(text: String) -> Result<Value, minijinja::Error> {
    serde_json::from_str::<serde_json::Value>(&text)
        .map(|v| Value::from(Serde(v)))
        .map_err(|e| failure(format!("fromjson: invalid JSON: {e}")))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{err, ok};

    #[test]
    fn toyaml_keeps_order_and_quotes_yaml_11_words() {
        assert_eq!(ok("{{ values.image | toyaml }}"), "repository: nginx\ntag: \"1.27\"");
        assert_eq!(ok("{{ toyaml(values.labels) }}"), "tier: front\napp: web");
        assert_eq!(
            ok("{{ {'a': 'yes', 'b': '0755', 'c': 1.0} | toyaml }}"),
            "a: \"yes\"\nb: \"0755\"\nc: 1.0"
        );
        assert_eq!(ok("{{ [1, 'x'] | toyaml }}"), "- 1\n- x");
        assert_eq!(ok("{{ {} | toyaml }}"), "{}");
        assert_eq!(ok("{{ 'plain' | toyaml }}"), "plain");
    }

    #[test]
    fn toyaml_nests_under_nindent() {
        let out = ok("spec:\n  labels:\n    {{- values.labels | toyaml | nindent(4) }}\n");
        assert_eq!(out, "spec:\n  labels:\n    tier: front\n    app: web\n");
    }

    #[test]
    fn toyaml_writes_other_keys_as_strings() {
        assert_eq!(ok("{{ {1: 'a', 'b': 2} | toyaml }}"), "\"1\": a\nb: 2");
    }

    #[test]
    fn toyaml_refuses_undefined_values() {
        let e = err("a: 1\nb: {{ values.image.digest | toyaml }}");
        assert_eq!(e.kind(), minijinja::ErrorKind::UndefinedError);
        assert!(e.to_string().contains("`values.image.digest` is undefined"), "{e}");
        assert_eq!((e.name(), e.line()), (Some("test.yaml"), Some(2)));
        let e = err("{{ toyaml(values.nope) }}");
        assert_eq!(e.kind(), minijinja::ErrorKind::UndefinedError);
    }

    #[test]
    fn fromyaml_reads_manifest_yaml() {
        assert_eq!(ok("{{ ('a: 1\\nb: [x, z]' | fromyaml).b[1] }}"), "z");
        // YAML 1.1, as kubectl reads it: `y`, `yes` and `on` are booleans.
        assert_eq!(ok("{{ ('b: [x, y]' | fromyaml).b[1] }}"), "true");
        assert_eq!(ok("{{ fromyaml('on: yes').on }}"), "true");
        assert_eq!(ok("{{ fromyaml('') is none }}"), "true");
    }

    #[test]
    fn fromyaml_names_the_problem() {
        let e = err("{{ 'a: 1\\na: 2' | fromyaml }}");
        let msg = e.to_string();
        assert!(msg.contains("fromyaml: ") && msg.contains("duplicate"), "{msg}");
        assert!(msg.contains("line 2"), "{msg}");
        let e = err("{{ 'a: [1, 2' | fromyaml }}");
        assert!(e.to_string().contains("fromyaml: invalid YAML"), "{e}");
        // The YAML reader's own help for the mistake (here an unclosed bracket) comes along.
        assert!(e.to_string().contains("close it with the matching"), "{e}");
    }

    #[test]
    fn fromjson_reads_and_fails_with_position() {
        assert_eq!(ok("{{ ('{\"a\": [1, 2]}' | fromjson).a | length }}"), "2");
        assert_eq!(ok("{{ fromjson('\"s\"') }}"), "s");
        let e = err("{{ '{\"a\": }' | fromjson }}");
        assert!(
            e.to_string()
                .contains("fromjson: invalid JSON: expected value at line 1 column 7"),
            "{e}"
        );
    }

    #[test]
    fn tojson_is_the_builtin() {
        assert_eq!(
            ok("{{ values.image | tojson }}"),
            r#"{"repository": "nginx", "tag": "1.27"}"#
        );
        assert_eq!(ok("{{ '<a>' | tojson }}"), r#""\u003ca\u003e""#);
        assert_eq!(ok("{{ tojson([1, none], indent=2) }}"), "[\n  1,\n  null\n]");
        let e = err("{{ values.missing | tojson }}");
        assert!(e.to_string().contains("undefined"), "{e}");
    }
}
