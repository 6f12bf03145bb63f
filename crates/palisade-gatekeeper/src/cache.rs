//! Reviews already answered, by content: the outcome of every constraint
//! for an `input.review` (and the namespace labels `namespaceSelector`
//! read) seen before, its Rego errors included (they come again on the
//! same review; a time or memory limit's do not, and are not kept), least
//! recently used dropped first, within a byte budget. The key is the review's whole serialised content, compared in
//! full (not only its hash), so a changed object, operation, user or
//! namespace label always misses. A set's templates, constraints and
//! `data.inventory` are fixed for its life (the webhook builds a new set
//! when they change), so they need not be part of the key.

use crate::Outcome;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

/// The default budget: about a thousand typical pods.
pub const DEFAULT_BYTES: usize = 16 << 20;

/// A review larger than this is never kept (a few would fill the budget).
const MAX_ENTRY_FRACTION: usize = 16;

#[derive(Default)]
struct Lru {
    /// key → (last use, outcome)
    entries: HashMap<Arc<[u8]>, (u64, Arc<Outcome>)>,
    /// last use → key, oldest first
    order: BTreeMap<u64, Arc<[u8]>>,
    bytes: usize,
    tick: u64,
    hits: u64,
    misses: u64,
}

/// Whether an evaluation error may not come again on the same review: a
/// time or memory limit (Rego errors are otherwise as deterministic as
/// its results, so an outcome with them is kept like any other).
fn passing(e: &crate::PolicyError) -> bool {
    ["time limit", "memory limit", "timed out", "size limit"]
        .iter()
        .any(|m| e.message.contains(m))
}

/// A bounded LRU of review outcomes, shared by the threads reviewing.
pub struct ReviewCache {
    budget: usize,
    lru: Mutex<Lru>,
}

impl std::fmt::Debug for ReviewCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (hits, misses, entries) = self.stats();
        f.debug_struct("ReviewCache")
            .field("budget", &self.budget)
            .field("entries", &entries)
            .field("hits", &hits)
            .field("misses", &misses)
            .finish()
    }
}

/// A copy starts empty (outcomes belong to the set that computed them).
impl Clone for ReviewCache {
    fn clone(&self) -> Self {
        ReviewCache::new(self.budget)
    }
}

impl Default for ReviewCache {
    fn default() -> Self {
        ReviewCache::new(DEFAULT_BYTES)
    }
}

/// What an entry is counted as: its key, the outcome's strings and a fixed
/// overhead.
fn cost(key: &[u8], outcome: &Outcome) -> usize {
    let strings: usize = outcome
        .violations
        .iter()
        .map(|v| v.message.len() + v.kind.len() + v.constraint.len() + 128)
        .sum();
    key.len() + strings + 96
}

impl ReviewCache {
    /// A cache of at most `budget` bytes (0: nothing is kept).
    pub fn new(budget: usize) -> ReviewCache {
        ReviewCache {
            budget,
            lru: Mutex::new(Lru::default()),
        }
    }

    pub fn budget(&self) -> usize {
        self.budget
    }

    /// (hits, misses, entries) so far.
    pub fn stats(&self) -> (u64, u64, usize) {
        let l = self.lru.lock().unwrap_or_else(|e| e.into_inner());
        (l.hits, l.misses, l.entries.len())
    }

    /// The outcome kept for `key`, now the most recently used.
    pub fn get(&self, key: &[u8]) -> Option<Arc<Outcome>> {
        if self.budget == 0 {
            return None;
        }
        let mut l = self.lru.lock().unwrap_or_else(|e| e.into_inner());
        l.tick += 1;
        let tick = l.tick;
        let Some((used, outcome)) = l.entries.get_mut(key) else {
            l.misses += 1;
            return None;
        };
        let old = std::mem::replace(used, tick);
        let outcome = outcome.clone();
        if let Some(k) = l.order.remove(&old) {
            l.order.insert(tick, k);
        }
        l.hits += 1;
        Some(outcome)
    }

    /// Keeps `outcome` for `key`, dropping the least recently used entries
    /// past the budget. An outcome with a policy error is not kept (the
    /// error may be passing, such as a time limit).
    pub fn put(&self, key: &[u8], outcome: Arc<Outcome>) {
        let size = cost(key, &outcome);
        if self.budget == 0
            || outcome.errors.iter().any(passing)
            || size > self.budget / MAX_ENTRY_FRACTION
        {
            return;
        }
        let key: Arc<[u8]> = Arc::from(key);
        let mut l = self.lru.lock().unwrap_or_else(|e| e.into_inner());
        l.tick += 1;
        let tick = l.tick;
        if let Some((old, prev)) = l.entries.insert(key.clone(), (tick, outcome)) {
            l.order.remove(&old);
            l.bytes -= cost(&key, &prev);
        }
        l.order.insert(tick, key);
        l.bytes += size;
        while l.bytes > self.budget {
            let Some((_, oldest)) = l.order.pop_first() else {
                break;
            };
            if let Some((_, o)) = l.entries.remove(&oldest) {
                l.bytes -= cost(&oldest, &o);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Action, Violation};

    fn outcome(msg: &str) -> Arc<Outcome> {
        Arc::new(Outcome {
            violations: vec![Violation {
                kind: "K8sX".into(),
                constraint: "x".into(),
                action: Action::Deny,
                message: msg.into(),
                details: serde_json::Value::Null,
                location: None,
            }],
            errors: Vec::new(),
            matched: 1,
        })
    }

    #[test]
    fn keeps_within_the_budget_dropping_the_least_recently_used() {
        let c = ReviewCache::new(16 * 400);
        for i in 0..3 {
            c.put(format!("key-{i}").as_bytes(), outcome(&format!("m{i}")));
        }
        assert_eq!(c.get(b"key-0").unwrap().violations[0].message, "m0");
        // fill past the budget: key-1 (least recently used) goes first
        for i in 3..40 {
            c.put(format!("key-{i}").as_bytes(), outcome("m"));
            if c.stats().2 < i + 1 {
                break;
            }
        }
        assert!(c.get(b"key-1").is_none());
        let l = c.lru.lock().unwrap();
        assert!(l.bytes <= c.budget, "{} > {}", l.bytes, c.budget);
        assert_eq!(l.entries.len(), l.order.len());
    }

    #[test]
    fn nothing_kept_without_a_budget_or_with_a_limit_error() {
        let c = ReviewCache::new(0);
        c.put(b"k", outcome("m"));
        assert!(c.get(b"k").is_none());
        let c = ReviewCache::default();
        let with = |message: &str| {
            let mut o = (*outcome("m")).clone();
            o.errors.push(crate::PolicyError {
                kind: "K8sX".into(),
                constraint: "x".into(),
                action: Action::Deny,
                message: message.into(),
            });
            Arc::new(o)
        };
        c.put(
            b"k",
            with("execution exceeded time limit (elapsed=1ns, limit=1ns)"),
        );
        assert!(c.get(b"k").is_none());
        // a Rego error is the same every time: kept with the outcome
        c.put(
            b"k",
            with("rego_conflict_error: functions must not produce multiple outputs"),
        );
        assert_eq!(c.get(b"k").unwrap().errors.len(), 1);
    }
}
