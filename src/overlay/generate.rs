//! ConfigMap and Secret generators (Kustomize's `configMapGenerator`/`secretGenerator`):
//! from literals, files and env files read through the sandbox, named with a content
//! hash suffix computed exactly as Kustomize computes it, so a change of content rolls
//! the pods that use it.
//!
//! SKELETON: owned by the transform helper; see /work/BRIEF.md.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::error::Error;
use crate::manifest::Object;
use crate::source::{Origin, Sandbox};

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
}

/// Which object a generator makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    ConfigMap,
    Secret,
}

/// Builds the object (its name not yet hashed); paths are relative to the root-relative
/// folder `dir` of the overlay; `at` locates the entry for errors.
pub fn generate(kind: Kind, g: &Generator, sandbox: &Sandbox, dir: &str, at: Option<&Origin>) -> Result<Object, Error> {
    let _ = (kind, g, sandbox, dir, at);
    todo!("transform helper")
}

/// Kustomize's content hash suffix of a ConfigMap or Secret (10 characters).
pub fn hash_suffix(obj: &Value) -> String {
    let _ = obj;
    todo!("transform helper")
}
