//! The JSON report:
//! `{"version","findings":[…],"summary":{…},"suppressed":[…],"errors":[…]}`.

use crate::ScanReport;
use serde::Serialize;

#[derive(Serialize)]
struct Suppressed<'a> {
    #[serde(flatten)]
    finding: &'a palisade_findings::Finding,
    reason: &'a str,
    #[serde(rename = "suppressedBy")]
    by: &'a str,
}

#[derive(Serialize)]
struct Doc<'a> {
    version: &'a str,
    findings: &'a [palisade_findings::Finding],
    summary: &'a crate::Summary,
    suppressed: Vec<Suppressed<'a>>,
    errors: &'a [palisade_findings::InputError],
}

pub fn write(r: &ScanReport, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let doc = Doc {
        version: &r.tool_version,
        findings: &r.findings,
        summary: &r.summary,
        suppressed: r
            .suppressed
            .iter()
            .map(|s| Suppressed {
                finding: &s.finding,
                reason: &s.reason,
                by: s.by,
            })
            .collect(),
        errors: &r.errors,
    };
    serde_json::to_writer_pretty(&mut *w, &doc).map_err(std::io::Error::other)?;
    w.write_all(b"\n")
}
