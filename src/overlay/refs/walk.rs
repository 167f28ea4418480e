//! Kustomize-style field paths (`spec/template/spec/volumes/configMap/name`): the one
//! walker the reference table and the label and annotation tables share, so a path means
//! the same thing everywhere. Lists met on the way are walked through, element by element,
//! as Kustomize does; `\/` is a slash inside a key (annotation names); a trailing `[]` on a
//! segment (`volumeClaimTemplates[]`) says "a list", which is walked but never created.

use serde_json::{Map, Value};

/// One step of a field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Seg {
    pub key: String,
    /// Written `key[]`: the value is a list, so a missing one is never made.
    pub list: bool,
}

/// The segments of a field path.
pub(crate) fn segments(path: &str) -> Vec<Seg> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'/') => {
                current.push('/');
                chars.next();
            }
            '/' => out.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    out.push(current);
    out.into_iter()
        .filter(|s| !s.is_empty())
        .map(|s| match s.strip_suffix("[]") {
            Some(key) => Seg {
                key: key.to_string(),
                list: true,
            },
            None => Seg { key: s, list: false },
        })
        .collect()
}

/// One place a path leads to: the map holding the last segment and that segment. The
/// value may be absent (only when creating). `at_root` is true when `parent` is the
/// object itself, whose `kind` and `namespace` say nothing about the field.
pub(crate) struct SiteMut<'a> {
    pub parent: &'a mut Map<String, Value>,
    pub key: &'a str,
    pub at_root: bool,
}

/// Calls `f` for every place `segs` leads to in `value`. With `create`, missing (or null)
/// maps on the way are made and `f` is called even where the last key is absent; lists
/// are never made.
pub(crate) fn visit_mut(value: &mut Value, segs: &[Seg], create: bool, f: &mut dyn FnMut(SiteMut<'_>)) {
    walk_mut(value, segs, create, true, f);
}

fn walk_mut(value: &mut Value, segs: &[Seg], create: bool, at_root: bool, f: &mut dyn FnMut(SiteMut<'_>)) {
    match value {
        Value::Array(items) => {
            for item in items {
                walk_mut(item, segs, create, false, f);
            }
        }
        Value::Object(map) => {
            let Some((first, rest)) = segs.split_first() else {
                return;
            };
            let key = first.key.as_str();
            if rest.is_empty() {
                if (create && !first.list) || map.contains_key(key) {
                    f(SiteMut {
                        parent: map,
                        key,
                        at_root,
                    });
                }
                return;
            }
            let missing = map.get(key).is_none_or(Value::is_null);
            if missing {
                if !create || first.list {
                    return;
                }
                map.insert(key.to_string(), Value::Object(Map::new()));
            }
            if let Some(child) = map.get_mut(key) {
                walk_mut(child, rest, create, false, f);
            }
        }
        _ => {}
    }
}

/// One place a path leads to, read-only, with its location for messages
/// (`spec.volumes[0].configMap.name`).
pub(crate) struct Site<'a> {
    pub parent: &'a Map<String, Value>,
    pub key: &'a str,
    pub at_root: bool,
    pub location: &'a str,
}

/// Calls `f` for every existing place `segs` leads to in `value`.
pub(crate) fn visit(value: &Value, segs: &[Seg], f: &mut dyn FnMut(Site<'_>)) {
    walk(value, segs, true, &mut String::new(), f);
}

fn walk(value: &Value, segs: &[Seg], at_root: bool, location: &mut String, f: &mut dyn FnMut(Site<'_>)) {
    match value {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = location.len();
                location.push_str(&format!("[{i}]"));
                walk(item, segs, false, location, f);
                location.truncate(len);
            }
        }
        Value::Object(map) => {
            let Some((first, rest)) = segs.split_first() else {
                return;
            };
            let key = first.key.as_str();
            let Some(child) = map.get(key) else { return };
            let len = location.len();
            if !location.is_empty() {
                location.push('.');
            }
            location.push_str(key);
            if rest.is_empty() {
                f(Site {
                    parent: map,
                    key,
                    at_root,
                    location,
                });
            } else {
                walk(child, rest, false, location, f);
            }
            location.truncate(len);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn segments_unescape_slashes_and_drop_list_marks() {
        let keys = |p: &str| segments(p).into_iter().map(|s| (s.key, s.list)).collect::<Vec<_>>();
        assert_eq!(
            keys("spec/containers[]/image"),
            [
                ("spec".into(), false),
                ("containers".into(), true),
                ("image".into(), false)
            ]
        );
        assert_eq!(
            keys("metadata/annotations/nginx.ingress.kubernetes.io\\/auth-secret"),
            [
                ("metadata".into(), false),
                ("annotations".into(), false),
                ("nginx.ingress.kubernetes.io/auth-secret".into(), false)
            ]
        );
    }

    #[test]
    fn walks_through_lists_and_reports_locations() {
        let v =
            json!({"spec": {"volumes": [{"configMap": {"name": "a"}}, {"secret": {}}, {"configMap": {"name": "b"}}]}});
        let mut seen = Vec::new();
        visit(&v, &segments("spec/volumes/configMap/name"), &mut |s| {
            seen.push((s.location.to_string(), s.parent[s.key].clone()));
        });
        assert_eq!(
            seen,
            [
                ("spec.volumes[0].configMap.name".to_string(), json!("a")),
                ("spec.volumes[2].configMap.name".to_string(), json!("b"))
            ]
        );
    }

    #[test]
    fn creates_maps_but_never_lists() {
        let mut v = json!({"metadata": {"labels": null}, "spec": {}});
        let segs = segments("metadata/labels");
        visit_mut(&mut v, &segs, true, &mut |s| {
            s.parent.insert(s.key.to_string(), json!({"a": "b"}));
        });
        assert_eq!(v["metadata"]["labels"], json!({"a": "b"}));
        let mut calls = 0;
        visit_mut(
            &mut v,
            &segments("spec/volumeClaimTemplates[]/metadata/labels"),
            true,
            &mut |_| calls += 1,
        );
        assert_eq!(calls, 0);
        assert_eq!(v["spec"], json!({}));
        let mut w = json!({"spec": {"volumeClaimTemplates": [{"metadata": {"name": "a"}}, {}]}});
        visit_mut(
            &mut w,
            &segments("spec/volumeClaimTemplates[]/metadata/labels"),
            true,
            &mut |_| calls += 1,
        );
        assert_eq!(calls, 2);
    }
}
