//! Command-line definitions (clap) and one driver per subcommand. The only module that
//! prints: manifests to stdout, diagnostics to stderr.

mod diff;
mod explain;
mod init;
mod inputs;
mod render;
mod report;
mod validate;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

const AFTER_HELP: &str = "\
Exit codes:
  0  success (warnings allowed)
  1  the manifests fail validation or policy
  2  bad input or usage

stdout carries only manifests; diagnostics go to stderr.";

#[derive(Debug, Parser)]
#[command(name = "berth", version, about = "Render compose files and charts into validated, hardened Kubernetes manifests", after_help = AFTER_HELP)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render a compose file or a chart to Kubernetes manifests.
    Render(Box<render::RenderArgs>),
    /// Check manifests (files, folders or `-`): schema, semantic checks and policy.
    Validate(validate::ValidateArgs),
    /// Compare two renders (two environments, or two revisions) object by object.
    Diff(diff::DiffArgs),
    /// Turn a compose file into an editable chart with dev, staging and prod overlays.
    Init(init::InitArgs),
    /// Show where each object and field of a render came from, and what hardening added
    /// or relaxed.
    Explain(Box<explain::ExplainArgs>),
}

/// Runs berth with the process arguments and returns the exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let code = match cli.command {
        Command::Render(args) => render::run(*args),
        Command::Validate(args) => validate::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Init(args) => init::run(args),
        Command::Explain(args) => explain::run(*args),
    };
    ExitCode::from(code)
}
