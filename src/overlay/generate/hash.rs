//! Kustomize's content hash of a ConfigMap or Secret (`api/hasher`), reproduced byte for
//! byte so `name-<hash>` here equals Kustomize's for the same content, and a change of
//! content gives a new name that rolls the pods using it.
//!
//! Kustomize hashes the JSON (Go's `encoding/json`: sorted keys, HTML characters
//! escaped) of `{kind, name, data}` (+ `binaryData` for a ConfigMap; + `type` and
//! `stringData` for a Secret), takes the SHA-256 in hex, keeps 10 characters and swaps
//! `0 1 3 a e` for `g h k m t` so the suffix never looks like a number or a word.
//! Its `name` lookup uses the path `metadata/name` as one key, so finds nothing: the name
//! is always hashed as `""`. The hash therefore does not depend on the name, prefix,
//! suffix, namespace, labels or annotations.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// Kustomize's content hash suffix of a ConfigMap or Secret (10 characters); of any other
/// object, the same encoding of the whole object.
pub fn hash_suffix(obj: &Value) -> String {
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
    let hashed = match kind {
        "ConfigMap" => {
            let mut m = Map::new();
            m.insert("kind".into(), "ConfigMap".into());
            m.insert("name".into(), "".into());
            m.insert("data".into(), field(obj, "data"));
            if let Some(binary) = obj.get("binaryData").filter(|v| v.is_object()) {
                m.insert("binaryData".into(), binary.clone());
            }
            Value::Object(m)
        }
        "Secret" => {
            let mut m = Map::new();
            m.insert("kind".into(), "Secret".into());
            m.insert("type".into(), field(obj, "type"));
            m.insert("name".into(), "".into());
            m.insert("data".into(), field(obj, "data"));
            if let Some(string_data) = obj.get("stringData").filter(|v| v.is_object()) {
                m.insert("stringData".into(), string_data.clone());
            }
            Value::Object(m)
        }
        _ => obj.clone(),
    };
    let mut encoded = String::new();
    go_json(&hashed, &mut encoded);
    let hex: String = Sha256::digest(encoded.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    hex.chars()
        .take(10)
        .map(|c| match c {
            '0' => 'g',
            '1' => 'h',
            '3' => 'k',
            'a' => 'm',
            'e' => 't',
            other => other,
        })
        .collect()
}

/// A field as Kustomize reads it for hashing: a map as is, a scalar as its text, a
/// missing (or null) field as the empty string.
fn field(obj: &Value, key: &str) -> Value {
    match obj.get(key) {
        None | Some(Value::Null) => Value::String(String::new()),
        Some(Value::Bool(b)) => Value::String(b.to_string()),
        Some(Value::Number(n)) => Value::String(n.to_string()),
        Some(v) => v.clone(),
    }
}

/// Go's `json.Marshal` of a value: map keys sorted, no spaces, strings escaped as Go
/// escapes them.
fn go_json(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_string(k, out);
                out.push(':');
                if let Some(v) = map.get(k) {
                    go_json(v, out);
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_json(v, out);
            }
            out.push(']');
        }
        Value::String(s) => go_string(s, out),
        other => out.push_str(&other.to_string()),
    }
}

/// Go's string escaping: `\b \f \n \r \t`, other control characters as `\u00xx`, and
/// `< > &` and U+2028/U+2029 as `\u` escapes (safe in HTML and JavaScript).
fn go_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || matches!(c, '<' | '>' | '&' | '\u{2028}' | '\u{2029}') => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Names and hashes `kubectl kustomize` (kustomize v5.5.0) gave for the same content.
    #[test]
    fn equals_kustomize_for_configmaps() {
        let empty = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "empty"}});
        assert_eq!(hash_suffix(&empty), "6ct58987ht");
        let xy = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm2"}, "data": {"x": "y"}});
        assert_eq!(hash_suffix(&xy), "6gc9d749f7");
        // The name, namespace, labels and `immutable` do not count.
        let renamed = json!({"kind": "ConfigMap", "immutable": true,
            "metadata": {"name": "p-other-s", "namespace": "ns", "labels": {"a": "b"}}, "data": {"x": "y"}});
        assert_eq!(hash_suffix(&renamed), "6gc9d749f7");
        let html = json!({"kind": "ConfigMap", "metadata": {"name": "html"}, "data": {"h": "<a href='x'>&amp;</a>"}});
        assert_eq!(hash_suffix(&html), "ff2588tc9h");
        let weird = json!({"kind": "ConfigMap", "metadata": {"name": "w"},
            "data": {"weird.txt": "a<b>&c\u{8}\u{c}\u{1}\u{1f}\u{7f}\n\t\r\\\"é\u{2028}😀"}});
        assert_eq!(hash_suffix(&weird), "7576t9fmd5");
        let with_binary = json!({"kind": "ConfigMap", "metadata": {"name": "cm1"},
            "binaryData": {"bin.dat": "iVBORwD//g=="},
            "data": {"BAZ": "qux quux  ", "EMPTY": "", "FOO": "bar", "NOEQ": "", "Q": "\"quoted\"", "WIN": "crlf",
                "a": "1", "a.txt": "hello\nworld\n", "b": "two", "c": "three", "d": "\"mis'", "e": "=x", "f": "",
                "g": "\"", "k2": "hello\nworld\n"}});
        assert_eq!(hash_suffix(&with_binary), "87m5b8g8dg");
    }

    #[test]
    fn equals_kustomize_for_secrets() {
        let s1 = json!({"kind": "Secret", "type": "Opaque", "metadata": {"name": "s1"},
            "data": {"a.txt": "aGVsbG8Kd29ybGQK", "bin.dat": "iVBORwD//g==", "html": "PGEmYj4=", "password": "czNjcjN0"}});
        assert_eq!(hash_suffix(&s1), "bcg9b5d8gk");
        let tls = json!({"kind": "Secret", "type": "kubernetes.io/tls", "metadata": {"name": "s2"},
            "data": {"tls.crt": "Q0VSVA==", "tls.key": "S0VZ"}});
        assert_eq!(hash_suffix(&tls), "4b255hm948");
        let empty = json!({"kind": "Secret", "type": "Opaque", "metadata": {"name": "s3"}, "data": {}});
        assert_eq!(hash_suffix(&empty), "46f8b28mk5");
        let s4 = json!({"kind": "Secret", "type": "Opaque", "metadata": {"name": "s4"},
            "data": {"ctl": "YQli", "nl": "YVxuYg==", "uni": "w6nihpLwn5iA"}});
        assert_eq!(hash_suffix(&s4), "5488mgbc7h");
        let immutable = json!({"kind": "Secret", "type": "Opaque", "immutable": true, "metadata": {"name": "s"},
            "data": {"a": "Yg=="}});
        assert_eq!(hash_suffix(&immutable), "k695gkmbtk");
    }

    #[test]
    fn go_escapes_like_go() {
        let mut out = String::new();
        go_string("<&>\u{8}\u{1}\u{2029}é", &mut out);
        assert_eq!(out, "\"\\u003c\\u0026\\u003e\\b\\u0001\\u2029é\"");
    }
}
