//! Merging compose trees by the compose specification's rules (13-merge.md).
//!
//! Mappings merge key by key; sequences append (without duplicates); `ports`, `volumes`,
//! `secrets` and `configs` are unique by their key (a later entry replaces the earlier
//! one); `command`, `entrypoint` and `healthcheck.test` are replaced; a service attribute
//! set to `null` (`!reset`) is removed. Origins follow the value: whatever a later file
//! supplies is located in that file.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::source::Origin;
use crate::yaml::{Spans, pointer_segment};

/// A compose tree with the origin of each value down to a few levels.
#[derive(Debug, Clone, Default)]
pub struct Tree {
    pub value: Value,
    pub origins: BTreeMap<String, Origin>,
}

impl Tree {
    /// Records origins from a file's spans (down to `/services/web/ports/0`). `written`
    /// is the file as written, before normalisation turned lists into maps: an entry made
    /// from a list item (`- db`, `- KEY=value`, `- host:ip`) keeps that item's origin.
    pub fn located(value: Value, written: &Value, spans: &Spans) -> Tree {
        let mut origins = BTreeMap::new();
        let at = Locator { written, spans };
        record(&value, &mut String::new(), 0, &at, &mut origins);
        Tree { value, origins }
    }

    pub fn origin(&self, pointer: &str) -> Option<Origin> {
        crate::yaml::nearest(pointer, |p| self.origins.get(p).cloned())
    }

    /// Origins under `from`, re-keyed under `to` (for a service moved by `extends`).
    pub fn origins_moved(&self, from: &str, to: &str) -> BTreeMap<String, Origin> {
        self.origins
            .iter()
            .filter_map(|(k, o)| {
                let rest = k.strip_prefix(from)?;
                (rest.is_empty() || rest.starts_with('/')).then(|| (format!("{to}{rest}"), o.clone()))
            })
            .collect()
    }
}

const DEPTH: usize = 4;

/// Finds where a value of the normalised tree was written.
struct Locator<'a> {
    written: &'a Value,
    spans: &'a Spans,
}

impl Locator<'_> {
    fn origin(&self, pointer: &str) -> Origin {
        if let Some(o) = self.spans.exact(pointer) {
            return o;
        }
        if let Some((parent, segment)) = pointer.rsplit_once('/')
            && let Some(Value::Array(items)) = self.written.pointer(parent)
            && let Some(i) = items
                .iter()
                .position(|item| list_key(item).is_some_and(|k| pointer_segment(k) == segment))
        {
            return self.spans.origin(&format!("{parent}/{i}"));
        }
        self.spans.origin(pointer)
    }
}

/// The map key a list item becomes: `db`, `KEY` of `KEY=value`, `host` of `host:ip`.
fn list_key(item: &Value) -> Option<&str> {
    let s = item.as_str()?;
    Some(s.split(['=', ':']).next().unwrap_or(s))
}

fn record(v: &Value, pointer: &mut String, depth: usize, at: &Locator, out: &mut BTreeMap<String, Origin>) {
    out.insert(pointer.clone(), at.origin(pointer));
    if depth == DEPTH {
        return;
    }
    let mut child = |seg: String, item: &Value, pointer: &mut String| {
        let len = pointer.len();
        pointer.push('/');
        pointer.push_str(&seg);
        record(item, pointer, depth + 1, at, out);
        pointer.truncate(len);
    };
    match v {
        Value::Object(m) => m.iter().for_each(|(k, item)| child(pointer_segment(k), item, pointer)),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, item)| child(i.to_string(), item, pointer)),
        _ => {}
    }
}

/// Merges a later file into an earlier one.
pub fn merge_trees(base: &mut Tree, over: Tree) {
    let Tree { value, origins } = over;
    match (&mut base.value, value) {
        (Value::Object(b), Value::Object(o)) => {
            for (key, v) in o {
                if key == "services" {
                    merge_services(b.entry("services").or_insert_with(|| Value::Object(Map::new())), v);
                } else {
                    merge_at(b, key, v, &[]);
                }
            }
        }
        (b, v) if !v.is_null() => *b = v,
        _ => {}
    }
    // A mapping that both files write stays located where it was first defined; values
    // the later file supplies are located there.
    for (p, o) in origins {
        let kept = base.origins.contains_key(&p) && base.value.pointer(&p).is_some_and(Value::is_object);
        if !kept {
            base.origins.insert(p, o);
        }
    }
}

fn merge_services(base: &mut Value, over: Value) {
    let (Some(b), Value::Object(o)) = (base.as_object_mut(), over) else {
        return;
    };
    for (name, svc) in o {
        match b.get_mut(&name) {
            Some(existing) => merge_service(existing, svc),
            None => {
                b.insert(name, svc);
            }
        }
    }
}

/// Merges one service into another (also used by `extends`).
pub fn merge_service(base: &mut Value, over: Value) {
    let Value::Object(o) = over else { return };
    if !base.is_object() {
        *base = Value::Object(Map::new());
    }
    let Some(b) = base.as_object_mut() else { return };
    for (key, v) in o {
        if v.is_null() {
            b.shift_remove(&key);
        } else {
            let path = [key.as_str()];
            merge_at(b, key.clone(), v, &path);
        }
    }
}

/// Attributes whose later value replaces the earlier one outright.
fn replaces(path: &[&str]) -> bool {
    matches!(path, ["command"] | ["entrypoint"] | ["healthcheck", "test"])
}

/// The key that makes an entry of a sequence unique, for sequences that have one.
fn unique_key(path: &[&str], item: &Value) -> Option<String> {
    let s = |k: &str| item.get(k).map(|v| v.to_string()).unwrap_or_default();
    match path {
        ["ports"] => Some(format!(
            "{}|{}|{}|{}",
            s("host_ip"),
            s("target"),
            s("published"),
            s("protocol")
        )),
        ["volumes"] => Some(s("target")),
        ["secrets"] | ["configs"] => Some(if item.get("target").is_some() {
            s("target")
        } else {
            s("source")
        }),
        _ => None,
    }
}

fn merge_at(map: &mut Map<String, Value>, key: String, over: Value, path: &[&str]) {
    let Some(base) = map.get_mut(&key) else {
        map.insert(key, over);
        return;
    };
    merge_value(base, over, path);
}

fn merge_value(base: &mut Value, over: Value, path: &[&str]) {
    if replaces(path) {
        *base = over;
        return;
    }
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                // `environment: {X: null}` is a value (pass-through); elsewhere null keeps the default.
                if v.is_null() && path != ["environment"] {
                    b.entry(k).or_insert(Value::Null);
                    continue;
                }
                let mut sub = path.to_vec();
                sub.push(k.as_str());
                let k2 = k.clone();
                merge_at(b, k2, v, &sub);
            }
        }
        (Value::Array(b), Value::Array(o)) => {
            for item in o {
                match unique_key(path, &item) {
                    Some(key) => match b.iter_mut().find(|x| unique_key(path, x).as_ref() == Some(&key)) {
                        Some(slot) => *slot = item,
                        None => b.push(item),
                    },
                    None if !b.contains(&item) => b.push(item),
                    None => {}
                }
            }
        }
        (b, o) => *b = o,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn merged(a: Value, b: Value) -> Value {
        let mut t = Tree {
            value: a,
            ..Tree::default()
        };
        merge_trees(
            &mut t,
            Tree {
                value: b,
                ..Tree::default()
            },
        );
        t.value
    }

    #[test]
    fn merge_rules() {
        let a = json!({"services": {"web": {
            "image": "a", "command": ["echo", "foo"], "dns": ["1.1.1.1"],
            "environment": {"A": "1", "B": "2"},
            "ports": [{"target": 80, "published": "8080", "protocol": "tcp"}],
            "volumes": [{"type": "volume", "source": "foo", "target": "/work"}],
            "healthcheck": {"test": ["CMD", "a"], "interval": "5s"},
            "networks": {"front": {"aliases": ["x"]}},
            "user": "1000"
        }}, "volumes": {"foo": {}}});
        let b = json!({"services": {"web": {
            "image": "b", "command": ["echo", "bar"], "dns": ["8.8.8.8", "1.1.1.1"],
            "environment": {"B": "3", "C": null},
            "ports": [{"target": 80, "published": "8080", "protocol": "tcp"}, {"target": 443, "protocol": "tcp"}],
            "volumes": [{"type": "volume", "source": "bar", "target": "/work"}],
            "healthcheck": {"test": ["CMD", "b"]},
            "networks": {"front": null, "back": null},
            "user": null
        }, "db": {"image": "pg"}}, "volumes": {"bar": {}}});
        let m = merged(a, b);
        let web = &m["services"]["web"];
        assert_eq!(web["image"], "b");
        assert_eq!(web["command"], json!(["echo", "bar"]));
        assert_eq!(web["dns"], json!(["1.1.1.1", "8.8.8.8"]));
        assert_eq!(web["environment"], json!({"A": "1", "B": "3", "C": null}));
        assert_eq!(web["ports"].as_array().unwrap().len(), 2);
        assert_eq!(
            web["volumes"],
            json!([{"type": "volume", "source": "bar", "target": "/work"}])
        );
        assert_eq!(web["healthcheck"], json!({"test": ["CMD", "b"], "interval": "5s"}));
        assert_eq!(web["networks"], json!({"front": {"aliases": ["x"]}, "back": null}));
        assert!(web.get("user").is_none(), "null resets an attribute");
        assert_eq!(m["services"]["db"]["image"], "pg");
        assert_eq!(m["volumes"], json!({"foo": {}, "bar": {}}));
    }

    #[test]
    fn later_file_supplies_origins() {
        let spans_a = Spans::new("a.yaml".into());
        let spans_b = Spans::new("b.yaml".into());
        let mut t = Tree::located(
            json!({"services": {"web": {"image": "a", "user": "x"}}}),
            &Value::Null,
            &spans_a,
        );
        merge_trees(
            &mut t,
            Tree::located(json!({"services": {"web": {"image": "b"}}}), &Value::Null, &spans_b),
        );
        assert_eq!(&*t.origin("/services/web/image").unwrap().file, "b.yaml");
        assert_eq!(&*t.origin("/services/web/user").unwrap().file, "a.yaml");
        assert_eq!(&*t.origin("/services/web").unwrap().file, "a.yaml", "first definition");
    }
}
