//! The filters and functions templates can call (DESIGN.md section 4.2), named as Helm
//! users know them. None reads the clock, the environment, the network or a random
//! source, so a render depends on its inputs only.
//!
//! SKELETON: owned by the helpers helper; see /work/BRIEF.md.

use minijinja::Environment;

/// Registers every berth filter and function on `env`.
pub fn register(env: &mut Environment<'_>) {
    let _ = env;
}
