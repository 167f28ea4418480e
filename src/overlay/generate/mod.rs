//! ConfigMap and Secret generators (Kustomize's `configMapGenerator`/`secretGenerator`):
//! from literals, files and env files read through the sandbox, named with a content
//! hash suffix computed exactly as Kustomize computes it, so a change of content rolls
//! the pods that use it.
//!
//! The objects are Kustomize's too: keys sorted; in a ConfigMap, file content that is
//! not UTF-8 goes to `binaryData` (base64) and the rest to `data`; in a Secret every
//! value is base64 in `data`, `type` defaults to `Opaque`. One difference: keys that
//! Kubernetes would refuse (`export FOO` from an env file, `a b`) are errors here, where
//! Kustomize passes them on to fail at apply time.
//!
//! Kustomize adds the hash after every other transformer of the top overlay, so it sees
//! the final content; the name itself never enters the hash (see [`hash`]).

mod hash;
mod kv;

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::error::Error;
use crate::manifest::Object;
use crate::overlay::transform::stringified;
use crate::source::{Origin, Sandbox};
pub use hash::hash_suffix;
use kv::{Pair, Sources, key_problem};

/// One generator entry, as Kustomize writes it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Generator {
    pub name: String,
    pub namespace: Option<String>,
    /// `create` (default), `merge` or `replace` an object of the same name from the base.
    pub behavior: Option<String>,
    #[serde(default)]
    pub literals: Vec<String>,
    #[serde(default)]
    pub files: Vec<String>,
    #[serde(default)]
    pub envs: Vec<String>,
    /// Secrets only: the Secret's `type`.
    #[serde(rename = "type")]
    pub secret_type: Option<String>,
    #[serde(default)]
    pub options: Options,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Options {
    #[serde(default)]
    pub labels: Map<String, Value>,
    #[serde(default)]
    pub annotations: Map<String, Value>,
    #[serde(default)]
    pub disable_name_suffix_hash: bool,
    /// Writes `immutable: true` (not part of the hash).
    #[serde(default)]
    pub immutable: bool,
}

/// Which object a generator makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    ConfigMap,
    Secret,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::ConfigMap => "ConfigMap",
            Kind::Secret => "Secret",
        }
    }
}

/// What a generator does with an object of the same name from the base.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behavior {
    /// A new object; one of the same name in the base is an error.
    Create,
    /// The base's object, with the generated keys added or replaced.
    Merge,
    /// The base's object, with its keys replaced by the generated ones.
    Replace,
}

impl Generator {
    /// The entry's `behavior`; `at` locates the entry for errors.
    pub fn behavior(&self, at: Option<&Origin>) -> Result<Behavior, Error> {
        match self.behavior.as_deref() {
            None | Some("" | "create") => Ok(Behavior::Create),
            Some("merge") => Ok(Behavior::Merge),
            Some("replace") => Ok(Behavior::Replace),
            Some(other) => Err(Error::input(
                at.cloned(),
                format!("unknown generator behavior `{other}`"),
                "use `create` (the default), `merge` or `replace`",
            )),
        }
    }
}

/// Builds the object (its name not yet hashed); paths are relative to the root-relative
/// folder `dir` of the overlay; `at` locates the entry for errors.
pub fn generate(kind: Kind, g: &Generator, sandbox: &Sandbox, dir: &str, at: Option<&Origin>) -> Result<Object, Error> {
    if g.name.is_empty() {
        return Err(Error::input(
            at.cloned(),
            format!("a {} generator needs a `name`", kind.name()),
            "give the entry a `name`; the hash suffix is added to it",
        ));
    }
    if kind == Kind::ConfigMap && g.secret_type.is_some() {
        return Err(Error::input(
            at.cloned(),
            format!("ConfigMap generator `{}` has a `type`", g.name),
            "`type` sets a Secret's type; remove it here, or move the entry to `secretGenerator`",
        ));
    }
    let data = pairs(
        kind,
        g,
        &Sources {
            sandbox,
            dir,
            at,
            secret: matches!(kind, Kind::Secret),
        },
    )?;
    let mut obj = Map::new();
    obj.insert("apiVersion".into(), "v1".into());
    obj.insert("kind".into(), kind.name().into());
    obj.insert("metadata".into(), Value::Object(metadata(g)));
    match kind {
        Kind::ConfigMap => {
            let (text, binary): (Vec<_>, Vec<_>) = data.into_iter().partition(|(_, v)| std::str::from_utf8(v).is_ok());
            let text: Map<String, Value> = text
                .into_iter()
                .map(|(k, v)| (k, Value::String(String::from_utf8_lossy(&v).into_owned())))
                .collect();
            if !text.is_empty() {
                obj.insert("data".into(), Value::Object(text));
            }
            if !binary.is_empty() {
                obj.insert("binaryData".into(), encoded(binary));
            }
        }
        Kind::Secret => {
            let secret_type = g.secret_type.clone().unwrap_or_else(|| "Opaque".into());
            obj.insert("type".into(), Value::String(secret_type));
            obj.insert("data".into(), encoded(data));
        }
    }
    if g.options.immutable {
        obj.insert("immutable".into(), Value::Bool(true));
    }
    Ok(Object::new(Value::Object(obj), at.cloned()))
}

/// Every key and value, in key order; a key Kubernetes refuses, or one given twice, is
/// an error located where it was given.
fn pairs(kind: Kind, g: &Generator, src: &Sources<'_>) -> Result<BTreeMap<String, Vec<u8>>, Error> {
    let mut all: Vec<Pair> = Vec::new();
    for path in &g.envs {
        all.extend(src.env_file(path)?);
    }
    for literal in &g.literals {
        all.push(src.literal(literal)?);
    }
    for file in &g.files {
        all.push(src.file(file)?);
    }
    let mut data = BTreeMap::new();
    for Pair { key, value, at } in all {
        if let Some(why) = key_problem(&key) {
            return Err(Error::input(
                at,
                format!("key `{key}` of {} `{}` {why}", kind.name(), g.name),
                "rename the key (for a file, write `key=path`); Kubernetes refuses such keys",
            ));
        }
        if data.contains_key(&key) {
            return Err(Error::input(
                at,
                format!("{} `{}` has the key `{key}` twice", kind.name(), g.name),
                "keep one of them, or give a file another key with `key=path`",
            ));
        }
        data.insert(key, value);
    }
    Ok(data)
}

fn metadata(g: &Generator) -> Map<String, Value> {
    let mut meta = Map::new();
    meta.insert("name".into(), Value::String(g.name.clone()));
    if let Some(ns) = g.namespace.as_deref().filter(|ns| !ns.is_empty()) {
        meta.insert("namespace".into(), Value::String(ns.to_string()));
    }
    if !g.options.labels.is_empty() {
        meta.insert("labels".into(), Value::Object(stringified(&g.options.labels)));
    }
    if !g.options.annotations.is_empty() {
        meta.insert("annotations".into(), Value::Object(stringified(&g.options.annotations)));
    }
    meta
}

fn encoded(data: impl IntoIterator<Item = (String, Vec<u8>)>) -> Value {
    Value::Object(
        data.into_iter()
            .map(|(k, v)| (k, Value::String(base64_lines(&v))))
            .collect(),
    )
}

/// Base64 as Kustomize writes generated data: from 70 characters on, in lines of 70, each
/// ending in a newline (Kubernetes' decoder skips them). The content hash covers this
/// text, so names match Kustomize's only when the encoding does.
fn base64_lines(bytes: &[u8]) -> String {
    const LINE: usize = 70;
    let text = STANDARD.encode(bytes);
    if text.len() < LINE {
        return text;
    }
    let mut out = String::with_capacity(text.len() + text.len() / LINE + 1);
    for chunk in text.as_bytes().chunks(LINE) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out
}

/// A generated object combined with the base's object of the same name, as Kustomize
/// does for `merge` and `replace`: the result keeps the base's name and namespace, has
/// the labels and annotations of both (the generated ones win), and the generated
/// keys, on top of the base's keys for `merge`. For `create`, the generated object.
pub fn combine(base: &Value, generated: Value, behavior: Behavior) -> Value {
    let mut out = generated;
    if behavior == Behavior::Create {
        return out;
    }
    if let Some(meta) = out.get_mut("metadata").and_then(Value::as_object_mut) {
        for key in ["labels", "annotations"] {
            let merged = merged(base.pointer(&format!("/metadata/{key}")), meta.get(key));
            if let Some(m) = merged {
                meta.insert(key.into(), m);
            }
        }
        for key in ["name", "namespace"] {
            match base.pointer(&format!("/metadata/{key}")) {
                Some(v) => meta.insert(key.into(), v.clone()),
                None => meta.remove(key),
            };
        }
    }
    if behavior == Behavior::Merge
        && let Some(obj) = out.as_object_mut()
    {
        for key in ["data", "binaryData"] {
            if let Some(m) = merged(base.get(key), obj.get(key)) {
                obj.insert(key.into(), m);
            }
        }
    }
    out
}

/// `under` with `over` on top, when either is a map.
fn merged(under: Option<&Value>, over: Option<&Value>) -> Option<Value> {
    let mut out = under.and_then(Value::as_object).cloned().unwrap_or_default();
    for (k, v) in over.and_then(Value::as_object).into_iter().flatten() {
        out.insert(k.clone(), v.clone());
    }
    (under.is_some_and(Value::is_object) || over.is_some_and(Value::is_object)).then_some(Value::Object(out))
}

#[cfg(test)]
mod tests;
