//! Strategic merge patch, with the API server's rules, driven by the vendored schemas.
//!
//! The walk follows the patch, not the object: for each key of the patch it looks up the
//! property in the object's schema (through `properties`, `additionalProperties`, `items`
//! and `$ref`) to learn how a list merges. The schemas carry Kubernetes' annotations:
//! `x-kubernetes-patch-strategy` (`merge`, `replace`, `retainKeys`) and
//! `x-kubernetes-patch-merge-key` (containers by `name`, ports by `containerPort`, ...).
//! Lists that merge by key also honour `x-kubernetes-list-map-keys`, as Kustomize does, so
//! a TCP and a UDP port with the same number stay two ports.
//!
//! Rules, as `kubectl patch --type strategic` applies them:
//! - maps merge key by key; `null` deletes a key;
//! - a list with strategy `merge` and a merge key merges item by item, and items the
//!   original lacks are added, in the API server's order (`interleave`): a patched item
//!   keeps its place, a new item goes where the patch puts it among the items it names;
//! - a list of scalars with strategy `merge` (`finalizers`) is a set union;
//! - every other list, and every list of a custom resource, is replaced, unless the
//!   overlay declares a merge key for it (`MergeKey`);
//! - directives: `$patch: replace|delete|merge` on a map or a list item (`- $patch:
//!   replace` alone replaces the whole list), `$retainKeys`,
//!   `$deleteFromPrimitiveList/<field>` and `$setElementOrder/<field>`.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::PatchError;
use crate::validate::Definitions;
use crate::yaml::pointer_segment;

/// A merge key for a list the schemas do not describe (a custom resource's), declared by
/// an overlay: in objects of `kind`, the list at `path` merges its items by `key`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MergeKey {
    pub kind: String,
    /// The list's path from the object's root: map keys separated by `/`, list levels
    /// walked through (`spec/endpoints`, `spec/groups/rules`), as Kustomize's field specs.
    pub path: String,
    /// The field that identifies an item (`name`); empty for a list of scalars that merges
    /// as a set.
    #[serde(default)]
    pub key: String,
}

const PATCH: &str = "$patch";
const RETAIN_KEYS: &str = "$retainKeys";
const DELETE_FROM: &str = "$deleteFromPrimitiveList/";
const SET_ORDER: &str = "$setElementOrder/";

fn is_directive(key: &str) -> bool {
    key == PATCH || key == RETAIN_KEYS || key.starts_with(DELETE_FROM) || key.starts_with(SET_ORDER)
}

/// Applies a strategic merge patch to `obj` (Kubernetes' rules, with the list merge keys
/// of the `kube_version` schemas; `$patch: delete|replace` directives; custom resources,
/// which have no merge keys, merge like RFC 7396 plus the directives).
///
/// A `$patch: delete` at the top of the patch deletes the object: `obj` becomes
/// `Value::Null` and the caller drops it (as Kustomize does).
pub fn strategic(obj: &mut Value, patch: &Value, kube_version: &str) -> Result<(), PatchError> {
    strategic_with(obj, patch, kube_version, &[])
}

/// `strategic`, with merge keys for lists the schemas do not describe: the entries of
/// `extra` whose kind is `obj`'s make those lists merge by key (and override the schemas).
///
/// The walk takes the object apart instead of copying it (the copy was two fifths of an
/// overlay's patching time), so on error `obj` is lost (`Null`): the caller reports the
/// error and renders nothing.
pub fn strategic_with(
    obj: &mut Value,
    patch: &Value,
    kube_version: &str,
    extra: &[MergeKey],
) -> Result<(), PatchError> {
    let Value::Object(p) = patch else {
        return Err(PatchError::new(
            "",
            "a strategic merge patch must be a map (the fields of an object)",
            "write the fields to change, starting with `apiVersion`, `kind` and `metadata.name` of the object",
        ));
    };
    let defs = Definitions::of(kube_version);
    let field = |k: &str| obj.get(k).and_then(Value::as_str).unwrap_or("");
    let (api_version, kind) = (field("apiVersion"), field("kind"));
    let walker = Walker {
        defs,
        extra: extra
            .iter()
            .filter(|m| m.kind == kind)
            .map(|m| (split_path(&m.path), m.key.as_str()))
            .collect(),
    };
    let here = Here {
        declared: None,
        schema: defs.of_kind(api_version, kind),
        path: Vec::new(),
        at: String::new(),
    };
    let base = match std::mem::take(obj) {
        Value::Object(m) => Some(m),
        _ => None,
    };
    *obj = walker.map(base, p, &here)?.map_or(Value::Null, Value::Object);
    Ok(())
}

/// `spec/endpoints` → [`spec`, `endpoints`]; a leading `/` and pointer escapes are allowed.
fn split_path(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect()
}

struct Walker<'a> {
    defs: Definitions,
    /// Declared merge keys of this object's kind: (path, key).
    extra: Vec<(Vec<String>, &'a str)>,
}

/// Where the walk is: in the schemas, in the object (for declared merge keys) and in the
/// patch (for errors).
#[derive(Debug, Clone)]
struct Here {
    /// The property's schema as its parent declares it (where the patch annotations are).
    declared: Option<&'static Value>,
    /// The value's schema, `$ref` resolved; `None` when the schemas do not describe it.
    schema: Option<&'static Value>,
    /// Map keys from the object's root, list levels walked through.
    path: Vec<String>,
    /// JSON pointer into the patch.
    at: String,
}

/// How a list merges.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ListMode<'a> {
    /// The patch's list replaces the object's.
    Replace,
    /// Scalars, merged as a set (`finalizers`).
    Union,
    /// Maps, merged item by item: two items are the same when their `key` is equal and the
    /// `also` keys (the rest of `x-kubernetes-list-map-keys`) do not differ.
    ByKey { key: &'a str, also: Vec<&'a str> },
}

impl ListMode<'_> {
    /// Whether two items of the list are the same item.
    fn same(&self, a: &Value, b: &Value) -> bool {
        match (self, a, b) {
            (ListMode::ByKey { key, also }, Value::Object(a), Value::Object(b)) => same_item(a, b, key, also),
            (ListMode::ByKey { .. }, _, _) => false,
            _ => a == b,
        }
    }
}

fn same_item(a: &Map<String, Value>, b: &Map<String, Value>, key: &str, also: &[&str]) -> bool {
    a.get(key).is_some_and(|k| b.get(key) == Some(k))
        && also.iter().all(|k| match (a.get(*k), b.get(*k)) {
            (Some(x), Some(y)) => x == y,
            _ => true,
        })
}

/// One item of a merged list, with where it was in the original and in the patch.
struct Entry {
    value: Value,
    base: Option<usize>,
    patch: Option<usize>,
}

/// The API server's order of a merged list: the items the patch names, in the patch's
/// order, interleaved with the items only the original has, in the original's order; an
/// original-only item goes before a patch item when both come from the original and it
/// came first there (`mergeSortedSlice` in `k8s.io/apimachinery`). So `[a, b]` patched
/// with `[b, c]` is `[a, b, c]`, and patched with `[c]` alone is `[c, a, b]`.
fn interleave(entries: Vec<Entry>) -> Vec<Value> {
    let (mut patched, server): (Vec<Entry>, Vec<Entry>) = entries.into_iter().partition(|e| e.patch.is_some());
    patched.sort_by_key(|e| e.patch);
    let mut out = Vec::with_capacity(patched.len() + server.len());
    let mut left = server.into_iter().peekable();
    let mut right = patched.into_iter().peekable();
    loop {
        let take_left = match (left.peek(), right.peek()) {
            (None, None) => break,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some(l), Some(r)) => matches!((l.base, r.base), (Some(a), Some(b)) if a < b),
        };
        if let Some(e) = if take_left { left.next() } else { right.next() } {
            out.push(e.value);
        }
    }
    out
}

/// The `$patch` directive of a map, checked.
fn directive<'p>(m: &'p Map<String, Value>, at: &str) -> Result<Option<&'p str>, PatchError> {
    match m.get(PATCH) {
        None => Ok(None),
        Some(Value::String(d)) if matches!(d.as_str(), "replace" | "delete" | "merge") => Ok(Some(d.as_str())),
        Some(other) => Err(PatchError::new(
            format!("{at}/{}", pointer_segment(PATCH)),
            format!("unknown directive `$patch: {}`", short(other)),
            "`$patch` is `replace` (replace this map or, alone in a list item, the whole list), `delete` (delete this map or list item) or `merge`",
        )),
    }
}

/// A value for a message: compact JSON, cut short.
pub(super) fn short(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match s.char_indices().nth(60) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s,
    }
}

fn describe(at: &str) -> String {
    if at.is_empty() {
        "the patch".into()
    } else {
        format!("the list at {at}")
    }
}

impl<'a> Walker<'a> {
    fn field(&self, here: &Here, key: &str) -> Here {
        let declared = here.schema.and_then(|s| {
            s.get("properties")
                .and_then(|p| p.get(key))
                .or_else(|| s.get("additionalProperties").filter(|a| a.is_object()))
        });
        let mut path = here.path.clone();
        path.push(key.to_string());
        Here {
            declared,
            schema: declared.map(|d| self.defs.resolve(d)),
            path,
            at: format!("{}/{}", here.at, pointer_segment(key)),
        }
    }

    fn item(&self, here: &Here, index: usize) -> Here {
        let declared = here.schema.and_then(|s| s.get("items"));
        Here {
            declared,
            schema: declared.map(|d| self.defs.resolve(d)),
            path: here.path.clone(),
            at: format!("{}/{index}", here.at),
        }
    }

    /// An annotation of the property, looked up where the parent declares it first.
    fn annotation(&self, here: &Here, name: &str) -> Option<&'static Value> {
        here.declared
            .and_then(|d| d.get(name))
            .or_else(|| here.schema.and_then(|s| s.get(name)))
    }

    fn has_strategy(&self, here: &Here, strategy: &str) -> bool {
        self.annotation(here, "x-kubernetes-patch-strategy")
            .and_then(Value::as_str)
            .is_some_and(|s| s.split(',').any(|s| s.trim() == strategy))
    }

    fn list_mode(&self, here: &Here) -> ListMode<'a> {
        if let Some((_, key)) = self.extra.iter().find(|(path, _)| *path == here.path) {
            return match *key {
                "" => ListMode::Union,
                key => ListMode::ByKey { key, also: Vec::new() },
            };
        }
        if !self.has_strategy(here, "merge") {
            return ListMode::Replace;
        }
        match self
            .annotation(here, "x-kubernetes-patch-merge-key")
            .and_then(Value::as_str)
        {
            None => ListMode::Union,
            Some(key) => {
                let map_keys = self
                    .annotation(here, "x-kubernetes-list-map-keys")
                    .and_then(Value::as_array);
                let also = map_keys
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .filter(|k| *k != key)
                    .collect();
                ListMode::ByKey { key, also }
            }
        }
    }

    /// Merges `patch` into `orig` (absent when `None`); `None` back means "delete".
    fn value(&self, orig: Option<Value>, patch: &Value, here: &Here) -> Result<Option<Value>, PatchError> {
        Ok(match patch {
            Value::Null => None,
            Value::Object(p) => {
                let base = match orig {
                    Some(Value::Object(m)) if !self.has_strategy(here, "replace") => Some(m),
                    _ => None,
                };
                self.map(base, p, here)?.map(Value::Object)
            }
            Value::Array(p) => {
                let base = match orig {
                    Some(Value::Array(a)) => a,
                    _ => Vec::new(),
                };
                Some(Value::Array(self.list(base, p, here)?))
            }
            scalar => Some(scalar.clone()),
        })
    }

    /// Merges a map; with no `base` it cleans the patch of directives and nulls (what a
    /// new field gets). `None` back means the map is deleted.
    fn map(
        &self,
        base: Option<Map<String, Value>>,
        p: &Map<String, Value>,
        here: &Here,
    ) -> Result<Option<Map<String, Value>>, PatchError> {
        let mut m = match directive(p, &here.at)? {
            Some("delete") => return Ok(None),
            Some("replace") => Map::new(),
            _ => base.unwrap_or_default(),
        };
        if let Some(keys) = p.get(RETAIN_KEYS) {
            retain_keys(&mut m, keys, p, here)?;
        }
        let mut ordered = Vec::new();
        for (k, v) in p {
            if let Some(field) = k.strip_prefix(DELETE_FROM) {
                delete_from_list(&mut m, field, v, &format!("{}/{}", here.at, pointer_segment(k)))?;
            } else if let Some(field) = k.strip_prefix(SET_ORDER) {
                ordered.push((field, v, m.get(field).cloned()));
            }
        }
        for (k, v) in p.iter().filter(|(k, _)| !is_directive(k)) {
            if v.is_null() {
                m.shift_remove(k);
                continue;
            }
            let old = m.get_mut(k).map(std::mem::take);
            match self.value(old, v, &self.field(here, k))? {
                Some(new) => match m.get_mut(k) {
                    Some(slot) => *slot = new,
                    None => {
                        m.insert(k.clone(), new);
                    }
                },
                None => {
                    m.shift_remove(k);
                }
            }
        }
        for (field, order, before) in ordered {
            let child = self.field(here, field);
            let at = format!("{}/{}", here.at, pointer_segment(&format!("{SET_ORDER}{field}")));
            if let Some(Value::Array(list)) = m.get_mut(field) {
                let mode = self.list_mode(&child);
                let before = match before {
                    Some(Value::Array(b)) => b,
                    _ => Vec::new(),
                };
                *list = set_order(std::mem::take(list), &before, order, &mode, &at)?;
            }
        }
        Ok(Some(m))
    }

    fn list(&self, base: Vec<Value>, p: &[Value], here: &Here) -> Result<Vec<Value>, PatchError> {
        match self.list_mode(here) {
            ListMode::Replace => self.replaced(p, here),
            ListMode::Union => union(base, p, here),
            ListMode::ByKey { key, also } => self.by_key(base, p, key, &also, here),
        }
    }

    /// A list without merge semantics: the patch's, less `- $patch: replace` markers (the
    /// patch means it anyway).
    fn replaced(&self, p: &[Value], here: &Here) -> Result<Vec<Value>, PatchError> {
        let mut out = Vec::with_capacity(p.len());
        for (i, item) in p.iter().enumerate() {
            let Value::Object(m) = item else {
                out.push(item.clone());
                continue;
            };
            let ih = self.item(here, i);
            match directive(m, &ih.at)? {
                None => out.push(item.clone()),
                Some("replace") if m.len() == 1 => {}
                Some("delete") => {
                    return Err(PatchError::new(
                        ih.at,
                        format!(
                            "`$patch: delete` needs a list merged by key, but {} is replaced as a whole (its schema gives no merge key)",
                            describe(&here.at)
                        ),
                        "write the whole list as it should be (it replaces the original), or remove the item with a JSON patch (`op: remove`); for a custom resource's list, declare its merge key in the overlay's `mergeKeys`",
                    ));
                }
                Some(_) => {
                    if let Some(clean) = self.map(None, m, &ih)? {
                        out.push(Value::Object(clean));
                    }
                }
            }
        }
        Ok(out)
    }

    fn by_key(
        &self,
        base: Vec<Value>,
        p: &[Value],
        key: &str,
        also: &[&str],
        here: &Here,
    ) -> Result<Vec<Value>, PatchError> {
        let mut replace = false;
        let mut deletes = Vec::new();
        let mut items = Vec::new();
        for (i, item) in p.iter().enumerate() {
            let ih = self.item(here, i);
            let Value::Object(m) = item else {
                return Err(PatchError::new(
                    ih.at,
                    format!(
                        "{} merges its items by `{key}`, but this item is not a map",
                        describe(&here.at)
                    ),
                    format!("write the item as a map with its `{key}`, e.g. `- {key}: ...`"),
                ));
            };
            let keyed = m.contains_key(key);
            match directive(m, &ih.at)? {
                Some("replace") if !keyed => replace = true,
                Some("delete") if keyed => deletes.push(m),
                _ if keyed => items.push((ih, m)),
                _ => {
                    return Err(PatchError::new(
                        ih.at,
                        format!(
                            "this item has no `{key}`: {} merges its items by `{key}`, so each must name it",
                            describe(&here.at)
                        ),
                        format!(
                            "add `{key}: ...` to say which item to change (or delete with `$patch: delete`), or put `- $patch: replace` in the list to replace it whole"
                        ),
                    ));
                }
            }
        }
        if replace {
            let mut out = Vec::with_capacity(items.len());
            for (ih, m) in items {
                out.extend(self.map(None, m, &ih)?.map(Value::Object));
            }
            return Ok(out);
        }
        let mut entries: Vec<Entry> = base
            .into_iter()
            .enumerate()
            .filter(|(_, v)| {
                !v.as_object()
                    .is_some_and(|v| deletes.iter().any(|d| same_item(v, d, key, also)))
            })
            .map(|(i, value)| Entry {
                value,
                base: Some(i),
                patch: None,
            })
            .collect();
        for (n, (ih, m)) in items.into_iter().enumerate() {
            let found = entries
                .iter_mut()
                .find(|e| e.value.as_object().is_some_and(|v| same_item(v, m, key, also)));
            match found {
                Some(entry) => {
                    let old = match std::mem::take(&mut entry.value) {
                        Value::Object(o) => Some(o),
                        _ => None,
                    };
                    entry.value = self.map(old, m, &ih)?.map_or(Value::Null, Value::Object);
                    entry.patch.get_or_insert(n);
                }
                None => {
                    if let Some(clean) = self.map(None, m, &ih)? {
                        entries.push(Entry {
                            value: Value::Object(clean),
                            base: None,
                            patch: Some(n),
                        });
                    }
                }
            }
        }
        entries.retain(|e| !e.value.is_null());
        Ok(interleave(entries))
    }
}

/// A set union of scalars in the API server's order; `- $patch: replace` replaces.
fn union(base: Vec<Value>, p: &[Value], here: &Here) -> Result<Vec<Value>, PatchError> {
    let is_marker = |v: &Value| {
        v.as_object()
            .is_some_and(|m| m.len() == 1 && m.get(PATCH) == Some(&Value::from("replace")))
    };
    if let Some((i, _)) = p.iter().enumerate().find(|(_, v)| v.is_object() && !is_marker(v)) {
        return Err(PatchError::new(
            format!("{}/{i}", here.at),
            format!("{} is a set of values, but this item is a map", describe(&here.at)),
            "list the values themselves; to delete values, use `$deleteFromPrimitiveList/<field>: [values]` beside the list",
        ));
    }
    let base = if p.iter().any(is_marker) { Vec::new() } else { base };
    let mut entries: Vec<Entry> = Vec::new();
    for (i, value) in base.into_iter().enumerate() {
        if !entries.iter().any(|e| e.value == value) {
            entries.push(Entry {
                value,
                base: Some(i),
                patch: None,
            });
        }
    }
    for (n, value) in p.iter().filter(|v| !is_marker(v)).enumerate() {
        match entries.iter_mut().find(|e| e.value == *value) {
            Some(e) => {
                e.patch.get_or_insert(n);
            }
            None => entries.push(Entry {
                value: value.clone(),
                base: None,
                patch: Some(n),
            }),
        }
    }
    Ok(interleave(entries))
}

/// `$retainKeys: [a, b]`: the map keeps only those keys (then the patch merges in).
fn retain_keys(
    m: &mut Map<String, Value>,
    keys: &Value,
    p: &Map<String, Value>,
    here: &Here,
) -> Result<(), PatchError> {
    let at = format!("{}/{}", here.at, pointer_segment(RETAIN_KEYS));
    let names: Option<Vec<&str>> = keys.as_array().map(|a| a.iter().filter_map(Value::as_str).collect());
    let names = match names {
        Some(n) if keys.as_array().is_some_and(|a| a.len() == n.len()) => n,
        _ => {
            return Err(PatchError::new(
                at,
                "`$retainKeys` must be a list of field names",
                "list the fields this map keeps, e.g. `$retainKeys: [type, rollingUpdate]`",
            ));
        }
    };
    if let Some((k, _)) = p
        .iter()
        .find(|(k, v)| !is_directive(k) && !v.is_null() && !names.contains(&k.as_str()))
    {
        return Err(PatchError::new(
            at,
            format!("the patch sets `{k}`, which `$retainKeys` does not keep"),
            format!("add `{k}` to `$retainKeys`, or remove it from the patch"),
        ));
    }
    m.retain(|k, _| names.contains(&k.as_str()));
    Ok(())
}

/// `$deleteFromPrimitiveList/<field>: [values]`: removes the values from the list.
fn delete_from_list(m: &mut Map<String, Value>, field: &str, values: &Value, at: &str) -> Result<(), PatchError> {
    let Value::Array(gone) = values else {
        return Err(PatchError::new(
            at,
            format!("`{DELETE_FROM}{field}` must be a list of the values to delete"),
            format!("write e.g. `{DELETE_FROM}{field}: [value]`"),
        ));
    };
    if field.is_empty() {
        return Err(PatchError::new(
            at,
            format!("`{DELETE_FROM}` names no field"),
            format!("name the list after the slash, e.g. `{DELETE_FROM}finalizers`"),
        ));
    }
    if let Some(Value::Array(list)) = m.get_mut(field) {
        list.retain(|v| !gone.contains(v));
    }
    Ok(())
}

/// `$setElementOrder/<field>`: the items it names take its order, the others keep their
/// place relative to the original (the API server's rule).
fn set_order(
    list: Vec<Value>,
    before: &[Value],
    order: &Value,
    mode: &ListMode<'_>,
    at: &str,
) -> Result<Vec<Value>, PatchError> {
    let Value::Array(order) = order else {
        return Err(PatchError::new(
            at,
            "`$setElementOrder/...` must be a list",
            "list the items in the order wanted: their merge keys (`- name: web`) or, for a list of values, the values",
        ));
    };
    let entries = list
        .into_iter()
        .map(|value| Entry {
            base: before.iter().position(|b| mode.same(b, &value)),
            patch: order.iter().position(|o| mode.same(o, &value)),
            value,
        })
        .collect();
    Ok(interleave(entries))
}
