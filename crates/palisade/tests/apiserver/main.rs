//! End-to-end tests through a real kube-apiserver (the test bed of
//! `testbed/cluster.sh`): the live source, drift, RBAC against the
//! authorizer, the admission webhook and the audit sink called by the API
//! server, and everything palisade writes applied with server-side dry run.
//!
//! Skipped (with the reason printed) unless `PALISADE_TESTBED` names a
//! running test bed; CI sets `PALISADE_REQUIRE_APISERVER=1`, under which a
//! missing test bed fails instead.

mod accepted;
mod admission;
mod audit;
mod bed;
mod cost;
mod drift;
mod faults;
mod lists;
mod live;
mod rbac;
mod vap;
