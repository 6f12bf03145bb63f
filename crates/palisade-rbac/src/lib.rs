//! RBAC analysis on the one model, offline (IaC) and live alike.
//!
//! * [`Rbac::build`] resolves roles and bindings, adds the default
//!   ClusterRoles every cluster has, and computes `aggregationRule`s to a
//!   fixpoint, so a labelled ClusterRole that widens `edit` is visible;
//! * [`rule`] matches requests exactly as the RBAC authorizer does
//!   (`res/sub`, `*/sub`, resourceNames, nonResourceURLs with a trailing `*`);
//! * [`query`]: who can, can, explain;
//! * [`risks`]: one file per risk class, with scope-dependent severity;
//! * [`paths`]: escalation paths to cluster-admin;
//! * [`audit`]: least-privilege roles from an audit log.

pub mod audit;
pub mod graph;
pub mod paths;
pub mod query;
pub mod resources;
pub mod risks;
pub mod rule;
pub mod subject;

pub use graph::{BindingDef, BindingKind, Rbac, RoleDef, RoleKind};
pub use query::{Decision, Grant};
pub use rule::{Request, Rule};
pub use subject::{Identity, Subject};

#[cfg(test)]
mod tests;
