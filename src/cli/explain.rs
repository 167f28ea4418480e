//! `berth explain`: (being built; see issue 8).

use clap::Args;

use crate::error::Error;

#[derive(Debug, Args)]
pub struct ExplainArgs {}

pub fn run(_args: ExplainArgs) -> u8 {
    super::report::error(
        &Error::Usage {
            message: "`berth explain` is not built yet".into(),
            help: None,
        },
        None,
    )
}
