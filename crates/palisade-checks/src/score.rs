//! The posture score: defined here once, used by `scan`, `report`,
//! `rbac risks`, the history and the metrics.
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
//! over every check that ran (100 when nothing was evaluated); an area's
//! score is the same sum over its own checks. **Any critical finding caps
//! the score at 50**: a cluster where one pod can take the node, or one
//! token is cluster-admin, is not "mostly fine" however many other
//! evaluations pass.

use crate::CheckStats;
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
    /// Critical findings (any caps the score).
    #[serde(rename = "criticalFailed")]
    pub critical_failed: usize,
}

/// The most a score can be while critical findings remain.
pub const CRITICAL_CAP: u32 = 50;

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
        self.critical_failed += s.critical;
    }

    /// "N critical finding(s) cap(s) the score at 50", when any do.
    pub fn cap_note(&self) -> Option<String> {
        match self.critical_failed {
            0 => None,
            1 => Some(format!(
                "1 critical finding caps the score at {CRITICAL_CAP}"
            )),
            n => Some(format!(
                "{n} critical findings cap the score at {CRITICAL_CAP}"
            )),
        }
    }

    /// One sentence a reader can take in: what the number means, or what
    /// holds it down ("5 critical findings cap the score at 50; it would be
    /// 89 without the cap").
    pub fn headline(&self) -> String {
        match (self.cap_note(), self.share()) {
            (Some(note), Some(share)) => format!("{note}; it would be {share} without the cap"),
            (Some(note), None) => note,
            (None, Some(share)) => {
                format!("{share}% of what was checked passed, weighted by severity")
            }
            (None, None) => "nothing was checked".to_string(),
        }
    }

    /// The weighted share that passed, before the cap (0–100).
    pub fn share(&self) -> Option<u32> {
        (self.total_weight > 0)
            .then(|| ((self.passed_weight * 100) as f64 / self.total_weight as f64).round() as u32)
    }

    /// 0–100, at most [`CRITICAL_CAP`] with a critical finding; `None`
    /// when nothing of weight was evaluated.
    pub fn value(&self) -> Option<u32> {
        self.share().map(|v| {
            if self.critical_failed > 0 {
                v.min(CRITICAL_CAP)
            } else {
                v
            }
        })
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

/// What would raise the score most: with critical findings, fixing them
/// (the cap); else the check whose findings weigh most.
pub fn advice(stats: &[CheckStats]) -> Option<String> {
    let now = score(stats).overall;
    if let Some(note) = now.detail.cap_note() {
        let them = if now.detail.critical_failed == 1 {
            "it"
        } else {
            "them"
        };
        return Some(format!(
            "{note} (it would be {} without the cap): fix {them} first.",
            now.detail.share().unwrap_or(100)
        ));
    }
    // fixing one check's findings turns its failed evaluations into passed ones
    let d = now.detail;
    let best = stats
        .iter()
        .filter(|s| s.failed > 0)
        .map(|s| {
            let gain = u64::from(s.check.severity.weight()) * s.failed.min(s.evaluated) as u64;
            let fixed = ActionScore {
                passed_weight: d.passed_weight + gain,
                critical_failed: d.critical_failed - s.critical,
                ..d
            };
            (fixed.value().unwrap_or(100), s)
        })
        .max_by_key(|(v, s)| (*v, std::cmp::Reverse(s.failed)))?;
    (best.0 > now.value).then(|| {
        format!(
            "Fixing {} ({} finding{}) raises the score most: {} → {}.",
            best.1.check.id,
            best.1.failed,
            if best.1.failed == 1 { "" } else { "s" },
            now.value,
            best.0
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_findings::CheckMeta;
    use palisade_findings::Severity;

    static CRIT: CheckMeta = CheckMeta {
        id: "c",
        title: "c",
        severity: Severity::Critical,
        action: 7,
        category: "t",
        frameworks: &[],
        risk: "r",
        fix: "f",
    };
    static LOW: CheckMeta = CheckMeta {
        id: "l",
        severity: Severity::Low,
        action: 4,
        ..CRIT
    };

    fn stat(
        check: &'static CheckMeta,
        evaluated: usize,
        failed: usize,
        critical: usize,
    ) -> CheckStats {
        CheckStats {
            check,
            evaluated,
            failed,
            critical,
        }
    }

    #[test]
    fn a_critical_finding_caps_the_score() {
        // 99 of 100 critical evaluations pass: 99 before the cap
        let s = score(&[stat(&CRIT, 100, 1, 1)]);
        assert_eq!(s.overall.detail.share(), Some(99));
        assert_eq!(s.overall.value, CRITICAL_CAP);
        assert_eq!(s.by_action[7].value(), Some(CRITICAL_CAP));
        let a = advice(&[stat(&CRIT, 100, 1, 1)]).unwrap();
        assert!(
            a.starts_with("1 critical finding caps the score at 50 (it would be 99"),
            "{a}"
        );
        assert_eq!(
            s.overall.detail.headline(),
            "1 critical finding caps the score at 50; it would be 99 without the cap"
        );
        // a critical-catalogue check reported at a lower severity does not cap
        let s = score(&[stat(&CRIT, 100, 1, 0)]);
        assert_eq!(s.overall.value, 99);
        assert_eq!(
            s.overall.detail.headline(),
            "99% of what was checked passed, weighted by severity"
        );
        // nothing evaluated: 100
        assert_eq!(score(&[]).overall.value, 100);
    }

    #[test]
    fn advice_names_the_check_that_raises_the_score_most() {
        let stats = [stat(&CRIT, 10, 1, 0), stat(&LOW, 10, 10, 0)];
        // weights: 20×10 + 1×10 = 210; passed 180 + 0 → 86
        assert_eq!(score(&stats).overall.value, 86);
        let a = advice(&stats).unwrap();
        assert_eq!(a, "Fixing c (1 finding) raises the score most: 86 → 95.");
        assert_eq!(advice(&[stat(&LOW, 10, 0, 0)]), None);
    }
}
