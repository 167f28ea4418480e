//! Name references: one table of every field that names another object (pod volumes,
//! env and envFrom, imagePullSecrets, serviceAccountName, Ingress backends, RoleBinding
//! subjects, HPA and PDB targets, ...). Renames (prefix, suffix, generator hashes) are
//! applied to the referrers through it, and references to names that are neither emitted
//! nor declared external are reported.
//!
//! SKELETON: owned by the transform helper; see /work/BRIEF.md.

use serde::Deserialize;

use crate::error::Warnings;
use crate::manifest::Object;

/// A field that may name an object: in objects of `kind` (any kind when `None`), at the
/// Kustomize-style `path` (`spec/template/spec/volumes/configMap/name`; list items are
/// walked through).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FieldSpec {
    pub group: Option<String>,
    pub version: Option<String>,
    pub kind: Option<String>,
    pub path: String,
}

/// Every field that names objects of one kind (Kustomize's `nameReference` entry; the
/// overlay's `nameReferences` adds entries for custom resources).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NameReference {
    pub group: Option<String>,
    pub version: Option<String>,
    pub kind: String,
    pub field_specs: Vec<FieldSpec>,
}

/// The built-in table.
pub fn builtin() -> Vec<NameReference> {
    todo!("transform helper")
}

/// One object renamed: its kind, group, namespace, old and new name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rename {
    pub group: String,
    pub kind: String,
    pub namespace: String,
    pub old: String,
    pub new: String,
}

/// Rewrites every reference to a renamed object, through `table`.
pub fn apply(objects: &mut [Object], renames: &[Rename], table: &[NameReference]) {
    let _ = (objects, renames, table);
    todo!("transform helper")
}

/// Warns about references (through `table`) to objects that are neither among `objects`
/// nor listed in `external` (`Kind/name`).
pub fn dangling(objects: &[Object], table: &[NameReference], external: &[String], warnings: &mut Warnings) {
    let _ = (objects, table, external, warnings);
    todo!("transform helper")
}
