//! A located YAML node tree, deserialised by serde-saphyr, and its conversion into a
//! `serde_json::Value` plus the [`Spans`] index in one linear walk.
//!
//! serde-saphyr does the hard parts (scalar typing per flavor, aliases, `<<` merges,
//! budgets); wrapping every node and key in `Spanned` gives us their positions without a
//! second parse. Duplicate keys are passed through to us (`DuplicateKeyPolicy::PassThrough`)
//! so the error can name both occurrences.

use std::fmt::{self, Write as _};
use std::sync::Arc;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use serde_saphyr::{Location, Spanned};

use super::push_segment;
use super::spans::{Index, Pos, Spans};
use crate::error::Error;
use crate::source::Origin;

/// One YAML node; children carry their own positions.
pub(super) enum Node {
    Scalar(Value),
    Seq(Vec<Spanned<Node>>),
    Map(Vec<(Spanned<String>, Spanned<Node>)>),
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Scalar(Value::Bool(v)))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Scalar(Value::from(v)))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
        Ok(Node::Scalar(Value::from(v)))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        // Non-finite floats have no JSON form; the flavor options turn them into strings
        // or errors before they get here, so this is a last guard against silent `null`.
        serde_json::Number::from_f64(v)
            .map(|n| Node::Scalar(Value::Number(n)))
            .ok_or_else(|| E::custom("infinite or NaN numbers cannot be represented; quote the value"))
    }

    fn visit_str<E>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Scalar(Value::String(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<Node, E> {
        Ok(Node::Scalar(Value::String(v)))
    }

    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Scalar(Value::Null))
    }

    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::Scalar(Value::Null))
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Node::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0));
        while let Some(key) = map.next_key::<Spanned<String>>()? {
            let value = map.next_value::<Spanned<Node>>()?;
            entries.push((key, value));
        }
        Ok(Node::Map(entries))
    }
}

/// Converts a located node tree into a value and its spans. Recursion depth is bounded by
/// the parser's `max_depth` budget, so the walk cannot overflow the stack.
pub(super) fn into_document(file: &Arc<str>, root: Spanned<Node>) -> Result<(Value, Spans), Error> {
    let mut builder = Builder {
        file,
        index: Index::default(),
        path: String::new(),
    };
    let value = builder.node(root, None)?;
    Ok((value, Spans::from_index(file.clone(), builder.index)))
}

struct Builder<'f> {
    file: &'f Arc<str>,
    index: Index,
    /// The pointer of the node being built; pushed and truncated, never rebuilt.
    path: String,
}

fn line_col(loc: &Location) -> (u32, u32) {
    (
        u32::try_from(loc.line()).unwrap_or(u32::MAX),
        u32::try_from(loc.column()).unwrap_or(u32::MAX),
    )
}

impl Builder<'_> {
    fn node(&mut self, node: Spanned<Node>, key: Option<&Location>) -> Result<Value, Error> {
        let (line, column) = line_col(&node.defined);
        let (key_line, key_column) = key.map(line_col).unwrap_or((0, 0));
        self.index.push(
            &self.path,
            Pos {
                line,
                column,
                key_line,
                key_column,
            },
        );
        match node.value {
            Node::Scalar(v) => Ok(v),
            Node::Seq(items) => self.seq(items),
            Node::Map(entries) => self.map(entries),
        }
    }

    fn seq(&mut self, items: Vec<Spanned<Node>>) -> Result<Value, Error> {
        let mut out = Vec::with_capacity(items.len());
        let base = self.path.len();
        for (i, item) in items.into_iter().enumerate() {
            let _ = write!(self.path, "/{i}");
            let v = self.node(item, None);
            self.path.truncate(base);
            out.push(v?);
        }
        Ok(Value::Array(out))
    }

    fn map(&mut self, entries: Vec<(Spanned<String>, Spanned<Node>)>) -> Result<Value, Error> {
        let mut out = Map::with_capacity(entries.len());
        let base = self.path.len();
        for (key, value) in entries {
            push_segment(&mut self.path, &key.value);
            if out.contains_key(&key.value) {
                return Err(self.duplicate(&key));
            }
            let v = self.node(value, Some(&key.defined));
            self.path.truncate(base);
            out.insert(key.value, v?);
        }
        Ok(Value::Object(out))
    }

    /// The error for a key seen twice; `self.path` is the pointer of the entry.
    fn duplicate(&self, key: &Spanned<String>) -> Error {
        let (line, column) = line_col(&key.defined);
        let first = self
            .index
            .get(self.path.as_str())
            .map(|p| format!(" (first at line {})", p.key_line))
            .unwrap_or_default();
        Error::input(
            Some(Origin::new(self.file.clone(), line as usize, column as usize)),
            format!("duplicate key `{}`{first}", key.value),
            format!("keep one `{}` entry: YAML mapping keys must be unique", key.value),
        )
    }
}
