//! Pod Security Standards controls as scan checks: a workload is held to
//! the level its namespace enforces (`pod-security.kubernetes.io/enforce`),
//! else to the default level (restricted). The control logic and metadata
//! live in `palisade-pss`, one file per upstream check.

use crate::context::{Context, Workload};
use crate::sink::Sink;
use crate::{Check, Target};
use palisade_findings::{Autofix, CheckMeta, Edit};
use palisade_pss::{Control, Remedy, Scalar};
use std::sync::LazyLock;

pub struct PssCheck {
    control: &'static Control,
}

pub static CHECKS: LazyLock<Vec<PssCheck>> = LazyLock::new(|| {
    palisade_pss::controls::ALL
        .iter()
        .map(|c| PssCheck { control: c })
        .collect()
});

impl Check for PssCheck {
    fn meta(&self) -> &'static CheckMeta {
        self.control.meta
    }

    fn target(&self) -> Target {
        Target::Workloads
    }

    fn check_workload(&self, cx: &Context<'_>, w: &Workload<'_>, out: &mut Sink<'_>) {
        for v in w.pss.iter().filter(|v| v.check == self.control.id) {
            // a baseline violation that a restricted check overrides is
            // that check's to report, unless it does not run (`--skip`,
            // `--check`): skipping one check never hides another's finding
            if let Some(by) = v.overridden_by
                && palisade_pss::controls::by_id(by).is_none_or(|c| cx.check_enabled(c.meta.id))
            {
                continue;
            }
            let path = v
                .fields
                .first()
                .map(|p| w.pod_path(p))
                .unwrap_or_else(|| w.spec_path());
            let mut message = format!("{} [PodSecurity {}]", v.message(), w.pss_policy);
            // what the baseline level forbids keeps the baseline's
            // severity when a stricter check stands for it
            let mut severity = self.control.meta.severity;
            for u in w
                .pss
                .iter()
                .filter(|u| u.overridden_by == Some(self.control.id))
            {
                if let Some(c) = palisade_pss::controls::by_id(u.check) {
                    severity = severity.max(c.meta.severity);
                    message.push_str(&format!("; baseline forbids it too: {}", u.message()));
                }
            }
            let f = out.report(w.object, path, message);
            f.severity = f.severity.max(severity);
            f.autofix = autofix(self.control.remedy, w, &v.fields);
        }
    }
}

fn value(s: Scalar) -> serde_json::Value {
    match s {
        Scalar::Bool(b) => b.into(),
        Scalar::Str(t) => t.into(),
    }
}

fn fix(edits: Vec<Edit>, caution: Option<&str>) -> Autofix {
    match caution {
        None => Autofix::safe(edits),
        Some(c) => Autofix::unsafe_(edits, c),
    }
}

/// The control's remedy (declared beside it in `palisade-pss`) as edits of
/// this workload.
fn autofix(remedy: Remedy, w: &Workload<'_>, fields: &[palisade_value::Path]) -> Option<Autofix> {
    use palisade_value::Seg;
    let obj_paths = || fields.iter().map(|p| w.pod_path(p));
    match remedy {
        Remedy::None => None,
        Remedy::SetFields { to, caution } => Some(fix(
            obj_paths().map(|p| Edit::set(p, value(to))).collect(),
            caution,
        )),
        Remedy::SeccompRuntimeDefault => {
            let pod_level = w.pod_sc_path(&["seccompProfile"]);
            let edits: Vec<Edit> = obj_paths()
                .filter_map(|p| {
                    if p == pod_level {
                        Some(p.key("type"))
                    } else if matches!(p.last(), Some(Seg::Key(k)) if k == "type") {
                        Some(p)
                    } else {
                        // annotations, and containers the pod-level profile covers
                        None
                    }
                })
                .map(|p| Edit::set(p, "RuntimeDefault"))
                .collect();
            (!edits.is_empty()).then(|| Autofix::safe(edits))
        }
        Remedy::DropAllCapabilities => {
            let edits: Vec<Edit> = obj_paths()
                .filter(|p| matches!(p.last(), Some(Seg::Key(k)) if k == "drop"))
                .map(|p| Edit::AddToList {
                    path: p,
                    value: "ALL".into(),
                })
                .collect();
            (!edits.is_empty()).then(|| Autofix::safe(edits))
        }
        Remedy::PodSecurityContext { field, to, caution } => Some(fix(
            vec![Edit::set(w.pod_sc_path(&[field]), value(to))],
            caution,
        )),
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{deployment, findings, lines, namespace};

    #[test]
    fn level_comes_from_the_namespace_label() {
        let spec = "      containers:\n      - name: a\n        image: x:1\n        securityContext: {privileged: true}\n";
        let baseline = namespace("b", "baseline") + &deployment("b", spec);
        let got = lines("pss-privileged", &baseline);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, 22);
        assert!(
            got[0].1.ends_with("[PodSecurity baseline:latest]"),
            "{}",
            got[0].1
        );
        // restricted-only controls do not apply at baseline
        assert!(lines("pss-run-as-non-root", &baseline).is_empty());
        // unlabelled namespaces are held to restricted
        let unlabelled = deployment("u", spec);
        assert_eq!(lines("pss-run-as-non-root", &unlabelled).len(), 1);
        // a privileged namespace gets no Pod Security findings
        let privileged = namespace("p", "privileged") + &deployment("p", spec);
        assert!(lines("pss-privileged", &privileged).is_empty());
    }

    #[test]
    fn baseline_severity_survives_a_restricted_namespace_and_skips() {
        use crate::testing::findings_with;
        let spec = "      containers:\n      - name: a\n        image: x:1\n        securityContext: {capabilities: {add: [SYS_ADMIN]}}\n";
        let baseline = namespace("b", "baseline") + &deployment("b", spec);
        let restricted = namespace("r", "restricted") + &deployment("r", spec);
        let base = findings("pss-capabilities-baseline", &baseline);
        assert_eq!(base.len(), 1);
        let high = base[0].severity;
        // under restricted the restricted check reports it, at the
        // baseline's severity, naming what baseline forbids
        let both = ["pss-capabilities-baseline", "pss-capabilities-restricted"];
        let r = findings_with(&restricted, &both);
        assert_eq!(r.len(), 1, "{r:?}");
        assert_eq!(r[0].check.id, "pss-capabilities-restricted");
        assert_eq!(r[0].severity, high);
        assert!(
            r[0].message.contains("baseline forbids it too"),
            "{}",
            r[0].message
        );
        // a restricted-only problem keeps the restricted severity
        let drop_only = namespace("r", "restricted")
            + &deployment(
                "r",
                "      containers:\n      - name: a\n        image: x:1\n",
            );
        let r = findings_with(&drop_only, &both);
        assert_eq!(r.len(), 1);
        assert!(r[0].severity < high);
        // with the restricted check skipped, the baseline one speaks
        let only = findings_with(&restricted, &["pss-capabilities-baseline"]);
        assert_eq!(only.len(), 1, "{only:?}");
        assert_eq!(only[0].check.id, "pss-capabilities-baseline");
        assert_eq!(only[0].severity, high);
    }

    #[test]
    fn version_label_is_honoured() {
        let spec = "      containers:\n      - name: a\n        image: x:1\n        livenessProbe: {httpGet: {host: 169.254.169.254, port: 80}}\n";
        let pinned = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: b\n  labels:\n    pod-security.kubernetes.io/enforce: baseline\n    pod-security.kubernetes.io/enforce-version: v1.33\n---\n".to_string() + &deployment("b", spec);
        assert!(lines("pss-host-probes", &pinned).is_empty());
        let latest = namespace("b", "baseline") + &deployment("b", spec);
        assert_eq!(lines("pss-host-probes", &latest).len(), 1);
    }

    #[test]
    fn autofix_paths_are_object_paths() {
        let y = deployment("apps", "      containers:\n      - {name: a, image: x:1}\n");
        let f = findings("pss-allow-privilege-escalation", &y);
        let fix = serde_json::to_value(f[0].autofix.as_ref().unwrap()).unwrap();
        assert_eq!(
            fix["edits"][0]["path"],
            "spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation"
        );
        let f = findings("pss-seccomp-restricted", &y);
        let fix = serde_json::to_value(f[0].autofix.as_ref().unwrap()).unwrap();
        assert_eq!(fix["edits"].as_array().unwrap().len(), 1);
        assert_eq!(
            fix["edits"][0]["path"],
            "spec.template.spec.securityContext.seccompProfile.type"
        );
    }

    #[test]
    fn cronjob_annotations_map_to_template_metadata() {
        let y = "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c, namespace: apps}\nspec:\n  schedule: '@daily'\n  jobTemplate:\n    spec:\n      template:\n        metadata:\n          annotations:\n            container.apparmor.security.beta.kubernetes.io/a: unconfined\n        spec:\n          containers: [{name: a, image: x:1}]\n";
        let f = findings("pss-apparmor", y);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].location.line, 11);
        assert_eq!(
            f[0].path.as_ref().unwrap().to_string(),
            "spec.jobTemplate.spec.template.metadata.annotations[\"container.apparmor.security.beta.kubernetes.io/a\"]"
        );
    }
}
