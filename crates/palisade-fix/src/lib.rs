//! `palisade fix`: fixes as data, applied to the files they came from.
//! [`yaml`] edits YAML text at the located node and leaves every other
//! byte alone; [`hcl`] does the same for Terraform `kubernetes_*` resources.

mod common;
pub mod hcl;
pub mod yaml;

pub use yaml::{Outcome, api_invalid, apply};
