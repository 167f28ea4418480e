//! The one way hardening writes into an object: fill a field only where the input left
//! it unset, and record the change so `berth explain` can say what hardening added.

use serde_json::{Map, Value};

use crate::yaml::pointer_segment;

/// One field (or whole object) that hardening added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// `Kind/namespace/name` of the object changed (or added).
    pub object: String,
    /// JSON pointer of the field set; empty when the whole object was added.
    pub pointer: String,
    /// Why: the rule id and what the default does.
    pub reason: &'static str,
}

/// Records changes to one object, into `changes` when there is a list to record into:
/// a render that nobody explains records nothing.
pub(crate) struct Recorder<'a> {
    object: String,
    changes: Option<&'a mut Vec<Change>>,
}

impl<'a> Recorder<'a> {
    pub(crate) fn new(object: String, changes: Option<&'a mut Vec<Change>>) -> Self {
        Recorder { object, changes }
    }

    /// Sets `map[key] = value` unless the key holds a non-null value already; `base` is
    /// the pointer of `map`. Returns whether it set the field.
    pub(crate) fn fill(
        &mut self,
        map: &mut Map<String, Value>,
        base: &str,
        key: &str,
        value: Value,
        reason: &'static str,
    ) -> bool {
        if is_set(map.get(key)) {
            return false;
        }
        map.insert(key.into(), value);
        if self.changes.is_some() {
            self.note(format!("{base}/{}", pointer_segment(key)), reason);
        }
        true
    }

    /// Records a change made some other way (appending to a list).
    pub(crate) fn note(&mut self, pointer: String, reason: &'static str) {
        if let Some(changes) = self.changes.as_deref_mut() {
            changes.push(Change {
                object: self.object.clone(),
                pointer,
                reason,
            });
        }
    }
}

/// Present and not `null`.
pub(crate) fn is_set(v: Option<&Value>) -> bool {
    v.is_some_and(|v| !v.is_null())
}

/// The object under `key`, created empty when absent or `null`; `None` when the key holds
/// something else (left for schema validation to report).
pub(crate) fn child<'m>(map: &'m mut Map<String, Value>, key: &str) -> Option<&'m mut Map<String, Value>> {
    let slot = map.entry(key).or_insert(Value::Null);
    if slot.is_null() {
        *slot = Value::Object(Map::new());
    }
    slot.as_object_mut()
}

/// Calls `f(pointer, container)` for every init container and container of a pod spec.
pub(crate) fn for_each_container(
    spec: &mut Map<String, Value>,
    base: &str,
    mut f: impl FnMut(&str, &mut Map<String, Value>),
) {
    for list in ["initContainers", "containers"] {
        let Some(items) = spec.get_mut(list).and_then(Value::as_array_mut) else {
            continue;
        };
        for (i, c) in items.iter_mut().enumerate() {
            if let Some(c) = c.as_object_mut() {
                f(&format!("{base}/{list}/{i}"), c);
            }
        }
    }
}

/// Reads `map[a][b]...` without creating anything.
pub(crate) fn get<'v>(map: &'v Map<String, Value>, path: &[&str]) -> Option<&'v Value> {
    let (first, rest) = path.split_first()?;
    rest.iter().try_fold(map.get(*first)?, |v, k| v.get(*k))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fill_sets_only_unset_fields_and_records_them() {
        let mut changes = Vec::new();
        let mut rec = Recorder::new("Pod/x".into(), Some(&mut changes));
        let mut m = json!({"a": 1, "b": null}).as_object().cloned().unwrap();
        assert!(!rec.fill(&mut m, "/spec", "a", json!(2), "r"));
        assert!(rec.fill(&mut m, "/spec", "b", json!(3), "r"));
        assert!(rec.fill(&mut m, "/spec", "x/y", json!(4), "r"));
        assert_eq!(Value::Object(m), json!({"a": 1, "b": 3, "x/y": 4}));
        let pointers: Vec<&str> = changes.iter().map(|c| c.pointer.as_str()).collect();
        assert_eq!(pointers, ["/spec/b", "/spec/x~1y"]);
    }

    #[test]
    fn child_refuses_non_objects() {
        let mut m = json!({"a": 1}).as_object().cloned().unwrap();
        assert!(child(&mut m, "a").is_none());
        assert!(child(&mut m, "b").is_some());
        assert_eq!(m["b"], json!({}));
    }
}
