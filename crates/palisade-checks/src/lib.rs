//! The check catalogue and the engine that runs it.
//!
//! Each check is one file under `checks/` (or, for Pod Security Standards
//! controls, one file in `palisade-pss`) holding its metadata, docs, logic
//! and fix; [`catalogue()`] lists them all. Checks are pure functions of the
//! model: the [`engine`] runs them in parallel over workloads and objects,
//! then applies the configuration (disabled checks, severity overrides,
//! exempt namespaces, `palisade.dev/ignore` annotations).

mod catalogue;
mod checks;
pub mod config;
mod context;
pub mod docs;
pub mod engine;
pub mod images;
pub mod score;
mod sink;
#[cfg(test)]
mod testing;
mod util;

pub use catalogue::{catalogue, find, unknown_id};
pub use config::{Config, ConfigError};
pub use context::{Context, Workload};
pub use engine::{CheckStats, Outcome, Settings, Suppressed, merge_causes, run};
pub use sink::Sink;

use palisade_findings::CheckMeta;
use palisade_model::Object;

/// What a check looks at; also what the posture score counts as
/// "evaluated" for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Every workload (pod template), once.
    Workloads,
    /// Every object of these kinds.
    Kinds(&'static [&'static str]),
    /// Every object.
    Objects,
    /// Every namespace that runs workloads.
    Namespaces,
}

/// One check of the catalogue.
pub trait Check: Sync + Send {
    fn meta(&self) -> &'static CheckMeta;

    fn target(&self) -> Target;

    /// Called once per workload (for [`Target::Workloads`]).
    fn check_workload(&self, _cx: &Context<'_>, _w: &Workload<'_>, _out: &mut Sink<'_>) {}

    /// Called once per object (for [`Target::Kinds`] and [`Target::Objects`]).
    fn check_object(&self, _cx: &Context<'_>, _o: &Object, _out: &mut Sink<'_>) {}

    /// Called once per scan (for [`Target::Namespaces`] and model-wide checks).
    fn check_model(&self, _cx: &Context<'_>, _out: &mut Sink<'_>) {}

    /// The check as a CEL expression the API server can enforce itself
    /// (`palisade generate admission-policy`): true when the workload
    /// passes, over the variables of `palisade_pss::cel` (`variables.spec`,
    /// `variables.containers`, `variables.podSC`, …). `None`: CEL cannot
    /// say what the check says.
    fn admission_cel(&self) -> Option<&'static str> {
        None
    }
}
