//! Charts (DESIGN.md section 4.2): a folder with `Chart.yaml`, `values.yaml`, Jinja
//! templates and an optional templated `compose.yaml`, rendered to objects that then go
//! through the same harden, validate and emit stages as a compose file.
//!
//! The stages inside, each a module named after its job:
//!
//! ```text
//! meta (Chart.yaml) ─► values (merge, --set, provenance, schema) ─► template (environment,
//! helpers, files) ─► render (templates to text, text to objects located at template lines)
//! ```
//!
//! Nothing here reads a file except through the `Sandbox`, and no helper reads the
//! clock, the environment, the network or a random source.

pub mod files;
pub mod helpers;
pub mod values;
