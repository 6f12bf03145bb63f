//! The image facts `scan --images` gives the checks: each image read with
//! the SBOM opener and assessment, and with a database its packages matched
//! as `palisade vuln` matches them.

/// Reads each image with `palisade sbom`'s opener and assessment, keyed by
/// its tags (and digest) for the image-attack-surface check; with a
/// vulnerability database, its packages are matched as `palisade vuln`
/// matches them, for the image-vulnerabilities check.
pub fn read(
    targets: &[String],
    vulns: Option<(&palisade_vulndb::Db, &crate::MatchOptions)>,
    errors: &mut Vec<palisade_findings::InputError>,
) -> palisade_checks::images::Images {
    let mut images = palisade_checks::images::Images::default();
    for t in targets {
        let (path, selector) = palisade_imagefs::split_selector(t);
        let err = |message: String| palisade_findings::InputError {
            file: t.clone(),
            line: 0,
            column: 0,
            message,
        };
        let sbom = match palisade_sbom::scan(&path, selector.as_deref()) {
            Ok(s) => s,
            Err(e) => {
                errors.push(err(e.message));
                continue;
            }
        };
        for w in &sbom.warnings {
            errors.push(err(w.to_string()));
        }
        let Some(img) = &sbom.source.image else {
            errors.push(err(
                "not an image (a docker-archive or OCI layout/archive is needed to know its tags)"
                    .into(),
            ));
            continue;
        };
        let mut refs = img.tags.clone();
        if let Some(d) = &img.manifest_digest {
            refs.extend(img.tags.iter().map(|tag| {
                format!(
                    "{}@{d}",
                    tag.rsplit_once(':').map_or(tag.as_str(), |(r, _)| r)
                )
            }));
        }
        if refs
            .iter()
            .all(|r| palisade_model::ImageRef::parse(r).is_none() || !r.contains([':', '@']))
        {
            errors.push(err("the image has no tag to match workloads by (tag it, e.g. skopeo copy … docker-archive:IMG.tar:registry/app:1.2)".into()));
            continue;
        }
        let surface = sbom
            .findings
            .iter()
            .filter(|f| f.id != "IMG-RUNS-AS-ROOT")
            .map(|f| {
                (
                    f.title.trim_start_matches("image ").to_string(),
                    f.evidence.clone(),
                )
            })
            .collect();
        let vulnerabilities = match vulns {
            Some((db, opts)) => {
                let subjects = crate::subjects_of(&sbom);
                match crate::match_subjects(db, &subjects, opts) {
                    Ok(m) => Some(summarise(&m)),
                    Err(e) => {
                        errors.push(err(e));
                        None
                    }
                }
            }
            None => None,
        };
        images.insert(
            &refs,
            palisade_checks::images::ImageFacts {
                source: t.clone(),
                user: img.config.user.clone(),
                surface,
                vulnerabilities,
            },
        );
    }
    images
}

/// An image's vulnerabilities, counted, with the worst fixable ones.
fn summarise(m: &crate::Matched) -> palisade_checks::images::VulnSummary {
    let mut v = palisade_checks::images::VulnSummary {
        suppressed: m.suppressed.len(),
        ..Default::default()
    };
    for r in &m.findings {
        use palisade_findings::Severity;
        match crate::rank(r.vulnerability.severity) {
            Some(Severity::Critical) => v.critical += 1,
            Some(Severity::High) => v.high += 1,
            Some(Severity::Medium) => v.medium += 1,
            Some(Severity::Low) => v.low += 1,
            // rated 0.0, or not rated
            Some(Severity::Info) | None => v.other += 1,
        }
        if r.vulnerability.fix.is_some() {
            v.fixable += 1;
        }
    }
    v.packages = m
        .findings
        .iter()
        .map(|r| r.purl.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    // Findings are sorted worst first: the first fixable ones, one per id.
    for r in m.findings.iter().filter(|r| r.vulnerability.fix.is_some()) {
        if v.top.len() == 3 {
            break;
        }
        if v.top.iter().any(|(id, _, _)| *id == r.vulnerability.id) {
            continue;
        }
        v.top.push((
            r.vulnerability.id.clone(),
            format!("{} {}", r.package, r.version),
            r.upgrade
                .clone()
                .or_else(|| r.vulnerability.fix.clone())
                .unwrap_or_default(),
        ));
    }
    v
}
