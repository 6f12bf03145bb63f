//! `palisade vuln`'s output formats: table, JSON, Markdown, SARIF 2.1.0
//! (a rule per vulnerability, a result per package location) and a
//! CycloneDX 1.6 VEX document (the components with `vulnerabilities[]`
//! pointing at their `bom-ref`s, each with its analysis state).

use crate::{Matched, Row, Subject, Target};
use palisade_report::markdown::cell;
use palisade_vulndb::Freshness;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// What every format may mention besides the rows.
pub struct Context<'a> {
    pub target: &'a str,
    pub db: &'a Path,
    pub status: &'a Freshness,
    pub max_age: u32,
    pub checked: usize,
}

fn packages(rows: &[Row]) -> usize {
    rows.iter()
        .map(|r| r.purl.as_str())
        .collect::<BTreeSet<_>>()
        .len()
}

fn summary(m: &Matched, ctx: &Context<'_>) -> String {
    let mut s = format!(
        "{} vulnerabilities in {} packages ({} checked)",
        m.findings.len(),
        packages(&m.findings),
        ctx.checked
    );
    if !m.suppressed.is_empty() {
        s.push_str(&format!(
            "; {} suppressed by the configuration",
            m.suppressed.len()
        ));
    }
    if !m.negligible.is_empty() {
        s.push_str(&format!(
            "; {} negligible not shown (--include-negligible)",
            m.negligible.len()
        ));
    }
    if m.unfixed > 0 {
        s.push_str(&format!("; {} without a fix not shown", m.unfixed));
    }
    s
}

fn fixed_text(r: &Row) -> String {
    let v = &r.vulnerability;
    if v.fixed.is_empty() {
        "no fix".to_string()
    } else {
        format!("fixed in {}", v.fixed.join(", "))
    }
}

pub fn table(m: &Matched, ctx: &Context<'_>) -> String {
    let mut t = String::new();
    for r in &m.findings {
        let v = &r.vulnerability;
        let score = v.score.map_or(String::new(), |s| format!(" {s:.1}"));
        let aliases = if v.aliases.is_empty() {
            String::new()
        } else {
            format!(" ({})", v.aliases.join(", "))
        };
        let upgrade = match &r.upgrade {
            Some(u) if v.fix.as_ref() != Some(u) || v.fixed.len() > 1 => {
                format!("  upgrade to {u}")
            }
            _ => String::new(),
        };
        let negligible = v
            .negligible
            .as_ref()
            .map(|n| format!("  [{n}]"))
            .unwrap_or_default();
        t.push_str(&format!(
            "{:9}{score}  {} {}  {}{aliases}  {}{upgrade}{negligible}  [{}]\n",
            v.severity.to_uppercase(),
            r.package,
            r.version,
            v.id,
            fixed_text(r),
            r.location
        ));
        for i in &v.imports {
            if i.symbols.is_empty() {
                t.push_str(&format!("          affects {}\n", i.path));
            } else {
                t.push_str(&format!(
                    "          affects {}: {}\n",
                    i.path,
                    i.symbols.join(", ")
                ));
            }
        }
    }
    for r in &m.suppressed {
        let s = r.suppressed.as_ref().expect("suppressed");
        t.push_str(&format!(
            "suppressed  {} {}  {}: {}{}\n",
            r.package,
            r.version,
            r.vulnerability.id,
            s.reason,
            s.expires
                .as_ref()
                .map(|e| format!(" (until {e})"))
                .unwrap_or_default()
        ));
    }
    t.push_str(&summary(m, ctx));
    t.push('\n');
    t
}

pub fn json(m: &Matched, ctx: &Context<'_>) -> String {
    let doc = json!({
        "target": ctx.target,
        "database": {
            "path": ctx.db.display().to_string(),
            "imported_at": ctx.status.imported_at,
            "age_days": ctx.status.age_days,
            "stale": ctx.status.stale(f64::from(ctx.max_age)),
        },
        "packages_checked": ctx.checked,
        "findings": m.findings,
        "suppressed": m.suppressed,
        "negligible": m.negligible,
        "unfixed_left_out": m.unfixed,
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}

pub fn markdown(m: &Matched, ctx: &Context<'_>) -> String {
    let mut t = format!("# Vulnerabilities: {}\n\n", cell(ctx.target));
    if m.findings.is_empty() {
        t.push_str("No vulnerabilities found.\n\n");
    } else {
        t.push_str("| Severity | Score | Package | Installed | Vulnerability | Fixed in | Upgrade to | Path |\n");
        t.push_str("|---|---|---|---|---|---|---|---|\n");
        for r in &m.findings {
            let v = &r.vulnerability;
            let mut id = format!("**{}**", cell(&v.id));
            if !v.aliases.is_empty() {
                id.push_str(&format!(" ({})", cell(&v.aliases.join(", "))));
            }
            if let Some(n) = &v.negligible {
                id.push_str(&format!(" — {}", cell(n)));
            }
            for i in &v.imports {
                id.push_str(&format!("<br>affects `{}`", cell(&i.path)));
            }
            t.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} | {} |\n",
                v.severity,
                v.score.map_or("–".to_string(), |s| format!("{s:.1}")),
                cell(&r.package),
                cell(&r.version),
                id,
                if v.fixed.is_empty() {
                    "–".to_string()
                } else {
                    cell(&v.fixed.join(", "))
                },
                r.upgrade.as_deref().map_or("–".to_string(), cell),
                r.paths
                    .iter()
                    .map(|p| format!("`{}`", cell(p)))
                    .collect::<Vec<_>>()
                    .join("<br>"),
            ));
        }
        t.push('\n');
    }
    if !m.suppressed.is_empty() {
        t.push_str(
            "## Suppressed\n\n| Vulnerability | Package | Reason | Expires |\n|---|---|---|---|\n",
        );
        for r in &m.suppressed {
            let s = r.suppressed.as_ref().expect("suppressed");
            t.push_str(&format!(
                "| {} | {} {} | {} | {} |\n",
                cell(&r.vulnerability.id),
                cell(&r.package),
                cell(&r.version),
                cell(&s.reason),
                s.expires.as_deref().unwrap_or("–")
            ));
        }
        t.push('\n');
    }
    t.push_str(&summary(m, ctx));
    t.push_str(".\n");
    t
}

/// SARIF's level for a rating, as for every palisade finding.
fn level(severity: &str) -> serde_sarif::sarif::ResultLevel {
    palisade_report::sarif::level(
        crate::rank(severity).unwrap_or(palisade_findings::Severity::Info),
    )
}

/// The location's URI: relative to the current directory when the target is
/// one (a lock file in the project), else the path inside the image.
fn uri(target: &str, path: &str) -> String {
    let t = Path::new(target);
    if t.is_dir() && !Path::new(path).is_absolute() {
        let joined = t.join(path).display().to_string().replace('\\', "/");
        joined.strip_prefix("./").unwrap_or(&joined).to_string()
    } else {
        path.to_string()
    }
}

pub fn sarif(m: &Matched, ctx: &Context<'_>) -> String {
    use serde_sarif::sarif::{
        ArtifactLocation, Location, Message, MultiformatMessageString, PhysicalLocation,
        PropertyBag, ReportingConfiguration, ReportingDescriptor, Result as SarifResult,
    };
    let all: Vec<&Row> = m.findings.iter().chain(&m.suppressed).collect();
    // One rule per vulnerability, in id order; the worst rating it has.
    let mut rules: BTreeMap<&str, &Row> = BTreeMap::new();
    for r in &all {
        let e = rules.entry(r.vulnerability.id.as_str()).or_insert(r);
        if r.vulnerability.score > e.vulnerability.score {
            *e = r;
        }
    }
    let index: BTreeMap<&str, usize> = rules.keys().enumerate().map(|(i, k)| (*k, i)).collect();
    let descriptors: Vec<ReportingDescriptor> = rules
        .values()
        .map(|r| {
            let v = &r.vulnerability;
            let title = v.summary.clone().unwrap_or_else(|| v.id.clone());
            let mut help = title.clone();
            if !v.aliases.is_empty() {
                help.push_str(&format!("\n\nAliases: {}", v.aliases.join(", ")));
            }
            help.push_str(&format!("\n\nhttps://osv.dev/vulnerability/{}", v.id));
            let mut props = BTreeMap::new();
            if let Some(s) = v.score {
                props.insert(
                    "security-severity".to_string(),
                    Value::from(format!("{s:.1}")),
                );
            }
            if let Some(src) = &v.severity_source {
                props.insert("severity-source".to_string(), Value::from(src.clone()));
            }
            ReportingDescriptor::builder()
                .id(v.id.clone())
                .name(v.id.clone())
                .short_description(MultiformatMessageString::builder().text(title).build())
                .help(MultiformatMessageString::builder().text(help).build())
                .help_uri(format!("https://osv.dev/vulnerability/{}", v.id))
                .default_configuration(
                    ReportingConfiguration::builder()
                        .level(serde_json::to_value(level(v.severity)).unwrap_or_default())
                        .build(),
                )
                .properties(
                    PropertyBag::builder()
                        .tags(vec![
                            "security".to_string(),
                            "vulnerability".to_string(),
                            v.severity.to_string(),
                        ])
                        .additional_properties(props)
                        .build(),
                )
                .build()
        })
        .collect();
    let mut results = Vec::new();
    for r in &all {
        let v = &r.vulnerability;
        let mut text = format!(
            "{} {} ({}) is affected by {} ({}{}); {}",
            r.package,
            r.version,
            r.ecosystem,
            v.id,
            v.severity,
            v.score.map(|s| format!(" {s:.1}")).unwrap_or_default(),
            fixed_text(r)
        );
        if let Some(u) = &r.upgrade {
            text.push_str(&format!("; upgrade to {u}"));
        }
        let mut props = BTreeMap::new();
        props.insert("purl".to_string(), Value::from(r.purl.clone()));
        props.insert("severity".to_string(), Value::from(v.severity));
        if !v.fixed.is_empty() {
            props.insert("fixed".to_string(), json!(v.fixed));
        }
        if !v.imports.is_empty() {
            props.insert("imports".to_string(), json!(v.imports));
        }
        for path in &r.paths {
            let mut fp = BTreeMap::new();
            fp.insert(
                "palisade/vuln/v1".to_string(),
                palisade_report::sarif::fingerprint(&[&v.id, &r.purl, path]),
            );
            let location = Location::builder()
                .physical_location(
                    PhysicalLocation::builder()
                        .artifact_location(
                            ArtifactLocation::builder()
                                .uri(uri(ctx.target, path))
                                .build(),
                        )
                        .build(),
                )
                .build();
            let base = SarifResult::builder()
                .rule_id(v.id.clone())
                .rule_index(index[v.id.as_str()] as i64)
                .level(level(v.severity))
                .message(Message::builder().text(text.clone()).build())
                .locations(vec![location])
                .partial_fingerprints(fp)
                .properties(
                    PropertyBag::builder()
                        .additional_properties(props.clone())
                        .build(),
                );
            results.push(match &r.suppressed {
                Some(s) => base
                    .suppressions(vec![palisade_report::sarif::suppression(
                        "external",
                        s.reason.clone(),
                    )])
                    .build(),
                None => base.build(),
            });
        }
    }
    palisade_report::sarif::document_string(palisade_report::sarif::Log {
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        rules: descriptors,
        results,
        notifications: None,
        code_point_columns: false,
    })
}

/// CycloneDX's rating method for a vector.
fn method(vector: &str) -> &'static str {
    if vector.starts_with("CVSS:4.0/") {
        "CVSSv4"
    } else if vector.starts_with("CVSS:3.1/") {
        "CVSSv31"
    } else if vector.starts_with("CVSS:3.0/") {
        "CVSSv3"
    } else if palisade_osv::cvss::version(vector) == Some(2) {
        "CVSSv2"
    } else {
        "other"
    }
}

/// A CycloneDX 1.6 document: the target's components (as `palisade sbom
/// -f cyclonedx-json` writes them, or one per purl of an SBOM document)
/// and a `vulnerabilities[]` entry per vulnerability and analysis, each
/// pointing at the components it affects.
pub fn vex(m: &Matched, ctx: &Context<'_>, target: &Target, subjects: &[Subject]) -> String {
    let mut doc: Value = match target {
        Target::Catalogued(sbom) => {
            serde_json::from_str(&palisade_sbom::format::cyclonedx::write(sbom))
                .unwrap_or_else(|_| json!({}))
        }
        Target::Document => {
            let components: Vec<Value> = subjects
                .iter()
                .map(|s| {
                    json!({
                        "bom-ref": s.bom_ref,
                        "type": "library",
                        "name": s.name,
                        "version": s.version,
                        "purl": s.purl,
                    })
                })
                .collect();
            json!({
                "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
                "bomFormat": "CycloneDX",
                "specVersion": "1.6",
                "version": 1,
                "metadata": {
                    "timestamp": palisade_sbom::format::timestamp(),
                    "tools": { "components": [{ "type": "application", "author": "palisade", "name": "palisade", "version": env!("CARGO_PKG_VERSION") }] },
                    "component": { "bom-ref": "palisade:target", "type": "file", "name": ctx.target },
                },
                "components": components,
            })
        }
    };
    // One entry per vulnerability and analysis (found, or accepted for a
    // reason), affecting every package it was found in.
    let mut groups: BTreeMap<(String, String), Vec<&Row>> = BTreeMap::new();
    for r in m.findings.iter().chain(&m.suppressed) {
        let key = match &r.suppressed {
            Some(s) => format!("not_affected\u{0}{}", s.reason),
            None => "in_triage".to_string(),
        };
        groups
            .entry((r.vulnerability.id.clone(), key))
            .or_default()
            .push(r);
    }
    let mut vulns = Vec::new();
    for (n, ((id, _), rows)) in groups.iter().enumerate() {
        let first = rows[0];
        let v = &first.vulnerability;
        let mut entry = json!({
            "bom-ref": format!("palisade:vulnerability:{n}"),
            "id": id,
            "source": { "name": "OSV", "url": format!("https://osv.dev/vulnerability/{id}") },
        });
        let o = entry.as_object_mut().expect("object");
        if !v.aliases.is_empty() {
            o.insert(
                "references".into(),
                Value::Array(
                    v.aliases
                        .iter()
                        .map(|a| json!({ "id": a, "source": { "name": "OSV", "url": format!("https://osv.dev/vulnerability/{a}") } }))
                        .collect(),
                ),
            );
        }
        let mut rating = json!({ "source": { "name": "OSV" }, "severity": v.severity });
        if let Some(s) = v.score {
            rating["score"] = json!(s);
        }
        match &v.severity_source {
            Some(src) if palisade_osv::cvss::version(src).is_some() => {
                rating["method"] = json!(method(src));
                rating["vector"] = json!(src);
            }
            _ => rating["method"] = json!("other"),
        }
        o.insert("ratings".into(), json!([rating]));
        if let Some(s) = &v.summary {
            o.insert("description".into(), json!(s));
        }
        let upgrades: Vec<String> = rows
            .iter()
            .filter_map(|r| r.upgrade.as_ref().map(|u| format!("{} to {u}", r.package)))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if !upgrades.is_empty() {
            o.insert(
                "recommendation".into(),
                json!(format!("Upgrade {}", upgrades.join(", "))),
            );
        }
        let analysis = match &first.suppressed {
            Some(s) => {
                let mut a = json!({ "state": "not_affected", "detail": s.reason });
                if let Some(j) = s.justification {
                    a["justification"] = serde_json::to_value(j).unwrap_or_default();
                }
                a
            }
            None => {
                let mut detail =
                    "Affected by version; palisade does not analyse reachability".to_string();
                if let Some(e) = &first.expired_ignore {
                    detail.push_str(&format!(
                        "; the ignore rule ({}) expired on {}",
                        e.reason,
                        e.expires.as_deref().unwrap_or("-")
                    ));
                }
                let mut a = json!({ "state": "in_triage", "detail": detail });
                if first.upgrade.is_some() {
                    a["response"] = json!(["update"]);
                }
                a
            }
        };
        o.insert("analysis".into(), analysis);
        let mut affects: Vec<Value> = Vec::new();
        for r in rows {
            let status = if r.suppressed.is_some() {
                "unaffected"
            } else {
                "affected"
            };
            if !affects.iter().any(|a| a["ref"] == r.bom_ref.as_str()) {
                affects.push(json!({
                    "ref": r.bom_ref,
                    "versions": [{ "version": r.version, "status": status }],
                }));
            }
        }
        o.insert("affects".into(), Value::Array(affects));
        vulns.push(entry);
    }
    doc["vulnerabilities"] = Value::Array(vulns);
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}
