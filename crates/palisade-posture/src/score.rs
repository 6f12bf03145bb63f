//! The posture score (defined in `palisade_checks::score`) as the report
//! explains it.

pub use palisade_checks::score::{ActionScore, CRITICAL_CAP, Score, Scores, score};

/// How the score is computed, with this report's numbers, as Markdown (the
/// HTML report renders the same text).
pub(crate) fn explanation(p: &crate::Posture) -> String {
    use palisade_findings::Severity;
    let d = &p.score.detail;
    format!(
        "Every check evaluates a set of objects: workloads (pod templates), objects of its kinds (RoleBindings, NetworkPolicies, …) or namespaces that run workloads. An evaluation **fails** when the check reports a finding on the object; accepted findings (`palisade.dev/ignore`, configuration) count as passing. Each evaluation weighs its check's catalogue severity: critical {}, high {}, medium {}, low {}, info {}.\n\n`score = round(100 × Σ weight × (evaluated − failed) / Σ weight × evaluated)` = round(100 × {} / {}) = **{}**. {}It is the number `palisade scan` prints; each area's score is the same sum over its own checks. Admission policy violations (`--policies`) and the audit policy's lint are reported with their area but do not enter the score.\n",
        Severity::Critical.weight(),
        Severity::High.weight(),
        Severity::Medium.weight(),
        Severity::Low.weight(),
        Severity::Info.weight(),
        d.passed_weight,
        d.total_weight,
        d.share().unwrap_or(100),
        if d.critical_failed > 0 {
            format!(
                "Any critical finding caps the score at {CRITICAL_CAP}: with {} here, the score is **{}**. ",
                d.critical_failed, p.score.value
            )
        } else {
            format!("Any critical finding would cap it at {CRITICAL_CAP}. ")
        }
    )
}
