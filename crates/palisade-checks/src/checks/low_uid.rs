//! Containers that run as a low, non-root UID that can collide with node
//! accounts.

use crate::context::{Context, Workload};
use crate::sink::Sink;
use crate::util::{declared, run_as_user};
use crate::{Check, Target};
use palisade_findings::{Autofix, CheckMeta, Edit, Framework, Severity};

pub struct LowUid;
pub static CHECK: LowUid = LowUid;

/// UIDs below this are commonly allocated on hosts and in base images.
pub const MIN_UID: i64 = 10000;

static META: CheckMeta = CheckMeta {
    id: "low-uid",
    title: "Container runs as a low UID (below 10000)",
    severity: Severity::Low,
    action: 7,
    category: "hardening",
    frameworks: &[Framework::Nsa("non-root")],
    risk: "Without user namespaces a container UID is the node's UID. Low UIDs are used by node \
accounts and daemons; a container that escapes as one of them inherits that account's files and \
rights on the node.",
    fix: "Run as a UID of 10000 or more (`runAsUser: 10001`), matching the image's file ownership.",
};

impl Check for LowUid {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn target(&self) -> Target {
        Target::Workloads
    }

    fn check_workload(&self, _cx: &Context<'_>, w: &Workload<'_>, out: &mut Sink<'_>) {
        if w.template.is_windows() || w.spec().host_users == Some(false) {
            return;
        }
        for c in declared(w) {
            if let Some(uid) = run_as_user(w, c)
                && (1..MIN_UID).contains(&uid)
            {
                let own = c.security_context.and_then(|s| s.run_as_user).is_some();
                let path = if own {
                    w.container_sc_path(c, &["runAsUser"])
                } else {
                    w.pod_sc_path(&["runAsUser"])
                };
                let f = out.report(
                    w.object,
                    path.clone(),
                    format!("{} runs as UID {uid} (below {MIN_UID})", c.describe()),
                );
                f.autofix = Some(Autofix::unsafe_(
                    vec![Edit::set(path, 10001)],
                    "the image's files must be readable (and, where it writes, writable) by UID 10001",
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{deployment, lines};

    const ID: &str = "low-uid";

    #[test]
    fn low_uid_is_reported_where_it_is_set() {
        let y = deployment(
            "apps",
            "      securityContext: {runAsUser: 1000}\n      containers:\n      - {name: a, image: x:1}\n      - name: b\n        image: x:1\n        securityContext: {runAsUser: 10001}\n",
        );
        let got = lines(ID, &y);
        assert_eq!(
            got,
            [(
                12,
                "container \"a\" runs as UID 1000 (below 10000)".to_string()
            )]
        );
    }

    #[test]
    fn root_and_high_uids_are_not_low() {
        for uid in ["0", "10000", "65534"] {
            let y = deployment(
                "apps",
                &format!(
                    "      securityContext: {{runAsUser: {uid}}}\n      containers:\n      - {{name: a, image: x:1}}\n"
                ),
            );
            assert!(lines(ID, &y).is_empty(), "{uid}");
        }
    }
}
