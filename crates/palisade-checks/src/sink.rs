use palisade_findings::{CheckMeta, Finding};
use palisade_model::{Location, Object, ObjectRef};
use palisade_value::Path;
use std::sync::Arc;

/// Where a check reports its findings.
pub struct Sink<'a> {
    check: &'static CheckMeta,
    findings: &'a mut Vec<Finding>,
}

impl<'a> Sink<'a> {
    pub fn new(check: &'static CheckMeta, findings: &'a mut Vec<Finding>) -> Self {
        Self { check, findings }
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
        self.findings.push(Finding {
            check: self.check,
            severity: self.check.severity,
            object,
            location,
            path,
            message,
            fix: self.check.fix.into(),
            autofix: None,
        });
        self.findings.last_mut().expect("just pushed")
    }
}
