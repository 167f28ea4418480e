//! A fast path for the YAML that manifests, compose files and values files are made of.
//!
//! serde-saphyr reads all of YAML, and reads it right, but at about 100 µs per manifest
//! object with positions it was the largest cost of a render and of `berth validate`
//! (DESIGN.md section 8 asks for 20,000 objects/s). Almost every file berth reads uses a
//! small part of YAML: block mappings and sequences, one-line plain and quoted scalars,
//! one-line flow collections, comments and `---`. This module reads exactly that part, in
//! one pass over the text, straight into a `serde_json::Value` and its [`Spans`].
//!
//! It never guesses. Whatever lies outside that part, or could be typed in more than one
//! way (anchors, aliases, tags, merge keys, block scalars, multi-line scalars, tabs,
//! duplicate keys, `yes`, `0755`, `1e3`, ...), makes it give up with `None`, and the file
//! is read again by the full parser (what the fast path reads, it reads the same in both
//! flavors, so it takes none), whose answer (value, positions or error) is then the
//! only one. So the full parser stays the definition of what berth reads; this is a
//! shortcut that must agree with it, and the tests check that it does on every fixture.

use std::fmt::Write as _;
use std::sync::Arc;

use serde_json::{Map, Number, Value};

use super::spans::{Index, Pos, Spans};
use super::{Document, MAX_DEPTH, MAX_DOCUMENTS, MAX_NODES, push_segment};
use crate::error::Error;
use crate::limits::{self, Limit};
use crate::source::Origin;

/// The documents of `text`, or `None` when the text is not in the fast subset (the caller
/// then runs the full parser). Empty and `null` documents are skipped, as the full parser's
/// caller skips them.
///
/// A file that goes over [`limits::YAML_NODES`] or [`limits::YAML_DOCUMENTS`] within the
/// subset is refused here (`Err`): whatever the rest holds, the full parser would count at
/// least as many, and reading it again would only double the time the refusal takes.
pub(super) fn parse(file: &Arc<str>, text: &str) -> Result<Option<Vec<Document>>, Error> {
    let mut p = Reader::new(text);
    let parsed = p.stream(file);
    match p.over {
        Some(limit) => {
            let origin = Origin::new(file.clone(), p.line as usize, 1);
            let what = match limit.name {
                n if n == limits::YAML_DOCUMENTS.name => "the stream holds too many documents",
                _ => "the file holds too many nodes",
            };
            Err(limit.exceeded(Some(origin), format!("invalid YAML: {what}")))
        }
        None => Ok(parsed),
    }
}

impl<'t> Reader<'t> {
    fn new(text: &'t str) -> Reader<'t> {
        Reader {
            text,
            bytes: text.as_bytes(),
            at: 0,
            line: 1,
            line_start: 0,
            nodes: 0,
            over: None,
            entries: Vec::new(),
            items: Vec::new(),
        }
    }
}

impl Reader<'_> {
    fn stream(&mut self, file: &Arc<str>) -> Option<Vec<Document>> {
        let text = self.text;
        let p = self;
        // Tabs, carriage returns, a byte-order mark (anywhere: inside a document it is an
        // error the full parser reports) and control characters change how YAML reads
        // indentation and line ends; the full parser handles them.
        if text
            .bytes()
            .any(|b| b == b'\t' || b == b'\r' || (b < 0x20 && b != b'\n') || b == 0x7f)
            || text.contains('\u{feff}')
        {
            return None;
        }
        let mut docs = Vec::new();
        let mut count = 0;
        // The size of the last document's index, the guess for the next one's.
        let mut last = (0, 0);
        loop {
            p.skip_blank_lines();
            if p.at >= p.bytes.len() {
                break;
            }
            p.document_marker()?;
            count += 1;
            if count > MAX_DOCUMENTS {
                p.over = Some(&limits::YAML_DOCUMENTS);
                return None;
            }
            p.skip_blank_lines();
            if p.at >= p.bytes.len() || p.at_marker() {
                // An empty document (only `---` and comments): null, skipped.
                continue;
            }
            let mut b = Builder {
                index: Index::with_capacity(last.0, last.1),
                path: String::new(),
            };
            let value = p.block_node(&mut b, -1, None, 0)?;
            last = (b.index.text_len(), b.index.len());
            p.skip_blank_lines();
            if p.at < p.bytes.len() && !p.at_marker() {
                return None;
            }
            if !value.is_null() {
                docs.push(Document {
                    value,
                    spans: Spans::from_index(file.clone(), b.index),
                });
            }
        }
        Some(docs)
    }
}

/// The index under construction for one document.
struct Builder {
    index: Index,
    /// The pointer of the node being built; pushed and truncated, never rebuilt.
    path: String,
}

impl Builder {
    fn record(&mut self, at: (u32, u32), key: Option<(u32, u32)>) {
        let (key_line, key_column) = key.unwrap_or((0, 0));
        self.index.push(
            &self.path,
            Pos {
                line: at.0,
                column: at.1,
                key_line,
                key_column,
            },
        );
    }
}

struct Reader<'t> {
    text: &'t str,
    bytes: &'t [u8],
    /// Byte offset of the next unread byte.
    at: usize,
    /// 1-based line of `at`.
    line: u32,
    /// Byte offset where that line starts.
    line_start: usize,
    nodes: usize,
    /// The limit the text went over, if it did.
    over: Option<&'static Limit>,
    /// The entries of the mappings being read, innermost last: a mapping is made once
    /// its entries are known, at its exact size. Grown one by one, the maps of a manifest
    /// (mostly of one to three entries) held four slots each, and the fresh memory that
    /// cost was a sixth of `berth validate`'s time.
    entries: Vec<(String, Value)>,
    /// The items of the sequences being read, innermost last, for the same reason.
    items: Vec<Value>,
}

/// Bytes that end a plain scalar inside a flow collection.
const FLOW_END: &[u8] = b",[]{}";

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<u8> {
        self.bytes.get(self.at + offset).copied()
    }

    /// 1-based line and column (in characters, as the full parser counts) of `at`.
    fn position(&self) -> (u32, u32) {
        let before = self.text.get(self.line_start..self.at).unwrap_or("");
        let column = if before.is_ascii() {
            before.len()
        } else {
            before.chars().count()
        };
        (self.line, u32::try_from(column + 1).unwrap_or(u32::MAX))
    }

    /// The 0-based byte column of the current position: a line's indentation when at its
    /// first content byte (indentation is spaces only, so bytes and characters agree).
    fn indent(&self) -> i64 {
        i64::try_from(self.at - self.line_start).unwrap_or(i64::MAX)
    }

    fn skip_spaces(&mut self) {
        while self.peek() == Some(b' ') {
            self.at += 1;
        }
    }

    /// At the end of a line's content: spaces, then a comment or the line end.
    fn at_line_end(&mut self) -> bool {
        let before = self.at;
        self.skip_spaces();
        let spaced =
            self.at > before || self.at == self.line_start || self.bytes.get(before.wrapping_sub(1)) == Some(&b' ');
        match self.peek() {
            None | Some(b'\n') => true,
            Some(b'#') if spaced => {
                while !matches!(self.peek(), None | Some(b'\n')) {
                    self.at += 1;
                }
                true
            }
            _ => false,
        }
    }

    /// Moves past blank and comment-only lines, to the first content byte of the next line
    /// that has any (or the end). Assumes `at` is at a line end or a line start.
    fn skip_blank_lines(&mut self) {
        loop {
            if !self.at_line_end() {
                return;
            }
            match self.peek() {
                Some(b'\n') => {
                    self.at += 1;
                    self.line += 1;
                    self.line_start = self.at;
                }
                _ => return,
            }
        }
    }

    /// At a `---` line (the current position is a line's first content byte).
    fn at_marker(&self) -> bool {
        self.at == self.line_start
            && self.bytes.get(self.at..self.at + 3) == Some(b"---")
            && matches!(self.peek_at(3), None | Some(b'\n' | b' '))
    }

    /// Consumes a `---` line if there is one; `None` when the marker line carries content
    /// (`--- {}`, `--- !tag`) or the stream uses `...` or directives.
    fn document_marker(&mut self) -> Option<()> {
        if self.at == self.line_start && matches!(self.peek(), Some(b'%')) {
            return None;
        }
        if self.at == self.line_start && self.bytes.get(self.at..self.at + 3) == Some(b"...") {
            return None;
        }
        if !self.at_marker() {
            return Some(());
        }
        self.at += 3;
        self.at_line_end().then_some(())
    }

    fn count_node(&mut self) -> Option<()> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            self.over = Some(&limits::YAML_NODES);
            return None;
        }
        Some(())
    }

    /// A node in block context starting at the current position (a content byte).
    /// `parent` is the indentation of the enclosing block collection (-1 at the top);
    /// the node's own lines must be indented deeper. `key` is the position of the mapping
    /// key this node is the value of.
    fn block_node(&mut self, b: &mut Builder, parent: i64, key: Option<(u32, u32)>, depth: usize) -> Option<Value> {
        if depth >= MAX_DEPTH {
            return None;
        }
        // After `- `, a compact collection starts at its own column, not the line's first.
        let indent = self.indent();
        if indent <= parent {
            return None;
        }
        match self.peek()? {
            b'-' if matches!(self.peek_at(1), None | Some(b' ' | b'\n')) => {
                self.block_sequence(b, indent, key, depth, false)
            }
            b'[' | b'{' => {
                let v = self.flow_node(b, key, depth)?;
                self.at_line_end().then_some(v)
            }
            _ => {
                if self.looks_like_key() {
                    self.block_mapping(b, indent, key, depth)
                } else {
                    let at = self.position();
                    let v = self.scalar(false)?;
                    if !self.at_line_end() {
                        return None;
                    }
                    self.count_node()?;
                    b.record(at, key);
                    Some(v)
                }
            }
        }
    }

    /// Whether a mapping key (a one-line scalar followed by `:` and a space or line end)
    /// starts here. Looks ahead on this line without consuming.
    fn looks_like_key(&self) -> bool {
        let rest = self.bytes.get(self.at..).unwrap_or_default();
        let line = rest.split(|&c| c == b'\n').next().unwrap_or_default();
        let colon_ends_key = |after: &[u8]| {
            let mut after = after.iter().skip_while(|&&c| c == b' ');
            after.next() == Some(&b':') && matches!(after.next(), None | Some(b' '))
        };
        match line.first() {
            Some(&quote) if quote == b'"' || quote == b'\'' => {
                let mut i = 1;
                while let Some(&c) = line.get(i) {
                    let escape = c == b'\\' && quote == b'"';
                    let doubled = c == quote && quote == b'\'' && line.get(i + 1) == Some(&b'\'');
                    if escape || doubled {
                        i += 2;
                    } else if c == quote {
                        return colon_ends_key(line.get(i + 1..).unwrap_or_default());
                    } else {
                        i += 1;
                    }
                }
                false
            }
            _ => {
                let mut previous = b' ';
                for (i, &c) in line.iter().enumerate() {
                    if c == b'#' && previous == b' ' {
                        return false;
                    }
                    if c == b':' && matches!(line.get(i + 1), None | Some(b' ')) {
                        return true;
                    }
                    previous = c;
                }
                false
            }
        }
    }

    fn block_mapping(&mut self, b: &mut Builder, indent: i64, key: Option<(u32, u32)>, depth: usize) -> Option<Value> {
        self.count_node()?;
        b.record(self.position(), key);
        let start = self.entries.len();
        let base = b.path.len();
        loop {
            let key_at = self.position();
            let (name, colon) = self.mapping_key()?;
            push_segment(&mut b.path, &name);
            let value = self.mapping_value(b, indent, (key_at, colon), depth);
            b.path.truncate(base);
            self.entries.push((name, value?));
            self.skip_blank_lines();
            if self.at >= self.bytes.len() || self.at_marker() {
                break;
            }
            let next = self.indent();
            if next < indent {
                break;
            }
            if next > indent || !self.looks_like_key() {
                return None;
            }
        }
        self.mapping(start)
    }

    /// The mapping of the entries read since `start`; `None` if a key repeats (the full
    /// parser reports that).
    fn mapping(&mut self, start: usize) -> Option<Value> {
        let mut map = Map::with_capacity(self.entries.len().checked_sub(start)?);
        for (name, value) in self.entries.drain(start..) {
            if map.insert(name, value).is_some() {
                return None;
            }
        }
        Some(Value::Object(map))
    }

    /// The sequence of the items read since `start`.
    fn sequence(&mut self, start: usize) -> Option<Value> {
        let mut out = Vec::with_capacity(self.items.len().checked_sub(start)?);
        out.extend(self.items.drain(start..));
        Some(Value::Array(out))
    }

    /// A mapping key and where its `:` is; leaves `at` after the `:`.
    fn mapping_key(&mut self) -> Option<(String, (u32, u32))> {
        let name = match self.peek()? {
            b'"' | b'\'' => match self.scalar(false)? {
                Value::String(s) => s,
                _ => return None,
            },
            _ => {
                let start = self.at;
                while !(self.peek() == Some(b':') && matches!(self.peek_at(1), None | Some(b' ' | b'\n'))) {
                    self.at += 1;
                    if self.at >= self.bytes.len() {
                        return None;
                    }
                }
                let raw = self.text.get(start..self.at)?.trim_end_matches(' ');
                // The key must read as a plain string.
                if raw == "<<" || !matches!(plain(raw), Some(Value::String(_))) {
                    return None;
                }
                raw.to_owned()
            }
        };
        self.skip_spaces();
        if self.peek() != Some(b':') {
            return None;
        }
        let colon = self.position();
        self.at += 1;
        Some((name, colon))
    }

    /// The value after `key:`: on the same line, or on the following, deeper lines (a
    /// block sequence may also sit at the key's own indentation).
    fn mapping_value(
        &mut self,
        b: &mut Builder,
        indent: i64,
        (key_at, colon): ((u32, u32), (u32, u32)),
        depth: usize,
    ) -> Option<Value> {
        if !self.at_line_end() {
            return match self.peek()? {
                b'[' | b'{' => {
                    let v = self.flow_node(b, Some(key_at), depth + 1)?;
                    self.at_line_end().then_some(v)
                }
                _ => {
                    let at = self.position();
                    let v = self.scalar(false)?;
                    if !self.at_line_end() {
                        return None;
                    }
                    self.count_node()?;
                    b.record(at, Some(key_at));
                    Some(v)
                }
            };
        }
        self.skip_blank_lines();
        let nested = self.at < self.bytes.len() && !self.at_marker();
        let next = self.indent();
        if nested && next > indent {
            return self.block_node(b, indent, Some(key_at), depth + 1);
        }
        if nested && next == indent && self.peek() == Some(b'-') && matches!(self.peek_at(1), None | Some(b' ' | b'\n'))
        {
            return self.block_sequence(b, indent, Some(key_at), depth + 1, true);
        }
        // An empty value (`key:` and nothing below it): null, placed at the `:` as the full
        // parser places it.
        self.count_node()?;
        b.record(colon, Some(key_at));
        Some(Value::Null)
    }

    /// A block sequence at `indent`, at its first `-`. An `indentless` one is a mapping
    /// value at its key's own indentation (`key:` then `- a` below `k`).
    fn block_sequence(
        &mut self,
        b: &mut Builder,
        indent: i64,
        key: Option<(u32, u32)>,
        depth: usize,
        indentless: bool,
    ) -> Option<Value> {
        if depth >= MAX_DEPTH {
            return None;
        }
        self.count_node()?;
        if !indentless {
            b.record(self.position(), key);
        }
        let start = self.items.len();
        let base = b.path.len();
        loop {
            // At `-`.
            self.at += 1;
            let first = self.items.len() == start;
            let _ = write!(b.path, "/{}", self.items.len().saturating_sub(start));
            let mark = b.index.len();
            let item = if self.at_line_end() {
                self.skip_blank_lines();
                if self.at >= self.bytes.len() || self.at_marker() || self.indent() <= indent {
                    None
                } else {
                    self.block_node(b, indent, None, depth + 1)
                }
            } else {
                self.block_node(b, indent, None, depth + 1)
            };
            if first && indentless {
                // The full parser places an indentless sequence where its first item is.
                // Nodes record themselves before their children, so the item's entry is
                // the first one made after `mark`.
                let first = b.index.nth(mark).map(|p| (p.line, p.column))?;
                b.path.truncate(base);
                b.record(first, key);
            }
            b.path.truncate(base);
            self.items.push(item?);
            self.skip_blank_lines();
            if self.at >= self.bytes.len() || self.at_marker() {
                break;
            }
            let next = self.indent();
            if next < indent {
                break;
            }
            let dash = self.peek() == Some(b'-') && matches!(self.peek_at(1), None | Some(b' ' | b'\n'));
            if next > indent || !dash {
                // At the key's indentation, a sequence that is a mapping value ends where
                // the mapping's next key begins.
                if next == indent && !dash {
                    break;
                }
                return None;
            }
        }
        self.sequence(start)
    }

    /// A flow collection that opens and closes on this line.
    fn flow_node(&mut self, b: &mut Builder, key: Option<(u32, u32)>, depth: usize) -> Option<Value> {
        if depth >= MAX_DEPTH {
            return None;
        }
        let at = self.position();
        self.count_node()?;
        b.record(at, key);
        let open = self.peek()?;
        self.at += 1;
        let base = b.path.len();
        if open == b'[' {
            let start = self.items.len();
            self.skip_spaces();
            if self.peek() == Some(b']') {
                self.at += 1;
                return Some(Value::Array(Vec::new()));
            }
            loop {
                self.skip_spaces();
                let _ = write!(b.path, "/{}", self.items.len().saturating_sub(start));
                let item = self.flow_item(b, None, depth + 1);
                b.path.truncate(base);
                self.items.push(item?);
                if self.flow_closed(b']')? {
                    return self.sequence(start);
                }
            }
        }
        let start = self.entries.len();
        self.skip_spaces();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Some(Value::Object(Map::new()));
        }
        loop {
            self.skip_spaces();
            let key_at = self.position();
            let name = match self.scalar(true)? {
                Value::String(s) => s,
                _ => return None,
            };
            if name == "<<" {
                return None;
            }
            self.skip_spaces();
            if self.peek() != Some(b':') || self.peek_at(1) != Some(b' ') {
                return None;
            }
            self.at += 2;
            self.skip_spaces();
            push_segment(&mut b.path, &name);
            let value = self.flow_item(b, Some(key_at), depth + 1);
            b.path.truncate(base);
            self.entries.push((name, value?));
            if self.flow_closed(b'}')? {
                return self.mapping(start);
            }
        }
    }

    /// After a flow entry: `Some(false)` past a `,`, `Some(true)` past `close`, `None` at
    /// anything else.
    fn flow_closed(&mut self, close: u8) -> Option<bool> {
        self.skip_spaces();
        let next = self.peek()?;
        if next != b',' && next != close {
            return None;
        }
        self.at += 1;
        Some(next == close)
    }

    fn flow_item(&mut self, b: &mut Builder, key: Option<(u32, u32)>, depth: usize) -> Option<Value> {
        match self.peek()? {
            b'[' | b'{' => self.flow_node(b, key, depth),
            _ => {
                let at = self.position();
                let v = self.scalar(true)?;
                self.count_node()?;
                b.record(at, key);
                Some(v)
            }
        }
    }

    /// A one-line scalar: quoted, or plain (ended by ` #`, the line end, `: `, and in flow
    /// context by a flow indicator). Plain scalars are typed as [`plain`] says.
    fn scalar(&mut self, flow: bool) -> Option<Value> {
        match self.peek()? {
            b'\'' => self.single_quoted().map(Value::String),
            b'"' => self.double_quoted().map(Value::String),
            c if b"-?:,[]{}#&*!|>%@`".contains(&c) => None,
            _ => {
                let start = self.at;
                loop {
                    match self.peek() {
                        None | Some(b'\n') => break,
                        Some(b'#') if self.at.checked_sub(1).and_then(|i| self.bytes.get(i)) == Some(&b' ') => break,
                        Some(b':') if matches!(self.peek_at(1), None | Some(b' ' | b'\n')) => {
                            if flow {
                                break;
                            }
                            return None;
                        }
                        Some(c) if flow && FLOW_END.contains(&c) => break,
                        Some(b':') if flow && self.peek_at(1).is_some_and(|c| FLOW_END.contains(&c)) => return None,
                        _ => self.at += 1,
                    }
                }
                let raw = self.text.get(start..self.at)?.trim_end_matches(' ');
                // `{a: }` and `[a, ]`: where the full parser places the empty node is its call.
                if raw.is_empty() {
                    return None;
                }
                plain(raw)
            }
        }
    }

    fn single_quoted(&mut self) -> Option<String> {
        self.at += 1;
        let mut out = String::new();
        let mut start = self.at;
        loop {
            match self.peek()? {
                b'\n' => return None,
                b'\'' if self.peek_at(1) == Some(b'\'') => {
                    out.push_str(self.text.get(start..self.at + 1)?);
                    self.at += 2;
                    start = self.at;
                }
                b'\'' => {
                    out.push_str(self.text.get(start..self.at)?);
                    self.at += 1;
                    return Some(out);
                }
                _ => self.at += 1,
            }
        }
    }

    fn double_quoted(&mut self) -> Option<String> {
        self.at += 1;
        let mut out = String::new();
        let mut start = self.at;
        loop {
            match self.peek()? {
                b'\n' => return None,
                b'"' => {
                    out.push_str(self.text.get(start..self.at)?);
                    self.at += 1;
                    return Some(out);
                }
                b'\\' => {
                    out.push_str(self.text.get(start..self.at)?);
                    let escaped = match self.peek_at(1)? {
                        b'\\' => '\\',
                        b'"' => '"',
                        b'/' => '/',
                        b'n' => '\n',
                        b't' => '\t',
                        b'r' => '\r',
                        b'0' => '\0',
                        b' ' => ' ',
                        _ => return None,
                    };
                    out.push(escaped);
                    self.at += 2;
                    start = self.at;
                }
                _ => self.at += 1,
            }
        }
    }
}

/// Words whose type depends on the YAML version or the reader (any case), and the float
/// spellings Rust's parser would accept: left to the full parser.
const AMBIGUOUS_WORDS: &[&str] = &[
    "y", "n", "yes", "no", "on", "off", "true", "false", "null", "inf", "infinity", "nan",
];

/// The value of a plain scalar, or `None` when only the full parser should decide.
/// Only the spellings that mean the same in YAML 1.1 and 1.2, in docker compose and in
/// kubectl, are typed here: `null`/`~`/empty, `true`/`false`, decimal integers without a
/// leading zero, plain decimal fractions, and text that no resolver reads as anything but
/// text.
fn plain(raw: &str) -> Option<Value> {
    match raw {
        "" | "~" | "null" => return Some(Value::Null),
        "true" => return Some(Value::Bool(true)),
        "false" => return Some(Value::Bool(false)),
        _ => {}
    }
    if raw.len() <= 8 && AMBIGUOUS_WORDS.iter().any(|w| raw.eq_ignore_ascii_case(w)) {
        return None;
    }
    let first = *raw.as_bytes().first()?;
    if first.is_ascii_digit() {
        if raw.bytes().all(|c| c.is_ascii_digit()) {
            if raw.len() > 1 && first == b'0' {
                return None;
            }
            return raw.parse::<u64>().ok().map(|n| Value::Number(Number::from(n)));
        }
        // A plain decimal fraction (`1.5`, `0.25`) is the same float to every reader.
        if let Some((whole, fraction)) = raw.split_once('.')
            && !whole.is_empty()
            && !fraction.is_empty()
            && (whole == "0" || !whole.starts_with('0'))
            && whole.bytes().chain(fraction.bytes()).all(|c| c.is_ascii_digit())
            && raw.len() <= 17
        {
            return raw.parse::<f64>().ok().and_then(Number::from_f64).map(Value::Number);
        }
        // Versions and addresses (`1.0.0`, `10.0.0.1`): more than one dot is no number.
        if raw.bytes().all(|c| c.is_ascii_digit() || c == b'.')
            && raw.split('.').count() > 2
            && raw.split('.').all(|part| !part.is_empty())
        {
            return Some(Value::String(raw.to_owned()));
        }
        // Hex, octal, binary, floats, exponents, sexagesimal and underscores are read
        // differently by different readers; any text that could be one of them is left to
        // the full parser. Anything with another character (`100m`, `128Mi`) is text.
        if raw.bytes().all(|c| b"0123456789abcdefABCDEF_.:xXoObB+-".contains(&c)) {
            return None;
        }
        // Dates and times are text to serde but timestamps to YAML 1.1.
        if raw.bytes().filter(|c| *c == b'-' || *c == b':').count() >= 2 {
            return None;
        }
        return Some(Value::String(raw.to_owned()));
    }
    if matches!(first, b'.' | b'+' | b'-' | b'=') {
        return None;
    }
    Some(Value::String(raw.to_owned()))
}

#[cfg(test)]
mod tests;
