//! A located, dynamic document tree.
//!
//! Every source (YAML, JSON, Terraform HCL, a live API server) produces the
//! same [`Node`] tree: JSON-shaped values that remember the line and column
//! they came from. A [`Path`] names a field inside a tree (`spec.containers[0].image`),
//! so an analyzer can report a finding on a field and the reporter can turn
//! it into the line to change. The tree deserializes into typed structs through
//! serde ([`from_node`]), with errors that name the field path and its line.

mod de;
mod node;
mod path;
mod strict;

pub use de::{TypeError, from_node, from_node_except};
pub use node::{Map, Node, Value, str_heap};
pub use path::{Path, Seg};
pub use strict::{MAX_STRAY, StrayField, from_node_strict};
