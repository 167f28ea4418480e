//! Values: one merge model for values files, overlay values and command-line values
//! (DESIGN.md section 4.3), with the provenance of every value.
//!
//! Every layer (the chart's `values.yaml`, each overlay's values, each `-f` file, each
//! `--set*` argument) merges the same way: maps merge key by key, lists and scalars
//! replace, `null` deletes. Each value remembers which file line or flag supplied it, so a
//! schema failure or an undefined name can say where to fix it. The full specification,
//! with every decision where berth differs from Helm, is `book/src/values.md`.
//!
//! A merged layer also remembers which places it *cleared* (deleted with `null`, or
//! replaced a non-map with a map). Applying a merged stack of layers onto a lower layer
//! then gives the same tree as applying the layers one by one (merging is associative),
//! which is what lets a parent chart's overrides delete a subchart's defaults.

mod schema;
mod set;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::error::Error;
use crate::source::{Origin, Sandbox};
use crate::yaml::{self, Document, Flavor, pointer_segment};

pub use schema::{check_schema, schema_errors};
pub use set::{SetArg, SetKind, Step, apply_sets, parse_path};

/// Where a value came from: a line of a values file, or a command-line flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    File(Origin),
    /// `--set a.b=1`: the flag and its whole argument.
    Flag {
        flag: &'static str,
        arg: String,
    },
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::File(o) => write!(f, "{o}"),
            Source::Flag { flag, arg } => write!(f, "{flag} {arg}"),
        }
    }
}

impl Source {
    /// The file origin, when the value came from a file.
    pub fn origin(&self) -> Option<&Origin> {
        match self {
            Source::File(o) => Some(o),
            Source::Flag { .. } => None,
        }
    }
}

/// Pointer → source, for every node of a tree (or of a layer about to be merged).
type Book = BTreeMap<String, Source>;
/// Pointer → what cleared it.
type Cleared = BTreeMap<String, Option<Source>>;

/// A values tree (always a JSON object at the top) and where each part of it came from.
#[derive(Debug, Clone)]
pub struct Values {
    pub tree: Value,
    /// The source of every node: each leaf, each list (lists are opaque: their items are
    /// recorded too, but a list replaces as a whole), each map (the layer that created it).
    provenance: Book,
    /// Places this stack of layers deleted or replaced: applying it onto a lower layer
    /// wipes them there first. Keyed by pointer; the source is the `null` or value that
    /// cleared it (when the layer recorded one).
    cleared: Cleared,
}

impl Default for Values {
    fn default() -> Self {
        Values {
            tree: Value::Object(Map::new()),
            provenance: Book::new(),
            cleared: Cleared::new(),
        }
    }
}

impl Values {
    /// Reads a values file through the sandbox (`at`: where it was named, for errors).
    pub fn load(sandbox: &Sandbox, name: &str, at: Option<&Origin>) -> Result<Values, Error> {
        let file = sandbox.read(name, at)?;
        Values::parse(&file.name, file.text()?)
    }

    /// Parses the text of a values file named `file` (root-relative, for origins).
    pub fn parse(file: &Arc<str>, text: &str) -> Result<Values, Error> {
        Values::from_document(&yaml::parse_one(file, text, Flavor::Manifest)?)
    }

    /// Values from a parsed document: a mapping at the top (an empty document is `{}`),
    /// every node located by the document's spans.
    pub fn from_document(doc: &Document) -> Result<Values, Error> {
        let tree = match &doc.value {
            Value::Null => Value::Object(Map::new()),
            Value::Object(_) => doc.value.clone(),
            other => {
                return Err(Error::input(
                    Some(doc.spans.origin("")),
                    format!("a values file must be a mapping at the top, found {}", type_name(other)),
                    "write `key: value` lines at the top level (an empty file means no values)",
                ));
            }
        };
        let mut provenance = Book::new();
        let locate = |p: &str| Source::File(doc.spans.exact(p).unwrap_or_else(|| doc.spans.origin(p)));
        walk(&tree, "", &mut |p, _| {
            provenance.insert(p.to_string(), locate(p));
        });
        Ok(Values {
            tree,
            provenance,
            cleared: Cleared::new(),
        })
    }

    /// Values built in code (a test, a generated default): every node gets `source`.
    pub fn from_value(tree: Value, source: Source) -> Result<Values, Error> {
        if !tree.is_object() {
            return Err(Error::Usage {
                message: format!("values must be a mapping at the top, found {}", type_name(&tree)),
                help: None,
            });
        }
        let mut provenance = Book::new();
        stamp(&tree, "", &source, &mut provenance);
        Ok(Values {
            tree,
            provenance,
            cleared: Cleared::new(),
        })
    }

    /// Merges `over` on top of `self`: maps merge key by key, lists and scalars replace,
    /// `null` deletes (and a `null` where nothing is left to delete is dropped).
    pub fn merge(&mut self, over: Values) {
        let Values {
            tree,
            provenance: layer,
            cleared,
        } = over;
        for (pointer, source) in cleared {
            remove_at(&mut self.tree, &mut self.provenance, &pointer);
            self.cleared.insert(pointer, source);
        }
        let mut book = Ledger {
            provenance: &mut self.provenance,
            cleared: &mut self.cleared,
            layer: &layer,
        };
        book.merge_into(&mut self.tree, tree, "");
    }

    /// `self` with `defaults` underneath: `defaults.merge(self)`. How a subchart's own
    /// `values.yaml` goes under what its parent passes down:
    /// `parent.for_subchart(name).over_defaults(sub_defaults)`.
    pub fn over_defaults(self, defaults: Values) -> Values {
        let mut merged = defaults;
        merged.merge(self);
        merged
    }

    /// The source of the value at `pointer` (JSON pointer), or of its nearest ancestor.
    pub fn source_of(&self, pointer: &str) -> Option<&Source> {
        crate::yaml::nearest(pointer, |p| self.provenance.get(p))
    }

    /// What deleted or last replaced the value at `pointer` (or at its nearest ancestor
    /// that was cleared), if anything did: so "undefined" can say "deleted by -f x.yaml:3".
    pub fn cleared_by(&self, pointer: &str) -> Option<&Source> {
        crate::yaml::nearest(pointer, |p| self.cleared.get(p)).and_then(Option::as_ref)
    }

    /// The values a subchart sees (Helm's scoping): `values.<name>` (when it is a map,
    /// else nothing) with the parent's `global` merged over the subchart's own `global`.
    /// Sources and cleared places move with the values, so a parent's `null` deletes a
    /// subchart default. The two scoping keys themselves are never cleared as a whole: a
    /// `null` or a non-map at `values.<name>` or `global` (an empty `postgresql:` in the
    /// parent's values.yaml, say) leaves the subchart's defaults alone, as Helm skips them.
    pub fn for_subchart(&self, name: &str) -> Values {
        let base = format!("/{}", pointer_segment(name));
        let (tree, provenance) = match self.tree.get(name) {
            Some(v @ Value::Object(_)) => (v.clone(), rebase(&self.provenance, &base)),
            _ => (Value::Object(Map::new()), Book::new()),
        };
        let mut cleared = rebase(&self.cleared, &base);
        cleared.remove("");
        cleared.remove("/global");
        let mut sub = Values {
            tree,
            provenance,
            cleared,
        };
        if let Some(global @ Value::Object(_)) = self.tree.get("global") {
            let mut tree = Map::new();
            tree.insert("global".into(), global.clone());
            let mut cleared = keep_under(&self.cleared, "/global");
            cleared.remove("/global");
            sub.merge(Values {
                tree: Value::Object(tree),
                provenance: keep_under(&self.provenance, "/global"),
                cleared,
            });
        }
        sub
    }

    /// Sets one value at a `--set`-style path (`a.b[0].c`, `a\.b`), merged as one more
    /// layer: for overlay `set:` maps, whose values are already typed. `at` locates the
    /// path for errors (none: a command-line usage error).
    pub fn set_path(&mut self, path: &str, value: Value, source: Source, at: Option<&Origin>) -> Result<(), Error> {
        let steps = parse_path(path, at)?;
        self.assign(&steps, value, &source);
        Ok(())
    }

    /// Puts `value` at `steps`, creating maps and lists on the way. A step that needs a map
    /// (or a list) where there is something else replaces it; a list index past the end
    /// grows the list with `null`s; the value merges there like any layer, except that a
    /// list item is replaced as a whole.
    fn assign(&mut self, steps: &[Step], value: Value, source: &Source) {
        let Some((last, walk_steps)) = steps.split_last() else {
            return;
        };
        // `a.b=null` where there is no map `a` deletes nothing and creates nothing (it is
        // still remembered, for a subchart default `b`). Paths through lists grow them.
        if value.is_null()
            && steps.iter().all(|s| matches!(s, Step::Key(_)))
            && !matches!(lookup(&self.tree, walk_steps), Some(Value::Object(_)))
        {
            self.cleared.insert(pointer_of(steps), Some(source.clone()));
            return;
        }
        let mut node = &mut self.tree;
        let mut pointer = String::new();
        for (i, step) in walk_steps.iter().enumerate() {
            let next_is_index = matches!(steps.get(i + 1), Some(Step::Index(_)));
            let (provenance, cleared) = (&mut self.provenance, &mut self.cleared);
            let Some(next) = step_into(node, &mut pointer, step, next_is_index, source, provenance, cleared) else {
                return;
            };
            node = next;
        }
        match last {
            Step::Key(key) => {
                ensure(node, &pointer, false, source, &mut self.provenance, &mut self.cleared);
                let mut layer = Book::new();
                stamp(
                    &value,
                    &format!("{pointer}/{}", pointer_segment(key)),
                    source,
                    &mut layer,
                );
                let mut ledger = Ledger {
                    provenance: &mut self.provenance,
                    cleared: &mut self.cleared,
                    layer: &layer,
                };
                if let Value::Object(map) = node {
                    ledger.merge_entry(map, key, value, &pointer);
                }
            }
            Step::Index(index) => {
                ensure(node, &pointer, true, source, &mut self.provenance, &mut self.cleared);
                self.cleared.insert(pointer.clone(), Some(source.clone()));
                let child = format!("{pointer}/{index}");
                drop_subtree(&mut self.provenance, &child);
                stamp(&value, &child, source, &mut self.provenance);
                if let Value::Array(items) = node {
                    grow(items, *index);
                    if let Some(slot) = items.get_mut(*index) {
                        *slot = value;
                    }
                }
            }
        }
    }
}

/// Makes `node` (at `pointer`) a list (`list`) or a map, replacing anything else (which
/// also clears that place for the layers below).
fn ensure(node: &mut Value, pointer: &str, list: bool, source: &Source, provenance: &mut Book, cleared: &mut Cleared) {
    let fits = if list { node.is_array() } else { node.is_object() };
    if !fits {
        drop_subtree(provenance, pointer);
        cleared.insert(pointer.to_string(), Some(source.clone()));
        *node = if list {
            Value::Array(Vec::new())
        } else {
            Value::Object(Map::new())
        };
        provenance.insert(pointer.to_string(), source.clone());
    }
}

/// One step of a `--set` path: into a map entry or a list item, creating it as a map or
/// a list (`next_is_index`) when missing. `None` never happens: the node was just made
/// the right shape.
fn step_into<'v>(
    node: &'v mut Value,
    pointer: &mut String,
    step: &Step,
    next_is_index: bool,
    source: &Source,
    provenance: &mut Book,
    cleared: &mut Cleared,
) -> Option<&'v mut Value> {
    match step {
        Step::Key(key) => {
            ensure(node, pointer, false, source, provenance, cleared);
            pointer.push('/');
            pointer.push_str(&pointer_segment(key));
            let Value::Object(map) = node else { return None };
            if !map.contains_key(key.as_str()) {
                provenance.insert(pointer.clone(), source.clone());
            }
            Some(map.entry(key.clone()).or_insert_with(|| {
                if next_is_index {
                    Value::Array(Vec::new())
                } else {
                    Value::Object(Map::new())
                }
            }))
        }
        Step::Index(index) => {
            ensure(node, pointer, true, source, provenance, cleared);
            // Changing an item changes the list, and lists replace as a whole.
            cleared.insert(pointer.clone(), Some(source.clone()));
            pointer.push('/');
            pointer.push_str(&index.to_string());
            let Value::Array(items) = node else { return None };
            grow(items, *index);
            items.get_mut(*index)
        }
    }
}

/// The books of the values being merged into, and the provenance of the incoming layer.
struct Ledger<'a> {
    provenance: &'a mut Book,
    cleared: &'a mut Cleared,
    layer: &'a Book,
}

impl Ledger<'_> {
    /// The source the incoming layer gives `pointer` (or its nearest located ancestor).
    fn source(&self, pointer: &str) -> Option<Source> {
        crate::yaml::nearest(pointer, |p| self.layer.get(p)).cloned()
    }

    /// Merges `over` into `slot` (the value already at `pointer`).
    fn merge_into(&mut self, slot: &mut Value, over: Value, pointer: &str) {
        match (slot, over) {
            (Value::Object(base), Value::Object(over)) => {
                if !self.provenance.contains_key(pointer)
                    && let Some(s) = self.layer.get(pointer)
                {
                    self.provenance.insert(pointer.to_string(), s.clone());
                }
                for (key, value) in over {
                    self.merge_entry(base, &key, value, pointer);
                }
            }
            (slot, over) => {
                // A map that replaces a non-map must also wipe that place in any lower
                // layer this stack is later applied to; scalars and lists replace anyway.
                if over.is_object() {
                    self.cleared.insert(pointer.to_string(), self.source(pointer));
                }
                drop_subtree(self.provenance, pointer);
                *slot = self.place(over, pointer);
            }
        }
    }

    /// Merges one entry of an incoming map into `base` (the map at `pointer`).
    fn merge_entry(&mut self, base: &mut Map<String, Value>, key: &str, value: Value, pointer: &str) {
        let child = format!("{pointer}/{}", pointer_segment(key));
        if value.is_null() {
            if base.shift_remove(key).is_some() {
                drop_subtree(self.provenance, &child);
            }
            self.cleared.insert(child.clone(), self.source(&child));
            return;
        }
        match base.get_mut(key) {
            Some(slot) => self.merge_into(slot, value, &child),
            None => {
                let placed = self.place(value, &child);
                base.insert(key.to_string(), placed);
            }
        }
    }

    /// An incoming value put where nothing was: its map `null`s delete nothing, so they
    /// are dropped (and remembered as cleared, for the layers below); sources come along.
    fn place(&mut self, value: Value, pointer: &str) -> Value {
        if let Some(s) = self.layer.get(pointer) {
            self.provenance.insert(pointer.to_string(), s.clone());
        }
        match value {
            Value::Object(map) => {
                let mut out = Map::new();
                for (key, v) in map {
                    let child = format!("{pointer}/{}", pointer_segment(&key));
                    if v.is_null() {
                        self.cleared.insert(child.clone(), self.source(&child));
                    } else {
                        let placed = self.place(v, &child);
                        out.insert(key, placed);
                    }
                }
                Value::Object(out)
            }
            Value::Array(items) => {
                // Lists are opaque: their items (nulls too) are kept as written.
                for (i, item) in items.iter().enumerate() {
                    copy_subtree(self.layer, self.provenance, &format!("{pointer}/{i}"), item);
                }
                Value::Array(items)
            }
            leaf => leaf,
        }
    }
}

/// The value at `steps`, if there is one.
fn lookup<'v>(tree: &'v Value, steps: &[Step]) -> Option<&'v Value> {
    steps.iter().try_fold(tree, |node, step| match (step, node) {
        (Step::Key(k), Value::Object(map)) => map.get(k.as_str()),
        (Step::Index(i), Value::Array(items)) => items.get(*i),
        _ => None,
    })
}

/// The JSON pointer of a path.
fn pointer_of(steps: &[Step]) -> String {
    steps
        .iter()
        .map(|step| match step {
            Step::Key(k) => format!("/{}", pointer_segment(k)),
            Step::Index(i) => format!("/{i}"),
        })
        .collect()
}

/// Grows `items` with `null`s so that `index` exists (as Helm does for `a[3]=x`).
fn grow(items: &mut Vec<Value>, index: usize) {
    if items.len() <= index {
        items.resize(index + 1, Value::Null);
    }
}

/// Calls `f` on every node of `value` (pointer, node), parents first.
fn walk(value: &Value, pointer: &str, f: &mut dyn FnMut(&str, &Value)) {
    f(pointer, value);
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                walk(v, &format!("{pointer}/{}", pointer_segment(k)), f);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                walk(v, &format!("{pointer}/{i}"), f);
            }
        }
        _ => {}
    }
}

/// Records `source` for every node of `value` placed at `pointer`.
fn stamp(value: &Value, pointer: &str, source: &Source, book: &mut Book) {
    walk(value, pointer, &mut |p, _| {
        book.insert(p.to_string(), source.clone());
    });
}

/// Copies the sources `from` gives the nodes of `value` (at `pointer`) into `to`.
fn copy_subtree(from: &Book, to: &mut Book, pointer: &str, value: &Value) {
    walk(value, pointer, &mut |p, _| {
        if let Some(s) = from.get(p) {
            to.insert(p.to_string(), s.clone());
        }
    });
}

/// True when `pointer` is `base` or lies under it.
fn within(pointer: &str, base: &str) -> bool {
    pointer
        .strip_prefix(base)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Forgets the sources of `pointer` and everything under it.
fn drop_subtree(book: &mut Book, pointer: &str) {
    book.remove(pointer);
    let below: Vec<String> = book
        .range(format!("{pointer}/")..)
        .take_while(|(p, _)| within(p, pointer))
        .map(|(p, _)| p.clone())
        .collect();
    for p in below {
        book.remove(&p);
    }
}

/// The entries at or under `base`, with `base` cut off their pointers.
fn rebase<T: Clone>(book: &BTreeMap<String, T>, base: &str) -> BTreeMap<String, T> {
    book.range(base.to_string()..)
        .take_while(|(p, _)| p.starts_with(base))
        .filter(|(p, _)| within(p, base))
        .map(|(p, s)| (p.get(base.len()..).unwrap_or_default().to_string(), s.clone()))
        .collect()
}

/// The entries at or under `base`, pointers unchanged.
fn keep_under<T: Clone>(book: &BTreeMap<String, T>, base: &str) -> BTreeMap<String, T> {
    book.iter()
        .filter(|(p, _)| within(p, base))
        .map(|(p, s)| (p.clone(), s.clone()))
        .collect()
}

/// Deletes the value at `pointer` (a map entry; the whole tree for `""`) and its sources.
/// A pointer into a list, or one that no longer exists, changes nothing.
fn remove_at(tree: &mut Value, book: &mut Book, pointer: &str) {
    if pointer.is_empty() {
        *tree = Value::Object(Map::new());
        book.clear();
        return;
    }
    let Some((parent, last)) = pointer.rsplit_once('/') else {
        return;
    };
    let key = last.replace("~1", "/").replace("~0", "~");
    if let Some(Value::Object(map)) = tree.pointer_mut(parent)
        && map.shift_remove(&key).is_some()
    {
        drop_subtree(book, pointer);
    }
}

/// "a mapping", "a list", ... for messages.
pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a number",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// The `--set` spelling of a pointer into `tree`: `image.tag`, `hosts[0].name`, `a\.b`.
pub fn dotted(tree: &Value, pointer: &str) -> String {
    let mut out = String::new();
    let mut node = Some(tree);
    for raw in pointer.split('/').skip(1) {
        let seg = raw.replace("~1", "/").replace("~0", "~");
        match node {
            Some(Value::Array(items)) => {
                out.push_str(&format!("[{seg}]"));
                node = seg.parse::<usize>().ok().and_then(|i| items.get(i));
            }
            other => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(&set::escape_key(&seg));
                node = other.and_then(|n| n.get(seg.as_str()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
