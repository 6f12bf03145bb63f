//! A table for people: packages, then the assessment.

use crate::Sbom;

pub fn write(sbom: &Sbom) -> String {
    let mut rows: Vec<[String; 4]> = vec![[
        "NAME".into(),
        "VERSION".into(),
        "TYPE".into(),
        "LOCATION".into(),
    ]];
    for p in &sbom.packages {
        rows.push([
            p.name.clone(),
            p.version.clone(),
            p.kind.as_str().into(),
            p.locations.first().cloned().unwrap_or_default(),
        ]);
    }
    let w: Vec<usize> = (0..4)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    if let Some(d) = &sbom.distro {
        out.push_str(&format!("distribution: {} {}\n", d.id, d.version_id));
    }
    if let Some(img) = &sbom.source.image {
        out.push_str(&format!(
            "image: {} ({}, {} layers, user {:?})\n",
            img.tags.first().map_or(img.id.as_str(), String::as_str),
            sbom.source.kind.as_str(),
            img.layers,
            img.config.user
        ));
    }
    for r in &rows {
        let line = format!(
            "{:w0$}  {:w1$}  {:w2$}  {}",
            r[0],
            r[1],
            r[2],
            r[3],
            w0 = w[0],
            w1 = w[1],
            w2 = w[2]
        );
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out.push_str(&format!("{} packages\n", sbom.packages.len()));
    if !sbom.findings.is_empty() {
        out.push_str("\nminimal-image assessment:\n");
        for f in &sbom.findings {
            out.push_str(&format!(
                "  {} [{}] {}: {}\n    fix: {}\n",
                f.id,
                f.severity,
                f.title,
                f.evidence.join(", "),
                f.fix
            ));
        }
    }
    out
}
