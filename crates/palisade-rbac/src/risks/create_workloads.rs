//! `rbac-create-workloads`: create pods, or create/update/patch pod controllers.

use super::{Detect, Risk};
use crate::graph::EffectiveRule;
use palisade_findings::{CheckMeta, Framework, Severity};

static META: CheckMeta = CheckMeta {
    id: "rbac-create-workloads",
    title: "Can run pods as any service account of a namespace",
    severity: Severity::Critical,
    action: 5,
    category: "rbac",
    frameworks: &[
        Framework::Cis("5.1.4"),
        Framework::Nsa("rbac"),
        Framework::Mitre("T1610"),
        Framework::Mitre("T1078.001"),
    ],
    risk: "Creating a pod, or a Deployment, DaemonSet, StatefulSet, ReplicaSet, Job, CronJob or ReplicationController that creates pods, lets the subject pick `serviceAccountName` and mount any Secret of the namespace: it obtains the permissions of every service account there. In kube-system that is cluster-admin; anywhere it also means running arbitrary code on the nodes.",
    fix: "Grant workload creation only to deployment pipelines, in the namespaces they deploy to, and never in kube-system; enforce the restricted Pod Security level in those namespaces.",
};

pub static RISK: Risk = Risk {
    meta: &META,
    detect: Detect::Permission {
        severity: [
            Some(Severity::Critical),
            Some(Severity::Critical),
            Some(Severity::Medium),
        ],
        rules: detect,
    },
};

fn detect(rules: &[EffectiveRule]) -> Option<(usize, String)> {
    super::grants(rules, &["create"], "", &["pods"])
        .or_else(|| {
            super::grants(
                rules,
                &["create", "update", "patch"],
                "apps",
                &["deployments", "daemonsets", "statefulsets", "replicasets"],
            )
        })
        .or_else(|| {
            super::grants(
                rules,
                &["create", "update", "patch"],
                "batch",
                &["jobs", "cronjobs"],
            )
        })
        .or_else(|| {
            super::grants(
                rules,
                &["create", "update", "patch"],
                "",
                &["replicationcontrollers"],
            )
        })
}
