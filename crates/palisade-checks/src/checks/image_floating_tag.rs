//! Images referenced by `:latest` or without any tag.

use crate::context::{Context, Workload};
use crate::sink::Sink;
use crate::util::declared;
use crate::{Check, Target};
use palisade_findings::{CheckMeta, Framework, Severity};
use palisade_model::ImageRef;

pub struct ImageFloatingTag;
pub static CHECK: ImageFloatingTag = ImageFloatingTag;

static META: CheckMeta = CheckMeta {
    id: "image-latest-tag",
    title: "Image uses :latest or no tag",
    severity: Severity::Medium,
    action: 7,
    category: "images",
    frameworks: &[Framework::Nsa("image-scanning"), Framework::Mitre("T1525")],
    risk: "`:latest` (or no tag) names whatever was pushed last: nodes run different code depending \
on when they pulled, rollbacks do not roll back, the SBOM and vulnerability scan describe an image \
that may no longer be the one running, and a compromised registry account changes production \
silently.",
    fix: "Reference an immutable version: a release tag and, better, its digest \
(`image: registry/app:1.4.2@sha256:…`).",
};

impl Check for ImageFloatingTag {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    /// What the API server can enforce itself ([`Check::admission_cel`]).
    fn admission_cel(&self) -> Option<&'static str> {
        Some(
            "variables.declared.all(c, has(c.image) && !(!c.image.contains('@') && (!c.image.substring(c.image.lastIndexOf('/') + 1).contains(':') || c.image.substring(c.image.lastIndexOf(':') + 1) == 'latest')))",
        )
    }

    fn target(&self) -> Target {
        Target::Workloads
    }

    fn check_workload(&self, _cx: &Context<'_>, w: &Workload<'_>, out: &mut Sink<'_>) {
        for c in declared(w) {
            let Some(image) = c.image else {
                out.report(
                    w.object,
                    w.container_path(c),
                    format!("{} has no image", c.describe()),
                );
                continue;
            };
            match ImageRef::parse(image) {
                Some(r) if r.is_floating() => {
                    let why = if r.tag.is_some() {
                        "the :latest tag"
                    } else {
                        "no tag (:latest)"
                    };
                    out.report(
                        w.object,
                        w.container_path(c).key("image"),
                        format!("{} uses image {image:?} with {why}", c.describe()),
                    );
                }
                Some(_) => {}
                None => {
                    out.report(
                        w.object,
                        w.container_path(c).key("image"),
                        format!("{} has an invalid image reference {image:?}", c.describe()),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{deployment, lines};

    const ID: &str = "image-latest-tag";

    fn image(i: &str) -> String {
        deployment(
            "apps",
            &format!("      containers:\n      - name: a\n        image: {i}\n"),
        )
    }

    #[test]
    fn latest_untagged_and_missing() {
        assert!(lines(ID, &image("nginx"))[0].1.contains("no tag"));
        assert!(lines(ID, &image("nginx:latest"))[0].1.contains(":latest"));
        assert_eq!(lines(ID, &image("ghcr.io/x/y:latest"))[0].0, 14);
        let none = deployment("apps", "      containers:\n      - name: a\n");
        assert!(lines(ID, &none)[0].1.contains("has no image"));
    }

    #[test]
    fn versions_and_digests_pass() {
        assert!(lines(ID, &image("nginx:1.27")).is_empty());
        assert!(
            lines(
                ID,
                &image(
                    "nginx@sha256:0000000000000000000000000000000000000000000000000000000000000000"
                )
            )
            .is_empty()
        );
        assert!(lines(ID, &image("localhost:5000/app:2")).is_empty());
    }
}
