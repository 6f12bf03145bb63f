//! Objects written against API versions current clusters no longer serve.

use crate::context::Context;
use crate::sink::Sink;
use crate::{Check, Target};
use palisade_findings::{Autofix, CheckMeta, Edit, Severity};
use palisade_model::{Object, kinds};
use palisade_value::Path;

pub struct RemovedApiVersion;
pub static CHECK: RemovedApiVersion = RemovedApiVersion;

static META: CheckMeta = CheckMeta {
    id: "removed-api-version",
    title: "Removed API version",
    severity: Severity::High,
    action: 3,
    category: "iac",
    frameworks: &[],
    risk: "The API server no longer serves this version: `kubectl apply` fails, GitOps sync stops, \
and the infrastructure-as-code no longer describes what runs. PodSecurityPolicy objects are silently \
not enforced anywhere since 1.25.",
    fix: "Move to the replacement API version (and its schema changes, e.g. Ingress `backend.service`).",
};

impl Check for RemovedApiVersion {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn target(&self) -> Target {
        Target::Objects
    }

    fn check_object(&self, cx: &Context<'_>, o: &Object, out: &mut Sink<'_>) {
        let Some(r) = kinds::removed_api(&o.api_version, &o.kind) else {
            return;
        };
        let path = Path::root().key("apiVersion");
        let served_by_target = cx.kubernetes_minor.is_some_and(|m| m < r.removed_minor());
        let replacement_served = cx
            .kubernetes_minor
            .is_none_or(|m| m >= r.replacement_minor());
        let plain = r.replacement.contains('/') && !r.replacement.contains(' ');
        let f = if served_by_target {
            // still served where it is going: plan the move, do not break
            // a cluster that does not have the replacement yet
            let target = cx.kubernetes_minor.unwrap_or_default();
            let advice = match (plain, replacement_served) {
                (true, true) => format!("move to {}", r.replacement),
                (true, false) => format!(
                    "{} is served from Kubernetes {}: move when you upgrade",
                    r.replacement, r.replacement_since
                ),
                (false, _) => r.replacement.to_string(),
            };
            let f = out.report(
                o,
                path.clone(),
                format!(
                    "{} {} uses {}, still served by Kubernetes 1.{target} but removed in {}; {advice}",
                    o.kind, o.name, o.api_version, r.removed_in
                ),
            );
            f.severity = Severity::Low;
            f
        } else {
            let advice = if plain && !replacement_served {
                format!(
                    "use {} (served from Kubernetes {}) or the newest beta your cluster serves",
                    r.replacement, r.replacement_since
                )
            } else {
                format!("use {}", r.replacement)
            };
            out.report(
                o,
                path.clone(),
                format!(
                    "{} {} uses {}, removed in Kubernetes {}; {advice}",
                    o.kind, o.name, o.api_version, r.removed_in
                ),
            )
        };
        if plain && replacement_served && o.kind != "Ingress" && o.kind != "HorizontalPodAutoscaler"
        {
            f.autofix = Some(Autofix::safe(vec![Edit::set(path, r.replacement)]));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::findings;

    const ID: &str = "removed-api-version";

    #[test]
    fn removed_versions_with_and_without_autofix() {
        let d = "apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata: {name: d, namespace: apps}\nspec:\n  template:\n    spec: {containers: [{name: a, image: x:1}]}\n";
        let f = findings(ID, d);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("removed in Kubernetes 1.16"));
        let fix = serde_json::to_value(f[0].autofix.as_ref().unwrap()).unwrap();
        assert_eq!(fix["edits"][0]["value"], "apps/v1");
        let psp =
            "apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata: {name: p}\nspec: {}\n";
        let f = findings(ID, psp);
        assert!(f[0].autofix.is_none());
        assert!(findings(ID, &d.replace("extensions/v1beta1", "apps/v1")).is_empty());
    }

    #[test]
    fn the_target_version_governs_the_advice() {
        use crate::engine::{Settings, run};
        use palisade_findings::Severity;
        let cron = "apiVersion: batch/v1beta1\nkind: CronJob\nmetadata: {name: c, namespace: apps}\nspec:\n  schedule: '@daily'\n  jobTemplate:\n    spec:\n      template:\n        spec: {containers: [{name: a, image: x:1}]}\n";
        let at = |minor: Option<u32>| {
            let settings = Settings {
                only: Some([ID.to_string()].into()),
                kubernetes_minor: minor,
                ..Settings::default()
            };
            run(&crate::testing::model(cron), &settings).findings
        };
        // newest (default) and 1.25+: removed, high, fixed in place
        let f = at(None);
        assert_eq!(f[0].severity, Severity::High);
        assert!(f[0].autofix.is_some());
        // 1.20: still served, and batch/v1 is not there yet: no fix
        let f = at(Some(20));
        assert_eq!(f[0].severity, Severity::Low);
        assert!(
            f[0].message.contains("still served by Kubernetes 1.20 but removed in 1.25; batch/v1 is served from Kubernetes 1.21"),
            "{}",
            f[0].message
        );
        assert!(f[0].autofix.is_none());
        // 1.23: still served, the replacement too: plan the move
        let f = at(Some(23));
        assert_eq!(f[0].severity, Severity::Low);
        assert!(
            f[0].message.ends_with("move to batch/v1"),
            "{}",
            f[0].message
        );
        assert!(f[0].autofix.is_some());
        assert_eq!(at(Some(30))[0].severity, Severity::High);
    }
}
