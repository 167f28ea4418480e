//! Patches: strategic merge (driven by the merge keys and strategies the vendored schemas
//! carry), JSON merge patch (RFC 7396) and JSON patch (RFC 6902), and the targets that
//! select which objects a patch applies to.
//!
//! Strategic merge is Kubernetes' own rule set, read from the schema rather than written
//! out per kind: a list whose schema says `x-kubernetes-patch-strategy: merge` with a
//! `x-kubernetes-patch-merge-key` merges item by item (containers by `name`, ports by
//! `containerPort`, ...); other lists are replaced; maps merge; `null` deletes. Custom
//! resources have no schema here, so their lists are replaced, unless the overlay names a
//! merge key for them (`mergeKeys`), which Kustomize cannot do.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::manifest::Object;

/// Why a patch could not be applied: `at` is a JSON pointer into the patch document (for
/// a JSON patch, into its list of operations), so the caller can locate it in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchError {
    pub at: String,
    pub message: String,
    pub help: String,
}

impl PatchError {
    fn new(at: impl Into<String>, message: impl Into<String>, help: impl Into<String>) -> Self {
        PatchError {
            at: at.into(),
            message: message.into(),
            help: help.into(),
        }
    }
}

/// Which objects a patch applies to (Kustomize's `target`). Every given field must match;
/// `name` and `namespace` are anchored regular expressions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Target {
    pub group: Option<String>,
    pub version: Option<String>,
    pub kind: Option<String>,
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub label_selector: Option<String>,
    pub annotation_selector: Option<String>,
}

impl Target {
    /// Whether `obj` is selected; an unreadable selector or regex is an error.
    pub fn matches(&self, obj: &Object) -> Result<bool, PatchError> {
        let (group, version) = match obj.api_version().split_once('/') {
            Some((g, v)) => (g, v),
            None => ("", obj.api_version()),
        };
        let exact = |want: &Option<String>, have: &str| want.as_deref().is_none_or(|w| w == have);
        if !exact(&self.group, group) || !exact(&self.version, version) || !exact(&self.kind, obj.kind()) {
            return Ok(false);
        }
        if !pattern(&self.name, obj.name(), "name")? || !pattern(&self.namespace, obj.namespace(), "namespace")? {
            return Ok(false);
        }
        let map = |field: &str| {
            obj.value
                .pointer(&format!("/metadata/{field}"))
                .and_then(Value::as_object)
        };
        Ok(selects(self.label_selector.as_deref(), map("labels"), "labelSelector")?
            && selects(
                self.annotation_selector.as_deref(),
                map("annotations"),
                "annotationSelector",
            )?)
    }
}

/// An anchored regular expression match; no pattern matches everything.
fn pattern(want: &Option<String>, have: &str, field: &str) -> Result<bool, PatchError> {
    let Some(p) = want else { return Ok(true) };
    let re = regex::Regex::new(&format!("^(?:{p})$")).map_err(|e| {
        PatchError::new(
            "",
            format!("the target's {field} `{p}` is not a regular expression: {e}"),
            "escape regex characters, or write the exact name",
        )
    })?;
    Ok(re.is_match(have))
}

/// A Kubernetes label selector (`a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`,
/// `!a`; commas join requirements) applied to a map of labels or annotations.
fn selects(selector: Option<&str>, map: Option<&Map<String, Value>>, field: &str) -> Result<bool, PatchError> {
    let Some(selector) = selector else { return Ok(true) };
    let get = |k: &str| map.and_then(|m| m.get(k)).and_then(Value::as_str);
    for req in split_requirements(selector) {
        let req = req.trim();
        let bad = || {
            PatchError::new(
                "",
                format!("the target's {field} `{selector}` cannot be read at `{req}`"),
                "write requirements such as `app=web`, `tier!=db`, `env in (dev,qa)`, `team`, `!legacy`, joined by commas",
            )
        };
        let ok = if let Some(key) = req.strip_prefix('!') {
            get(key.trim()).is_none()
        } else if let Some((k, v)) = req.split_once("!=") {
            get(k.trim()) != Some(v.trim())
        } else if let Some((k, v)) = req.split_once("==").or_else(|| req.split_once('=')) {
            get(k.trim()) == Some(v.trim())
        } else if let Some((k, set, negate)) = set_requirement(req) {
            let values: Vec<&str> = set.split(',').map(str::trim).collect();
            let has = get(k).is_some_and(|v| values.contains(&v));
            if negate { !has } else { has }
        } else if !req.is_empty() && !req.contains([' ', '(', ')']) {
            get(req).is_some()
        } else {
            return Err(bad());
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

/// `key in (a,b)` / `key notin (a)` as (key, "a,b", negated).
fn set_requirement(req: &str) -> Option<(&str, &str, bool)> {
    let open = req.find('(')?;
    let set = req.get(open + 1..)?.strip_suffix(')')?;
    let head = req.get(..open)?.trim();
    if let Some(k) = head.strip_suffix(" notin") {
        return Some((k.trim(), set, true));
    }
    head.strip_suffix(" in").map(|k| (k.trim(), set, false))
}

/// Splits on commas that are not inside `( )`.
fn split_requirements(s: &str) -> Vec<&str> {
    let (mut out, mut depth, mut start) = (Vec::new(), 0i32, 0);
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.extend(s.get(start..i));
                start = i + 1;
            }
            _ => {}
        }
    }
    out.extend(s.get(start..));
    out
}

/// A merge key for a list inside a custom resource: in objects of `kind`, the list at
/// `path` (`spec/endpoints`) merges its items by `key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtraKey {
    pub kind: String,
    pub path: String,
    pub key: String,
}

/// Applies a strategic merge patch to `obj` (Kubernetes' rules, with the list merge keys
/// of the `kube_version` schemas; `$patch: delete|replace` and `$retainKeys` directives).
pub fn strategic(obj: &mut Value, patch: &Value, kube_version: &str) -> Result<(), PatchError> {
    strategic_with(obj, patch, kube_version, &[])
}

/// As [`strategic`], with merge keys for lists the schemas do not describe.
pub fn strategic_with(
    obj: &mut Value,
    patch: &Value,
    kube_version: &str,
    extra: &[ExtraKey],
) -> Result<(), PatchError> {
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("").to_string();
    let api = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("").to_string();
    let defs = crate::validate::schema_definitions(kube_version).and_then(|d| d.get("$defs"));
    let root = crate::validate::definition_of(kube_version, &api, &kind)
        .and_then(|name| defs.and_then(|d| d.get(name.as_str())));
    let walk = Walk {
        defs,
        extra: extra.iter().filter(|e| e.kind == kind).collect(),
    };
    if !patch.is_object() {
        return Err(PatchError::new(
            "",
            "a strategic merge patch must be a mapping",
            "write the fields to change as a partial object; a list of operations is a JSON patch (`type: json6902`)",
        ));
    }
    walk.merge_map(obj, patch, root, "", "")
}

/// Applies an RFC 7396 JSON merge patch.
pub fn merge(obj: &mut Value, patch: &Value) {
    json_patch::merge(obj, patch);
}

/// Applies an RFC 6902 JSON patch (a list of operations). Values of a Secret are never
/// printed in errors.
pub fn json6902(obj: &mut Value, ops: &Value) -> Result<(), PatchError> {
    let ops: json_patch::Patch = serde_json::from_value(ops.clone()).map_err(|e| {
        PatchError::new(
            "",
            format!("this is not a JSON patch: {e}"),
            "write a list of operations: `- {op: replace, path: /spec/replicas, value: 3}` (op is add, remove, replace, move, copy or test)",
        )
    })?;
    json_patch::patch(obj, &ops).map_err(|e| {
        let op = ops.0.get(e.operation);
        let name = op.map_or("operation", |o| match o {
            json_patch::PatchOperation::Add(_) => "add",
            json_patch::PatchOperation::Remove(_) => "remove",
            json_patch::PatchOperation::Replace(_) => "replace",
            json_patch::PatchOperation::Move(_) => "move",
            json_patch::PatchOperation::Copy(_) => "copy",
            json_patch::PatchOperation::Test(_) => "test",
        });
        let (message, help) = match e.kind {
            json_patch::PatchErrorKind::TestFailed => (
                format!(
                    "`test` of {} failed: the value there is not the one the patch expects",
                    e.path
                ),
                "the base is not what this patch was written for; check the value at this path in the base",
            ),
            _ => (
                format!("`{name}` cannot be applied at {}: {}", e.path, e.kind),
                "the path must exist (for add: its parent must); list items are numbered from 0, and `-` appends",
            ),
        };
        PatchError::new(format!("/{}", e.operation), message, help)
    })
}

/// How lists merge, from the schema and the overlay's extra keys.
struct Walk<'a> {
    defs: Option<&'a Value>,
    extra: Vec<&'a ExtraKey>,
}

/// Whether a patch map says `$patch: <directive>`.
fn directive(patch: &Value) -> Option<&str> {
    patch.get("$patch").and_then(Value::as_str)
}

impl<'a> Walk<'a> {
    /// Follows `$ref` (and a single `allOf`) to the schema itself.
    fn resolve(&self, mut s: &'a Value) -> &'a Value {
        for _ in 0..16 {
            if let Some(r) = s.get("$ref").and_then(Value::as_str) {
                let name = r.rsplit('/').next().unwrap_or("");
                match self.defs.and_then(|d| d.get(name)) {
                    Some(next) => s = next,
                    None => return s,
                }
            } else if let Some([only]) = s.get("allOf").and_then(Value::as_array).map(Vec::as_slice) {
                s = only;
            } else {
                return s;
            }
        }
        s
    }

    fn property(&self, schema: Option<&'a Value>, key: &str) -> Option<&'a Value> {
        let s = self.resolve(schema?);
        s.get("properties")
            .and_then(|p| p.get(key))
            .or_else(|| s.get("additionalProperties").filter(|a| a.is_object()))
            .map(|c| self.resolve(c))
    }

    fn merge_map(
        &self,
        orig: &mut Value,
        patch: &Value,
        schema: Option<&'a Value>,
        path: &str,
        at: &str,
    ) -> Result<(), PatchError> {
        match directive(patch) {
            Some("replace") => {
                *orig = clean(patch);
                return Ok(());
            }
            Some("delete") => {
                *orig = Value::Null;
                return Ok(());
            }
            Some("merge") | None => {}
            Some(other) => {
                return Err(PatchError::new(
                    format!("{at}/$patch"),
                    format!("unknown directive `$patch: {other}`"),
                    "use `$patch: delete`, `$patch: replace` or `$patch: merge`",
                ));
            }
        }
        let (Some(o), Some(p)) = (orig.as_object_mut(), patch.as_object()) else {
            *orig = clean(patch);
            return Ok(());
        };
        for (k, v) in p {
            if k == "$patch" || k == "$retainKeys" || k.starts_with("$setElementOrder/") {
                continue;
            }
            if let Some(field) = k.strip_prefix("$deleteFromPrimitiveList/") {
                if let (Some(list), Some(gone)) = (o.get_mut(field).and_then(Value::as_array_mut), v.as_array()) {
                    list.retain(|x| !gone.contains(x));
                }
                continue;
            }
            let child_path = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}/{k}")
            };
            let child_at = format!("{at}/{}", crate::yaml::pointer_segment(k));
            let child_schema = self.property(schema, k);
            match (o.get_mut(k), v) {
                (_, Value::Null) => {
                    o.remove(k);
                }
                (Some(existing), Value::Array(items)) if existing.is_array() => {
                    self.merge_list(existing, items, child_schema, &child_path, &child_at)?;
                }
                (Some(existing), Value::Object(_)) if existing.is_object() => {
                    self.merge_map(existing, v, child_schema, &child_path, &child_at)?;
                    if existing.is_null() {
                        o.remove(k);
                    }
                }
                _ => {
                    if directive(v) != Some("delete") {
                        o.insert(k.clone(), clean(v));
                    }
                }
            }
        }
        if let Some(keep) = p.get("$retainKeys").and_then(Value::as_array) {
            o.retain(|k, _| keep.iter().any(|x| x.as_str() == Some(k)));
        }
        Ok(())
    }

    /// The merge key of the list at `path`, when it merges item by item.
    fn merge_key(&self, schema: Option<&'a Value>, path: &str) -> Option<String> {
        if let Some(e) = self.extra.iter().find(|e| e.path.trim_matches('/') == path) {
            return Some(e.key.clone());
        }
        let s = schema?;
        let strategy = s
            .get("x-kubernetes-patch-strategy")
            .and_then(Value::as_str)
            .unwrap_or("");
        if !strategy.split(',').any(|x| x.trim() == "merge") {
            return None;
        }
        Some(
            s.get("x-kubernetes-patch-merge-key")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
        )
    }

    fn merge_list(
        &self,
        orig: &mut Value,
        patch: &[Value],
        schema: Option<&'a Value>,
        path: &str,
        at: &str,
    ) -> Result<(), PatchError> {
        if patch
            .iter()
            .any(|p| directive(p) == Some("replace") && p.as_object().is_some_and(|m| m.len() == 1))
        {
            let kept: Vec<Value> = patch
                .iter()
                .filter(|p| directive(p) != Some("replace"))
                .map(clean)
                .collect();
            *orig = Value::Array(kept);
            return Ok(());
        }
        let Some(key) = self.merge_key(schema, path) else {
            *orig = Value::Array(patch.iter().map(clean).collect());
            return Ok(());
        };
        let item_schema = schema.and_then(|s| s.get("items")).map(|i| self.resolve(i));
        let Some(list) = orig.as_array_mut() else { return Ok(()) };
        for (i, p) in patch.iter().enumerate() {
            let item_at = format!("{at}/{i}");
            if key.is_empty() || !p.is_object() {
                // A set of primitives: union.
                if !list.contains(p) {
                    list.push(p.clone());
                }
                continue;
            }
            let Some(id) = p.get(&key) else {
                return Err(PatchError::new(
                    item_at,
                    format!("this item of `{path}` has no `{key}`, the key its items merge by"),
                    format!("add `{key}` to say which item to change (or to add)"),
                ));
            };
            let found = list.iter().position(|x| x.get(&key) == Some(id));
            match (directive(p), found) {
                (Some("delete"), Some(j)) => {
                    list.remove(j);
                }
                (Some("delete"), None) => {}
                (_, Some(j)) => {
                    if let Some(item) = list.get_mut(j) {
                        self.merge_map(item, p, item_schema, path, &item_at)?;
                    }
                }
                (_, None) => list.push(clean(p)),
            }
        }
        Ok(())
    }
}

/// A patch value as it lands in the object: directives removed, deleted items dropped.
fn clean(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, v)| !k.starts_with('$') && !v.is_null())
                .map(|(k, v)| (k.clone(), clean(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .filter(|i| directive(i) != Some("delete"))
                .map(clean)
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment() -> Value {
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "labels": {"app": "web", "tier": "front"}},
            "spec": {"replicas": 1, "template": {"spec": {
                "containers": [
                    {"name": "web", "image": "nginx:1.27", "args": ["a", "b"],
                     "ports": [{"containerPort": 80, "name": "http"}],
                     "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]},
                    {"name": "sidecar", "image": "busybox:1.36"}
                ],
                "tolerations": [{"key": "x", "operator": "Exists"}],
                "volumes": [{"name": "data", "emptyDir": {}}]
            }}}
        })
    }

    fn smp(patch: Value) -> Value {
        let mut d = deployment();
        strategic(&mut d, &patch, "1.35").unwrap();
        d
    }

    #[test]
    fn containers_merge_by_name_and_scalars_lists_replace() {
        let d = smp(json!({"spec": {"template": {"spec": {"containers": [
            {"name": "web", "image": "nginx:1.28", "args": ["c"],
             "env": [{"name": "B", "value": "3"}, {"name": "C", "value": "4"}],
             "ports": [{"containerPort": 80, "protocol": "TCP"}]}
        ]}}}}));
        let c = &d["spec"]["template"]["spec"]["containers"];
        assert_eq!(c.as_array().unwrap().len(), 2);
        assert_eq!(c[0]["image"], "nginx:1.28");
        assert_eq!(c[0]["args"], json!(["c"]));
        assert_eq!(
            c[0]["env"],
            json!([{"name": "A", "value": "1"}, {"name": "B", "value": "3"}, {"name": "C", "value": "4"}])
        );
        assert_eq!(
            c[0]["ports"],
            json!([{"containerPort": 80, "name": "http", "protocol": "TCP"}])
        );
        assert_eq!(c[1]["name"], "sidecar");
    }

    #[test]
    fn directives_delete_and_replace() {
        let d = smp(json!({"spec": {"template": {"spec": {
            "containers": [{"name": "sidecar", "$patch": "delete"}],
            "volumes": [{"$patch": "replace"}, {"name": "cache", "emptyDir": {"medium": "Memory"}}]
        }}}}));
        let s = &d["spec"]["template"]["spec"];
        assert_eq!(s["containers"].as_array().unwrap().len(), 1);
        assert_eq!(
            s["volumes"],
            json!([{"name": "cache", "emptyDir": {"medium": "Memory"}}])
        );
        let d = smp(json!({"metadata": {"labels": {"$patch": "replace", "app": "other"}}}));
        assert_eq!(d["metadata"]["labels"], json!({"app": "other"}));
        let d = smp(json!({"metadata": {"labels": {"tier": null}}, "spec": {"replicas": 3}}));
        assert_eq!(d["metadata"]["labels"], json!({"app": "web"}));
        assert_eq!(d["spec"]["replicas"], 3);
    }

    #[test]
    fn lists_without_a_merge_key_are_replaced() {
        let d = smp(json!({"spec": {"template": {"spec": {"tolerations": [{"key": "y", "operator": "Exists"}]}}}}));
        assert_eq!(
            d["spec"]["template"]["spec"]["tolerations"],
            json!([{"key": "y", "operator": "Exists"}])
        );
    }

    #[test]
    fn custom_resources_merge_lists_only_with_an_extra_key() {
        let cr = json!({"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor",
            "metadata": {"name": "m"}, "spec": {"endpoints": [{"port": "http", "interval": "30s"}, {"port": "metrics"}]}});
        let patch = json!({"spec": {"endpoints": [{"port": "http", "interval": "10s"}]}});
        let mut plain = cr.clone();
        strategic(&mut plain, &patch, "1.35").unwrap();
        assert_eq!(plain["spec"]["endpoints"], json!([{"port": "http", "interval": "10s"}]));
        let mut keyed = cr.clone();
        let extra = [ExtraKey {
            kind: "ServiceMonitor".into(),
            path: "spec/endpoints".into(),
            key: "port".into(),
        }];
        strategic_with(&mut keyed, &patch, "1.35", &extra).unwrap();
        assert_eq!(
            keyed["spec"]["endpoints"],
            json!([{"port": "http", "interval": "10s"}, {"port": "metrics"}])
        );
    }

    #[test]
    fn a_merge_list_item_without_its_key_is_an_error() {
        let mut d = deployment();
        let e = strategic(
            &mut d,
            &json!({"spec": {"template": {"spec": {"containers": [{"image": "x"}]}}}}),
            "1.35",
        )
        .unwrap_err();
        assert_eq!(e.at, "/spec/template/spec/containers/0");
        assert!(e.message.contains("has no `name`"), "{}", e.message);
    }

    #[test]
    fn json_patches_apply_and_fail_with_the_operation() {
        let mut d = deployment();
        json6902(
            &mut d,
            &json!([{"op": "replace", "path": "/spec/replicas", "value": 4},
                    {"op": "add", "path": "/metadata/labels/env", "value": "prod"},
                    {"op": "remove", "path": "/spec/template/spec/tolerations"},
                    {"op": "test", "path": "/spec/replicas", "value": 4}]),
        )
        .unwrap();
        assert_eq!(d["spec"]["replicas"], 4);
        assert_eq!(d["metadata"]["labels"]["env"], "prod");
        let e = json6902(&mut d, &json!([{"op": "test", "path": "/spec/replicas", "value": 9}])).unwrap_err();
        assert_eq!(e.at, "/0");
        assert!(e.message.contains("`test` of /spec/replicas failed"));
        let e = json6902(&mut d, &json!([{"op": "replace", "path": "/spec/nope/x", "value": 1}])).unwrap_err();
        assert!(
            e.message.starts_with("`replace` cannot be applied at /spec/nope/x"),
            "{}",
            e.message
        );
        assert!(json6902(&mut d, &json!({"op": "add"})).is_err());
    }

    #[test]
    fn merge_patches_replace_lists_and_delete_with_null() {
        let mut d = deployment();
        merge(
            &mut d,
            &json!({"metadata": {"labels": {"tier": null}}, "spec": {"template": {"spec": {"containers": []}}}}),
        );
        assert_eq!(d["metadata"]["labels"], json!({"app": "web"}));
        assert_eq!(d["spec"]["template"]["spec"]["containers"], json!([]));
    }

    #[test]
    fn targets_select_by_every_field() {
        let o = Object::new(deployment(), None);
        let t = |v: Value| serde_json::from_value::<Target>(v).unwrap().matches(&o).unwrap();
        assert!(t(json!({"kind": "Deployment", "name": "web"})));
        assert!(t(json!({"group": "apps", "version": "v1"})));
        assert!(!t(json!({"group": ""})));
        assert!(t(json!({"name": "w.*"})));
        assert!(!t(json!({"name": "we"})));
        assert!(t(json!({"labelSelector": "app=web,tier!=back"})));
        assert!(t(json!({"labelSelector": "tier in (front, middle)"})));
        assert!(!t(json!({"labelSelector": "tier notin (front)"})));
        assert!(t(json!({"labelSelector": "app,!legacy"})));
        assert!(!t(json!({"annotationSelector": "owner"})));
        let bad = serde_json::from_value::<Target>(json!({"name": "("})).unwrap();
        assert!(bad.matches(&o).is_err());
        let bad = serde_json::from_value::<Target>(json!({"labelSelector": "a in b"})).unwrap();
        assert!(bad.matches(&o).is_err());
    }
}
