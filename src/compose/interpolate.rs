//! Compose variable interpolation (`${VAR}`, `${VAR:-d}`, `${VAR:?msg}`, `$$`, ...).
//!
//! It runs on each file before merging, as docker compose does, so a value is located in
//! the file that wrote it. Unlike docker compose, a missing variable without a default is
//! an error: an empty string silently changes what gets deployed.

use indexmap::IndexMap;
use serde_json::Value;

use crate::error::Error;
use crate::source::Origin;
use crate::yaml::{Spans, pointer_segment};

/// Interpolation variables, highest precedence last-inserted wins.
#[derive(Debug, Clone, Default)]
pub struct Vars {
    map: IndexMap<String, String>,
    /// Where the user can set variables (".env beside compose.yaml, an --env-file"), for
    /// the help of a missing-variable error.
    pub env_place: String,
}

impl Vars {
    /// Empty variables; `env_place` says where the user can set them (for help texts).
    pub fn new(env_place: impl Into<String>) -> Self {
        Vars {
            map: IndexMap::new(),
            env_place: env_place.into(),
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.map.get(name).map(String::as_str)
    }

    /// Identifies the variable set, so a file interpolated with other variables is not reused.
    pub fn fingerprint(&self) -> String {
        self.map.iter().map(|(k, v)| format!("{k}={v}\0")).collect()
    }

    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.map.insert(name.into(), value.into());
    }

    /// Adds `other` below these variables: existing names keep their values.
    pub fn fill_from(&mut self, other: &IndexMap<String, String>) {
        for (k, v) in other {
            self.map.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
}

/// Why a template could not be expanded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    Missing(String),
    Required(String, String),
    Syntax(String),
}

/// Expands one string.
pub fn expand(s: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<String, Failure> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(r) = after.strip_prefix('$') {
            out.push('$');
            rest = r;
        } else if let Some(body) = after.strip_prefix('{') {
            let end = matching_brace(body)
                .ok_or_else(|| Failure::Syntax(format!("`${{{}` has no closing `}}`", excerpt(body))))?;
            out.push_str(&braced(&body[..end], lookup)?);
            rest = &body[end + 1..];
        } else {
            let n = name_len(after);
            if n == 0 {
                return Err(Failure::Syntax(format!(
                    "`${}` is not a variable reference",
                    excerpt(after)
                )));
            }
            out.push_str(&lookup(&after[..n]).ok_or_else(|| Failure::Missing(after[..n].to_string()))?);
            rest = &after[n..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// The first few characters after a `$`, to show where a long value goes wrong.
fn excerpt(s: &str) -> String {
    let short: String = s.chars().take(12).collect();
    if short.len() < s.len() {
        format!("{short}…")
    } else {
        short
    }
}

fn name_len(s: &str) -> usize {
    let mut n = 0;
    for (i, c) in s.char_indices() {
        let ok = c == '_' || c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit());
        if !ok {
            break;
        }
        n = i + c.len_utf8();
    }
    n
}

/// Index of the `}` closing a `${`, counting nested `${ }`.
fn matching_brace(body: &str) -> Option<usize> {
    let mut depth = 0usize;
    let bytes = body.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'$' if bytes.get(i + 1) == Some(&b'{') => {
                depth += 1;
                i += 1;
            }
            b'}' if depth == 0 => return Some(i),
            b'}' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    None
}

fn braced(body: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<String, Failure> {
    let n = name_len(body);
    let (name, op) = body.split_at(n);
    if name.is_empty() {
        return Err(Failure::Syntax(format!("invalid variable name in `${{{body}}}`")));
    }
    let value = lookup(name);
    let set_nonempty = value.as_deref().is_some_and(|v| !v.is_empty());
    let sub = |arg: &str| expand(arg, lookup);
    if op.is_empty() {
        return value.ok_or_else(|| Failure::Missing(name.into()));
    }
    let Some((operator, arg)) = [":-", ":?", ":+", "-", "?", "+"]
        .iter()
        .find_map(|o| op.strip_prefix(o).map(|arg| (*o, arg)))
    else {
        return Err(Failure::Syntax(format!("invalid operator in `${{{body}}}`")));
    };
    match operator {
        ":-" => {
            if set_nonempty {
                Ok(value.unwrap_or_default())
            } else {
                sub(arg)
            }
        }
        "-" => match value {
            Some(v) => Ok(v),
            None => sub(arg),
        },
        ":?" | "?" => {
            let ok = if operator == ":?" {
                set_nonempty
            } else {
                value.is_some()
            };
            match value {
                Some(v) if ok => Ok(v),
                _ => Err(Failure::Required(name.into(), sub(arg)?)),
            }
        }
        ":+" => {
            if set_nonempty {
                sub(arg)
            } else {
                Ok(String::new())
            }
        }
        "+" => {
            if value.is_some() {
                sub(arg)
            } else {
                Ok(String::new())
            }
        }
        _ => Err(Failure::Syntax(format!("invalid operator in `${{{body}}}`"))),
    }
}

/// Error for a failed expansion at `origin`.
pub fn failure_error(f: Failure, origin: Origin, vars: &Vars) -> Error {
    match f {
        Failure::Missing(name) => Error::input(
            Some(origin),
            format!("variable `{name}` is not set"),
            format!(
                "set it in {}, the overlay's `variables:`, or pass --env-var {name} to read it \
                 from the environment; or write `${{{name}:-default}}`",
                vars.env_place
            ),
        ),
        Failure::Required(name, msg) => {
            // `${NAME?}` gives no message of its own; do not repeat the name twice.
            let message = if msg.is_empty() {
                format!("variable `{name}` is required and not set")
            } else {
                format!("variable `{name}` is required: {msg}")
            };
            Error::input(
                Some(origin),
                message,
                format!(
                    "set `{name}` in {}, the overlay's `variables:`, or pass --env-var {name}",
                    vars.env_place
                ),
            )
        }
        Failure::Syntax(msg) => Error::input(
            Some(origin),
            format!("invalid interpolation: {msg}"),
            "write `$$` for a literal `$`; variables are `$NAME` or `${NAME}`, with `${NAME:-default}`, \
             `${NAME-default}`, `${NAME:?error}`, `${NAME?error}`, `${NAME:+other}` or `${NAME+other}`",
        ),
    }
}

/// Interpolates every string value of a parsed file in place (keys are left as written,
/// as docker compose does).
pub fn interpolate_tree(value: &mut Value, spans: &Spans, vars: &Vars) -> Result<(), Error> {
    walk(value, &mut String::new(), spans, vars)
}

fn walk(value: &mut Value, pointer: &mut String, spans: &Spans, vars: &Vars) -> Result<(), Error> {
    match value {
        Value::String(s) if s.contains('$') => {
            let lookup = |n: &str| vars.get(n).map(str::to_string);
            *s = expand(s, &lookup).map_err(|f| failure_error(f, spans.origin(pointer), vars))?;
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                let len = pointer.len();
                pointer.push_str(&format!("/{i}"));
                walk(item, pointer, spans, vars)?;
                pointer.truncate(len);
            }
        }
        Value::Object(map) => {
            for (k, item) in map.iter_mut() {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&pointer_segment(k));
                walk(item, pointer, spans, vars)?;
                pointer.truncate(len);
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(s: &str) -> Result<String, Failure> {
        let lookup = |n: &str| match n {
            "A" => Some("a".to_string()),
            "E" => Some(String::new()),
            _ => None,
        };
        expand(s, &lookup)
    }

    #[test]
    fn table() {
        let ok = [
            ("plain", "plain"),
            ("$A", "a"),
            ("${A}", "a"),
            ("x${A}y$A.z", "xaya.z"),
            ("$$A", "$A"),
            ("$${A}", "${A}"),
            ("${U:-d}", "d"),
            ("${E:-d}", "d"),
            ("${E-d}", ""),
            ("${U-d}", "d"),
            ("${A:-d}", "a"),
            ("${A:+alt}", "alt"),
            ("${E:+alt}", ""),
            ("${E+alt}", "alt"),
            ("${U+alt}", ""),
            ("${U:-${A}}", "a"),
            ("${U:-${V:-x}y}", "xy"),
            ("${A:?boom}", "a"),
            ("${E?boom}", ""),
            ("${U:-}", ""),
            ("a:b", "a:b"),
        ];
        for (input, want) in ok {
            assert_eq!(run(input).as_deref(), Ok(want), "{input}");
        }
        assert_eq!(run("${U}"), Err(Failure::Missing("U".into())));
        assert_eq!(run("$U"), Err(Failure::Missing("U".into())));
        assert_eq!(run("${U:?boom}"), Err(Failure::Required("U".into(), "boom".into())));
        assert_eq!(run("${E:?boom}"), Err(Failure::Required("E".into(), "boom".into())));
        assert!(matches!(run("${A"), Err(Failure::Syntax(_))));
        assert_eq!(
            run("cost $5"),
            Err(Failure::Syntax("`$5` is not a variable reference".into()))
        );
        assert_eq!(
            run("x $(cat /var/run/secrets/token)"),
            Err(Failure::Syntax("`$(cat /var/ru…` is not a variable reference".into()))
        );
        assert!(matches!(run("${}"), Err(Failure::Syntax(_))));
        assert!(matches!(run("${A:é}"), Err(Failure::Syntax(_))));
        assert!(matches!(run("${Aé}"), Err(Failure::Syntax(_))));
    }

    #[test]
    fn tree_reports_missing_variable_with_help() {
        let mut v = serde_json::json!({"services": {"db": {"environment": {"P": "${DB_PASS}"}}}});
        let vars = Vars::new(".env beside compose.yaml, an --env-file");
        let spans = Spans::new("compose.yaml".into());
        let err = interpolate_tree(&mut v, &spans, &vars).unwrap_err();
        assert_eq!(err.to_string(), "variable `DB_PASS` is not set");
        assert!(err.help().unwrap().contains("--env-var DB_PASS"));
        assert!(err.help().unwrap().contains(".env beside compose.yaml"));
    }
}
