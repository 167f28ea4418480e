//! `.env` / `--env-file` parsing, as docker compose reads these files.
//!
//! Compose's dialect: `KEY=VALUE` or `KEY: VALUE`, an optional `export ` prefix, `#`
//! comments, single quotes (raw), double quotes (escapes, multi-line), unquoted values
//! with trailing ` #comment` removed, and interpolation of earlier variables in
//! double-quoted and unquoted values.

use indexmap::IndexMap;

use super::interpolate::{Failure, expand};
use crate::error::Error;
use crate::source::Origin;

/// Bare names without a known value, with their 1-based line.
pub type Unset = Vec<(usize, String)>;

/// Parses `text` (the file `file`). `outer` variables take precedence over earlier lines
/// when interpolating, as the process environment does in docker compose.
pub fn parse(
    file: &str,
    text: &str,
    outer: &dyn Fn(&str) -> Option<String>,
) -> Result<IndexMap<String, String>, Error> {
    read(file, text, outer, Names::Interpolation).map(|(vars, _)| vars)
}

/// As [`parse_reporting`], for a file of interpolation variables (`.env`, `--env-file`):
/// every name must be one that `${NAME}` can refer to, else the line defines nothing usable.
pub fn parse_variables(
    file: &str,
    text: &str,
    outer: &dyn Fn(&str) -> Option<String>,
) -> Result<(IndexMap<String, String>, Unset), Error> {
    read(file, text, outer, Names::Interpolation)
}

/// Which names a file may define: a container's environment (`env_file:`) takes any name
/// Kubernetes takes; interpolation only `[A-Za-z_][A-Za-z0-9_]*`.
#[derive(Clone, Copy, PartialEq)]
enum Names {
    Container,
    Interpolation,
}

fn interpolation_name(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// As [`parse`], also returning the bare names (`NAME` alone passes a host variable
/// through) that no known variable supplies, with their 1-based line, so the caller can
/// say that they are left out.
pub fn parse_reporting(
    file: &str,
    text: &str,
    outer: &dyn Fn(&str) -> Option<String>,
) -> Result<(IndexMap<String, String>, Unset), Error> {
    read(file, text, outer, Names::Container)
}

fn read(
    file: &str,
    text: &str,
    outer: &dyn Fn(&str) -> Option<String>,
    names: Names,
) -> Result<(IndexMap<String, String>, Unset), Error> {
    let mut vars: IndexMap<String, String> = IndexMap::new();
    let mut unset: Unset = Vec::new();
    let mut lines = text.lines().enumerate().peekable();
    while let Some((n, raw)) = lines.next() {
        let at = || Origin::new(file, n + 1, 1);
        let line = raw.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").map_or(line, str::trim_start);
        let Some(sep) = line.find(['=', ':']) else {
            // A bare name passes a variable through; only explicit variables exist here.
            let name = line.trim();
            if name.contains(char::is_whitespace) {
                return Err(Error::input(
                    Some(at()),
                    format!("invalid line in env file: `{name}`"),
                    "lines are `NAME=value` (or a bare `NAME`); names have no spaces",
                ));
            }
            match outer(name) {
                Some(v) => {
                    vars.insert(name.to_string(), v);
                }
                None => unset.push((n + 1, name.to_string())),
            }
            continue;
        };
        let key = line[..sep].trim();
        if key.is_empty() || key.contains(char::is_whitespace) {
            return Err(Error::input(
                Some(at()),
                format!("invalid line in env file: `{}`", key),
                "lines are `NAME=value`; names have no spaces",
            ));
        }
        if names == Names::Interpolation && !interpolation_name(key) {
            let column = raw.find(key).map_or(1, |i| raw[..i].chars().count() + 1);
            return Err(Error::input(
                Some(Origin::new(file, n + 1, column)),
                format!("`{key}` is not a name interpolation can use, so this line defines nothing"),
                "a variable name starts with a letter or `_` and holds only letters, digits and `_`, \
                 as `${NAME}` requires; rename it (a container's own variables belong in an `env_file:`)",
            ));
        }
        let mut value = line[sep + 1..].trim_start().to_string();
        let quote = value.chars().next().filter(|c| *c == '\'' || *c == '"');
        if let Some(q) = quote {
            // Quoted values may span lines until the closing quote.
            while closing_quote(&value[1..], q).is_none() {
                let Some((_, next)) = lines.next() else {
                    return Err(Error::input(
                        Some(at()),
                        format!("unterminated {q} quote in env file"),
                        format!("close the value with {q}"),
                    ));
                };
                value.push('\n');
                value.push_str(next);
            }
        }
        let lookup = |name: &str| outer(name).or_else(|| vars.get(name).cloned());
        let expanded = match quote {
            Some('\'') => Ok(value[1..1 + closing_quote(&value[1..], '\'').unwrap_or(0)].to_string()),
            Some(_) => {
                let inner = &value[1..1 + closing_quote(&value[1..], '"').unwrap_or(0)];
                expand(&unescape(inner), &lookup)
            }
            None => expand(strip_comment(&value).trim_end(), &lookup),
        };
        let expanded = expanded.map_err(|f| match f {
            Failure::Missing(name) | Failure::Required(name, _) => Error::input(
                Some(at()),
                format!("variable `{name}` used in the env file is not set"),
                format!("define `{name}` on an earlier line, or pass it with --env-var {name}"),
            ),
            Failure::Syntax(msg) => Error::input(
                Some(at()),
                format!("invalid interpolation: {msg}"),
                "write `$$` for a literal `$`",
            ),
        })?;
        vars.insert(key.to_string(), expanded);
    }
    Ok((vars, unset))
}

/// `format: raw` env files: `KEY=VALUE` lines taken literally (no quotes, escapes,
/// comments after values or interpolation); `#` lines and blank lines are skipped.
pub fn parse_raw(text: &str) -> IndexMap<String, String> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.to_string()))
        .collect()
}

/// Byte index (in `s`) of the quote `q` that closes a value, skipping `\"` in double quotes.
fn closing_quote(s: &str, q: char) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' && q == '"' {
            escaped = true;
        } else if c == q {
            return Some(i);
        }
    }
    None
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            // `\$` stays an escaped dollar for the interpolation that follows.
            Some('$') => out.push_str("$$"),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

fn strip_comment(s: &str) -> &str {
    let mut prev_space = false;
    for (i, c) in s.char_indices() {
        if c == '#' && prev_space {
            return &s[..i];
        }
        prev_space = c.is_whitespace();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compose_dialect() {
        let text = "# comment\n\nA=1\nexport B = two words # note\nC='raw $A # kept'\nD=\"x\\ny $A\"\nE: colon\nF=${A}-${B}\nG=\"multi\nline\"\nH=\nI=a#b\nPASS\n";
        let outer = |n: &str| (n == "PASS").then(|| "from-cli".to_string());
        let v = parse(".env", text, &outer).unwrap();
        assert_eq!(v["A"], "1");
        assert_eq!(v["B"], "two words");
        assert_eq!(v["C"], "raw $A # kept");
        assert_eq!(v["D"], "x\ny 1");
        assert_eq!(v["E"], "colon");
        assert_eq!(v["F"], "1-two words");
        assert_eq!(v["G"], "multi\nline");
        assert_eq!(v["H"], "");
        assert_eq!(v["I"], "a#b");
        assert_eq!(v["PASS"], "from-cli");
        let (_, unset) = parse_reporting(".env", "A=1\nHOST_ONLY\n", &outer).unwrap();
        assert_eq!(unset, [(2, "HOST_ONLY".to_string())]);
    }

    #[test]
    fn raw_format_is_literal() {
        let v = parse_raw("# c\nA='x' # y\nB=$C\n\n");
        assert_eq!(v["A"], "'x' # y");
        assert_eq!(v["B"], "$C");
    }

    #[test]
    fn outer_variables_win_in_interpolation_and_missing_is_located() {
        let outer = |n: &str| (n == "A").then(|| "outer".to_string());
        let v = parse(".env", "A=inner\nB=$A\n", &outer).unwrap();
        assert_eq!(v["B"], "outer");
        let err = parse("x.env", "A=1\nB=${NOPE}\n", &|_: &str| None).unwrap_err();
        assert_eq!(err.origin().unwrap().to_string(), "x.env:2:1");
        assert!(parse("x.env", "A=\"open\n", &|_: &str| None).is_err());
    }
}
