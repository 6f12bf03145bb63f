//! ValidatingAdmissionPolicies: what the API server enforces itself, with
//! no webhook to keep running.
//!
//! * [`generate`] writes policies and bindings from the check catalogue:
//!   every Pod Security control at a level and version, the hardening
//!   checks CEL can express, and the Ingress host allowlist;
//! * [`policy`] reads ValidatingAdmissionPolicies and their bindings from
//!   manifests, compiling every expression ([`expr`]);
//! * [`eval`] evaluates them offline against the objects of a model, as
//!   the API server would on create, counting what each evaluation costs
//!   the API server ([`cost`]);
//! * [`suite`] runs gator-style test suites for them (`palisade policy test`).

pub mod cost;
pub mod eval;
pub mod expr;
pub mod generate;
pub mod k8s;
pub mod policy;
pub mod suite;
