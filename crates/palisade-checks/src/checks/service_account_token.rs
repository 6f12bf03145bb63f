//! Pods that mount a service-account token although nothing in the input
//! grants that service account any API permission.

use crate::context::{Context, Workload};
use crate::sink::Sink;
use crate::{Check, Target};
use palisade_findings::{Autofix, CheckMeta, Edit, Framework, Severity};
use palisade_model::Typed;

pub struct ServiceAccountToken;
pub static CHECK: ServiceAccountToken = ServiceAccountToken;

static META: CheckMeta = CheckMeta {
    id: "automount-service-account-token",
    title: "Service-account token mounted but not needed",
    severity: Severity::Medium,
    action: 5,
    category: "hardening",
    frameworks: &[
        Framework::Cis("5.1.6"),
        Framework::Nsa("sa-tokens"),
        Framework::Mitre("T1528"),
        Framework::Mitre("T1552.007"),
    ],
    risk: "Every pod gets an API token at `/var/run/secrets/kubernetes.io/serviceaccount` unless it \
opts out. An attacker with code execution reads it and talks to the API server as the pod: \
discovery at least, and whatever RBAC (or a future binding) grants that account.",
    fix: "Set `automountServiceAccountToken: false` in the pod spec (or on the ServiceAccount); pods \
that call the API should use a dedicated service account bound to a minimal Role.",
};

impl Check for ServiceAccountToken {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn target(&self) -> Target {
        Target::Workloads
    }

    fn check_workload(&self, cx: &Context<'_>, w: &Workload<'_>, out: &mut Sink<'_>) {
        let spec = w.spec();
        if spec.automount_service_account_token == Some(false) {
            return;
        }
        let ns = w.namespace().unwrap_or("default");
        let sa = w.service_account();
        let sa_object = cx.model.get("ServiceAccount", Some(ns), sa);
        let sa_opts_out = sa_object.is_some_and(|o| match &o.typed {
            Typed::ServiceAccount(s) => s.automount_service_account_token == Some(false),
            _ => false,
        });
        if spec.automount_service_account_token.is_none() && sa_opts_out {
            return;
        }
        // a custom service account whose bindings may live outside the input
        if sa != "default" && !cx.has_rbac {
            return;
        }
        if cx.service_account_is_bound(ns, sa) {
            return;
        }
        let path = w.spec_path().key("automountServiceAccountToken");
        let f = out.report(
            w.object,
            path.clone(),
            format!(
                "pod mounts the API token of service account {ns}/{sa}, which no RoleBinding or ClusterRoleBinding in the input grants anything"
            ),
        );
        f.autofix = Some(Autofix::safe(vec![Edit::set(path, false)]));
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{deployment, lines};

    const ID: &str = "automount-service-account-token";

    #[test]
    fn default_account_without_bindings() {
        let y = deployment("apps", "      containers:\n      - {name: a, image: x:1}\n");
        assert!(lines(ID, &y)[0].1.contains("apps/default"));
        let off = deployment(
            "apps",
            "      automountServiceAccountToken: false\n      containers:\n      - {name: a, image: x:1}\n",
        );
        assert!(lines(ID, &off).is_empty());
    }

    #[test]
    fn service_account_object_opts_out() {
        let y = "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: default, namespace: apps}\nautomountServiceAccountToken: false\n---\n".to_string()
            + &deployment("apps", "      containers:\n      - {name: a, image: x:1}\n");
        assert!(lines(ID, &y).is_empty());
    }

    #[test]
    fn custom_accounts_depend_on_bindings_in_the_input() {
        let pod = deployment(
            "apps",
            "      serviceAccountName: api\n      containers:\n      - {name: a, image: x:1}\n",
        );
        // no RBAC in the input: the binding may live elsewhere
        assert!(lines(ID, &pod).is_empty());
        let other_binding = "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: rb, namespace: apps}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}\nsubjects:\n- {kind: ServiceAccount, name: other}\n---\n";
        assert_eq!(lines(ID, &(other_binding.to_string() + &pod)).len(), 1);
        let own_binding = other_binding.replace("name: other", "name: api");
        assert!(lines(ID, &(own_binding + &pod)).is_empty());
        let group = other_binding.replace(
            "kind: ServiceAccount, name: other",
            "kind: Group, name: \"system:serviceaccounts:apps\"",
        );
        assert!(lines(ID, &(group + &pod)).is_empty());
    }

    #[test]
    fn the_api_servers_discovery_bindings_grant_a_token_no_use() {
        // every service account is in system:serviceaccounts, which the
        // API server binds to service-account issuer discovery
        let discovery = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: system:service-account-issuer-discovery\n  labels: {kubernetes.io/bootstrapping: rbac-defaults}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:service-account-issuer-discovery}\nsubjects:\n- {kind: Group, apiGroup: rbac.authorization.k8s.io, name: \"system:serviceaccounts\"}\n---\n";
        let pod = deployment("apps", "      containers:\n      - {name: a, image: x:1}\n");
        assert_eq!(lines(ID, &(discovery.to_string() + &pod)).len(), 1);
        let ours = discovery.replace(
            "  labels: {kubernetes.io/bootstrapping: rbac-defaults}\n",
            "",
        );
        assert!(lines(ID, &(ours + &pod)).is_empty());
    }
}
