use palisade_findings::{CheckMeta, Finding, Severity};
use palisade_model::{Location, Object, ObjectRef};
use palisade_value::Path;
use std::collections::HashMap;
use std::sync::Arc;

/// Most findings one check lists on one object. Real objects stay far
/// below (a pod with a dozen containers gives a dozen); past it the rest
/// are counted in one last finding, so a generated or hostile object with
/// 100,000 containers costs memory for 100 findings, not 100,000.
pub const MAX_PER_OBJECT: usize = 100;

/// Where a check reports its findings.
pub struct Sink<'a> {
    check: &'static CheckMeta,
    findings: &'a mut Vec<Finding>,
    /// Findings so far per object (by the address of its reference).
    per_object: HashMap<usize, usize>,
    /// Findings past the cap, per object: how many, the most severe, and
    /// where the first was.
    over: HashMap<usize, Over>,
    /// Where a finding past the cap is written (and refined) before it is
    /// counted and dropped; the object it was on.
    scratch: Option<(usize, Finding)>,
}

struct Over {
    object: Arc<ObjectRef>,
    location: Location,
    count: usize,
    severity: Severity,
}

impl<'a> Sink<'a> {
    pub fn new(check: &'static CheckMeta, findings: &'a mut Vec<Finding>) -> Self {
        Self {
            check,
            findings,
            per_object: HashMap::new(),
            over: HashMap::new(),
            scratch: None,
        }
    }

    /// Reports a finding on a field of `object` (the line of the field, or
    /// of its nearest existing parent). Returns it for refinement (fix,
    /// autofix, severity).
    pub fn report(
        &mut self,
        object: &Object,
        path: Path,
        message: impl Into<String>,
    ) -> &mut Finding {
        let location = object.locate(&path);
        self.push(
            object.reference.clone(),
            location,
            Some(path),
            message.into(),
        )
    }

    /// Reports a finding that is not tied to one object's field (e.g. a
    /// namespace that has no ResourceQuota object at all).
    pub fn report_at(
        &mut self,
        object: Arc<ObjectRef>,
        location: Location,
        message: impl Into<String>,
    ) -> &mut Finding {
        self.push(object, location, None, message.into())
    }

    fn push(
        &mut self,
        object: Arc<ObjectRef>,
        location: Location,
        path: Option<Path>,
        message: String,
    ) -> &mut Finding {
        self.settle_scratch();
        let key = Arc::as_ptr(&object) as usize;
        let seen = self.per_object.entry(key).or_default();
        *seen += 1;
        let finding = Finding {
            check: self.check,
            severity: self.check.severity,
            object,
            location,
            path,
            message,
            fix: self.check.fix.into(),
            autofix: None,
            cause: None,
            related: Vec::new(),
        };
        if *seen > MAX_PER_OBJECT {
            let (_, f) = self.scratch.insert((key, finding));
            return f;
        }
        self.findings.push(finding);
        self.findings.last_mut().expect("just pushed")
    }

    /// Counts the finding past the cap that was last handed out (refined
    /// by now).
    fn settle_scratch(&mut self) {
        if let Some((key, f)) = self.scratch.take() {
            let over = self.over.entry(key).or_insert_with(|| Over {
                object: f.object.clone(),
                location: f.location.clone(),
                count: 0,
                severity: f.severity,
            });
            over.count += 1;
            over.severity = over.severity.max(f.severity);
        }
    }
}

impl Drop for Sink<'_> {
    fn drop(&mut self) {
        self.settle_scratch();
        let mut over: Vec<Over> = self.over.drain().map(|(_, o)| o).collect();
        over.sort_by(|a, b| a.location.cmp(&b.location));
        for o in over {
            self.findings.push(Finding {
                check: self.check,
                severity: o.severity,
                object: o.object,
                location: o.location,
                path: None,
                message: format!(
                    "{} more findings of this check on this object are not listed \
                     (one check lists at most {MAX_PER_OBJECT} on one object)",
                    o.count
                ),
                fix: self.check.fix.into(),
                autofix: None,
                cause: None,
                related: Vec::new(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static CHECK: CheckMeta = CheckMeta {
        id: "t",
        title: "t",
        severity: Severity::Medium,
        action: 7,
        category: "t",
        frameworks: &[],
        risk: "r",
        fix: "f",
    };

    #[test]
    fn findings_past_the_cap_are_counted_in_one() {
        let model = crate::testing::model(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: b}\n",
        );
        let objects = model.objects();
        let mut out = Vec::new();
        {
            let mut sink = Sink::new(&CHECK, &mut out);
            for i in 0..MAX_PER_OBJECT + 250 {
                let f = sink.report(&objects[0], Path::root(), format!("finding {i}"));
                if i == MAX_PER_OBJECT + 10 {
                    f.severity = Severity::High;
                }
            }
            for i in 0..3 {
                sink.report(&objects[1], Path::root(), format!("other {i}"));
            }
        }
        assert_eq!(out.len(), MAX_PER_OBJECT + 1 + 3);
        let last = out.last().unwrap();
        assert_eq!(last.object.name, "a");
        assert_eq!(last.severity, Severity::High);
        assert!(
            last.message.starts_with("250 more findings"),
            "{}",
            last.message
        );
    }
}
