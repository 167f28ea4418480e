//! Validation of each compose file against the vendored compose-spec JSON Schema.
//!
//! The schema catches typos and wrong shapes before normalisation guesses at them;
//! this module turns the validator's errors into one human, located message.

use std::sync::OnceLock;

use jsonschema::Validator;
use serde_json::Value;

use crate::error::Error;
use crate::schema_check::Schema;
use crate::yaml::Spans;

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
    let Some(root) = schema() else {
        return Ok(());
    };
    Schema {
        root,
        validator,
        place_of,
        unknown_key_hint: ", or prefix it with `x-` to keep it as an extension",
        default_help: "see the compose specification for this key",
    }
    .check(value, spans)
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
