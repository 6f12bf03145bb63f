//! NetworkPolicy checks as scan checks. Each is one file in
//! `palisade-netpol/src/checks/` (metadata, docs and detection); this wraps
//! them for the catalogue, evaluated on the network the context builds.

use crate::context::Context;
use crate::sink::Sink;
use crate::{Check, Target};
use palisade_findings::CheckMeta;
use palisade_netpol::checks::{ALL, NetpolCheck};
use std::sync::LazyLock;

pub struct NetpolScanCheck {
    check: &'static NetpolCheck,
}

pub static CHECKS: LazyLock<Vec<NetpolScanCheck>> =
    LazyLock::new(|| ALL.iter().map(|c| NetpolScanCheck { check: c }).collect());

impl Check for NetpolScanCheck {
    fn meta(&self) -> &'static CheckMeta {
        self.check.meta
    }

    fn target(&self) -> Target {
        Target::Kinds(&["NetworkPolicy"])
    }

    fn check_model(&self, cx: &Context<'_>, out: &mut Sink<'_>) {
        for h in (self.check.detect)(cx.model, &cx.netpol) {
            let finding = out.report_at(h.object, h.location, h.message);
            if let Some(s) = h.severity {
                finding.severity = s;
            }
            finding.path = h.path;
        }
    }
}
