//! Patches: strategic merge (driven by the merge keys and strategies the vendored schemas
//! carry), JSON merge patch (RFC 7396) and JSON patch (RFC 6902), and the targets that
//! select which objects a patch applies to.
//!
//! SKELETON: owned by the patch helper; see /work/BRIEF.md.

use serde::Deserialize;
use serde_json::Value;

use crate::manifest::Object;

/// Why a patch could not be applied: `at` is a JSON pointer into the patch document (for
/// a JSON patch, into its list of operations), so the caller can locate it in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchError {
    pub at: String,
    pub message: String,
    pub help: String,
}

/// Which objects a patch applies to (Kustomize's `target`). Every given field must match;
/// `name` and `namespace` are anchored regular expressions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Target {
    pub group: Option<String>,
    pub version: Option<String>,
    pub kind: Option<String>,
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub label_selector: Option<String>,
    pub annotation_selector: Option<String>,
}

impl Target {
    /// Whether `obj` is selected; an unreadable selector or regex is an error.
    pub fn matches(&self, obj: &Object) -> Result<bool, PatchError> {
        let _ = obj;
        todo!("patch helper")
    }
}

/// Applies a strategic merge patch to `obj` (Kubernetes' rules, with the list merge keys
/// of the `kube_version` schemas; `$patch: delete|replace` directives; custom resources,
/// which have no merge keys, merge like RFC 7396).
pub fn strategic(obj: &mut Value, patch: &Value, kube_version: &str) -> Result<(), PatchError> {
    let _ = (obj, patch, kube_version);
    todo!("patch helper")
}

/// Applies an RFC 7396 JSON merge patch.
pub fn merge(obj: &mut Value, patch: &Value) {
    let _ = (obj, patch);
    todo!("patch helper")
}

/// Applies an RFC 6902 JSON patch (a list of operations).
pub fn json6902(obj: &mut Value, ops: &Value) -> Result<(), PatchError> {
    let _ = (obj, ops);
    todo!("patch helper")
}
