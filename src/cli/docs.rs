//! `berth completions` and `berth man`: (being built; see issue 8).

use clap::Args;

use crate::error::Error;

#[derive(Debug, Args)]
pub struct CompletionsArgs {}

#[derive(Debug, Args)]
pub struct ManArgs {}

pub fn completions(_args: CompletionsArgs) -> u8 {
    not_built("completions")
}

pub fn man(_args: ManArgs) -> u8 {
    not_built("man")
}

fn not_built(what: &str) -> u8 {
    super::report::error(
        &Error::Usage {
            message: format!("`berth {what}` is not built yet"),
            help: None,
        },
        None,
    )
}
