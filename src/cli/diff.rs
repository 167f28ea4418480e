//! `berth diff`: (being built; see issue 8).

use clap::Args;

use crate::error::Error;

#[derive(Debug, Args)]
pub struct DiffArgs {}

pub fn run(_args: DiffArgs) -> u8 {
    super::report::error(
        &Error::Usage {
            message: "`berth diff` is not built yet".into(),
            help: None,
        },
        None,
    )
}
