//! Audit events and the reader for audit logs: JSON lines (the log
//! backend's format), `EventList` documents (the webhook backend's body),
//! pretty-printed or not. A bad line is a located error and the stream goes
//! on.

use serde_json::Value;
use std::io::BufRead;

/// The default largest event accepted (the k8saudit plugin's
/// `maxEventSize` default).
pub const DEFAULT_MAX_EVENT_BYTES: usize = 262_144;

/// One `audit.k8s.io/v1` Event.
#[derive(Debug, Clone)]
pub struct AuditEvent {
    pub json: Value,
    time_ns: u64,
}

impl AuditEvent {
    pub fn from_json(json: Value) -> AuditEvent {
        let time_ns = ["stageTimestamp", "requestReceivedTimestamp"]
            .iter()
            .filter_map(|k| json.get(*k)?.as_str())
            .find_map(parse_time_ns)
            // As the k8saudit plugin does: no timestamp → the time it was read.
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64)
                    .unwrap_or(1)
            });
        AuditEvent { json, time_ns }
    }

    /// Nanoseconds since the epoch of `stageTimestamp` (the time Falco gives
    /// the event), or of the moment the event was read when it has none.
    pub fn time_ns(&self) -> u64 {
        self.time_ns
    }

    /// `jevt.time` (`HH:MM:SS.nnnnnnnnn`) or `jevt.datetime` (RFC 3339).
    pub fn time_string(&self, date: bool) -> String {
        if date {
            return format_time_ns(self.time_ns);
        }
        let ts = jiff::Timestamp::from_nanosecond(self.time_ns as i128)
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        ts.strftime("%H:%M:%S.%9f").to_string()
    }

    pub fn str_at(&self, keys: &[&str]) -> Option<&str> {
        let mut v = &self.json;
        for k in keys {
            v = v.get(*k)?;
        }
        v.as_str()
    }

    pub fn audit_id(&self) -> Option<&str> {
        self.str_at(&["auditID"])
    }
}

/// Nanoseconds since the epoch → RFC 3339 with nanoseconds, UTC.
pub fn format_time_ns(ns: u64) -> String {
    let ts = jiff::Timestamp::from_nanosecond(ns as i128).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    ts.strftime("%Y-%m-%dT%H:%M:%S.%9fZ").to_string()
}

/// RFC 3339 → nanoseconds since the epoch.
pub fn parse_time_ns(s: &str) -> Option<u64> {
    let ts: jiff::Timestamp = s.parse().ok()?;
    u64::try_from(ts.as_nanosecond()).ok()
}

/// Why a piece of input is not an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    /// 1-based line where the bad input starts.
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// The message Falco's k8saudit plugin gives for JSON that is no Event.
pub const NOT_AN_EVENT: &str = "data not recognized as a k8s audit event";

/// Splits a decoded JSON document into Events: an `Event`, or the items of
/// an `EventList`.
pub fn events_of(doc: Value) -> Result<Vec<AuditEvent>, String> {
    let kind = doc.get("kind").and_then(Value::as_str).unwrap_or("");
    match kind {
        "Event" => Ok(vec![AuditEvent::from_json(doc)]),
        "EventList" => match doc {
            Value::Object(mut m) => match m.remove("items") {
                Some(Value::Array(items)) => Ok(items
                    .into_iter()
                    .filter(|i| i.is_object())
                    .map(AuditEvent::from_json)
                    .collect()),
                Some(Value::Null) | None => Ok(vec![]),
                Some(_) => Err("EventList.items is not a list".into()),
            },
            _ => Err(NOT_AN_EVENT.into()),
        },
        _ => Err(NOT_AN_EVENT.into()),
    }
}

/// Reads an audit log, calling `sink` with each event (and its line) or
/// each error, in order. Stops early when `sink` returns `false`. I/O
/// errors end the read and are returned.
pub fn read<R: BufRead>(
    mut input: R,
    max_event_bytes: usize,
    mut sink: impl FnMut(Result<(usize, AuditEvent), ReadError>) -> bool,
) -> std::io::Result<()> {
    let mut line = Vec::new();
    let mut n = 0usize;
    // A pretty-printed document being gathered: (first line, text).
    let mut pending: Option<(usize, Vec<u8>)> = None;
    let emit = |start: usize,
                bytes: &[u8],
                sink: &mut dyn FnMut(Result<(usize, AuditEvent), ReadError>) -> bool|
     -> bool {
        match serde_json::from_slice::<Value>(bytes) {
            Ok(doc) => match events_of(doc) {
                Ok(evs) => {
                    for e in evs {
                        if !sink(Ok((start, e))) {
                            return false;
                        }
                    }
                    true
                }
                Err(m) => sink(Err(ReadError {
                    line: start,
                    message: m,
                })),
            },
            Err(e) => sink(Err(ReadError {
                line: start,
                message: if e.is_eof() {
                    "truncated JSON (the event ends early)".into()
                } else {
                    format!("invalid JSON: {e}")
                },
            })),
        }
    };
    loop {
        line.clear();
        let got = input.read_until(b'\n', &mut line)?;
        if got == 0 {
            break;
        }
        n += 1;
        let t = trim(&line);
        if t.is_empty() {
            continue;
        }
        if let Some((start, buf)) = pending.as_mut() {
            let start = *start;
            // A complete JSON line inside a gathering means the gathered text
            // was a truncated event.
            if line[0] == b'{'
                && t.len() > 1
                && serde_json::from_slice::<serde::de::IgnoredAny>(t).is_ok()
            {
                pending = None;
                if !sink(Err(ReadError {
                    line: start,
                    message: "truncated JSON (the event ends early)".into(),
                })) {
                    return Ok(());
                }
            } else {
                buf.extend_from_slice(&line);
                if buf.len() > max_event_bytes.saturating_mul(64) {
                    pending = None;
                    if !sink(Err(ReadError {
                        line: start,
                        message: format!(
                            "document larger than {} bytes",
                            max_event_bytes.saturating_mul(64)
                        ),
                    })) {
                        return Ok(());
                    }
                    continue;
                }
                if (t[0] == b'}' || t[0] == b']') && line[0] == t[0] {
                    let (s, b) = pending.take().expect("pending");
                    if serde_json::from_slice::<serde::de::IgnoredAny>(&b).is_ok() {
                        if !emit(s, &b, &mut sink) {
                            return Ok(());
                        }
                    } else {
                        pending = Some((s, b));
                    }
                }
                continue;
            }
        }
        if t.len() > max_event_bytes {
            if !sink(Err(ReadError {
                line: n,
                message: format!(
                    "event of {} bytes exceeds the limit of {max_event_bytes}",
                    t.len()
                ),
            })) {
                return Ok(());
            }
            continue;
        }
        let last = *t.last().expect("non-empty");
        let opens = t == b"{" || t == b"[" || matches!(last, b'{' | b'[' | b',');
        if opens && serde_json::from_slice::<serde::de::IgnoredAny>(t).is_err() {
            pending = Some((n, line.clone()));
            continue;
        }
        if !emit(n, t, &mut sink) {
            return Ok(());
        }
    }
    if let Some((start, b)) = pending {
        emit(start, &b, &mut sink);
    }
    Ok(())
}

fn trim(b: &[u8]) -> &[u8] {
    let s = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let e = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map(|i| i + 1)
        .unwrap_or(s);
    &b[s..e.max(s)]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &str) -> Vec<Result<(usize, String), ReadError>> {
        let mut out = Vec::new();
        read(text.as_bytes(), 1000, |r| {
            out.push(r.map(|(l, e)| (l, e.audit_id().unwrap_or("").to_string())));
            true
        })
        .unwrap();
        out
    }

    #[test]
    fn json_lines_with_bad_lines_in_between() {
        let text = "{\"kind\":\"Event\",\"auditID\":\"a\"}\n\n{\"kind\":0}\n{\"kind\":\"Event\",\"auditID\":\"b\"\n{not json}\n{\"kind\":\"Event\",\"auditID\":\"c\"}\n";
        let r = all(text);
        assert_eq!(r[0], Ok((1, "a".into())));
        assert_eq!(
            r[1],
            Err(ReadError {
                line: 3,
                message: NOT_AN_EVENT.into()
            })
        );
        assert_eq!(r[2].as_ref().unwrap_err().line, 4);
        assert!(r[2].as_ref().unwrap_err().message.contains("truncated"));
        assert_eq!(r[3].as_ref().unwrap_err().line, 5);
        assert_eq!(r[4], Ok((6, "c".into())));
        assert_eq!(r.len(), 5);
    }

    #[test]
    fn pretty_event_list() {
        let text = "{\n  \"kind\": \"EventList\",\n  \"items\": [\n    {\"kind\":\"Event\",\"auditID\":\"x\"},\n    {\"auditID\":\"y\"}\n  ]\n}\n{\"kind\":\"Event\",\"auditID\":\"z\"}\n";
        let r = all(text);
        assert_eq!(
            r,
            vec![
                Ok((1, "x".into())),
                Ok((1, "y".into())),
                Ok((8, "z".into()))
            ]
        );
    }

    #[test]
    fn oversized_and_truncated_at_end() {
        let big = format!(
            "{{\"kind\":\"Event\",\"x\":\"{}\"}}\n{{\n\"kind\": \"Event\",\n",
            "a".repeat(2000)
        );
        let r = all(&big);
        assert!(r[0].as_ref().unwrap_err().message.contains("exceeds"));
        assert_eq!(r[1].as_ref().unwrap_err().line, 2);
        assert_eq!(r.len(), 2);
    }

    #[test]
    fn time_fields() {
        let e = AuditEvent::from_json(
            serde_json::json!({"stageTimestamp": "2018-10-26T09:51:20.713631Z"}),
        );
        assert_eq!(e.time_ns(), 1_540_547_480_713_631_000);
        assert_eq!(e.time_string(false), "09:51:20.713631000");
        assert_eq!(e.time_string(true), "2018-10-26T09:51:20.713631000Z");
    }
}
