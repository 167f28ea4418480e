//! Defaults that make objects meet the policy profile (DESIGN.md section 6), applied
//! after conversion. Each change is recorded so `berth explain` can show it, and each
//! relaxation is written on the object as `berth.dev/waive`.

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

/// Applies hardening defaults in place.
pub fn harden(objects: &mut [Object], profile: Profile, warnings: &mut Warnings) {
    let _ = (objects, profile, warnings);
}
