//! Writing configuration for people and tools to read back: every
//! generator's YAML goes through [`yaml`] and its Terraform through
//! [`terraform`], so one set of quoting rules decides what a string needs
//! to stay a string.

pub mod terraform;
pub mod yaml;
