//! `palisade checks list|explain`: the catalogue, and the docs generated
//! from it (`docs/checks.md` is `palisade checks list --format markdown`).

use crate::cli::{ChecksArgs, ChecksCommand};
use crate::exit;
use crate::output::{emit, usage_error};
use palisade_checks::{docs, find};

pub fn run(args: ChecksArgs) -> u8 {
    let text = match args.command {
        ChecksCommand::List { format } => match format.as_str() {
            "json" => docs::json(),
            "markdown" => docs::markdown(),
            _ => docs::table(),
        },
        ChecksCommand::Explain { id } => match find(&id) {
            Some(c) => docs::explain(c.meta()),
            None => {
                return usage_error(palisade_checks::unknown_id(&id));
            }
        },
    };
    match emit(&text, None) {
        Ok(()) => exit::OK,
        Err(e) => usage_error(e),
    }
}
