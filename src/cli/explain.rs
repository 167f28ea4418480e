//! `berth explain`: renders PATH as `berth render` would, with provenance recorded
//! (`crate::explain`), and prints per object and field where it came from and what
//! hardening added or relaxed. Errors and exit codes are render's.

use std::io::Write;

use clap::{Args, ValueEnum};

use crate::chart::meta::join;
use crate::error::Error;
use crate::explain::report;
use crate::manifest::parallel::Threads;
use crate::source::Sandbox;

use super::inputs::{InputArgs, environments, rel, render_path};

#[derive(Debug, Args)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Explain only this object: KIND/NAME or KIND/NAMESPACE/NAME (the kind in any case).
    #[arg(long, value_name = "KIND/NAME")]
    pub object: Option<String>,
    /// Explain only this field and the fields under it: a path as the output prints it
    /// (`spec.template.spec.containers[0].image`, `spec.template`) or a JSON pointer.
    #[arg(long, value_name = "PATH")]
    pub field: Option<String>,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = ExplainFormat::Text)]
    pub output: ExplainFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExplainFormat {
    /// Per object a header and a table: field, value, origin.
    Text,
    /// One JSON document (`berth.dev/explain/v1`).
    Json,
}

pub fn run(args: ExplainArgs) -> u8 {
    let sandbox = match args.input.sandbox() {
        Ok(s) => s.traced(),
        Err(e) => return super::report::error(&e, None),
    };
    match explain(&sandbox, &args) {
        Ok(text) => {
            let mut out = std::io::stdout().lock();
            match out.write_all(text.as_bytes()) {
                Ok(()) => 0,
                Err(e) => super::report::error(
                    &Error::Output {
                        message: format!("cannot write to stdout: {e}"),
                    },
                    None,
                ),
            }
        }
        Err(e) => super::report::error(&e, Some(&sandbox)),
    }
}

/// The whole report, or the first error (so nothing reaches stdout on failure).
fn explain(sandbox: &Sandbox, args: &ExplainArgs) -> Result<String, Error> {
    let path = rel(sandbox, &args.input.path)?;
    let path = match environments(sandbox, &args.input, &path)?.as_slice() {
        [] => path,
        [env] => join(&path, env),
        many => {
            return Err(Error::Usage {
                message: format!("`berth explain` explains one render; --env names {}", many.len()),
                help: Some("name one environment, e.g. `--env prod`, or run explain once per environment".into()),
            });
        }
    };
    let rendered = render_path(sandbox, &args.input, path, false, Threads::ONE)?;
    let selected = report::select(&rendered.objects, args.object.as_deref())?;
    let explained = report::explain(&selected, args.field.as_deref())?;
    // After the filters: a wrong --object or --field prints its error alone.
    // Relaxations are part of explain's own output; the rest goes to stderr grouped, as
    // render reports it.
    let mut notes = super::report::Notes::default();
    notes.add_warnings(None, &rendered.warnings);
    notes.add_findings(None, &rendered.findings);
    notes.print();
    match args.output {
        ExplainFormat::Text => Ok(report::to_text(&explained)),
        ExplainFormat::Json => serde_json::to_string_pretty(&report::to_json(&explained))
            .map(|t| t + "\n")
            .map_err(|e| Error::Output {
                message: format!("cannot write the report: {e}"),
            }),
    }
}
