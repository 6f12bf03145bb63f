//! `palisade pss`: every pod-bearing object against one level and version.

use crate::cli::PssArgs;
use crate::exit;
use crate::output::{emit, load_input, usage_error};
use palisade_model::ObjectRef;
use palisade_pss::{Level, LevelVersion, Version, allowed, evaluate};
use serde::Serialize;
use std::fmt::Write;

#[derive(Serialize)]
struct Entry {
    file: String,
    line: u32,
    object: ObjectRef,
    allowed: bool,
    violations: Vec<ViolationOut>,
}

#[derive(Serialize)]
struct ViolationOut {
    check: &'static str,
    message: String,
    /// Set when a restricted check replaces this baseline check: upstream
    /// names only the restricted one; the decision is the same.
    #[serde(rename = "overriddenBy", skip_serializing_if = "Option::is_none")]
    overridden_by: Option<&'static str>,
}

pub fn run(args: PssArgs) -> u8 {
    let level: Level = match args.level.parse() {
        Ok(l) => l,
        Err(e) => return usage_error(e),
    };
    let version: Version = match args.version.parse() {
        Ok(v) => v,
        Err(e) => return usage_error(e),
    };
    let lv = LevelVersion { level, version };
    let loaded = match load_input(&args.input) {
        Ok(l) => l,
        Err(e) => return usage_error(e),
    };
    let mut entries = Vec::new();
    for o in &loaded.objects {
        let Some(t) = o.pod_template() else { continue };
        let violations = evaluate(lv, t.meta, t.spec);
        entries.push(Entry {
            file: o.location.file.to_string(),
            line: o.location.line,
            object: o.object_ref(),
            allowed: allowed(&violations),
            violations: violations
                .iter()
                .map(|v| ViolationOut {
                    check: v.check,
                    message: v.message(),
                    overridden_by: v.overridden_by,
                })
                .collect(),
        });
    }
    let text = if args.format == "json" {
        let mut s = serde_json::to_string_pretty(&entries).expect("serializes");
        s.push('\n');
        s
    } else {
        table(&entries, lv)
    };
    if let Err(e) = emit(&text, args.output.as_deref()) {
        return usage_error(e);
    }
    for e in &loaded.errors {
        eprintln!("palisade: {e}");
    }
    if !loaded.errors.is_empty() {
        exit::INPUT_ERROR
    } else if entries.iter().any(|e| !e.allowed) {
        exit::FINDINGS
    } else {
        exit::OK
    }
}

fn table(entries: &[Entry], lv: LevelVersion) -> String {
    let mut out = String::new();
    for e in entries {
        let verdict = if e.allowed { "ALLOWED" } else { "DENIED " };
        let _ = writeln!(out, "{verdict}  {}:{}  {}", e.file, e.line, e.object);
        for v in e.violations.iter().filter(|v| v.overridden_by.is_none()) {
            let _ = writeln!(out, "         {:<28} {}", v.check, v.message);
        }
    }
    let denied = entries.iter().filter(|e| !e.allowed).count();
    let _ = writeln!(
        out,
        "{denied} of {} pod-bearing object{} violate{} PodSecurity \"{lv}\"",
        entries.len(),
        if entries.len() == 1 { "" } else { "s" },
        if denied == 1 { "s" } else { "" },
    );
    out
}
