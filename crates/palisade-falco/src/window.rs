//! Detections over time, which Falco's rules cannot express: a rule with a
//! `window:` alerts when its condition has matched `count` times — or on
//! `count` distinct values of a field — for one key (the values of its `by`
//! fields) within a time window, then stays quiet for that key for one
//! window. Time is the events' own (`stageTimestamp`), so a log read twice
//! gives the same alerts.
//!
//! State is bounded by configuration, not by traffic: per rule at most
//! `max_keys` keys (the least recently seen are dropped first, and
//! counted), per key at most `count` times or distinct values, keys and
//! values cut at [`MAX_KEY_BYTES`] and [`MAX_VALUE_BYTES`].

use crate::rules::WindowDef;
use std::collections::{HashMap, VecDeque};

/// Longest key kept (the `by` values joined); longer ones are cut.
pub const MAX_KEY_BYTES: usize = 512;
/// Longest distinct value kept; longer ones are cut.
pub const MAX_VALUE_BYTES: usize = 256;

/// The state of every windowed rule of a rule set, kept across events,
/// batches and files. One per stream of events that belong together.
#[derive(Debug, Default)]
pub struct Windows {
    rules: Vec<Option<RuleState>>,
    /// Keys dropped while still inside their window because a rule's
    /// `max_keys` was reached.
    pub evicted: u64,
}

#[derive(Debug, Default)]
struct RuleState {
    keys: HashMap<Box<str>, KeyState>,
}

#[derive(Debug, Default)]
struct KeyState {
    /// Times of the latest matches (count mode), oldest first.
    times: VecDeque<u64>,
    /// Distinct value → the last time it was seen (distinct mode).
    seen: HashMap<Box<str>, u64>,
    /// No alert for this key before this time (one per window).
    quiet_until: u64,
    last: u64,
}

/// A window that filled: how many matches (or distinct values) it held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fired {
    pub n: usize,
}

fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

impl Windows {
    pub fn new() -> Windows {
        Windows::default()
    }

    /// Keys tracked now, over every rule (what the state holds).
    pub fn keys(&self) -> usize {
        self.rules.iter().flatten().map(|r| r.keys.len()).sum()
    }

    /// One match of windowed rule `rule` (its index in the rule set) at
    /// time `t` (ns) for `key`, with the `distinct` field's value when the
    /// window counts distinct values (`None` there: the match is not
    /// counted). Returns what fired, if the window filled.
    pub fn hit(
        &mut self,
        rule: usize,
        def: &WindowDef,
        key: &str,
        distinct: Option<&str>,
        t: u64,
    ) -> Option<Fired> {
        if def.distinct.is_some() && distinct.is_none() {
            return None;
        }
        if self.rules.len() <= rule {
            self.rules.resize_with(rule + 1, || None);
        }
        let within = def.within_s.saturating_mul(1_000_000_000);
        let state = self.rules[rule].get_or_insert_with(RuleState::default);
        let key = cut(key, MAX_KEY_BYTES);
        if !state.keys.contains_key(key) && state.keys.len() >= def.max_keys {
            self.evicted += make_room(state, def.max_keys, within, t);
        }
        let k = state.keys.entry(key.into()).or_default();
        k.last = k.last.max(t);
        if t < k.quiet_until {
            return None;
        }
        let count = def.count as usize;
        let n = match distinct {
            Some(v) if def.distinct.is_some() => {
                let v = cut(v, MAX_VALUE_BYTES);
                if !k.seen.contains_key(v) && k.seen.len() + 1 >= count {
                    k.seen.retain(|_, at| at.saturating_add(within) >= t);
                }
                match k.seen.get_mut(v) {
                    Some(at) => *at = (*at).max(t),
                    None => {
                        k.seen.insert(v.into(), t);
                    }
                }
                k.seen.len()
            }
            _ => {
                k.times.push_back(t);
                while k.times.len() > count {
                    k.times.pop_front();
                }
                while k
                    .times
                    .front()
                    .is_some_and(|&old| old.saturating_add(within) < t)
                {
                    k.times.pop_front();
                }
                k.times.len()
            }
        };
        if n < count {
            return None;
        }
        k.times.clear();
        k.seen.clear();
        k.quiet_until = t.saturating_add(within);
        Some(Fired { n })
    }
}

/// Drops the keys whose window has passed; when that is not enough, the
/// least recently seen tenth. Returns how many keys still inside their
/// window were dropped.
fn make_room(state: &mut RuleState, max: usize, within: u64, t: u64) -> u64 {
    state
        .keys
        .retain(|_, k| k.last.saturating_add(within) >= t || k.quiet_until > t);
    if state.keys.len() < max {
        return 0;
    }
    let mut lasts: Vec<u64> = state.keys.values().map(|k| k.last).collect();
    let drop = (max / 10).max(1).min(lasts.len());
    let (_, cutoff, _) = lasts.select_nth_unstable(drop - 1);
    let cutoff = *cutoff;
    let before = state.keys.len();
    let mut left = drop;
    state.keys.retain(|_, k| {
        if left > 0 && k.last <= cutoff {
            left -= 1;
            false
        } else {
            true
        }
    });
    (before - state.keys.len()) as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Loc;

    const S: u64 = 1_000_000_000;

    fn def(count: u32, within_s: u64, distinct: bool, max_keys: usize) -> WindowDef {
        WindowDef {
            by: vec!["ka.user.name".into()],
            distinct: distinct.then(|| "ka.target.namespace".to_string()),
            count,
            within_s,
            max_keys,
            loc: Loc {
                file: "t".into(),
                line: 1,
            },
        }
    }

    #[test]
    fn count_fires_once_per_window() {
        let d = def(3, 60, false, 10);
        let mut w = Windows::new();
        assert_eq!(w.hit(0, &d, "mallory", None, S), None);
        assert_eq!(w.hit(0, &d, "mallory", None, 2 * S), None);
        assert_eq!(w.hit(0, &d, "mallory", None, 3 * S), Some(Fired { n: 3 }));
        // quiet for one window after firing
        for i in 4..60 {
            assert_eq!(w.hit(0, &d, "mallory", None, i * S), None);
        }
        assert_eq!(w.hit(0, &d, "mallory", None, 64 * S), None);
        assert_eq!(w.hit(0, &d, "mallory", None, 65 * S), None);
        assert_eq!(w.hit(0, &d, "mallory", None, 66 * S), Some(Fired { n: 3 }));
    }

    #[test]
    fn matches_spread_wider_than_the_window_do_not_fire() {
        let d = def(3, 10, false, 10);
        let mut w = Windows::new();
        for i in 0..20 {
            assert_eq!(w.hit(0, &d, "alice", None, i * 6 * S), None, "at {i}");
        }
        // other keys are counted apart
        assert_eq!(w.hit(0, &d, "bob", None, 200 * S), None);
        assert_eq!(w.hit(0, &d, "carol", None, 200 * S), None);
    }

    #[test]
    fn distinct_counts_values_not_matches() {
        let d = def(3, 600, true, 10);
        let mut w = Windows::new();
        for _ in 0..10 {
            assert_eq!(w.hit(0, &d, "eve", Some("shop"), S), None);
        }
        assert_eq!(w.hit(0, &d, "eve", Some("payments"), 2 * S), None);
        assert_eq!(
            w.hit(0, &d, "eve", None, 3 * S),
            None,
            "no value: not counted"
        );
        assert_eq!(w.hit(0, &d, "eve", Some("ci"), 4 * S), Some(Fired { n: 3 }));
        // values older than the window are forgotten
        let mut w = Windows::new();
        w.hit(0, &d, "eve", Some("a"), S);
        w.hit(0, &d, "eve", Some("b"), 2 * S);
        assert_eq!(w.hit(0, &d, "eve", Some("c"), 1000 * S), None);
    }

    #[test]
    fn count_one_is_the_first_match_per_window() {
        let d = def(1, 600, false, 10);
        let mut w = Windows::new();
        assert_eq!(w.hit(0, &d, "x", None, S), Some(Fired { n: 1 }));
        assert_eq!(w.hit(0, &d, "x", None, 2 * S), None);
        assert_eq!(w.hit(0, &d, "x", None, 602 * S), Some(Fired { n: 1 }));
    }

    #[test]
    fn state_stays_within_max_keys() {
        let d = def(5, 3600, false, 100);
        let mut w = Windows::new();
        for i in 0..100_000u64 {
            w.hit(0, &d, &format!("user-{i}"), None, S + i);
            assert!(w.keys() <= 100);
        }
        assert!(w.evicted > 0);
        // a key sprayed past the bound is still counted from its own matches
        for i in 0..4 {
            assert_eq!(w.hit(0, &d, "mallory", None, 2 * S + i), None);
        }
        assert!(w.hit(0, &d, "mallory", None, 3 * S).is_some());
    }

    #[test]
    fn long_keys_and_values_are_cut() {
        let d = def(2, 60, true, 10);
        let mut w = Windows::new();
        let long = "é".repeat(10_000);
        assert_eq!(w.hit(0, &d, &long, Some(&long), S), None);
        let other = format!("{long}x");
        // same first 512 bytes of key, same first 256 bytes of value
        assert_eq!(w.hit(0, &d, &other, Some(&other), S), None);
        assert!(w.hit(0, &d, &long, Some("another"), S).is_some());
    }
}
