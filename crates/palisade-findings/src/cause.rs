//! One cause, one finding.
//!
//! One RBAC rule such as `delete,get,patch` on `*` grants a dozen risky
//! permissions at once, and a workload without resources misses a request
//! and two limits in every container. Each check reports its own part;
//! [`merge`] then folds the findings that share a [`Cause`] on one object
//! into one finding: the most severe part leads, the others are listed in
//! its message and kept, with their locations and fixes, as
//! [`Finding::related`].

use crate::{Autofix, CheckMeta, Finding, Severity};
use palisade_model::Location;
use palisade_value::Path;
use serde::Serialize;
use serde::ser::SerializeStruct;
use std::collections::HashMap;
use std::sync::Arc;

/// What a finding shares with the other findings of the same cause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cause {
    /// Findings on one object with the same key are one cause.
    pub key: String,
    /// What the findings of the cause share (the subject, binding and
    /// rule), said once; empty when nothing is.
    pub summary: String,
    /// This finding's own part (`can get secrets`).
    pub detail: String,
}

impl Cause {
    pub fn new(
        key: impl Into<String>,
        summary: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            key: key.into(),
            summary: summary.into(),
            detail: detail.into(),
        }
    }
}

/// A finding folded into another one of the same cause.
#[derive(Debug, Clone)]
pub struct Related {
    pub check: &'static CheckMeta,
    pub severity: Severity,
    pub location: Location,
    pub path: Option<Path>,
    pub message: String,
    pub fix: std::borrow::Cow<'static, str>,
    pub autofix: Option<Autofix>,
}

impl Serialize for Related {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Related", 7)?;
        st.serialize_field("id", self.check.id)?;
        st.serialize_field("title", self.check.title)?;
        st.serialize_field("severity", &self.severity)?;
        st.serialize_field("location", &self.location)?;
        st.serialize_field("path", &self.path.as_ref().map(|p| p.to_string()))?;
        st.serialize_field("message", &self.message)?;
        st.serialize_field("fix", &*self.fix)?;
        st.end()
    }
}

/// Folds the findings of one cause on one object into one. Findings
/// without a cause, and causes with one finding, are left as they are.
/// The result is sorted as [`Finding::sort_key`] orders.
pub fn merge(findings: Vec<Finding>) -> Vec<Finding> {
    let mut groups: HashMap<(usize, &str), Vec<usize>> = HashMap::new();
    for (i, f) in findings.iter().enumerate() {
        if let Some(c) = &f.cause {
            groups
                .entry((Arc::as_ptr(&f.object) as usize, c.key.as_str()))
                .or_default()
                .push(i);
        }
    }
    let mut folded: Vec<Option<Vec<usize>>> = vec![None; findings.len()];
    let mut dropped = vec![false; findings.len()];
    for (_, members) in groups {
        if members.len() < 2 {
            continue;
        }
        // the most severe leads; among equals, the first in order
        let lead = *members
            .iter()
            .max_by(|a, b| {
                findings[**a]
                    .severity
                    .cmp(&findings[**b].severity)
                    .then(b.cmp(a))
            })
            .expect("two or more");
        for &m in &members {
            if m != lead {
                dropped[m] = true;
            }
        }
        folded[lead] = Some(members.into_iter().filter(|m| *m != lead).collect());
    }
    let mut slots: Vec<Option<Finding>> = findings.into_iter().map(Some).collect();
    let mut out = Vec::with_capacity(slots.len());
    for i in 0..slots.len() {
        if dropped[i] {
            continue;
        }
        let Some(mut f) = slots[i].take() else {
            continue;
        };
        if let Some(others) = folded[i].take() {
            let mut others: Vec<Finding> =
                others.into_iter().filter_map(|o| slots[o].take()).collect();
            others.sort_by(|a, b| {
                b.severity
                    .cmp(&a.severity)
                    .then_with(|| a.sort_key().cmp(&b.sort_key()))
            });
            fold(&mut f, others);
        }
        out.push(f);
    }
    out.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    out
}

fn fold(lead: &mut Finding, others: Vec<Finding>) {
    let cause = lead.cause.clone().expect("grouped by cause");
    let mut parts = vec![cause.detail.clone()];
    for o in &others {
        let detail = o.cause.as_ref().map_or(o.message.as_str(), |c| &c.detail);
        parts.push(format!("{detail} [{}]", o.check.id));
    }
    lead.message = if cause.summary.is_empty() {
        parts.join("; ")
    } else {
        format!("{}: {}", cause.summary, parts.join("; "))
    };
    // the edits of every part that has one, as one fix for the cause
    let mut fix = lead.autofix.take();
    for b in others.iter().filter_map(|o| o.autofix.as_ref()) {
        let Some(a) = fix.as_mut() else {
            fix = Some(b.clone());
            continue;
        };
        for e in &b.edits {
            if !a.edits.contains(e) {
                a.edits.push(e.clone());
            }
        }
        if b.applicability == crate::Applicability::Unsafe {
            a.applicability = crate::Applicability::Unsafe;
        }
        a.caution = match (a.caution.take(), &b.caution) {
            (Some(x), Some(y)) if !x.contains(y.as_str()) => Some(format!("{x}; {y}")),
            (Some(x), _) => Some(x),
            (None, y) => y.clone(),
        };
    }
    lead.autofix = fix;
    lead.related.extend(others.into_iter().map(|o| Related {
        check: o.check,
        severity: o.severity,
        location: o.location,
        path: o.path,
        message: o.message,
        fix: o.fix,
        autofix: o.autofix,
    }));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Autofix, Edit};
    use palisade_model::ObjectRef;

    fn meta(id: &'static str, severity: Severity) -> &'static CheckMeta {
        Box::leak(Box::new(CheckMeta {
            id,
            title: id,
            severity,
            action: 5,
            category: "t",
            frameworks: &[],
            risk: "r",
            fix: "f",
        }))
    }

    fn finding(
        object: &Arc<ObjectRef>,
        check: &'static CheckMeta,
        line: u32,
        cause: Option<(&str, &str)>,
    ) -> Finding {
        Finding {
            check,
            severity: check.severity,
            object: object.clone(),
            location: Location::new(Arc::from("f.yaml"), line, 1),
            path: None,
            message: format!("{} message", check.id),
            fix: check.fix.into(),
            autofix: None,
            cause: cause.map(|(k, d)| Box::new(Cause::new(k, "sa x via b", d))),
            related: Vec::new(),
        }
    }

    fn object(name: &str) -> Arc<ObjectRef> {
        Arc::new(ObjectRef {
            api_version: "v1".into(),
            kind: "RoleBinding".into(),
            namespace: Some("ns".into()),
            name: name.into(),
        })
    }

    #[test]
    fn one_cause_one_finding_led_by_the_most_severe() {
        let (a, b) = (object("a"), object("b"));
        let (low, high, crit) = (
            meta("low", Severity::Low),
            meta("high", Severity::High),
            meta("crit", Severity::Critical),
        );
        let merged = merge(vec![
            finding(&a, low, 3, Some(("rule 0", "can list pods"))),
            finding(&a, crit, 3, Some(("rule 0", "can create pods"))),
            finding(&a, high, 3, Some(("rule 0", "can get secrets"))),
            // another rule of the same binding: its own finding
            finding(&a, high, 4, Some(("rule 1", "can get secrets"))),
            // the same rule key on another object: its own finding
            finding(&b, low, 9, Some(("rule 0", "can list pods"))),
            // no cause: untouched
            finding(&a, low, 1, None),
        ]);
        assert_eq!(merged.len(), 4);
        let lead = merged.iter().find(|f| f.check.id == "crit").unwrap();
        assert_eq!(
            lead.message,
            "sa x via b: can create pods; can get secrets [high]; can list pods [low]"
        );
        let ids: Vec<_> = lead.related.iter().map(|r| r.check.id).collect();
        assert_eq!(ids, ["high", "low"]);
        // a lone finding of a cause keeps its own message
        assert!(
            merged
                .iter()
                .any(|f| f.location.line == 4 && f.message == "high message")
        );
        // sorted by location
        let lines: Vec<_> = merged.iter().map(|f| f.location.line).collect();
        assert_eq!(lines, [1, 3, 4, 9]);
        let json = serde_json::to_value(lead).unwrap();
        assert_eq!(json["related"][0]["id"], "high");
        assert_eq!(json["related"][1]["location"]["line"], 3);
        assert!(
            serde_json::to_value(&merged[0])
                .unwrap()
                .get("related")
                .is_none()
        );
    }

    #[test]
    fn the_edits_of_every_part_make_one_fix() {
        let a = object("a");
        let (m1, m2) = (meta("m1", Severity::Medium), meta("m2", Severity::Low));
        let mut f1 = finding(&a, m1, 5, Some(("resources", "no memory limit")));
        f1.autofix = Some(Autofix::safe(vec![Edit::set(
            "spec.a".parse().unwrap(),
            "1",
        )]));
        let mut f2 = finding(&a, m2, 6, Some(("resources", "no cpu limit")));
        f2.autofix = Some(Autofix::unsafe_(
            vec![Edit::set("spec.b".parse().unwrap(), "2")],
            "may throttle",
        ));
        let merged = merge(vec![f1, f2]);
        assert_eq!(merged.len(), 1);
        let fix = merged[0].autofix.as_ref().unwrap();
        assert_eq!(fix.edits.len(), 2);
        assert_eq!(fix.applicability, crate::Applicability::Unsafe);
        assert_eq!(fix.caution.as_deref(), Some("may throttle"));
    }
}
