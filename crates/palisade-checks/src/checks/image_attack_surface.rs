//! What the image itself ships (shells, package managers, compilers,
//! debuggers, network tools) and whether it runs as root when the pod does
//! not say otherwise — from `scan --images`, which reads the image archives
//! with `palisade sbom`'s minimal-image assessment. Silent without
//! `--images`.

use crate::context::{Context, Workload};
use crate::sink::Sink;
use crate::util::{declared, run_as_non_root, run_as_user};
use crate::{Check, Target};
use palisade_findings::{CheckMeta, Framework, Severity};

pub struct ImageAttackSurface;
pub static CHECK: ImageAttackSurface = ImageAttackSurface;

static META: CheckMeta = CheckMeta {
    id: "image-attack-surface",
    title: "Image ships tools an intruder would use, or runs as root by default",
    severity: Severity::Medium,
    action: 7,
    category: "images",
    frameworks: &[Framework::Nsa("image-scanning"), Framework::Mitre("T1059")],
    risk: "A shell, a package manager, a compiler or curl in the image turns a code-execution bug \
into an interactive foothold that can fetch and build tools; an image whose config sets no `USER` \
runs as UID 0 unless the pod overrides it. Distroless and scratch-based images leave an intruder \
nothing to work with.",
    fix: "Build the final image FROM a distroless (or scratch) base in a multi-stage build, copy \
only the application into it, and set a numeric non-root `USER`; in the pod, set \
`runAsNonRoot: true` and a non-zero `runAsUser`.",
};

impl Check for ImageAttackSurface {
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
            let Some(facts) = cx.images.get(image) else {
                continue;
            };
            let mut what: Vec<String> = facts
                .surface
                .iter()
                .map(|(title, ev)| format!("{title} ({})", ev.join(", ")))
                .collect();
            // Only when nothing in the pod overrides the image's user.
            let overridden = run_as_non_root(w, c) == Some(true) || run_as_user(w, c).is_some();
            if facts.runs_as_root() && !overridden {
                what.push(format!(
                    "runs as root (config User {:?}) and the pod sets no runAsUser",
                    facts.user
                ));
            }
            if what.is_empty() {
                continue;
            }
            out.report(
                w.object,
                w.container_path(c).key("image"),
                format!(
                    "{} image {image:?} ({}): {}",
                    c.describe(),
                    facts.source,
                    what.join("; ")
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::images::{ImageFacts, Images};
    use crate::testing::{deployment, model};

    fn run(y: &str, images: Images) -> Vec<String> {
        let model = model(y);
        let settings = crate::engine::Settings {
            images: std::sync::Arc::new(images),
            ..Default::default()
        };
        crate::engine::run(&model, &settings)
            .findings
            .into_iter()
            .filter(|f| f.id() == "image-attack-surface")
            .map(|f| format!("{}: {}", f.location.line, f.message))
            .collect()
    }

    fn images(user: &str, surface: bool) -> Images {
        let mut im = Images::default();
        let surface = if surface {
            vec![("ships a shell".to_string(), vec!["bin/sh".to_string()])]
        } else {
            vec![]
        };
        im.insert(
            &["registry.example/app:1".into()],
            ImageFacts {
                source: "app.tar".into(),
                user: user.into(),
                surface,
                ..Default::default()
            },
        );
        im
    }

    #[test]
    fn attached_to_the_container_using_the_image() {
        let y = deployment(
            "a",
            "      containers:\n      - {name: web, image: registry.example/app:1}\n      - {name: side, image: other:2}\n",
        );
        let got = run(&y, images("", true));
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(
            got[0].contains("ships a shell (bin/sh)") && got[0].contains("runs as root"),
            "{got:?}"
        );
        // Without --images the check is silent.
        assert!(run(&y, Images::default()).is_empty());
    }

    #[test]
    fn a_pod_that_sets_its_user_is_not_root_and_a_clean_image_is_quiet() {
        let y = deployment(
            "a",
            "      securityContext: {runAsUser: 10001}\n      containers:\n      - {name: web, image: registry.example/app:1}\n",
        );
        let got = run(&y, images("", true));
        assert!(
            got.len() == 1 && !got[0].contains("runs as root"),
            "{got:?}"
        );
        assert!(run(&y, images("", false)).is_empty());
        let plain = deployment(
            "a",
            "      containers:\n      - {name: web, image: registry.example/app:1}\n",
        );
        assert!(run(&plain, images("10001", false)).is_empty());
    }
}
