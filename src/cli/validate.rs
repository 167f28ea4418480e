//! `berth validate`: schema, semantic and policy checks for manifests from any tool.
//!
//! SKELETON: owned by the validate helper; see /work/BRIEF.md.

use std::path::PathBuf;

use clap::Args;

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Manifest files or folders; `-` reads standard input.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

pub fn run(args: ValidateArgs) -> u8 {
    let _ = args;
    2
}
