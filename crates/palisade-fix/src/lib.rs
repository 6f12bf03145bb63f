//! `palisade fix`: fixes as data, applied to the files they came from.
//! [`yaml`] edits YAML text at the located node and leaves every other
//! byte alone.

pub mod yaml;

pub use yaml::{Outcome, api_invalid, apply};
