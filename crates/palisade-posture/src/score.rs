//! The posture score.
//!
//! Every check of the catalogue evaluates a set of objects: workloads (pod
//! templates), objects of its kinds (RoleBindings, NetworkPolicies, …), or
//! namespaces that run workloads. An evaluation **fails** when the check
//! reports an (unsuppressed) finding on the object; accepted findings
//! (`palisade.dev/ignore`, configuration) count as passing. Each
//! evaluation weighs the check's catalogue severity:
//!
//! | severity | critical | high | medium | low | info |
//! |---|---|---|---|---|---|
//! | weight   | 20 | 8 | 3 | 1 | 0 |
//!
//! ```text
//! score = round(100 × Σ weight × (evaluated − failed) / Σ weight × evaluated)
//! ```
//!
//! over every check that ran (100 when nothing was evaluated); an action's
//! score is the same sum over its own checks. It is exactly the score
//! `palisade scan` prints.

use palisade_checks::CheckStats;
use palisade_findings::Severity;
use serde::Serialize;

/// Weighted evaluations of a set of checks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ActionScore {
    /// Checks that evaluated at least one object.
    pub checks: usize,
    /// (check, object) evaluations.
    pub evaluated: usize,
    /// Evaluations that failed.
    pub failed: usize,
    /// Σ weight × evaluated.
    #[serde(rename = "totalWeight")]
    pub total_weight: u64,
    /// Σ weight × (evaluated − failed).
    #[serde(rename = "passedWeight")]
    pub passed_weight: u64,
}

impl ActionScore {
    fn add(&mut self, s: &CheckStats) {
        if s.evaluated == 0 {
            return;
        }
        let w = u64::from(s.check.severity.weight());
        let failed = s.failed.min(s.evaluated);
        self.checks += 1;
        self.evaluated += s.evaluated;
        self.failed += failed;
        self.total_weight += w * s.evaluated as u64;
        self.passed_weight += w * (s.evaluated - failed) as u64;
    }

    /// 0–100; `None` when nothing of weight was evaluated.
    pub fn value(&self) -> Option<u32> {
        (self.total_weight > 0)
            .then(|| ((self.passed_weight * 100) as f64 / self.total_weight as f64).round() as u32)
    }
}

/// The overall score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Score {
    pub value: u32,
    #[serde(flatten)]
    pub detail: ActionScore,
}

/// The overall score and one per action (index = action number; 0 unused).
#[derive(Debug, Clone)]
pub struct Scores {
    pub overall: Score,
    pub by_action: [ActionScore; 12],
}

/// The weight of a severity in the score.
pub fn weight(s: Severity) -> u32 {
    s.weight()
}

/// Scores the evaluations.
pub fn score(stats: &[CheckStats]) -> Scores {
    let mut all = ActionScore::default();
    let mut by_action = [ActionScore::default(); 12];
    for s in stats {
        all.add(s);
        if let Some(a) = by_action.get_mut(usize::from(s.check.action)) {
            a.add(s);
        }
    }
    Scores {
        overall: Score {
            value: all.value().unwrap_or(100),
            detail: all,
        },
        by_action,
    }
}

/// How the score is computed, with this report's numbers, as Markdown (the
/// HTML report renders the same text).
pub(crate) fn explanation(p: &crate::Posture) -> String {
    use palisade_findings::Severity;
    let d = &p.score.detail;
    format!(
        "Every check evaluates a set of objects: workloads (pod templates), objects of its kinds (RoleBindings, NetworkPolicies, …) or namespaces that run workloads. An evaluation **fails** when the check reports a finding on the object; accepted findings (`palisade.dev/ignore`, configuration) count as passing. Each evaluation weighs its check's catalogue severity: critical {}, high {}, medium {}, low {}, info {}.\n\n`score = round(100 × Σ weight × (evaluated − failed) / Σ weight × evaluated)` = round(100 × {} / {}) = **{}**. It is the number `palisade scan` prints; each action's score is the same sum over its own checks. Admission policy violations (`--policies`) and the audit policy's lint are reported with their action but do not enter the score.\n",
        Severity::Critical.weight(),
        Severity::High.weight(),
        Severity::Medium.weight(),
        Severity::Low.weight(),
        Severity::Info.weight(),
        d.passed_weight,
        d.total_weight,
        p.score.value
    )
}
