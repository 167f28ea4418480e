//! Compose model to Kubernetes objects. One file per concern: workloads, services,
//! storage, config, network, probes, names. Every compose key is converted, approximated
//! with a warning that says how, or reported as dropped with its file:line.

pub mod names;
pub mod network;

use crate::compose::Project;
use crate::error::{Error, Warnings};
use crate::manifest::Object;
use crate::source::Sandbox;

/// What the command line says about conversion.
#[derive(Debug, Clone)]
pub struct ConvertOptions {
    /// Target namespace: `--namespace`, else the compose project name.
    pub namespace: Option<String>,
    /// Target Kubernetes minor version, e.g. `"1.35"`.
    pub kube_version: String,
}

/// Converts a loaded project into objects (unordered; `manifest::order` sorts them).
/// `sandbox` is there to read bind-mounted files, configs and secrets.
pub fn convert(
    project: &Project,
    sandbox: &Sandbox,
    opts: &ConvertOptions,
    warnings: &mut Warnings,
) -> Result<Vec<Object>, Error> {
    let _ = (project, sandbox, opts, warnings);
    Err(Error::Usage {
        message: "conversion is not implemented yet".into(),
        help: None,
    })
}
