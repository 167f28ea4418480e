//! Secret values never appear in diagnostics (DESIGN.md section 4.1, issue "secrets"):
//! the text a snippet is cut from goes through [`text`] first.
//!
//! Redaction works on the text, line by line, not on parsed YAML: the snippets that matter
//! most are those of files that do not parse (a syntax error or a duplicate key beside a
//! password). So it recognises, by indentation, the places that hold secret values:
//!
//! - in a document that is a `Secret` (a `kind: Secret` line, or `"kind": "Secret"` in
//!   JSON), everything under `data:` and `stringData:`;
//! - in an overlay, every literal of a `secretGenerator` entry, and anything after an `=`
//!   inside `secretGenerator` (a `key=path` file source keeps only its key).
//!
//! Each secret value becomes [`MASK`]; keys, structure and the number of lines are kept,
//! so a snippet still points at the right line and says which key it is about. Files read
//! whole as secret content (a compose secret's `file`, a `secretGenerator` file or env
//! file) are never shown at all: the sandbox withholds their text (`Sandbox::text_of`).

use std::borrow::Cow;

/// What a secret value is replaced with.
pub const MASK: &str = "[redacted]";

/// `text` with every secret value masked; borrowed unchanged when it holds none.
pub fn text(text: &str) -> Cow<'_, str> {
    if !text.contains("Secret") && !text.contains("secretGenerator") {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    for doc in documents(text) {
        let masked = document(doc);
        changed |= masked != doc;
        out.push_str(&masked);
    }
    if changed { Cow::Owned(out) } else { Cow::Borrowed(text) }
}

/// The documents of a YAML stream, each with its separator line and line breaks kept, so
/// that joining them gives the text back.
fn documents(text: &str) -> Vec<&str> {
    let mut docs = Vec::new();
    let mut start = 0;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if offset > start && (line.starts_with("---") || line.starts_with("...")) {
            docs.push(&text[start..offset]);
            start = offset;
        }
        offset += line.len();
    }
    docs.push(&text[start..]);
    docs
}

/// The key of a `key: value` or `key:` line (quotes and a leading `- ` removed).
fn key_of(line: &str) -> Option<&str> {
    let t = line.trim_start().trim_start_matches("- ").trim_start();
    let (key, rest) = t.split_once(':')?;
    if !(rest.is_empty() || rest.starts_with([' ', '\t', '\r', '\n'])) {
        return None;
    }
    Some(key.trim().trim_matches(['"', '\'']))
}

fn is_blank_or_comment(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#')
}

/// True when the document is a Secret, whether written in YAML or JSON.
fn is_secret(doc: &str) -> bool {
    doc.lines().any(|l| {
        let t = l.trim().trim_start_matches("- ").trim();
        let compact: String = t.chars().filter(|c| !c.is_whitespace()).collect();
        matches!(t, "kind: Secret" | "kind: \"Secret\"" | "kind: 'Secret'") || compact.contains("\"kind\":\"Secret\"")
    })
}

/// One line with its value masked: after `key:` if it has one, else all of its content
/// (a sequence item, a block scalar's line); indentation and line break kept.
fn mask_value(line: &str) -> String {
    let body = line.trim_end_matches(['\n', '\r']);
    let end = &line[body.len()..];
    let lead = body.len() - body.trim_start().len();
    if body.trim().is_empty() {
        return line.to_string();
    }
    if let Some(i) = value_start(body) {
        if body[i..].trim().is_empty() {
            return line.to_string();
        }
        return format!("{}{MASK}{end}", &body[..i]);
    }
    let item = if body[lead..].starts_with("- ") { lead + 2 } else { lead };
    format!("{}{MASK}{end}", &body[..item])
}

/// Where the value of a `key: value` line starts (JSON `"key": value` too).
fn value_start(body: &str) -> Option<usize> {
    let t = body.trim_start();
    let lead = body.len() - t.len();
    let t2 = t.strip_prefix("- ").unwrap_or(t);
    let skip = lead + (t.len() - t2.len());
    // A quoted key may hold `:`; skip past its closing quote.
    let from = match t2.chars().next() {
        Some(q @ ('"' | '\'')) => t2[1..].find(q).map(|i| i + 2)?,
        _ => 0,
    };
    let rest = &t2[from..];
    match rest.find(": ") {
        Some(colon) => Some(skip + from + colon + 2),
        None => rest.ends_with(':').then(|| skip + t2.len()),
    }
}

/// A document with its secret values masked.
fn document(doc: &str) -> String {
    let secret = is_secret(doc);
    let json = doc.trim_start().starts_with(['{', '[']);
    let mut out = String::with_capacity(doc.len());
    // The column of the key whose block is masked (`data`, `stringData`, `literals`), and
    // whether the line is inside a top-level `secretGenerator`.
    let mut data: Option<usize> = None;
    let mut generator = false;
    let mut literals: Option<usize> = None;
    let mut depth: i64 = 0;
    let mut json_data: Option<i64> = None;
    for line in doc.split_inclusive('\n') {
        if json {
            let opens = line.matches(['{', '[']).count() as i64;
            let closes = line.matches(['}', ']']).count() as i64;
            let before = depth;
            depth += opens - closes;
            if secret && json_data.is_none() && matches!(key_of(line), Some("data" | "stringData")) {
                if depth > before {
                    json_data = Some(before);
                }
                out.push_str(&mask_value_json(line));
                continue;
            }
            if let Some(level) = json_data {
                if depth <= level {
                    json_data = None;
                }
                out.push_str(&mask_value_json(line));
                continue;
            }
            out.push_str(line);
            continue;
        }
        // A block ends at the first line indented no deeper than its key (a sequence
        // written at the key's own column still belongs to it).
        if !is_blank_or_comment(line) {
            if data.is_some_and(|k| line_ends_block(line, k)) {
                data = None;
            }
            if literals.is_some_and(|k| line_ends_block(line, k)) {
                literals = None;
            }
            if generator && line_ends_block(line, 0) {
                generator = false;
            }
        }
        if data.is_some() {
            out.push_str(&mask_value(line));
            continue;
        }
        if literals.is_some() {
            out.push_str(&mask_after_equals(line).unwrap_or_else(|| mask_value(line)));
            continue;
        }
        let key = key_of(line);
        let key_indent = line.len() - line.trim_start().len();
        if secret && matches!(key, Some("data" | "stringData")) {
            data = Some(key_indent);
            out.push_str(&mask_value(line));
            continue;
        }
        if key == Some("secretGenerator") && key_indent == 0 {
            generator = true;
            out.push_str(line);
            continue;
        }
        if generator {
            if key == Some("literals") {
                literals = Some(key_indent_of_item(line));
                out.push_str(&mask_value(line));
                continue;
            }
            if let Some(masked) = mask_after_equals(line) {
                out.push_str(&masked);
                continue;
            }
        }
        out.push_str(line);
    }
    out
}

/// A line with everything after its first `=` masked (a literal keeps its key), or None
/// when it has no `=`.
fn mask_after_equals(line: &str) -> Option<String> {
    let eq = line.find('=')?;
    let body = line.trim_end_matches(['\n', '\r']);
    Some(format!("{}{MASK}{}", &line[..=eq], &line[body.len()..]))
}

/// The column of a line's key, past a leading `- ` (`- literals:` → 2).
fn key_indent_of_item(line: &str) -> usize {
    let lead = line.len() - line.trim_start().len();
    if line.trim_start().starts_with("- ") {
        lead + 2
    } else {
        lead
    }
}

/// True when a non-blank line closes the block of a key at column `key`: it is indented
/// less, or as much without being an item of a sequence written at the key's column.
fn line_ends_block(line: &str, key: usize) -> bool {
    let lead = line.len() - line.trim_start().len();
    let item = line.trim_start().starts_with("- ");
    lead < key || (lead == key && !item)
}

/// A JSON line with its value masked (after `"key": `, else all of it); a line that only
/// opens or closes a bracket is kept.
fn mask_value_json(line: &str) -> String {
    let body = line.trim_end_matches(['\n', '\r']);
    let end = &line[body.len()..];
    let t = body.trim();
    if t.chars().all(|c| matches!(c, '{' | '}' | '[' | ']' | ',')) {
        return line.to_string();
    }
    let lead = body.len() - body.trim_start().len();
    let at = value_start(body).unwrap_or(lead);
    let rest = body[at..].trim();
    if rest == "{" || rest == "[" {
        return line.to_string();
    }
    let tail = if rest.ends_with(',') { "," } else { "" };
    format!("{}{MASK}{tail}{end}", &body[..at])
}

#[cfg(test)]
mod tests {
    use super::*;

    const C: &str = "s3cr3t-CANARY";

    fn masked(t: &str) -> String {
        let out = text(t).into_owned();
        assert_eq!(out.lines().count(), t.lines().count(), "lines are kept:\n{out}");
        assert!(!out.contains(C), "leaked:\n{out}");
        out
    }

    #[test]
    fn secret_data_and_string_data_are_masked_keys_kept() {
        let t = format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: {C}\n  password: again\n  pem: |\n    {C}\n    more\ndata: {{a: {C}}}\ntype: Opaque\n"
        );
        let out = masked(&t);
        assert!(out.contains("  password: [redacted]\n"), "{out}");
        assert!(out.contains("    [redacted]\n"), "{out}");
        assert!(out.contains("data: [redacted]\n"), "{out}");
        assert!(
            out.contains("metadata:\n  name: s\n") && out.contains("type: Opaque\n"),
            "{out}"
        );
    }

    #[test]
    fn only_secret_documents_are_touched() {
        let t = format!(
            "kind: ConfigMap\ndata:\n  a: visible\n---\nkind: Secret\ndata:\n  b: {C}\n---\ndata:\n  c: visible-too\n"
        );
        let out = masked(&t);
        assert!(
            out.contains("a: visible\n") && out.contains("c: visible-too\n"),
            "{out}"
        );
        let plain = "kind: ConfigMap\ndata:\n  a: b\n";
        assert!(matches!(text(plain), Cow::Borrowed(_)));
    }

    #[test]
    fn a_broken_document_is_still_masked() {
        let t = format!("kind: Secret\nstringData:\n  password: {C}\n  bad: [\n  - {C}\n");
        masked(&t);
        let t = format!("- kind: Secret\n  stringData:\n    password: {C}\n  type: Opaque\n");
        let out = masked(&t);
        assert!(out.contains("  type: Opaque"), "{out}");
    }

    #[test]
    fn secret_generator_literals_and_values_after_equals_are_masked() {
        let t = format!(
            "base: ../base\nsecretGenerator:\n- name: creds\n  literals:\n  - password={C}\n  - {C}\n  files: [key=creds/{C}.txt]\n  type: Opaque\nconfigMapGenerator:\n- name: conf\n  literals: [a=visible]\n"
        );
        let out = masked(&t);
        assert!(
            out.contains("- name: creds\n") && out.contains("  type: Opaque\n"),
            "{out}"
        );
        assert!(out.contains("  - password=[redacted]\n  - [redacted]\n"), "{out}");
        assert!(out.contains("  files: [key=[redacted]\n"), "{out}");
        assert!(out.contains("literals: [a=visible]"), "{out}");
        let flow = format!("secretGenerator:\n  - name: c\n    literals: [p={C}, q={C}]\n");
        masked(&flow);
    }

    #[test]
    fn json_secrets_are_masked() {
        let t = format!(
            "{{\n  \"kind\": \"Secret\",\n  \"data\": {{\n    \"password\": \"{C}\",\n    \"b\": \"{C}\"\n  }},\n  \"type\": \"Opaque\"\n}}\n"
        );
        let out = masked(&t);
        assert!(out.contains("\"type\": \"Opaque\""), "{out}");
        let one_line =
            format!("{{\n  \"kind\": \"Secret\",\n  \"stringData\": {{\"p\": \"{C}\"}},\n  \"type\": \"Opaque\"\n}}\n");
        let out = masked(&one_line);
        assert!(out.contains("\"type\": \"Opaque\""), "{out}");
    }
}
