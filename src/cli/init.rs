//! `berth init`: (being built; see issue 8).

use clap::Args;

use crate::error::Error;

#[derive(Debug, Args)]
pub struct InitArgs {}

pub fn run(_args: InitArgs) -> u8 {
    super::report::error(
        &Error::Usage {
            message: "`berth init` is not built yet".into(),
            help: None,
        },
        None,
    )
}
