//! Images not pinned by digest.

use crate::context::{Context, Workload};
use crate::sink::Sink;
use crate::util::declared;
use crate::{Check, Target};
use palisade_findings::{CheckMeta, Framework, Severity};
use palisade_model::ImageRef;

pub struct ImageDigest;
pub static CHECK: ImageDigest = ImageDigest;

static META: CheckMeta = CheckMeta {
    id: "image-no-digest",
    title: "Image not pinned by digest",
    severity: Severity::Low,
    action: 7,
    category: "images",
    frameworks: &[Framework::Nsa("image-scanning"), Framework::Mitre("T1525")],
    risk: "Tags are mutable: whoever can push to the repository can replace `1.4.2` with other \
content, and the cluster pulls it on the next reschedule. Only a digest names the exact image that \
was reviewed and scanned.",
    fix: "Append the digest of the reviewed image: `image: registry/app:1.4.2@sha256:<digest>` \
(`crane digest`, `docker buildx imagetools inspect` or your registry shows it).",
};

impl Check for ImageDigest {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    /// What the API server can enforce itself ([`Check::admission_cel`]).
    fn admission_cel(&self) -> Option<&'static str> {
        Some(
            "variables.declared.all(c, !has(c.image) || c.image.contains('@') || (!c.image.contains('@') && (!c.image.substring(c.image.lastIndexOf('/') + 1).contains(':') || c.image.substring(c.image.lastIndexOf(':') + 1) == 'latest')))",
        )
    }

    fn target(&self) -> Target {
        Target::Workloads
    }

    fn check_workload(&self, _cx: &Context<'_>, w: &Workload<'_>, out: &mut Sink<'_>) {
        for c in declared(w) {
            let Some(image) = c.image else { continue };
            // floating tags are reported (more severely) by image-latest-tag
            if let Some(r) = ImageRef::parse(image)
                && !r.is_pinned()
                && !r.is_floating()
            {
                let f = out.report(
                    w.object,
                    w.container_path(c).key("image"),
                    format!("{} uses image {image:?} without a digest", c.describe()),
                );
                // the fix names this image, not an example
                f.fix = format!(
                    "Append the digest of the reviewed image: `image: {image}@sha256:<digest>` (`crane digest {image}`, `docker buildx imagetools inspect {image}` or your registry shows it)."
                )
                .into();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{deployment, lines};

    const ID: &str = "image-no-digest";

    #[test]
    fn tags_without_digest() {
        let y = deployment(
            "apps",
            "      containers:\n      - {name: a, image: \"nginx:1.27\"}\n      - {name: b, image: \"nginx:1.27@sha256:abc\"}\n      - {name: c, image: nginx}\n",
        );
        let got = lines(ID, &y);
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(got[0].1.contains("\"a\""));
        // the fix names the image
        let f = &crate::testing::findings(ID, &y)[0];
        assert!(
            f.fix.contains("`image: nginx:1.27@sha256:<digest>`"),
            "{}",
            f.fix
        );
    }
}
