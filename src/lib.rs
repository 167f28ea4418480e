//! berth: an offline, deterministic renderer of docker-compose files (and, later, Jinja
//! charts with overlays) into validated, hardened Kubernetes manifests.
//!
//! The modules mirror the pipeline of DESIGN.md section 3. Data flows one way:
//!
//! ```text
//! source ─► compose::load ─► convert ─► harden ─► validate ─► manifest::order ─► emit
//! ```
//!
//! Only `source` reads files and only `cli` prints.

pub mod chart;
pub mod cli;
pub mod compose;
pub mod convert;
pub mod diff;
pub mod emit;
pub mod error;
pub mod explain;
pub mod harden;
pub mod init;
pub mod limits;
pub mod manifest;
pub mod memory;
pub mod overlay;
pub mod pipeline;
pub mod redact;
pub mod schema_check;
pub mod source;
pub mod validate;
pub mod yaml;

pub use error::{Error, Warning, Warnings};
pub use source::{Origin, Sandbox};
