//! Workloads that run as their namespace's `default` service account.

use crate::context::{Context, Workload};
use crate::sink::Sink;
use crate::{Check, Target};
use palisade_findings::{CheckMeta, Framework, Severity};

pub struct DefaultServiceAccount;
pub static CHECK: DefaultServiceAccount = DefaultServiceAccount;

static META: CheckMeta = CheckMeta {
    id: "default-service-account",
    title: "Workload uses the default service account",
    severity: Severity::Low,
    action: 5,
    category: "hardening",
    frameworks: &[
        Framework::Cis("5.1.5"),
        Framework::Nsa("sa-tokens"),
        Framework::Mitre("T1078.001"),
    ],
    risk: "Every pod of the namespace that does not name a service account shares `default`: a \
permission granted to one of them (a RoleBinding to `default` is a common shortcut) is granted to \
all, and audit logs cannot tell them apart.",
    fix: "Create a ServiceAccount per application and set `serviceAccountName`; leave `default` with \
no bindings and `automountServiceAccountToken: false`.",
};

impl Check for DefaultServiceAccount {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    /// What the API server can enforce itself ([`Check::admission_cel`]).
    fn admission_cel(&self) -> Option<&'static str> {
        Some(
            "(has(variables.spec.serviceAccountName) && variables.spec.serviceAccountName != '' ? variables.spec.serviceAccountName : (has(variables.spec.serviceAccount) && variables.spec.serviceAccount != '' ? variables.spec.serviceAccount : 'default')) != 'default'",
        )
    }

    fn target(&self) -> Target {
        Target::Workloads
    }

    fn check_workload(&self, cx: &Context<'_>, w: &Workload<'_>, out: &mut Sink<'_>) {
        if w.service_account() != "default" {
            return;
        }
        let ns = w.namespace().unwrap_or("default");
        let bound = cx.service_account_is_bound(ns, "default");
        let f = out.report(
            w.object,
            w.spec_path().key("serviceAccountName"),
            if bound {
                format!("workload runs as {ns}/default, which RBAC grants permissions to: every pod in {ns} without its own service account gets them")
            } else {
                format!("workload runs as the {ns}/default service account")
            },
        );
        if bound {
            f.severity = Severity::High;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{deployment, findings};
    use palisade_findings::Severity;

    const ID: &str = "default-service-account";

    #[test]
    fn default_account_and_bound_default() {
        let y = deployment("apps", "      containers:\n      - {name: a, image: x:1}\n");
        let f = findings(ID, &y);
        assert_eq!(f[0].severity, Severity::Low);
        let bound = "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: rb, namespace: apps}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}\nsubjects:\n- {kind: ServiceAccount, name: default, namespace: apps}\n---\n".to_string() + &y;
        assert_eq!(findings(ID, &bound)[0].severity, Severity::High);
        let own = deployment(
            "apps",
            "      serviceAccountName: api\n      containers:\n      - {name: a, image: x:1}\n",
        );
        assert!(findings(ID, &own).is_empty());
    }
}
