//! NetworkPolicy semantics, exactly as the API server and CNI plugins apply
//! them: isolation per direction, `policyTypes` defaulting, rules that are
//! unions (peers ORed, ports ORed, a peer AND a port inside one rule), the
//! one AND of `podSelector` with `namespaceSelector` in one peer, `ipBlock`
//! with `except`, named ports resolved on the destination pod, `endPort`
//! ranges. A connection needs the source's egress and the destination's
//! ingress to allow it.

pub mod checks;
pub mod conns;
pub mod generate;
pub mod matrix;
pub mod network;
pub mod policy;
pub mod reach;

pub use conns::{Conns, PortSet, Protocol};
pub use matrix::{Matrix, matrix};
pub use network::{Endpoint, Network};
pub use policy::{Direction, Policy};
pub use reach::{Addr, Verdict, connection};

#[cfg(test)]
mod tests;
