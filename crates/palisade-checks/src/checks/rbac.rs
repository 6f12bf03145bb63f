//! RBAC risk classes as scan checks. Each class is one file in
//! `palisade-rbac/src/risks/` (metadata, docs and detection); this wraps
//! them for the catalogue, evaluated on the RBAC model the context builds.

use crate::context::Context;
use crate::sink::Sink;
use crate::{Check, Target};
use palisade_findings::CheckMeta;
use palisade_rbac::risks::{Detect, Risk, evaluate, subsumed};
use std::sync::LazyLock;

pub struct RbacCheck {
    risk: &'static Risk,
}

pub static CHECKS: LazyLock<Vec<RbacCheck>> = LazyLock::new(|| {
    palisade_rbac::risks::ALL
        .iter()
        .map(|r| RbacCheck { risk: r })
        .collect()
});

impl Check for RbacCheck {
    fn meta(&self) -> &'static CheckMeta {
        self.risk.meta
    }

    fn target(&self) -> Target {
        match self.risk.detect {
            Detect::Role(_) => Target::Kinds(&["Role", "ClusterRole"]),
            _ => Target::Kinds(&["RoleBinding", "ClusterRoleBinding"]),
        }
    }

    fn check_model(&self, cx: &Context<'_>, out: &mut Sink<'_>) {
        for f in evaluate(&cx.rbac, self.risk) {
            // a `* on *` binding is reported once, as rbac-cluster-admin
            if subsumed(self.risk, &f, &cx.rbac_admin_bindings) {
                continue;
            }
            let finding = out.report_at(f.object, f.location, f.message);
            finding.severity = f.severity;
            finding.path = Some(f.path);
            finding.cause = f.cause.map(Box::new);
        }
    }
}
