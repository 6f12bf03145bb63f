//! Values the source could not resolve (a Terraform variable without a
//! value, a function palisade does not evaluate). Checks that would depend
//! on them are withheld; this check says what was not analyzed.

use crate::context::Context;
use crate::sink::Sink;
use crate::{Check, Target};
use palisade_findings::{CheckMeta, Severity};
use palisade_model::Object;

pub struct UnknownValue;
pub static CHECK: UnknownValue = UnknownValue;

static META: CheckMeta = CheckMeta {
    id: "unknown-value",
    title: "Value could not be resolved",
    severity: Severity::Info,
    action: 3,
    category: "iac",
    frameworks: &[],
    risk: "palisade analyzes what the infrastructure code says. A field whose value comes from a variable \
without a default or value, or from an expression palisade does not evaluate, is not analyzed: a \
problem in it would go unreported. `--strict-unknown` makes this a high-severity finding.",
    fix: "Give the variable a default or a value (`terraform.tfvars`, `--var-file`), or accept that the \
field is checked at admission time instead (`palisade admission`).",
};

impl Check for UnknownValue {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn target(&self) -> Target {
        Target::Objects
    }

    fn check_object(&self, _cx: &Context<'_>, o: &Object, out: &mut Sink<'_>) {
        for u in &o.unknown {
            let f = out.report(
                o,
                u.path.clone(),
                format!(
                    "{} of {} {} could not be resolved: {}",
                    u.path, o.kind, o.name, u.reason
                ),
            );
            if u.line > 0 {
                f.location.line = u.line;
            }
        }
    }
}
