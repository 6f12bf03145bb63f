//! Audit logging: the audit Policy with the API server's
//! exact first-match semantics ([`policy`]), `explain` and `lint`
//! ([`lint`]: shadowed rules, no catch-all, secrets and tokens logged with
//! bodies, exec and writes not logged, misspelled groups and resources), and
//! the kube-apiserver audit flags ([`apiserver`]).

pub mod apiserver;
pub mod coupling;
pub mod generate;
pub mod known;
pub mod lint;
pub mod policy;

pub use coupling::coupling;
pub use lint::{Lint, lint};
pub use policy::{Decision, Level, Policy, PolicyError, Request, ResourceRequest, Rule};
