//! Transformers over all objects: namespace, name prefix and suffix, labels (with or
//! without selectors), annotations, images and replica counts, with Kustomize's field
//! lists, so an overlay written for Kustomize means the same here.
//!
//! SKELETON: owned by the transform helper; see /work/BRIEF.md.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::refs::Rename;
use crate::manifest::Object;

/// Sets the namespace of every namespaced object (and of ServiceAccount subjects of
/// bindings that pointed at the old namespace).
pub fn namespace(objects: &mut [Object], namespace: &str) {
    let _ = (objects, namespace);
    todo!("transform helper")
}

/// Adds `prefix` and `suffix` to the names of objects (not Namespaces, CRDs, ...);
/// returns the renames for `refs::apply`.
pub fn affix(objects: &mut [Object], prefix: &str, suffix: &str) -> Vec<Rename> {
    let _ = (objects, prefix, suffix);
    todo!("transform helper")
}

/// Kustomize's `labels` entry: `pairs`, also into selectors when `include_selectors`, and
/// into pod templates when `include_templates`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Labels {
    pub pairs: Map<String, Value>,
    #[serde(default)]
    pub include_selectors: bool,
    #[serde(default)]
    pub include_templates: bool,
}

pub fn labels(objects: &mut [Object], labels: &Labels) {
    let _ = (objects, labels);
    todo!("transform helper")
}

pub fn annotations(objects: &mut [Object], annotations: &Map<String, Value>) {
    let _ = (objects, annotations);
    todo!("transform helper")
}

/// Kustomize's `images` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Image {
    pub name: String,
    pub new_name: Option<String>,
    pub new_tag: Option<String>,
    pub digest: Option<String>,
}

/// Rewrites container images; returns the indexes of rules that matched nothing.
pub fn images(objects: &mut [Object], rules: &[Image]) -> Vec<usize> {
    let _ = (objects, rules);
    todo!("transform helper")
}

/// Kustomize's `replicas` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Replicas {
    pub name: String,
    pub count: u64,
}

/// Sets replica counts; returns the indexes of rules that matched nothing.
pub fn replicas(objects: &mut [Object], rules: &[Replicas]) -> Vec<usize> {
    let _ = (objects, rules);
    todo!("transform helper")
}
