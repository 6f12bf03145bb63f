//! `palisade history`: the runs `scan --history` and `report --history`
//! recorded, and what changed since the one before.

use crate::cli::HistoryArgs;
use crate::exit;
use crate::output::{emit, usage_error};
use palisade_history::History;

pub fn run(a: HistoryArgs) -> u8 {
    let db = a.db.clone().unwrap_or_else(palisade_history::default_path);
    let h = match History::open_existing(&db) {
        Ok(h) => h,
        Err(e) => return usage_error(e),
    };
    let scans = match h.scans(a.source.as_deref()) {
        Ok(s) => s,
        Err(e) => return usage_error(e),
    };
    let latest = match h.latest_diff(a.source.as_deref()) {
        Ok(d) => d,
        Err(e) => return usage_error(e),
    };
    let text = if a.format == "json" {
        let mut t = serde_json::to_string_pretty(&serde_json::json!({
            "db": db.display().to_string(),
            "scans": scans,
            "latest": latest,
        }))
        .expect("the history serializes");
        t.push('\n');
        t
    } else {
        palisade_history::table::render(&db, &scans, latest.as_ref())
    };
    match emit(&text, a.output.as_deref()) {
        Ok(()) => exit::OK,
        Err(e) => usage_error(e),
    }
}
