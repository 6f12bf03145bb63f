//! `palisade audit check-apiserver`: the audit flags of a kube-apiserver
//! static-pod manifest (policy, log backend and retention, webhook
//! backend), with the lines to change.

use crate::lint::Lint;
use palisade_findings::Severity;
use palisade_value::Node;

/// Six months, in days: a common retention for audit events.
pub const SIX_MONTHS_DAYS: u64 = 183;

/// A flag with the line it is written on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    pub name: String,
    pub value: Option<String>,
    pub line: u32,
}

/// The kube-apiserver flags of the manifest (`command` and `args` of the
/// container whose command or image names kube-apiserver), and the line of
/// that container.
pub fn flags(root: &Node) -> Option<(Vec<Flag>, u32)> {
    let spec = root.get("spec")?;
    let containers = spec.get("containers")?.as_seq()?;
    let c = containers.iter().find(|c| {
        let in_cmd = c.get("command").and_then(Node::as_seq).is_some_and(|s| {
            s.iter()
                .any(|x| x.as_str().is_some_and(|v| v.contains("kube-apiserver")))
        });
        in_cmd
            || c.get_str("image")
                .is_some_and(|i| i.contains("kube-apiserver"))
    })?;
    let mut out = Vec::new();
    for key in ["command", "args"] {
        let items = c.get(key).and_then(Node::as_seq).unwrap_or(&[]);
        let mut it = items.iter().peekable();
        while let Some(n) = it.next() {
            let Some(text) = n.as_str() else { continue };
            let Some(flag) = text.strip_prefix("--") else {
                continue;
            };
            let (name, value) = match flag.split_once('=') {
                Some((k, v)) => (k.to_string(), Some(v.to_string())),
                None => {
                    // `--flag value` as two items
                    let v = it
                        .next_if(|x| x.as_str().is_some_and(|s| !s.starts_with("--")))
                        .and_then(|x| x.as_str().map(String::from));
                    (flag.to_string(), v)
                }
            };
            out.push(Flag {
                name,
                value,
                line: n.line,
            });
        }
    }
    Some((out, c.line))
}

/// Lints the audit configuration of a kube-apiserver manifest.
pub fn check(root: &Node) -> Result<Vec<Lint>, String> {
    let (flags, line) =
        flags(root).ok_or("no kube-apiserver container (a static-pod manifest is expected)")?;
    let get = |n: &str| flags.iter().find(|f| f.name == n);
    let mut out = Vec::new();
    let mut add = |id, severity, line, message: String, fix: &str| {
        out.push(Lint {
            id,
            severity,
            line,
            message,
            fix: fix.to_string(),
        })
    };
    if get("audit-policy-file").is_none() {
        add(
            "apiserver-no-audit-policy",
            Severity::High,
            line,
            "--audit-policy-file is not set: the API server writes no audit events at all".into(),
            "Add `--audit-policy-file=/etc/kubernetes/audit-policy.yaml` (and mount it); `palisade audit policy lint` checks the policy.",
        );
    }
    let log = get("audit-log-path");
    let webhook = get("audit-webhook-config-file");
    if log.is_none() && webhook.is_none() {
        add(
            "apiserver-no-audit-backend",
            Severity::High,
            line,
            "neither --audit-log-path nor --audit-webhook-config-file is set: audit events go nowhere".into(),
            "Set `--audit-log-path=/var/log/kubernetes/audit/audit.log` and/or send them to a webhook sink.",
        );
    }
    if let Some(l) = log {
        let number = |n: &str| {
            get(n)
                .and_then(|f| f.value.as_deref())
                .and_then(|v| v.parse::<u64>().ok())
        };
        match number("audit-log-maxage") {
            Some(d) if d >= SIX_MONTHS_DAYS => {}
            Some(d) => add(
                "apiserver-audit-retention-short",
                Severity::Medium,
                get("audit-log-maxage").map_or(l.line, |f| f.line),
                format!("--audit-log-maxage={d} keeps audit logs {d} days; breaches take about six months to find"),
                "Set `--audit-log-maxage=183` (six months), or ship the events to a store that keeps them that long.",
            ),
            None => add(
                "apiserver-audit-retention-short",
                Severity::Medium,
                l.line,
                "--audit-log-maxage is not set: old audit files are kept or removed only by --audit-log-maxbackup".into(),
                "Set `--audit-log-maxage=183` (six months).",
            ),
        }
        if number("audit-log-maxbackup").is_none() {
            add(
                "apiserver-audit-rotation",
                Severity::Low,
                l.line,
                "--audit-log-maxbackup is not set: the number of rotated files is unbounded (0 = no limit)".into(),
                "Set `--audit-log-maxbackup` so six months of rotated files fit the node's disk (e.g. 10 with maxsize 100).",
            );
        }
        if number("audit-log-maxsize").is_none() {
            add(
                "apiserver-audit-rotation",
                Severity::Low,
                l.line,
                "--audit-log-maxsize is not set: the audit log is never rotated by size".into(),
                "Set `--audit-log-maxsize=100` (MB).",
            );
        }
    }
    if let Some(w) = webhook {
        let mode = get("audit-webhook-mode")
            .and_then(|f| f.value.clone())
            .unwrap_or_else(|| "batch".into());
        if mode != "batch" {
            add(
                "apiserver-audit-webhook-blocking",
                Severity::Medium,
                get("audit-webhook-mode").map_or(w.line, |f| f.line),
                format!(
                    "--audit-webhook-mode={mode}: every API request waits for the audit sink, which then holds the API server hostage"
                ),
                "Use `--audit-webhook-mode=batch` (the default).",
            );
        }
    }
    out.sort_by(|a, b| (a.line, a.id).cmp(&(b.line, b.id)));
    Ok(out)
}

/// [`check`] on manifest text; errors carry the line.
pub fn check_text(text: &str) -> Result<Vec<Lint>, String> {
    let s = palisade_yaml::parse_stream(text, &palisade_yaml::Limits::default());
    if let Some(e) = s.errors.first() {
        return Err(e.to_string());
    }
    let doc = s.documents.first().ok_or("empty manifest")?;
    check(&doc.root)
}
