//! Writers: CycloneDX 1.6 JSON, SPDX 2.3 JSON, a table, palisade's JSON.

pub mod cyclonedx;
pub mod spdx;
pub mod table;

use crate::Sbom;

/// When the document was made: `SOURCE_DATE_EPOCH` when set (reproducible
/// builds and tests), else now; RFC 3339 in UTC.
pub fn timestamp() -> String {
    let t = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
        .unwrap_or_else(time::OffsetDateTime::now_utc);
    t.replace_nanosecond(0)
        .unwrap_or(t)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// A stable UUID for the document: the same target and packages give the
/// same serial number.
pub fn document_uuid(sbom: &Sbom) -> uuid::Uuid {
    let mut key = sbom.source.target.clone();
    for p in &sbom.packages {
        key.push('\n');
        key.push_str(&p.purl);
    }
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, key.as_bytes())
}

/// palisade's own JSON.
pub fn json(sbom: &Sbom) -> String {
    serde_json::to_string_pretty(sbom).unwrap_or_default() + "\n"
}
