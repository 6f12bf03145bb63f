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

    fn check_object(&self, _cx: &Context<'_>, o: &Object, out: &mut Sink<'_>) {
        let Some(r) = kinds::removed_api(&o.api_version, &o.kind) else {
            return;
        };
        let path = Path::root().key("apiVersion");
        let f = out.report(
            o,
            path.clone(),
            format!(
                "{} {} uses {}, removed in Kubernetes {}; use {}",
                o.kind, o.name, o.api_version, r.removed_in, r.replacement
            ),
        );
        if r.replacement.contains('/')
            && !r.replacement.contains(' ')
            && o.kind != "Ingress"
            && o.kind != "HorizontalPodAutoscaler"
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
}
