//! A fast screen in front of the strict Kubernetes schemas: it decides whether an object
//! is valid without compiling a `jsonschema` validator.
//!
//! Why it exists: compiling a kind's `jsonschema` validator costs milliseconds (about half
//! of a small render's time, when every render validates what it prints), while nearly
//! every object berth sees is valid. The vendored definitions use only a small part of
//! JSON Schema (`type`, `properties`, `additionalProperties`, `items`, `required`, `enum`,
//! `oneOf` and `$ref`; `format`, `description` and the `x-kubernetes-*` keys are
//! annotations), so a direct interpreter over them answers in one walk of the object, and
//! compiles each definition only when an object first reaches it.
//!
//! The screen only ever says "valid" or "ask `jsonschema`": an object it rejects is
//! validated again by the compiled validator, whose errors are the ones reported, so every
//! message has one source. It must therefore never pass what `jsonschema` rejects; it may
//! reject more (a `1.0` compared with an enum of `1`, say), which only costs time. A schema
//! that uses any keyword besides those above is never passed. The tests in `schema.rs`
//! compare the two on every fixture object under three versions and on mutations of them.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::Value;

/// How definitions refer to each other.
const LOCAL_REF: &str = "#/$defs/";

/// The definitions of one version, compiled one by one on first reach.
pub struct Screen {
    /// Definition name → index into `texts` and `compiled`.
    index: HashMap<&'static str, usize>,
    texts: Vec<&'static str>,
    compiled: Vec<OnceLock<Node>>,
}

/// One schema, compiled.
enum Node {
    /// `true` or `{}` (annotations only): anything passes.
    Any,
    /// A schema the screen does not interpret: never passes here.
    Unsupported,
    Shape(Box<Shape>),
}

/// The assertions of one schema object; each one that is present must hold.
struct Shape {
    /// The allowed JSON types as bits of [`type_bit`]; 0 when `type` is absent.
    types: u8,
    /// `properties`, sorted by [`by_length`] for binary search.
    properties: Vec<Property>,
    additional: Additional,
    items: Option<Node>,
    required: Vec<String>,
    /// Whether some required name is no property, so presence is looked up key by key;
    /// otherwise counting the required properties met while checking them is enough.
    required_elsewhere: bool,
    enumeration: Option<Vec<Value>>,
    one_of: Vec<Node>,
    /// `$ref`, as an index of a definition.
    reference: Option<usize>,
}

/// One entry of `properties`.
struct Property {
    name: String,
    node: Node,
    required: bool,
}

/// The order properties are searched in: by length, then by bytes. Most names a search
/// passes differ in length, which one comparison of integers tells.
fn by_length(a: &str, b: &str) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// `additionalProperties`.
enum Additional {
    Any,
    None,
    Schema(Node),
}

const NULL: u8 = 1;
const BOOLEAN: u8 = 2;
const INTEGER: u8 = 4;
const NUMBER: u8 = 8;
const STRING: u8 = 16;
const ARRAY: u8 = 32;
const OBJECT: u8 = 64;

fn type_bit(name: &str) -> Option<u8> {
    Some(match name {
        "null" => NULL,
        "boolean" => BOOLEAN,
        "integer" => INTEGER,
        "number" => NUMBER,
        "string" => STRING,
        "array" => ARRAY,
        "object" => OBJECT,
        _ => return None,
    })
}

/// The bits of `type`: one name or a list of them.
fn types(v: &Value) -> Option<u8> {
    match v {
        Value::String(name) => type_bit(name),
        Value::Array(names) => names.iter().try_fold(0, |bits, n| Some(bits | type_bit(n.as_str()?)?)),
        _ => None,
    }
}

/// Keys that assert nothing: a schema made of these (and the ones [`Shape`] reads) is
/// interpreted; any other key makes it unsupported.
fn is_annotation(key: &str) -> bool {
    matches!(
        key,
        "description"
            | "format"
            | "default"
            | "example"
            | "examples"
            | "title"
            | "deprecated"
            | "readOnly"
            | "writeOnly"
    ) || key.starts_with("x-")
}

impl Screen {
    /// A screen over `defs` (definition name → its JSON text); nothing is parsed yet.
    pub fn new(defs: &HashMap<&'static str, &'static str>) -> Self {
        let mut names: Vec<(&'static str, &'static str)> = defs.iter().map(|(k, v)| (*k, *v)).collect();
        names.sort_unstable();
        Screen {
            index: names.iter().enumerate().map(|(i, (n, _))| (*n, i)).collect(),
            texts: names.iter().map(|(_, t)| *t).collect(),
            compiled: names.iter().map(|_| OnceLock::new()).collect(),
        }
    }

    /// Whether `value` is certainly valid against definition `name`; `false` means "ask
    /// the compiled validator", not "invalid".
    pub fn passes(&self, name: &str, value: &Value) -> bool {
        self.index.get(name).is_some_and(|i| self.passes_def(*i, value))
    }

    fn passes_def(&self, i: usize, value: &Value) -> bool {
        match self.definition(i) {
            Some(node) => self.passes_node(node, value),
            None => false,
        }
    }

    fn definition(&self, i: usize) -> Option<&Node> {
        let text = self.texts.get(i)?;
        Some(self.compiled.get(i)?.get_or_init(|| match serde_json::from_str(text) {
            Ok(schema) => self.compile(&schema),
            Err(_) => Node::Unsupported,
        }))
    }

    fn compile(&self, schema: &Value) -> Node {
        let map = match schema {
            Value::Bool(true) => return Node::Any,
            Value::Object(map) => map,
            _ => return Node::Unsupported,
        };
        let mut shape = Shape {
            types: 0,
            properties: Vec::new(),
            additional: Additional::Any,
            items: None,
            required: Vec::new(),
            required_elsewhere: false,
            enumeration: None,
            one_of: Vec::new(),
            reference: None,
        };
        let mut asserts = false;
        for (key, v) in map {
            let understood = match key.as_str() {
                "type" => types(v).map(|t| shape.types = t).is_some(),
                "properties" => v
                    .as_object()
                    .map(|props| {
                        let mut list: Vec<Property> = props
                            .iter()
                            .map(|(k, s)| Property {
                                name: k.clone(),
                                node: self.compile(s),
                                required: false,
                            })
                            .collect();
                        list.sort_unstable_by(|a, b| by_length(&a.name, &b.name));
                        shape.properties = list;
                    })
                    .is_some(),
                "additionalProperties" => {
                    shape.additional = match v {
                        Value::Bool(true) => Additional::Any,
                        Value::Bool(false) => Additional::None,
                        s => Additional::Schema(self.compile(s)),
                    };
                    true
                }
                "items" => {
                    shape.items = Some(self.compile(v));
                    true
                }
                "required" => v
                    .as_array()
                    .and_then(|names| names.iter().map(|n| n.as_str().map(str::to_string)).collect())
                    .map(|names| shape.required = names)
                    .is_some(),
                "enum" => v
                    .as_array()
                    .map(|opts| shape.enumeration = Some(opts.clone()))
                    .is_some(),
                "oneOf" => v
                    .as_array()
                    .map(|alts| shape.one_of = alts.iter().map(|s| self.compile(s)).collect())
                    .is_some(),
                "$ref" => v
                    .as_str()
                    .and_then(|r| r.strip_prefix(LOCAL_REF))
                    .filter(|name| !name.contains(['~', '%', '/']))
                    .and_then(|name| self.index.get(name))
                    .map(|i| shape.reference = Some(*i))
                    .is_some(),
                other if is_annotation(other) => continue,
                _ => false,
            };
            if !understood {
                return Node::Unsupported;
            }
            asserts = true;
        }
        if !asserts {
            return Node::Any;
        }
        shape.required.sort_unstable();
        shape.required.dedup();
        for name in &shape.required {
            match shape.property(name) {
                Some(at) => {
                    if let Some(p) = shape.properties.get_mut(at) {
                        p.required = true;
                    }
                }
                None => shape.required_elsewhere = true,
            }
        }
        Node::Shape(Box::new(shape))
    }

    fn passes_node(&self, node: &Node, value: &Value) -> bool {
        match node {
            Node::Any => true,
            Node::Unsupported => false,
            Node::Shape(shape) => self.passes_shape(shape, value),
        }
    }

    fn passes_shape(&self, shape: &Shape, value: &Value) -> bool {
        if shape.types != 0 && shape.types & bits_of(value) == 0 {
            return false;
        }
        if let Some(options) = &shape.enumeration
            && !options.contains(value)
        {
            return false;
        }
        if let Some(i) = shape.reference
            && !self.passes_def(i, value)
        {
            return false;
        }
        if !shape.one_of.is_empty() && shape.one_of.iter().filter(|n| self.passes_node(n, value)).count() != 1 {
            return false;
        }
        match value {
            Value::Object(map) => {
                if shape.required_elsewhere && !shape.required.iter().all(|k| map.contains_key(k)) {
                    return false;
                }
                // Keys are unique, so each required property met counts once.
                let mut required = 0;
                let valid = map.iter().all(|(key, v)| match shape.property(key) {
                    Some(at) => shape.properties.get(at).is_some_and(|p| {
                        required += usize::from(p.required);
                        self.passes_node(&p.node, v)
                    }),
                    None => match &shape.additional {
                        Additional::Any => true,
                        Additional::None => false,
                        Additional::Schema(n) => self.passes_node(n, v),
                    },
                });
                valid && (shape.required_elsewhere || required == shape.required.len())
            }
            Value::Array(items) => shape
                .items
                .as_ref()
                .is_none_or(|n| items.iter().all(|item| self.passes_node(n, item))),
            _ => true,
        }
    }
}

impl Shape {
    /// Where property `name` is in `properties`.
    fn property(&self, name: &str) -> Option<usize> {
        self.properties.binary_search_by(|p| by_length(&p.name, name)).ok()
    }
}

/// The JSON types `value` is an instance of: an integer is also a number, and so is a float
/// without a fraction (as in JSON Schema, where `1.0` is an integer).
fn bits_of(value: &Value) -> u8 {
    match value {
        Value::Null => NULL,
        Value::Bool(_) => BOOLEAN,
        Value::Number(n) if n.is_i64() || n.is_u64() => INTEGER | NUMBER,
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 => INTEGER | NUMBER,
            _ => NUMBER,
        },
        Value::String(_) => STRING,
        Value::Array(_) => ARRAY,
        Value::Object(_) => OBJECT,
    }
}
