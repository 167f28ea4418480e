//! Compose loading: from `-f` files to one typed, normalised `Project`.
//!
//! Multi-file merge, `.env`, interpolation, `extends`, `include`, `profiles`, anchors
//! and merge keys, short/long syntax normalisation and validation against the vendored
//! compose-spec JSON Schema all happen here, so `convert` sees one shape per key.

mod dotenv;
mod interpolate;
pub mod model;
mod merge;
mod normalize;
mod schema;

pub use model::Project;

use crate::error::{Error, Warnings};
use crate::source::Sandbox;

/// What the command line says about loading.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Root-relative compose files, in `-f` order (at least one).
    pub files: Vec<String>,
    /// Root-relative `--env-file` files, in order (they replace `.env`, as in docker compose).
    pub env_files: Vec<String>,
    /// `--profile` names.
    pub profiles: Vec<String>,
    /// Interpolation variables of the highest precedence: the overlay's `variables:` and
    /// the process variables the user named (`--env-var`, `--env-prefix`), already read
    /// by the CLI. Lower precedence comes from `.env` / `--env-file`.
    pub variables: Vec<(String, String)>,
    /// Overrides the project name.
    pub project_name: Option<String>,
}

/// Loads and normalises a compose project.
pub fn load(sandbox: &Sandbox, opts: &LoadOptions, warnings: &mut Warnings) -> Result<Project, Error> {
    let _ = (sandbox, opts, warnings);
    Err(Error::Usage {
        message: "compose loading is not implemented yet".into(),
        help: None,
    })
}
