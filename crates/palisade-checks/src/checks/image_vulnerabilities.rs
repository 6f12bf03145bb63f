//! Known vulnerabilities in the packages of the image a container runs —
//! from `scan --images` with an OSV database (`palisade db`), where the
//! binary catalogs each image and matches its packages exactly as
//! `palisade vuln` does (the configuration's ignore rules applied). Silent
//! without `--images` or without a database.

use crate::context::{Context, Workload};
use crate::sink::Sink;
use crate::util::declared;
use crate::{Check, Target};
use palisade_findings::{CheckMeta, Framework, Severity};

pub struct ImageVulnerabilities;
pub static CHECK: ImageVulnerabilities = ImageVulnerabilities;

static META: CheckMeta = CheckMeta {
    id: "image-vulnerabilities",
    title: "Image has packages with known vulnerabilities",
    severity: Severity::High,
    action: 8,
    category: "images",
    frameworks: &[Framework::Nsa("image-scanning"), Framework::Mitre("T1190")],
    risk: "A package with a published vulnerability is what an attacker looks for first: exploits \
for known CVEs are public and automated, and a fixed version usually exists. The finding's \
severity is the worst rating among the image's vulnerabilities (medium for ones without a \
rating); they are matched by version only — palisade does not analyse whether the vulnerable \
code is reachable.",
    fix: "Rebuild the image on a current base image and with the upgraded packages the finding \
names (`palisade vuln IMAGE` lists every vulnerability with the shortest upgrade that fixes it); \
accept what does not apply in `.palisade.yaml` under `vulnerabilities: ignore:` with a reason and \
an expiry date.",
};

impl Check for ImageVulnerabilities {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn target(&self) -> Target {
        Target::Workloads
    }

    fn check_workload(&self, cx: &Context<'_>, w: &Workload<'_>, out: &mut Sink<'_>) {
        if cx.images.is_empty() {
            return;
        }
        for c in declared(w) {
            let Some(image) = c.image else { continue };
            let Some(v) = cx
                .images
                .get(image)
                .and_then(|f| f.vulnerabilities.as_ref())
            else {
                continue;
            };
            if v.total() == 0 {
                continue;
            }
            let source = cx
                .images
                .get(image)
                .map(|f| f.source.as_str())
                .unwrap_or("");
            let mut counts = Vec::new();
            for (n, word) in [
                (v.critical, "critical"),
                (v.high, "high"),
                (v.medium, "medium"),
                (v.low, "low"),
                (v.other, "unrated"),
            ] {
                if n > 0 {
                    counts.push(format!("{n} {word}"));
                }
            }
            let mut message = format!(
                "{} image {image:?} ({source}): {} known vulnerabilities in {} packages ({}); {} fixable",
                c.describe(),
                v.total(),
                v.packages,
                counts.join(", "),
                v.fixable
            );
            if !v.top.is_empty() {
                let top: Vec<String> = v
                    .top
                    .iter()
                    .map(|(id, pkg, to)| format!("{id} in {pkg} (upgrade to {to})"))
                    .collect();
                message.push_str(&format!("; worst fixable: {}", top.join(", ")));
            }
            if v.suppressed > 0 {
                message.push_str(&format!("; {} accepted by the configuration", v.suppressed));
            }
            let severity = if v.critical > 0 {
                Severity::Critical
            } else if v.high > 0 {
                Severity::High
            } else if v.medium > 0 || v.other > 0 {
                // A vulnerability nobody rated (most of Debian's) is not
                // taken as harmless.
                Severity::Medium
            } else {
                Severity::Low
            };
            out.report(w.object, w.container_path(c).key("image"), message)
                .severity = severity;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::images::{ImageFacts, Images, VulnSummary};
    use crate::testing::{deployment, model};
    use palisade_findings::Severity;

    fn run(y: &str, images: Images) -> Vec<(Severity, String)> {
        let model = model(y);
        let settings = crate::engine::Settings {
            images: std::sync::Arc::new(images),
            ..Default::default()
        };
        crate::engine::run(&model, &settings)
            .findings
            .into_iter()
            .filter(|f| f.id() == "image-vulnerabilities")
            .map(|f| (f.severity, format!("{}: {}", f.location.line, f.message)))
            .collect()
    }

    fn images(v: Option<VulnSummary>) -> Images {
        let mut im = Images::default();
        im.insert(
            &["registry.example/app:1".into()],
            ImageFacts {
                source: "app.tar".into(),
                user: "10001".into(),
                vulnerabilities: v,
                ..Default::default()
            },
        );
        im
    }

    #[test]
    fn worst_rating_and_fixable_ids() {
        let y = deployment(
            "a",
            "      containers:\n      - {name: web, image: registry.example/app:1}\n      - {name: side, image: other:2}\n",
        );
        let v = VulnSummary {
            high: 2,
            medium: 1,
            fixable: 2,
            packages: 2,
            suppressed: 1,
            top: vec![(
                "CVE-2025-26519".into(),
                "musl 1.2.4-r4".into(),
                "1.2.4-r5".into(),
            )],
            ..Default::default()
        };
        let got = run(&y, images(Some(v)));
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].0, Severity::High);
        assert!(
            got[0]
                .1
                .contains("3 known vulnerabilities in 2 packages (2 high, 1 medium); 2 fixable")
                && got[0]
                    .1
                    .contains("CVE-2025-26519 in musl 1.2.4-r4 (upgrade to 1.2.4-r5)")
                && got[0].1.contains("1 accepted"),
            "{got:?}"
        );
    }

    #[test]
    fn silent_without_a_database_or_vulnerabilities() {
        let y = deployment(
            "a",
            "      containers:\n      - {name: web, image: registry.example/app:1}\n",
        );
        assert!(run(&y, images(None)).is_empty());
        assert!(run(&y, images(Some(VulnSummary::default()))).is_empty());
        assert!(run(&y, Images::default()).is_empty());
        let low = VulnSummary {
            low: 1,
            packages: 1,
            ..Default::default()
        };
        assert_eq!(run(&y, images(Some(low)))[0].0, Severity::Low);
        let unrated = VulnSummary {
            low: 1,
            other: 1,
            packages: 1,
            ..Default::default()
        };
        assert_eq!(run(&y, images(Some(unrated)))[0].0, Severity::Medium);
    }
}
