//! Overlays (DESIGN.md section 4.4): per-environment changes over a base (a chart, a
//! compose file, a folder of manifests, or another overlay), as Kustomize does, with one
//! data-driven table of name references so that renames never leave a reference behind.
//!
//! The stages, each a module named after its job:
//!
//! ```text
//! spec (overlay.yaml) ─► base rendered ─► generate (ConfigMaps, Secrets, hashed names)
//!   ─► patch (strategic, merge, JSON 6902) ─► transform (namespace, prefix/suffix,
//!   labels, annotations, images, replicas) ─► refs (every reference follows a rename)
//! ```

pub mod generate;
pub mod patch;
pub mod refs;
pub mod transform;
