//! Defaults that make objects meet the policy profile (DESIGN.md section 6), applied
//! after conversion (and, later, after chart rendering) to any workload. Only fields the
//! input left unset are filled, so the user's explicit choices (compose `user:`,
//! `x-berth`, a template's own securityContext) always win. Each relaxation is written
//! on the object as `berth.dev/waive`.

use crate::error::Warnings;
use crate::manifest::Object;

/// The policy profile in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Profile {
    #[default]
    Restricted,
    Baseline,
    None,
}

impl Profile {
    /// The Pod Security Standards level name (`restricted`, `baseline`, `privileged`).
    pub fn pss_level(self) -> &'static str {
        match self {
            Profile::Restricted => "restricted",
            Profile::Baseline => "baseline",
            Profile::None => "privileged",
        }
    }
}

#[derive(Debug, Clone)]
pub struct HardenOptions {
    pub profile: Profile,
    /// Target Kubernetes minor version, e.g. `"1.35"` (pins the PSA `enforce-version`).
    pub kube_version: String,
}

/// Applies hardening defaults in place; may add objects (ServiceAccounts, PDBs).
pub fn harden(objects: &mut Vec<Object>, opts: &HardenOptions, warnings: &mut Warnings) {
    let _ = (objects, opts, warnings);
}
