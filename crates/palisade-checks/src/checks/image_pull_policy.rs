//! A floating image tag combined with a pull policy that reuses whatever
//! the node has cached.

use crate::context::{Context, Workload};
use crate::sink::Sink;
use crate::util::declared;
use crate::{Check, Target};
use palisade_findings::{Autofix, CheckMeta, Edit, Framework, Severity};
use palisade_model::ImageRef;

pub struct ImagePullPolicy;
pub static CHECK: ImagePullPolicy = ImagePullPolicy;

static META: CheckMeta = CheckMeta {
    id: "image-pull-policy",
    title: "Floating image tag with a cached pull policy",
    severity: Severity::Medium,
    action: 7,
    category: "images",
    frameworks: &[Framework::Nsa("image-scanning")],
    risk: "With `:latest` and `imagePullPolicy: IfNotPresent` (or `Never`) each node runs whatever \
it cached under that name, possibly months old and unpatched; two replicas can run different code, \
and a pod can start from an image another tenant pulled, without the registry checking credentials.",
    fix: "Pin the image to a version (ideally a digest). If the tag must float, set \
`imagePullPolicy: Always`.",
};

impl Check for ImagePullPolicy {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    /// What the API server can enforce itself ([`Check::admission_cel`]).
    fn admission_cel(&self) -> Option<&'static str> {
        Some(
            "variables.declared.all(c, !has(c.image) || !has(c.imagePullPolicy) || c.imagePullPolicy == 'Always' || !(!c.image.contains('@') && (!c.image.substring(c.image.lastIndexOf('/') + 1).contains(':') || c.image.substring(c.image.lastIndexOf(':') + 1) == 'latest')))",
        )
    }

    fn target(&self) -> Target {
        Target::Workloads
    }

    fn check_workload(&self, _cx: &Context<'_>, w: &Workload<'_>, out: &mut Sink<'_>) {
        for c in declared(w) {
            let (Some(image), Some(policy)) = (c.image, c.image_pull_policy) else {
                continue;
            };
            if policy != "Always" && ImageRef::parse(image).is_some_and(|r| r.is_floating()) {
                let path = w.container_path(c).key("imagePullPolicy");
                let f = out.report(
                    w.object,
                    path.clone(),
                    format!(
                        "{} pulls floating image {image:?} with imagePullPolicy={policy}",
                        c.describe()
                    ),
                );
                f.autofix = Some(Autofix::safe(vec![Edit::set(path, "Always")]));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{deployment, lines};

    const ID: &str = "image-pull-policy";

    #[test]
    fn floating_tag_with_cached_policy() {
        let y = deployment(
            "apps",
            "      containers:\n      - {name: a, image: \"w:latest\", imagePullPolicy: IfNotPresent}\n      - {name: b, image: \"w:latest\", imagePullPolicy: Always}\n      - {name: c, image: \"w:1.0\", imagePullPolicy: IfNotPresent}\n      - {name: d, image: w}\n",
        );
        let got = lines(ID, &y);
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(got[0].1.contains("IfNotPresent"));
    }
}
