//! String helpers with Helm's (Sprig's) meaning, so YAML written for Helm indents and
//! quotes the same way here: `indent`, `nindent`, `quote`, `squote`, `trunc`,
//! `trimprefix`, `trimsuffix`, and `dns_label` for names Kubernetes accepts.

use minijinja::value::Kwargs;
use minijinja::{State, Value};

use super::{failure, scalar_text};
use crate::convert::names;

/// The longest DNS-1123 label; `dns_label` never returns more.
const DNS_LABEL_MAX: usize = 63;
/// The shortest `max` for `dns_label`: a cut name keeps a `-` and an 8-digit hash.
const DNS_LABEL_MIN: usize = 10;

/// `text | indent(width, first=true, blank=false)`: Helm's indent, which indents the
/// first line too (minijinja's builtin did not; `first=false` gives that back). Blank
/// lines stay empty unless `blank=true`, so no trailing spaces are written. One trailing
/// newline is dropped, as the builtin does, so an included template ending in a newline
/// does not add an empty line.
pub fn indent(
    text: String,
    width: Option<usize>,
    first: Option<bool>,
    blank: Option<bool>,
    kwargs: Kwargs,
) -> Result<String, minijinja::Error> {
    let width = match width {
        Some(w) => w,
        None => kwargs.get::<Option<usize>>("width")?.unwrap_or(4),
    };
    let first = match first {
        Some(f) => f,
        None => kwargs.get::<Option<bool>>("first")?.unwrap_or(true),
    };
    let blank = match blank {
        Some(b) => b,
        None => kwargs.get::<Option<bool>>("blank")?.unwrap_or(false),
    };
    kwargs.assert_all_used()?;
    Ok(indent_lines(&text, width, first, blank))
}

/// `text | nindent(width)`: a newline, then the text indented (first line included).
pub fn nindent(text: String, width: usize) -> String {
    format!("\n{}", indent_lines(&text, width, true, false))
}

fn indent_lines(text: &str, width: usize, first: bool, blank: bool) -> String {
    let text = text.strip_suffix('\n').unwrap_or(text);
    let text = text.strip_suffix('\r').unwrap_or(text);
    let pad = " ".repeat(width);
    let mut out = String::with_capacity(text.len() + width * 4);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let is_blank = line.is_empty() || line == "\r";
        if (i > 0 || first) && (blank || !is_blank) {
            out.push_str(&pad);
        }
        out.push_str(line);
    }
    out
}

/// `value | quote`: a YAML double-quoted string (JSON escaping is valid YAML). Numbers
/// and booleans are quoted as text; `none` gives `""`.
pub fn quote(state: &State<'_, '_>, value: &Value) -> Result<String, minijinja::Error> {
    let text = scalar_text(state, value)?;
    Ok(serde_json::to_string(&text).unwrap_or_else(|_| format!("\"{text}\"")))
}

/// `value | squote`: a YAML single-quoted string (`'` doubled). A line break cannot be
/// kept in single quotes (YAML folds it to a space), so that is an error.
pub fn squote(state: &State<'_, '_>, value: &Value) -> Result<String, minijinja::Error> {
    let text = scalar_text(state, value)?;
    if text.contains('\n') {
        return Err(failure(
            "squote: the text holds a line break, which YAML single quotes fold into a space; use `quote` instead",
        ));
    }
    Ok(format!("'{}'", text.replace('\'', "''")))
}

/// `text | trunc(n)`: the first `n` characters; a negative `n` keeps the last `-n`
/// characters (Sprig's `trunc`). Counts characters, not bytes, so text is never cut
/// inside a character.
pub fn trunc(text: String, n: i64) -> String {
    let len = text.chars().count();
    let keep = usize::try_from(n.unsigned_abs()).unwrap_or(usize::MAX);
    if keep >= len {
        text
    } else if n >= 0 {
        text.chars().take(keep).collect()
    } else {
        text.chars().skip(len - keep).collect()
    }
}

/// `text | trimprefix(prefix)`: the text without one leading `prefix`, if it has one.
pub fn trimprefix(text: String, prefix: &str) -> String {
    text.strip_prefix(prefix).map(str::to_string).unwrap_or(text)
}

/// `text | trimsuffix(suffix)`: the text without one trailing `suffix`, if it has one.
pub fn trimsuffix(text: String, suffix: &str) -> String {
    text.strip_suffix(suffix).map(str::to_string).unwrap_or(text)
}

/// `text | dns_label(max=63)`: a valid DNS-1123 label, the way berth names objects made
/// from compose services: lowercase, runs of other characters become one `-`, trimmed;
/// a name longer than `max` is cut and ends in `-` and 8 hex digits of its SHA-256, so
/// two long names never collide and the same name always gives the same label.
pub fn dns_label(text: String, max: Option<usize>) -> Result<String, minijinja::Error> {
    let max = max.unwrap_or(DNS_LABEL_MAX);
    if !(DNS_LABEL_MIN..=DNS_LABEL_MAX).contains(&max) {
        return Err(failure(format!(
            "dns_label: max is {max}, but it must be between {DNS_LABEL_MIN} and {DNS_LABEL_MAX} \
             (a DNS label has at most 63 characters, and a cut name keeps room for its hash)"
        )));
    }
    Ok(names::dns_label(&text, max))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{err, ok};

    #[test]
    fn indent_is_helms_and_keeps_blank_lines_empty() {
        assert_eq!(ok("{{ 'a\\n\\nb' | indent(2) }}"), "  a\n\n  b");
        assert_eq!(ok("{{ indent('a\\nb\\n', 4) }}"), "    a\n    b");
        assert_eq!(ok("{{ 'a\\nb' | indent(2, first=false) }}"), "a\n  b");
        assert_eq!(ok("{{ 'a\\n\\nb' | indent(2, blank=true) }}"), "  a\n  \n  b");
        assert_eq!(ok("{{ 'a\\nb' | indent(2, false) }}"), "a\n  b");
        assert_eq!(ok("{{ 'a' | indent }}"), "    a");
    }

    #[test]
    fn indent_rejects_unknown_arguments() {
        let e = err("{{ 'a' | indent(2, wide=true) }}");
        assert!(e.to_string().contains("wide"), "{e}");
        let e = err("{{ 'a' | indent('two') }}");
        assert_eq!(e.line(), Some(1));
    }

    #[test]
    fn nindent_starts_a_new_line() {
        assert_eq!(ok("x:{{ 'a: 1\\nb: 2\\n' | nindent(2) }}"), "x:\n  a: 1\n  b: 2");
        assert_eq!(ok("x:{{ nindent('a', 4) }}"), "x:\n    a");
        let e = err("{{ 'a' | nindent }}");
        assert!(e.to_string().contains("missing argument"), "{e}");
    }

    #[test]
    fn quote_gives_yaml_double_quoted_text() {
        assert_eq!(ok("{{ values.image.tag | quote }}"), "\"1.27\"");
        assert_eq!(ok("{{ quote(values.replicas) }}"), "\"3\"");
        assert_eq!(ok("{{ 'say \"hi\"\\n' | quote }}"), r#""say \"hi\"\n""#);
        assert_eq!(ok("{{ none | quote }}"), "\"\"");
        assert_eq!(ok("{{ true | quote }}"), "\"true\"");
        let e = err("{{ values.missing | quote }}");
        assert!(e.to_string().contains("undefined"), "{e}");
    }

    #[test]
    fn squote_doubles_quotes_and_refuses_line_breaks() {
        assert_eq!(ok("{{ \"it's\" | squote }}"), "'it''s'");
        assert_eq!(ok("{{ squote(values.name) }}"), "'web'");
        let e = err("{{ 'a\\nb' | squote }}");
        assert!(e.to_string().contains("use `quote` instead"), "{e}");
    }

    #[test]
    fn trunc_cuts_characters_from_either_end() {
        assert_eq!(ok("{{ 'abcdef' | trunc(3) }}"), "abc");
        assert_eq!(ok("{{ 'abcdef' | trunc(-2) }}"), "ef");
        assert_eq!(ok("{{ 'abc' | trunc(10) }}"), "abc");
        assert_eq!(ok("{{ 'abc' | trunc(-10) }}"), "abc");
        assert_eq!(ok("{{ 'héllo' | trunc(2) }}"), "hé");
        assert_eq!(ok("{{ trunc('abc', 0) }}"), "");
        let e = err("{{ 'abc' | trunc('x') }}");
        assert_eq!(e.line(), Some(1));
    }

    #[test]
    fn trim_prefix_and_suffix_remove_one_occurrence() {
        assert_eq!(ok("{{ 'web--' | trimsuffix('-') }}"), "web-");
        assert_eq!(ok("{{ 'v1.2' | trimprefix('v') }}"), "1.2");
        assert_eq!(ok("{{ trimsuffix('web', 'x') }}"), "web");
        let e = err("{{ 'web' | trimsuffix }}");
        assert!(e.to_string().contains("missing argument"), "{e}");
    }

    #[test]
    fn dns_label_makes_valid_stable_labels() {
        assert_eq!(ok("{{ 'My_App.v2' | dns_label }}"), "my-app-v2");
        assert_eq!(ok("{{ dns_label('--x--') }}"), "x");
        let long = "a".repeat(80);
        let out = ok(&format!("{{{{ '{long}' | dns_label }}}}"));
        assert_eq!(out.len(), 63);
        assert_eq!(out, ok(&format!("{{{{ '{long}' | dns_label }}}}")));
        assert!(out.starts_with("aaaa") && out.chars().nth(54) == Some('-'), "{out}");
        assert_eq!(ok(&format!("{{{{ '{long}' | dns_label(20) }}}}")).len(), 20);
        let e = err("{{ 'x' | dns_label(64) }}");
        assert!(e.to_string().contains("between 10 and 63"), "{e}");
    }
}
