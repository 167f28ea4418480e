//! The key-value pairs of a generator, read as Kustomize reads them (`api/kv`): env
//! files first, then literals, then files, each in the order given.
//!
//! - A literal is `key=value`, split at the first `=`; a value wrapped in one pair of
//!   matching quotes (`"..."` or `'...'`) loses them.
//! - A file is `path` (the key is the file's base name) or `key=path`.
//! - An env file holds `KEY=VALUE` lines: leading blanks are skipped, lines that are
//!   empty or start with `#` are ignored, a line without `=` gives an empty value, the
//!   value is kept as written (quotes and trailing blanks included), a UTF-8 byte-order
//!   mark on the first line and a `\r` before a line break are dropped.

use crate::error::Error;
use crate::source::{Origin, Sandbox};

/// One key and its raw value, with where it was given.
pub(super) struct Pair {
    pub key: String,
    pub value: Vec<u8>,
    pub at: Option<Origin>,
}

/// Where the generator reads from.
pub(super) struct Sources<'a> {
    pub sandbox: &'a Sandbox,
    /// The root-relative folder that paths are relative to.
    pub dir: &'a str,
    /// The generator entry, for errors.
    pub at: Option<&'a Origin>,
    /// A secretGenerator: its files are withheld from diagnostics, its literals not quoted.
    pub secret: bool,
}

impl Sources<'_> {
    fn read(&self, name: &str) -> Result<crate::source::SourceFile, Error> {
        if self.secret {
            self.sandbox.read_secret(name, self.at)
        } else {
            self.sandbox.read(name, self.at)
        }
    }

    pub(super) fn env_file(&self, path: &str) -> Result<Vec<Pair>, Error> {
        let name = self.sandbox.resolve(self.dir, path, self.at)?;
        let file = self.read(&name)?;
        let bytes = file.bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&file.bytes);
        let mut pairs = Vec::new();
        for (i, raw) in bytes.split(|b| *b == b'\n').enumerate() {
            let at = Origin::new(file.name.clone(), i + 1, 1);
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            let line = std::str::from_utf8(raw).map_err(|_| {
                Error::input(
                    Some(at.clone()),
                    format!("line {} of env file `{name}` is not valid UTF-8", i + 1),
                    "save the env file as UTF-8, or put binary content in `files` instead",
                )
            })?;
            let line = line.trim_start();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (key, value) = line.split_once('=').unwrap_or((line, ""));
            pairs.push(Pair {
                key: key.to_string(),
                value: value.as_bytes().to_vec(),
                at: Some(at),
            });
        }
        Ok(pairs)
    }

    pub(super) fn literal(&self, source: &str) -> Result<Pair, Error> {
        let shown = if self.secret { crate::redact::MASK } else { source };
        let bad = || {
            Error::input(
                self.at.cloned(),
                format!("literal `{shown}` is not `key=value`"),
                "write each literal as `key=value` (the key may not be empty; the value may contain `=`)",
            )
        };
        let (key, value) = source.split_once('=').ok_or_else(bad)?;
        if key.is_empty() {
            return Err(bad());
        }
        Ok(Pair {
            key: key.to_string(),
            value: unquoted(value).as_bytes().to_vec(),
            at: self.at.cloned(),
        })
    }

    pub(super) fn file(&self, source: &str) -> Result<Pair, Error> {
        let bad = |why: &str| {
            Error::input(
                self.at.cloned(),
                format!("file source `{source}` {why}"),
                "write a file source as `path` (the key is the file name) or `key=path`",
            )
        };
        let (key, path) = match source.split_once('=') {
            None => (base_name(source), source),
            Some(("", _)) => return Err(bad("has no key before `=`")),
            Some((_, "")) => return Err(bad("has no path after `=`")),
            Some((_, path)) if path.contains('=') => return Err(bad("has more than one `=`")),
            Some((key, path)) => (key, path),
        };
        let name = self.sandbox.resolve(self.dir, path, self.at)?;
        let file = self.read(&name)?;
        Ok(Pair {
            key: key.to_string(),
            value: file.bytes.to_vec(),
            at: self.at.cloned(),
        })
    }
}

/// The last element of a slash-separated path (Go's `path.Base`, as Kustomize uses it).
fn base_name(path: &str) -> &str {
    if path.is_empty() {
        return ".";
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/";
    }
    trimmed.rsplit('/').next().unwrap_or(trimmed)
}

/// Drops one pair of matching quotes around a literal value.
fn unquoted(value: &str) -> &str {
    for q in ['"', '\''] {
        if value.len() >= 2
            && let Some(inner) = value.strip_prefix(q).and_then(|v| v.strip_suffix(q))
        {
            return inner;
        }
    }
    value
}

/// A ConfigMap or Secret key: letters, digits, `-`, `_` and `.`, at most 253 characters,
/// not `.` or `..` or starting with `..` (Kubernetes refuses anything else).
pub(super) fn key_problem(key: &str) -> Option<&'static str> {
    if key.is_empty() {
        Some("is empty")
    } else if key.len() > 253 {
        Some("is longer than 253 characters")
    } else if !key
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        Some("may hold only letters, digits, `-`, `_` and `.`")
    } else if key == "." || key == ".." || key.starts_with("..") {
        Some("may not be `.` or `..` or start with `..`")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_are_dropped_only_in_matching_pairs() {
        assert_eq!(unquoted("\"two\""), "two");
        assert_eq!(unquoted("'three'"), "three");
        assert_eq!(unquoted("\"mis'"), "\"mis'");
        assert_eq!(unquoted("\""), "\"");
        assert_eq!(unquoted("''"), "");
        assert_eq!(unquoted("a\"b\""), "a\"b\"");
    }

    #[test]
    fn base_names_follow_go() {
        assert_eq!(base_name("a.txt"), "a.txt");
        assert_eq!(base_name("conf/app.properties"), "app.properties");
        assert_eq!(base_name("conf/dir/"), "dir");
    }

    #[test]
    fn keys_follow_kubernetes() {
        assert_eq!(key_problem("tls.crt"), None);
        assert_eq!(key_problem("-x_1"), None);
        assert!(key_problem("export FOO").is_some());
        assert!(key_problem("..a").is_some());
        assert!(key_problem("").is_some());
        assert!(key_problem(&"a".repeat(254)).is_some());
    }
}
