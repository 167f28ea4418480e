//! The kind, name, namespace and id of an object, read without `serde_json`'s `pointer`,
//! which allocates a `String` per segment: the checks and the reports ask for these once
//! or more per finding, on every object of a run.

use serde_json::Value;

use crate::manifest::Object;

/// `metadata.<field>` as a string, `""` when missing or not a string.
fn metadata<'a>(o: &'a Object, field: &str) -> &'a str {
    o.value
        .get("metadata")
        .and_then(|m| m.get(field))
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// As `Object::name`.
pub fn name(o: &Object) -> &str {
    metadata(o, "name")
}

/// As `Object::namespace`.
pub fn namespace(o: &Object) -> &str {
    metadata(o, "namespace")
}

/// `value.pointer(pointer)` for pointers without escapes (`~0`, `~1`), such as the
/// literals the checks use: `serde_json` unescapes every segment into a new `String`.
pub fn at<'a>(value: &'a Value, pointer: &str) -> Option<&'a Value> {
    if pointer.is_empty() {
        return Some(value);
    }
    pointer.strip_prefix('/')?.split('/').try_fold(value, |v, seg| match v {
        Value::Object(m) => m.get(seg),
        // As serde_json: a decimal index without sign or leading zeros.
        Value::Array(a) if !seg.starts_with('+') && (seg == "0" || !seg.starts_with('0')) => {
            seg.parse::<usize>().ok().and_then(|i| a.get(i))
        }
        _ => None,
    })
}

/// As `Object::id`: `Kind/name` or `Kind/namespace/name`.
pub fn id(o: &Object) -> String {
    let (kind, namespace, name) = (o.kind(), namespace(o), name(o));
    let mut out = String::with_capacity(kind.len() + namespace.len() + name.len() + 2);
    out.push_str(kind);
    out.push('/');
    if !namespace.is_empty() {
        out.push_str(namespace);
        out.push('/');
    }
    out.push_str(name);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_as_the_object_does() {
        for v in [
            json!({"kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"}}),
            json!({"kind": "Namespace", "metadata": {"name": "shop"}}),
            json!({"kind": "X", "metadata": {"name": 3}}),
            json!({"metadata": null}),
            json!({}),
        ] {
            let o = Object::new(v, None);
            assert_eq!(name(&o), o.name());
            assert_eq!(namespace(&o), o.namespace());
            assert_eq!(id(&o), o.id());
        }
    }

    #[test]
    fn pointers_read_as_serde_json_reads_them() {
        let v = json!({"a": {"b": [10, {"c": null}], "": 1}, "n": 2});
        for p in [
            "", "/a", "/a/b", "/a/b/0", "/a/b/1/c", "/a/b/01", "/a/b/+1", "/a/b/2", "/a/", "/n/x", "a", "/x/y",
        ] {
            assert_eq!(at(&v, p), v.pointer(p), "{p}");
        }
    }
}
