//! Patches: strategic merge (driven by the merge keys and strategies the vendored schemas
//! carry), JSON merge patch (RFC 7396) and JSON patch (RFC 6902), and the targets that
//! select which objects a patch applies to.
//!
//! Kustomize (`kubectl kustomize`, v5.5) is the reference: an overlay written for it should
//! mean the same here. Where Kustomize and the Kubernetes API server disagree on strategic
//! merge, berth follows the API server, because that is what `kubectl patch` and the
//! documentation of strategic merge promise; each such place is listed in the book.
//!
//! - `target`: which objects a patch selects (group, version, kind, name, namespace as
//!   anchored regular expressions; label and annotation selectors, in `selector`).
//! - `strategic`: strategic merge patch, with merge keys for custom resources.
//! - `json`: RFC 7396 merge and RFC 6902 operations.

mod json;
mod selector;
mod strategic;
mod target;

pub use json::{json6902, merge};
pub use strategic::{MergeKey, strategic, strategic_with};
pub use target::{Matcher, Target};

/// Why a patch could not be applied: `at` is a JSON pointer into the patch document (for
/// a JSON patch, into its list of operations; for a target, the field of the target), so
/// the caller can locate it in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchError {
    pub at: String,
    pub message: String,
    pub help: String,
}

impl PatchError {
    fn new(at: impl Into<String>, message: impl Into<String>, help: impl Into<String>) -> Self {
        PatchError {
            at: at.into(),
            message: message.into(),
            help: help.into(),
        }
    }
}

impl std::fmt::Display for PatchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (at {:?})", self.message, self.at)
    }
}

impl std::error::Error for PatchError {}

#[cfg(test)]
mod tests;
