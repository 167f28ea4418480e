//! The position index of one parsed document: JSON pointer → where the value (and, for a
//! mapping entry, its key) starts in the source file.
//!
//! The index is built for speed of parsing, since most positions are never asked for: all
//! pointers sit back to back in one string (no allocation per node), and the sorted order
//! that lookups binary-search is made on the first lookup, not before.
//!
//! The index is shared behind an `Arc`, so cloning a `Spans` and re-rooting it with
//! [`Spans::subtree`] are O(1): a compose loader that hands each service its own spans
//! does no copying, whatever the file size.

use std::borrow::Cow;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use crate::source::Origin;

/// Where one node starts. Lines and columns are 1-based; `key_line == 0` means the node is
/// not a mapping value (the root or a sequence item), so it has no key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Pos {
    pub line: u32,
    pub column: u32,
    pub key_line: u32,
    pub key_column: u32,
}

/// Lookups an index answers by scanning its entries before it sorts them: a document is
/// typically asked for a few dozen places at most (its own, and one or two per finding),
/// which a scan that compares lengths first answers faster than sorting some sixty
/// pointers (measured on 10,000 Deployments with 12 findings each).
const SCANS_BEFORE_SORT: usize = 48;

/// JSON pointer → position, for one document.
#[derive(Debug, Default)]
pub(super) struct Index {
    /// Every pointer, back to back.
    text: String,
    /// Where each pointer lies in `text`, and its position; in insertion order.
    entries: Vec<(u32, u32, Pos)>,
    /// Entry numbers sorted by pointer, made once [`SCANS_BEFORE_SORT`] lookups are done.
    sorted: OnceLock<Vec<u32>>,
    /// Lookups answered so far (only counted up to the sort).
    lookups: AtomicUsize,
}

impl Clone for Index {
    fn clone(&self) -> Self {
        Index {
            text: self.text.clone(),
            entries: self.entries.clone(),
            sorted: self.sorted.clone(),
            lookups: AtomicUsize::new(self.lookups.load(Ordering::Relaxed)),
        }
    }
}

impl Index {
    /// Records `pointer` at `pos`; a pointer recorded again takes the new position.
    pub(super) fn push(&mut self, pointer: &str, pos: Pos) {
        let start = u32::try_from(self.text.len()).unwrap_or(u32::MAX);
        let len = u32::try_from(pointer.len()).unwrap_or(u32::MAX);
        self.text.push_str(pointer);
        self.entries.push((start, len, pos));
        self.sorted.take();
    }

    /// An empty index with room for `text` bytes of pointers and `entries` entries: the
    /// documents of one stream are often alike, so the last one's size saves growing
    /// (and copying) the next one's buffers step by step.
    pub(super) fn with_capacity(text: usize, entries: usize) -> Self {
        Index {
            text: String::with_capacity(text),
            entries: Vec::with_capacity(entries),
            sorted: OnceLock::new(),
            lookups: AtomicUsize::new(0),
        }
    }

    /// The bytes of pointers held.
    pub(super) fn text_len(&self) -> usize {
        self.text.len()
    }

    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The position of entry `i` (in insertion order).
    pub(super) fn nth(&self, i: usize) -> Option<Pos> {
        self.entries.get(i).map(|e| e.2)
    }

    fn pointer(&self, i: u32) -> &str {
        let Some(&(start, len, _)) = self.entries.get(i as usize) else {
            return "";
        };
        self.text
            .get(start as usize..(start as usize + len as usize))
            .unwrap_or("")
    }

    pub(super) fn get(&self, pointer: &str) -> Option<&Pos> {
        if self.sorted.get().is_none() && self.lookups.fetch_add(1, Ordering::Relaxed) < SCANS_BEFORE_SORT {
            // From the end, so that among equal pointers the last recorded wins.
            let len = u32::try_from(pointer.len()).ok()?;
            return self
                .entries
                .iter()
                .rev()
                .find(|e| e.1 == len && self.text.get(e.0 as usize..e.0 as usize + e.1 as usize) == Some(pointer))
                .map(|e| &e.2);
        }
        // Ordered by length first: lookups only ask for equal pointers, and most pointers
        // of a document differ in length, which one comparison of integers tells.
        let key = |i: u32| (self.pointer(i).len(), self.pointer(i));
        let sorted = self.sorted.get_or_init(|| {
            let mut order: Vec<u32> = (0..u32::try_from(self.entries.len()).unwrap_or(u32::MAX)).collect();
            // Stable, so among equal pointers the last recorded stays last.
            order.sort_by(|a, b| key(*a).cmp(&key(*b)));
            order
        });
        let end = sorted.partition_point(|&i| key(i) <= (pointer.len(), pointer));
        let &last = sorted.get(end.checked_sub(1)?)?;
        if self.pointer(last) != pointer {
            return None;
        }
        self.entries.get(last as usize).map(|e| &e.2)
    }

    fn get_mut(&mut self, pointer: &str) -> Option<&mut Pos> {
        let i = (0..self.entries.len())
            .rev()
            .find(|&i| self.pointer(i as u32) == pointer)?;
        self.entries.get_mut(i).map(|e| &mut e.2)
    }

    #[cfg(test)]
    fn iter(&self) -> impl Iterator<Item = (&str, &Pos)> {
        (0..self.entries.len()).filter_map(|i| Some((self.pointer(i as u32), &self.entries.get(i)?.2)))
    }
}

/// Maps JSON pointers (`/services/web/image`) to where the value starts in the file.
///
/// Values that reach a place through an alias (`*name`) or a merge key (`<<: *name`) are
/// located where they are *defined* (the anchored text), because that is the text a fix
/// must change; the same holds for the keys of merged entries.
#[derive(Debug, Clone, Default)]
pub struct Spans {
    file: Arc<str>,
    index: Arc<Index>,
    /// Pointer prefix of this view into the shared index (empty for a whole document).
    root: Box<str>,
}

impl Spans {
    pub fn new(file: Arc<str>) -> Self {
        Spans {
            file,
            index: Arc::default(),
            root: "".into(),
        }
    }

    pub(super) fn from_index(file: Arc<str>, index: Index) -> Self {
        Spans {
            file,
            index: Arc::new(index),
            root: "".into(),
        }
    }

    /// Records where the value at `pointer` starts (keeps a key position already known).
    pub fn insert(&mut self, pointer: String, line: usize, column: usize) {
        let full = self.full(&pointer);
        let index = Arc::make_mut(&mut self.index);
        let (line, column) = (clamp(line), clamp(column));
        match index.get_mut(&full) {
            Some(entry) => {
                entry.line = line;
                entry.column = column;
                index.sorted = OnceLock::new();
            }
            None => index.push(
                &full,
                Pos {
                    line,
                    column,
                    key_line: 0,
                    key_column: 0,
                },
            ),
        }
    }

    pub fn file(&self) -> &Arc<str> {
        &self.file
    }

    /// Number of located nodes (for tests and diagnostics).
    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Every located pointer with its position, sorted (to compare two parses in tests).
    #[cfg(test)]
    pub(super) fn entries(&self) -> Vec<(String, Pos)> {
        let mut all: Vec<(String, Pos)> = self.index.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        all.dedup_by(|a, b| a.0 == b.0);
        all.sort_by(|a, b| a.0.cmp(&b.0));
        all
    }

    /// The origin of the value at `pointer`, or of its nearest located ancestor, or of
    /// the file as a whole.
    pub fn origin(&self, pointer: &str) -> Origin {
        let full = self.full(pointer);
        let mut p = full.as_ref();
        loop {
            if let Some(pos) = self.index.get(p).filter(|pos| pos.line > 0) {
                return Origin::new(self.file.clone(), pos.line as usize, pos.column as usize);
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return Origin::file(self.file.clone()),
            }
        }
    }

    /// The origin of the value at exactly `pointer`, if it was located (no fallback).
    pub fn exact(&self, pointer: &str) -> Option<Origin> {
        let pos = self.index.get(&self.full(pointer)).filter(|pos| pos.line > 0)?;
        Some(Origin::new(self.file.clone(), pos.line as usize, pos.column as usize))
    }

    /// The origin of the mapping key of the entry at `pointer` (so that an "unknown key"
    /// error points at the key, not its value). Falls back to [`Spans::origin`] when the
    /// pointer is not a located mapping entry.
    pub fn key_origin(&self, pointer: &str) -> Origin {
        match self.index.get(&self.full(pointer)) {
            Some(pos) if pos.key_line > 0 => {
                Origin::new(self.file.clone(), pos.key_line as usize, pos.key_column as usize)
            }
            _ => self.origin(pointer),
        }
    }

    /// Spans of the subtree at `prefix`, re-rooted (for values moved into another tree).
    /// Shares the index; a pointer not located inside the subtree falls back to the
    /// nearest located ancestor in the source, which may lie above `prefix`.
    pub fn subtree(&self, prefix: &str) -> Spans {
        Spans {
            file: self.file.clone(),
            index: self.index.clone(),
            root: self.full(prefix).into(),
        }
    }

    /// `pointer` under this view's root; borrowed for a whole document (the common case:
    /// a lookup per finding should not cost an allocation).
    fn full<'p>(&self, pointer: &'p str) -> Cow<'p, str> {
        if self.root.is_empty() {
            return Cow::Borrowed(pointer);
        }
        let mut s = String::with_capacity(self.root.len() + pointer.len());
        s.push_str(&self.root);
        s.push_str(pointer);
        Cow::Owned(s)
    }
}

fn clamp(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Spans {
        let mut index = Index::default();
        let pos = |line, column, key_line, key_column| Pos {
            line,
            column,
            key_line,
            key_column,
        };
        index.push("", pos(1, 1, 0, 0));
        index.push("/a", pos(2, 5, 2, 1));
        index.push("/a/b", pos(3, 8, 3, 5));
        Spans::from_index("f.yaml".into(), index)
    }

    #[test]
    fn origin_falls_back_to_nearest_ancestor() {
        let s = sample();
        assert_eq!(s.origin("/a/b").to_string(), "f.yaml:3:8");
        assert_eq!(s.origin("/a/zz/0").to_string(), "f.yaml:2:5");
        assert_eq!(s.origin("/nope").to_string(), "f.yaml:1:1");
    }

    #[test]
    fn key_origin_points_at_key_and_falls_back_to_value() {
        let s = sample();
        assert_eq!(s.key_origin("/a/b").to_string(), "f.yaml:3:5");
        assert_eq!(s.key_origin("").to_string(), "f.yaml:1:1");
        assert_eq!(s.key_origin("/a/missing").to_string(), "f.yaml:2:5");
    }

    #[test]
    fn subtree_rebases_without_copying() {
        let s = sample();
        let sub = s.subtree("/a");
        assert_eq!(sub.origin("/b").to_string(), "f.yaml:3:8");
        assert_eq!(sub.key_origin("/b").to_string(), "f.yaml:3:5");
        assert_eq!(sub.origin("").to_string(), "f.yaml:2:5");
        assert!(Arc::ptr_eq(&s.index, &sub.index));
    }

    #[test]
    fn insert_adds_and_copies_on_write() {
        let s = sample();
        let mut t = s.clone();
        t.insert("/c".into(), 9, 2);
        assert_eq!(t.origin("/c").to_string(), "f.yaml:9:2");
        assert_eq!(s.origin("/c").to_string(), "f.yaml:1:1");
        let mut empty = Spans::new("g.yaml".into());
        empty.insert("/x".into(), 4, 3);
        assert_eq!(empty.origin("/x/y").to_string(), "g.yaml:4:3");
    }
}
