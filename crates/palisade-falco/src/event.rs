//! Audit events and the reader for audit logs: JSON lines (the log
//! backend's format), `EventList` documents (the webhook backend's body),
//! pretty-printed or not, JSON arrays, and the records managed clusters'
//! logging delivers (EKS, GKE, AKS: [`crate::managed`]), recognised record
//! by record. A bad line is a located error and the stream goes on; a
//! record of an unknown format, or a managed-log record without an audit
//! event, is an [`Item`] of its own so that callers can count them.

pub use crate::managed::Format;
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

/// One thing read from an audit log.
#[derive(Debug)]
pub enum Item {
    /// An audit event (native, or mapped from a managed cluster's record),
    /// with the 1-based line its record starts on.
    Event {
        line: usize,
        format: Format,
        event: AuditEvent,
    },
    /// A record of no format palisade reads (a JSON value that is no
    /// Event, a line of text).
    Unknown { line: usize },
    /// A managed-log record whose payload is no audit event (another
    /// component's log line, another service's audit log, a control message
    /// that says why).
    Skipped {
        line: usize,
        format: Format,
        reason: String,
    },
    /// Input that should have been an event and cannot be read: malformed
    /// or truncated JSON, an event over the size limit.
    Error(ReadError),
}

/// Reads an audit log, calling `sink` with each event (and its line) or
/// each error, in order. Stops early when `sink` returns `false`. I/O
/// errors end the read and are returned. Records of an unknown format and
/// managed-log records without an audit event come as errors here (the
/// former with [`NOT_AN_EVENT`]); [`read_items`] tells them apart.
pub fn read<R: BufRead>(
    input: R,
    max_event_bytes: usize,
    mut sink: impl FnMut(Result<(usize, AuditEvent), ReadError>) -> bool,
) -> std::io::Result<()> {
    read_items(input, max_event_bytes, |item| match item {
        Item::Event { line, event, .. } => sink(Ok((line, event))),
        Item::Unknown { line } => sink(Err(ReadError {
            line,
            message: NOT_AN_EVENT.into(),
        })),
        Item::Skipped { line, reason, .. } => sink(Err(ReadError {
            line,
            message: reason,
        })),
        Item::Error(e) => sink(Err(e)),
    })
}

/// Reads an audit log in any format palisade knows, recognised record by
/// record (one log may mix them): JSON lines or pretty-printed documents of
/// `audit.k8s.io` Events and EventLists, JSON arrays of records, and the
/// managed clusters' records ([`Format`]). `sink` gets every [`Item`] in
/// order and stops the read by returning `false`.
pub fn read_items<R: BufRead>(
    mut input: R,
    max_event_bytes: usize,
    mut sink: impl FnMut(Item) -> bool,
) -> std::io::Result<()> {
    let mut out = Out {
        sink: &mut sink,
        max: max_event_bytes,
        stopped: false,
    };
    let max_doc = max_event_bytes.saturating_mul(64);
    let mut line = Vec::new();
    let mut n = 0usize;
    // A pretty-printed document being gathered.
    let mut pending: Option<Gather> = None;
    loop {
        if out.stopped {
            return Ok(());
        }
        line.clear();
        let got = input.read_until(b'\n', &mut line)?;
        if got == 0 {
            break;
        }
        n += 1;
        if n == 1 && line.starts_with(b"\xEF\xBB\xBF") {
            line.drain(..3);
        }
        let t = trim(&line);
        if pending.is_none() && t.is_empty() {
            continue;
        }
        if let Some(g) = pending.as_mut() {
            // A complete JSON line inside a gathering means the gathered text
            // was a truncated event (not inside an array read element by
            // element, whose elements may stand at the start of a line).
            if !g.streamed
                && line[0] == b'{'
                && t.len() > 1
                && serde_json::from_slice::<serde::de::IgnoredAny>(t).is_ok()
            {
                out.error(
                    g.error_line(),
                    "truncated JSON (the event ends early)".into(),
                );
                pending = None;
            } else {
                if g.feed(&line, &mut out, max_doc) {
                    let g = pending.take().expect("pending");
                    if !g.streamed && !g.oversized {
                        out.document(g.start, &g.buf, false);
                    }
                }
                continue;
            }
        }
        if t[0] != b'{' && t[0] != b'[' {
            out.text_line(n, t);
            continue;
        }
        if t.len() > max_doc {
            out.long_line(n, t, max_doc);
            continue;
        }
        let last = *t.last().expect("non-empty");
        let opens = t == b"{" || t == b"[" || matches!(last, b'{' | b'[' | b',');
        if opens && serde_json::from_slice::<serde::de::IgnoredAny>(t).is_err() {
            let mut g = Gather::new(n);
            if g.feed(&line, &mut out, max_doc) {
                if !g.streamed {
                    out.document(n, &line, false);
                }
            } else {
                pending = Some(g);
            }
            continue;
        }
        out.document(n, t, true);
    }
    if let Some(g) = pending {
        if g.streamed {
            if g.depth > 0 {
                out.error(
                    g.error_line(),
                    "truncated JSON (the document ends early)".into(),
                );
            }
        } else if !g.oversized {
            out.document(g.start, &g.buf, false);
        }
    }
    Ok(())
}

/// A pretty-printed document being gathered line by line. The elements of
/// an array at its root (`gcloud logging read --format=json`) and of the
/// `events` or `records` array of an object at its root (`aws logs
/// filter-log-events`, an event hub message) are read one by one as soon
/// as they are complete, each with its own line, so that an export of any
/// size needs the memory of one element; any other document is read whole
/// when it ends (at most 64 events' worth of bytes).
struct Gather {
    /// Line the document starts on.
    start: usize,
    /// The text not yet handed on, starting on line `buf_line`.
    buf: Vec<u8>,
    buf_line: usize,
    depth: usize,
    in_str: bool,
    esc: bool,
    root_obj: bool,
    /// Where the string being scanned starts, and the last short string
    /// closed at depth 1 (a key, when a `:` follows).
    str_start: usize,
    last_str: Vec<u8>,
    key: Vec<u8>,
    /// The depth of the elements being streamed.
    stream: Option<usize>,
    /// Where the element being read starts, and whether it is over the
    /// limit (reported; its text dropped).
    elem: Option<usize>,
    elem_oversized: bool,
    /// Elements are (or were) handed on: the document is never read whole.
    streamed: bool,
    /// The document is over the limit (reported; its text dropped).
    oversized: bool,
}

impl Gather {
    fn new(start: usize) -> Gather {
        Gather {
            start,
            buf: Vec::new(),
            buf_line: start,
            depth: 0,
            in_str: false,
            esc: false,
            root_obj: false,
            str_start: 0,
            last_str: Vec::new(),
            key: Vec::new(),
            stream: None,
            elem: None,
            elem_oversized: false,
            streamed: false,
            oversized: false,
        }
    }

    fn line_at(&self, i: usize) -> usize {
        self.buf_line + self.buf[..i].iter().filter(|&&c| c == b'\n').count()
    }

    /// The line a truncation is reported on: the element's being read, or
    /// the document's.
    fn error_line(&self) -> usize {
        match self.elem {
            Some(e) if self.streamed => self.line_at(e),
            _ => self.start,
        }
    }

    fn elem_begin(&mut self, i: usize) {
        if self.stream == Some(self.depth) && self.elem.is_none() {
            self.elem = Some(i);
        }
    }

    fn elem_end(&mut self, i: usize, out: &mut Out<'_>) {
        let Some(e) = self.elem.take() else {
            return;
        };
        self.streamed = true;
        if std::mem::take(&mut self.elem_oversized) {
            return;
        }
        let line = self.line_at(e);
        let el = trim(&self.buf[e..i]);
        match serde_json::from_slice::<Value>(el) {
            Ok(v) => out.record(line, v, 0),
            Err(err) => out.error(line, json_error(&err)),
        }
    }

    /// Scans one more line; `true` when the document ended on it.
    fn feed(&mut self, line: &[u8], out: &mut Out<'_>, max_doc: usize) -> bool {
        let mut i = self.buf.len();
        self.buf.extend_from_slice(line);
        let mut done = false;
        while i < self.buf.len() && !done {
            let c = self.buf[i];
            if self.in_str {
                if self.esc {
                    self.esc = false;
                } else if c == b'\\' {
                    self.esc = true;
                } else if c == b'"' {
                    self.in_str = false;
                    if self.depth == 1 && self.root_obj && i - self.str_start <= 64 {
                        self.last_str = self.buf[self.str_start..i].to_vec();
                    }
                }
                i += 1;
                continue;
            }
            match c {
                b'"' => {
                    self.elem_begin(i);
                    self.in_str = true;
                    self.str_start = i + 1;
                }
                b':' if self.depth == 1 && self.root_obj => {
                    self.key = std::mem::take(&mut self.last_str);
                }
                b'{' | b'[' => {
                    if self.depth == 0 {
                        self.root_obj = c == b'{';
                        if c == b'[' {
                            self.stream = Some(1);
                            self.streamed = true;
                        }
                    } else {
                        self.elem_begin(i);
                        if self.depth == 1
                            && self.root_obj
                            && c == b'['
                            && (self.key == b"events" || self.key == b"records")
                        {
                            self.stream = Some(2);
                            self.streamed = true;
                        }
                    }
                    self.depth += 1;
                }
                b'}' | b']' => {
                    if self.stream == Some(self.depth) {
                        self.elem_end(i, out);
                        self.stream = None;
                    }
                    self.depth = self.depth.saturating_sub(1);
                    done = self.depth == 0;
                }
                b',' if self.stream == Some(self.depth) => self.elem_end(i, out),
                c if c.is_ascii_whitespace() => {}
                _ => self.elem_begin(i),
            }
            i += 1;
        }
        if done {
            return true;
        }
        // Hand the text read on: keep only the element being read, or,
        // for a document read whole, all of it within the limit.
        if self.streamed {
            let keep = self.elem.unwrap_or(self.buf.len());
            self.buf_line += self.buf[..keep].iter().filter(|&&c| c == b'\n').count();
            self.buf.drain(..keep);
            self.str_start = self.str_start.saturating_sub(keep);
            if let Some(e) = self.elem.as_mut() {
                *e = 0;
                if self.buf.len() > max_doc && !self.elem_oversized {
                    self.elem_oversized = true;
                    out.error(
                        self.buf_line,
                        format!("element larger than {max_doc} bytes"),
                    );
                }
                if self.elem_oversized {
                    // Keep the lines counted; the text is dropped.
                    self.buf_line += self.buf.iter().filter(|&&c| c == b'\n').count();
                    self.buf.clear();
                }
            }
        } else if self.oversized || self.buf.len() > max_doc {
            if !self.oversized {
                self.oversized = true;
                out.error(self.start, format!("document larger than {max_doc} bytes"));
            }
            self.buf_line += self.buf.iter().filter(|&&c| c == b'\n').count();
            self.buf.clear();
        }
        false
    }
}

/// Where recognised records go.
struct Out<'a> {
    sink: &'a mut dyn FnMut(Item) -> bool,
    max: usize,
    stopped: bool,
}

impl Out<'_> {
    fn send(&mut self, item: Item) {
        if !self.stopped && !(self.sink)(item) {
            self.stopped = true;
        }
    }

    fn error(&mut self, line: usize, message: String) {
        self.send(Item::Error(ReadError { line, message }));
    }

    fn skipped(&mut self, line: usize, format: Format, reason: String) {
        self.send(Item::Skipped {
            line,
            format,
            reason,
        });
    }

    fn event(&mut self, line: usize, format: Format, json: Value) {
        self.send(Item::Event {
            line,
            format,
            event: AuditEvent::from_json(json),
        });
    }

    /// A line that is not JSON: the CloudWatch Logs export to S3
    /// (`TIMESTAMP MESSAGE`), or a record of an unknown format.
    fn text_line(&mut self, line: usize, t: &[u8]) {
        let stamp = t.len() > 11
            && t[..4].iter().all(u8::is_ascii_digit)
            && t[4] == b'-'
            && t[7] == b'-'
            && t[10] == b'T';
        if stamp && let Some(sp) = t.iter().position(|&b| b == b' ') {
            let msg = String::from_utf8_lossy(&t[sp + 1..]);
            self.payload(line, Format::EksCloudWatch, "message", &msg, None);
            return;
        }
        self.send(Item::Unknown { line });
    }

    /// A line longer than a document may be: records written back to back
    /// (a Firehose object of subscription data), each read on its own and
    /// held to the limit, without parsing the line as a whole.
    fn long_line(&mut self, line: usize, t: &[u8], max_doc: usize) {
        let mut depth = 0usize;
        let mut in_str = false;
        let mut esc = false;
        let mut from = 0;
        for (i, &c) in t.iter().enumerate() {
            if self.stopped {
                return;
            }
            if in_str {
                if esc {
                    esc = false;
                } else if c == b'\\' {
                    esc = true;
                } else if c == b'"' {
                    in_str = false;
                }
                continue;
            }
            match c {
                b'"' => in_str = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        let v = trim(&t[from..=i]);
                        if v.len() > max_doc {
                            self.error(line, self.too_big(v.len()));
                        } else {
                            self.document(line, v, true);
                        }
                        from = i + 1;
                    }
                }
                _ => {}
            }
        }
        let rest = trim(&t[from..]);
        if !rest.is_empty() {
            if rest.len() > max_doc {
                self.error(line, self.too_big(rest.len()));
            } else {
                self.document(line, rest, true);
            }
        }
    }

    /// A JSON text starting at `start`: one document (or several in a row,
    /// as Firehose writes them), a top-level array split into its elements
    /// with their own lines. `compact`: one line, whose records are held
    /// to the event size limit.
    fn document(&mut self, start: usize, bytes: &[u8], compact: bool) {
        if bytes.first() == Some(&b'[')
            && let Some(elems) = split_array(bytes)
        {
            for (a, b) in elems {
                if self.stopped {
                    return;
                }
                let el = trim(&bytes[a..b]);
                let line = start + bytes[..a].iter().filter(|&&c| c == b'\n').count();
                match serde_json::from_slice::<Value>(el) {
                    Ok(v) => self.record(line, v, if compact { el.len() } else { 0 }),
                    Err(e) => self.error(line, json_error(&e)),
                }
            }
            return;
        }
        let mut it = serde_json::Deserializer::from_slice(bytes).into_iter::<Value>();
        let mut from = 0;
        while !self.stopped {
            match it.next() {
                None => break,
                Some(Ok(v)) => {
                    let to = it.byte_offset();
                    self.record(start, v, if compact { to - from } else { 0 });
                    from = to;
                }
                Some(Err(e)) => {
                    self.error(start, json_error(&e));
                    break;
                }
            }
        }
    }

    /// One record (`size` > 0: its bytes, held to the event size limit).
    fn record(&mut self, line: usize, v: Value, size: usize) {
        let Value::Object(mut m) = v else {
            return self.send(Item::Unknown { line });
        };
        let too_big = size > self.max;
        match m.get("kind").and_then(Value::as_str) {
            Some("Event") => {
                if too_big {
                    return self.error(line, self.too_big(size));
                }
                return self.event(line, Format::Native, Value::Object(m));
            }
            Some("EventList") => {
                return match events_of(Value::Object(m)) {
                    Ok(evs) => {
                        for e in evs {
                            self.send(Item::Event {
                                line,
                                format: Format::Native,
                                event: e,
                            });
                        }
                    }
                    Err(msg) => self.error(line, msg),
                };
            }
            _ => {}
        }
        // EKS: CloudWatch Logs subscription data.
        if let Some(mt) = m.get("messageType").and_then(Value::as_str) {
            let mt = mt.to_string();
            let f = Format::EksSubscription;
            let stream = log_stream(&m, "logStream");
            match mt.as_str() {
                // What CloudWatch Logs sends to check the destination.
                "CONTROL_MESSAGE" => {}
                "DATA_MESSAGE" => match m.remove("logEvents") {
                    Some(Value::Array(evs)) => {
                        for e in evs {
                            match e.get("message").and_then(Value::as_str) {
                                Some(msg) => {
                                    self.payload(line, f, "message", msg, stream.as_deref())
                                }
                                None => {
                                    self.skipped(line, f, "a log event without a message".into())
                                }
                            }
                        }
                    }
                    _ => self.skipped(line, f, "a DATA_MESSAGE without logEvents".into()),
                },
                other => self.skipped(line, f, format!("messageType {other:?}")),
            }
            return;
        }
        // EKS: subscription data as Lambda receives it, gzip + base64.
        if let Some(data) = m
            .get("awslogs")
            .and_then(|a| a.get("data"))
            .and_then(Value::as_str)
        {
            return match awslogs_data(data) {
                Ok(v) => self.record(line, v, 0),
                Err(why) => self.skipped(line, Format::EksSubscription, why),
            };
        }
        // EKS: `aws logs filter-log-events` / `get-log-events` output.
        if matches!(m.get("events"), Some(Value::Array(_))) {
            if let Some(Value::Array(evs)) = m.remove("events") {
                for e in evs {
                    self.record(line, e, 0);
                }
            }
            return;
        }
        // EKS: one CloudWatch Logs log event.
        if let Some(Value::String(msg)) = m.get("message")
            && (["logStreamName", "ingestionTime", "eventId"]
                .iter()
                .any(|k| m.contains_key(*k))
                || m.get("timestamp").is_some_and(Value::is_u64))
        {
            return self.payload(
                line,
                Format::EksCloudWatch,
                "message",
                msg,
                log_stream(&m, "logStreamName").as_deref(),
            );
        }
        // GKE: a Cloud Logging entry.
        if m.contains_key("protoPayload")
            || (["jsonPayload", "textPayload"]
                .iter()
                .any(|k| m.contains_key(*k))
                && ["logName", "insertId"].iter().any(|k| m.contains_key(*k)))
        {
            return match crate::managed::gke_entry(m) {
                Ok(_) if too_big => self.error(line, self.too_big(size)),
                Ok(ev) => self.event(line, Format::Gke, ev),
                Err(why) => self.skipped(line, Format::Gke, why),
            };
        }
        // AKS: an event hub message (`{"records": […]}`).
        if matches!(m.get("records"), Some(Value::Array(_))) {
            if let Some(Value::Array(rs)) = m.remove("records") {
                for r in rs {
                    self.record(line, r, 0);
                }
            }
            return;
        }
        // AKS: a diagnostic record (event hub, storage account) or an
        // `AzureDiagnostics` row.
        let diag = match (m.get("category"), m.get("Category")) {
            (Some(Value::String(c)), _) if m.contains_key("properties") => {
                Some((c, "properties.log"))
            }
            (_, Some(Value::String(c))) if m.contains_key("log_s") => Some((c, "log_s")),
            _ => None,
        };
        if let Some((cat, field)) = diag {
            let f = Format::AksDiagnostics;
            if !cat.eq_ignore_ascii_case("kube-audit")
                && !cat.eq_ignore_ascii_case("kube-audit-admin")
            {
                return self.skipped(line, f, format!("category {cat:?}, not kube-audit"));
            }
            let log = if field == "log_s" {
                m.get("log_s").and_then(Value::as_str).map(str::to_string)
            } else {
                match m.get("properties") {
                    Some(Value::Object(p)) => {
                        p.get("log").and_then(Value::as_str).map(str::to_string)
                    }
                    // properties as JSON text (some exports)
                    Some(Value::String(s)) => serde_json::from_str::<Value>(s)
                        .ok()
                        .and_then(|p| p.get("log")?.as_str().map(str::to_string)),
                    _ => None,
                }
            };
            return match log {
                Some(log) => self.payload(line, f, field, &log, None),
                None => self.skipped(line, f, format!("a {cat} record without {field}")),
            };
        }
        // AKS: a Log Analytics row.
        if crate::managed::is_aks_row(&m) {
            if too_big {
                return self.error(line, self.too_big(size));
            }
            return self.event(line, Format::AksTable, crate::managed::aks_row(m));
        }
        self.send(Item::Unknown { line })
    }

    /// The audit event a managed-log record carries as JSON text (its
    /// `field`); `from` names where the record came from (a log stream),
    /// said when it holds no audit event. The text itself is never quoted:
    /// another component's log line may hold anything.
    fn payload(
        &mut self,
        line: usize,
        format: Format,
        field: &str,
        text: &str,
        from: Option<&str>,
    ) {
        let from = from.map(|f| format!(" (from {f})")).unwrap_or_default();
        let t = text.trim();
        if !t.starts_with('{') {
            return self.skipped(line, format, format!("the {field} is not JSON{from}"));
        }
        if t.len() > self.max {
            return self.error(line, self.too_big(t.len()));
        }
        match serde_json::from_str::<Value>(t) {
            Ok(v) if v.get("kind").and_then(Value::as_str) == Some("Event") => {
                self.event(line, format, v)
            }
            Ok(_) => self.skipped(
                line,
                format,
                format!("the {field} is JSON but no audit Event{from}"),
            ),
            // CloudWatch Logs cuts events over 256 KiB and says so.
            Err(_) if t.ends_with("[Truncated...]") => self.error(
                line,
                format!(
                    "{format}: the audit event in the {field} was truncated by CloudWatch Logs"
                ),
            ),
            Err(e) => self.error(
                line,
                format!(
                    "{format}: the audit event in the {field}: {}",
                    json_error(&e)
                ),
            ),
        }
    }

    fn too_big(&self, size: usize) -> String {
        format!("event of {size} bytes exceeds the limit of {}", self.max)
    }
}

/// `log stream NAME` from a CloudWatch Logs record's `key`.
fn log_stream(m: &serde_json::Map<String, Value>, key: &str) -> Option<String> {
    m.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(|s| format!("log stream {s}"))
}

fn json_error(e: &serde_json::Error) -> String {
    if e.is_eof() {
        "truncated JSON (the event ends early)".into()
    } else {
        format!("invalid JSON: {e}")
    }
}

/// The byte ranges of a top-level JSON array's elements (`[` first), or
/// `None` when the text is no single well-formed array.
fn split_array(b: &[u8]) -> Option<Vec<(usize, usize)>> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut in_str = false;
    let mut esc = false;
    let mut start: Option<usize> = None;
    for (i, &c) in b.iter().enumerate() {
        if in_str {
            if esc {
                esc = false;
            } else if c == b'\\' {
                esc = true;
            } else if c == b'"' {
                in_str = false;
            }
            continue;
        }
        match c {
            b'"' => {
                in_str = true;
                if depth == 1 && start.is_none() {
                    start = Some(i);
                }
            }
            b'[' | b'{' => {
                if depth == 1 && start.is_none() {
                    start = Some(i);
                }
                depth += 1;
            }
            b']' | b'}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    if let Some(s) = start.take() {
                        out.push((s, i));
                    }
                    return trim(&b[i + 1..]).is_empty().then_some(out);
                }
            }
            b',' if depth == 1 => out.push((start.take()?, i)),
            c if c.is_ascii_whitespace() => {}
            _ => {
                if depth == 1 && start.is_none() {
                    start = Some(i);
                }
            }
        }
    }
    None
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

/// Most bytes one `awslogs.data` may inflate to (a Lambda payload is at
/// most 6 MB compressed; CloudWatch Logs sends at most 1 MB of log events).
pub const MAX_AWSLOGS_BYTES: u64 = 64 << 20;

/// `awslogs.data`: base64 of gzip of the subscription's JSON document.
fn awslogs_data(data: &str) -> Result<Value, String> {
    use base64::Engine;
    use std::io::Read;
    let gz = base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .map_err(|e| format!("awslogs.data is not base64: {e}"))?;
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(gz.as_slice())
        .take(MAX_AWSLOGS_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("awslogs.data is not gzip: {e}"))?;
    if out.len() as u64 > MAX_AWSLOGS_BYTES {
        return Err(format!(
            "awslogs.data inflates past {} MiB",
            MAX_AWSLOGS_BYTES >> 20
        ));
    }
    serde_json::from_slice(&out).map_err(|e| format!("awslogs.data is not JSON: {e}"))
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

    /// Every item as `(line, what)`: `E:format:auditID`, `U`, `S:format:reason`, `X:message`.
    fn items(text: &str, max: usize) -> Vec<(usize, String)> {
        let mut out = Vec::new();
        read_items(text.as_bytes(), max, |i| {
            out.push(match i {
                Item::Event {
                    line,
                    format,
                    event,
                } => (
                    line,
                    format!("E:{format:?}:{}", event.audit_id().unwrap_or("")),
                ),
                Item::Unknown { line } => (line, "U".into()),
                Item::Skipped {
                    line,
                    format,
                    reason,
                } => (line, format!("S:{format:?}:{reason}")),
                Item::Error(e) => (e.line, format!("X:{}", e.message)),
            });
            true
        })
        .unwrap();
        out
    }

    fn ev(id: &str) -> String {
        serde_json::json!({"kind": "Event", "apiVersion": "audit.k8s.io/v1", "auditID": id,
            "stage": "ResponseComplete", "verb": "get", "user": {"username": "alice"},
            "objectRef": {"resource": "secrets", "namespace": "shop", "name": "db"}})
        .to_string()
    }

    fn quoted(s: &str) -> String {
        serde_json::to_string(s).unwrap()
    }

    #[test]
    fn eks_cloudwatch_log_events() {
        // `aws logs filter-log-events` output, pretty-printed as the CLI does.
        let text = format!(
            "{{\n    \"events\": [\n        {{\n            \"logStreamName\": \"kube-apiserver-audit-0f1e\",\n            \"timestamp\": 1795935780204,\n            \"message\": {},\n            \"ingestionTime\": 1795935781391,\n            \"eventId\": \"3771\"\n        }},\n        {{\n            \"logStreamName\": \"kube-apiserver-audit-0f1e\",\n            \"timestamp\": 1795935780205,\n            \"message\": {},\n            \"ingestionTime\": 1795935781391,\n            \"eventId\": \"3772\"\n        }}\n    ],\n    \"searchedLogStreams\": []\n}}\n{{\"timestamp\":1795935780206,\"message\":{},\"ingestionTime\":1795935781391}}\n2026-11-29T07:03:00.206Z {}\n2026-11-29T07:03:00.207Z I1129 07:03:00.207 controller.go:42] not an audit event\n",
            quoted(&ev("a")),
            quoted(&ev("b")),
            quoted(&ev("c")),
            ev("d"),
        );
        assert_eq!(
            items(&text, 10_000),
            vec![
                (3, "E:EksCloudWatch:a".into()),
                (10, "E:EksCloudWatch:b".into()),
                (20, "E:EksCloudWatch:c".into()),
                (21, "E:EksCloudWatch:d".into()),
                (22, "S:EksCloudWatch:the message is not JSON".into()),
            ]
        );
    }

    #[test]
    fn eks_subscription_records() {
        let data = serde_json::json!({
            "messageType": "DATA_MESSAGE", "owner": "111122223333",
            "logGroup": "/aws/eks/shop/cluster", "logStream": "kube-apiserver-audit-0f1e",
            "subscriptionFilters": ["to-firehose"],
            "logEvents": [
                {"id": "1", "timestamp": 1, "message": ev("a")},
                {"id": "2", "timestamp": 2, "message": "time=\"2026-11-29T07:03:00Z\" level=info msg=\"access granted\""},
                {"id": "3", "timestamp": 3, "message": format!("{}[Truncated...]", &ev("t")[..40])},
                {"id": "4", "timestamp": 4, "message": "{\"level\":\"info\"}"}
            ]
        });
        let control = r#"{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1,"message":"CWL CONTROL MESSAGE: Checking health of destination Firehose."}]}"#;
        // Firehose writes records back to back; the gzip+base64 form is named.
        let text = format!("{control}\n{data}{data}\n{{\"awslogs\":{{\"data\":\"H4sIAAAA\"}}}}\n");
        let got = items(&text, 10_000);
        assert_eq!(got.len(), 9, "{got:?}");
        assert_eq!(got[0], (2, "E:EksSubscription:a".into()));
        let from = "(from log stream kube-apiserver-audit-0f1e)";
        assert_eq!(
            got[1].1,
            format!("S:EksSubscription:the message is not JSON {from}")
        );
        assert_eq!(
            got[2],
            (2, "X:EKS CloudWatch Logs subscription: the audit event in the message was truncated by CloudWatch Logs".into())
        );
        assert_eq!(
            got[3],
            (
                2,
                format!("S:EksSubscription:the message is JSON but no audit Event {from}")
            )
        );
        assert_eq!(got[4], (2, "E:EksSubscription:a".into()));
        assert_eq!(got[8].0, 3);
        assert!(got[8].1.contains("awslogs.data is not gzip"), "{got:?}");
        // as Lambda receives it: gzip + base64 of the same document
        use base64::Engine;
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(data.to_string().as_bytes()).unwrap();
        let b64 = base64::engine::general_purpose::STANDARD.encode(gz.finish().unwrap());
        let lambda = format!("{{\"awslogs\":{{\"data\":\"{b64}\"}}}}\n");
        let got = items(&lambda, 10_000);
        assert_eq!(got.len(), 4, "{got:?}");
        assert_eq!(got[0], (1, "E:EksSubscription:a".into()));
        let got = items("{\"awslogs\":{\"data\":\"not base64!\"}}\n", 10_000);
        assert!(got[0].1.contains("awslogs.data is not base64"), "{got:?}");
    }

    fn gke(id: &str, method: &str, resource: &str) -> serde_json::Value {
        serde_json::json!({
            "insertId": id,
            "logName": "projects/p/logs/cloudaudit.googleapis.com%2Factivity",
            "protoPayload": {
                "@type": "type.googleapis.com/google.cloud.audit.AuditLog",
                "authenticationInfo": {"principalEmail": "alice@example.com"},
                "methodName": method, "resourceName": resource, "serviceName": "k8s.io"
            },
            "resource": {"type": "k8s_cluster", "labels": {"cluster_name": "c"}},
            "timestamp": "2026-11-29T07:03:00.2Z"
        })
    }

    #[test]
    fn gke_entries_as_gcloud_prints_them() {
        let mut other = gke(
            "n",
            "google.container.v1.ClusterManager.SetLabels",
            "projects/p/zones/z/clusters/c",
        );
        other["protoPayload"]["serviceName"] = "container.googleapis.com".into();
        let arr = serde_json::to_string_pretty(&serde_json::json!([
            gke(
                "g1",
                "io.k8s.core.v1.secrets.get",
                "core/v1/namespaces/shop/secrets/db"
            ),
            other,
            gke(
                "g2",
                "io.k8s.core.v1.pods.exec.create",
                "core/v1/namespaces/shop/pods/web/exec"
            ),
        ]))
        .unwrap();
        let one_per_line = format!(
            "{}\n",
            gke(
                "g3",
                "io.k8s.core.v1.pods.list",
                "core/v1/namespaces/shop/pods"
            )
        );
        let compact = format!("[\n{},\n{}\n]\n", ev("c1"), ev("c2"));
        let text = format!("{arr}\n{one_per_line}{compact}");
        let got = items(&text, 10_000);
        assert_eq!(got[0].1, "E:Gke:g1");
        assert_eq!(
            got[1].1,
            "S:Gke:an audit log of \"container.googleapis.com\" (google.container.v1.ClusterManager.SetLabels), not of the Kubernetes API"
        );
        // each element keeps its own line
        let lines: Vec<usize> = arr
            .lines()
            .enumerate()
            .filter(|(_, l)| *l == "  {")
            .map(|(i, _)| i + 1)
            .collect();
        assert_eq!(
            (got[0].0, got[1].0, got[2].0),
            (lines[0], lines[1], lines[2])
        );
        assert_eq!(got[2].1, "E:Gke:g2");
        let n = arr.lines().count();
        assert_eq!(got[3], (n + 1, "E:Gke:g3".into()));
        assert_eq!(got[4], (n + 3, "E:Native:c1".into()));
        assert_eq!(got[5], (n + 4, "E:Native:c2".into()));
        assert_eq!(got.len(), 6);
    }

    #[test]
    fn aks_diagnostic_records_and_table_rows() {
        let rec = |cat: &str, log: &str| {
            serde_json::json!({
                "time": "2026-11-29T07:03:00.2Z", "category": cat,
                "resourceId": "/SUBSCRIPTIONS/X/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/AKS",
                "operationName": "Microsoft.ContainerService/managedClusters/diagnosticLogs/Read",
                "properties": {"log": log, "stream": "stdout", "pod": "kube-apiserver-7d4b9c8f6-qx2mz"}
            })
        };
        let hub = serde_json::json!({"records": [
            rec("kube-audit", &ev("k1")),
            rec("kube-apiserver", "I1129 07:03:00.2 1 trace.go:236] Trace[1]"),
            rec("kube-audit-admin", &ev("k2")),
        ]});
        let legacy = serde_json::json!({"Category": "kube-audit", "log_s": ev("k3"), "pod_s": "kube-apiserver-1", "Type": "AzureDiagnostics"});
        let row = serde_json::json!({"Type": "AKSAuditAdmin", "AuditId": "k4", "Verb": "get", "Stage": "ResponseComplete",
            "User": {"username": "alice"}, "ObjectRef": "{\"resource\":\"secrets\"}"});
        let text = format!("{hub}\n{}\n{legacy}\n{row}\n", rec("kube-audit", &ev("k5")));
        assert_eq!(
            items(&text, 10_000),
            vec![
                (1, "E:AksDiagnostics:k1".into()),
                (
                    1,
                    "S:AksDiagnostics:category \"kube-apiserver\", not kube-audit".into()
                ),
                (1, "E:AksDiagnostics:k2".into()),
                (2, "E:AksDiagnostics:k5".into()),
                (3, "E:AksDiagnostics:k3".into()),
                (4, "E:AksTable:k4".into()),
            ]
        );
    }

    #[test]
    fn unknown_records_and_limits() {
        let wrapped = serde_json::json!({"records": [{"category": "kube-audit", "properties": {"log": ev(&"x".repeat(300))}}]});
        let text = format!(
            "{}\nplain text\n{{\"hello\":1}}\n[1, {{\"kind\":\"Pod\"}}, {}]\n42\n{wrapped}\n",
            ev("a"),
            ev("b")
        );
        assert_eq!(
            items(&text, 300),
            vec![
                (1, "E:Native:a".into()),
                (2, "U".into()),
                (3, "U".into()),
                (4, "U".into()),
                (4, "U".into()),
                (4, "E:Native:b".into()),
                (5, "U".into()),
                (
                    6,
                    format!(
                        "X:event of {} bytes exceeds the limit of 300",
                        ev(&"x".repeat(300)).len()
                    )
                ),
            ]
        );
    }

    #[test]
    fn large_exports_are_read_element_by_element() {
        // 64 × 300 bytes is the most a document read whole may hold; an
        // array or an `events` wrapper of any size streams.
        let many: Vec<serde_json::Value> = (0..200)
            .map(|i| {
                gke(
                    &format!("g{i}"),
                    "io.k8s.core.v1.secrets.get",
                    "core/v1/namespaces/shop/secrets/db",
                )
            })
            .collect();
        let arr = serde_json::to_string_pretty(&many).unwrap();
        assert!(arr.len() > 64 * 300);
        let got = items(&format!("{arr}\n"), 300);
        assert_eq!(got.len(), 200);
        assert!(
            got.iter().all(|(_, w)| w.starts_with("E:Gke:")),
            "{:?}",
            &got[..3]
        );
        let per = arr.lines().count() / 200;
        assert_eq!(got[199].0, 2 + 199 * per);
        let wrapped = serde_json::to_string_pretty(&serde_json::json!({
            "events": many.iter().map(|_| serde_json::json!({"logStreamName": "kube-apiserver-audit-1", "timestamp": 1, "message": ev("w")})).collect::<Vec<_>>(),
            "searchedLogStreams": []
        }))
        .unwrap();
        let got = items(&format!("{wrapped}\n{}\n", ev("after")), 300);
        assert_eq!(got.len(), 201);
        assert_eq!(
            got[200],
            (wrapped.lines().count() + 1, "E:Native:after".into())
        );
        // An element over the limit is named and skipped; a document cut
        // short is named at the element it ends in.
        let big = format!(
            "[\n  {},\n  {{\n    \"insertId\": \"{}\"\n  }},\n  {}\n]\n[\n  {},\n  {{\n    \"insertId\":",
            gke(
                "a",
                "io.k8s.core.v1.pods.get",
                "core/v1/namespaces/s/pods/p"
            ),
            "x".repeat(20_000),
            gke(
                "b",
                "io.k8s.core.v1.pods.get",
                "core/v1/namespaces/s/pods/p"
            ),
            gke(
                "c",
                "io.k8s.core.v1.pods.get",
                "core/v1/namespaces/s/pods/p"
            ),
        );
        assert_eq!(
            items(&big, 300),
            vec![
                (2, "E:Gke:a".into()),
                (3, "X:element larger than 19200 bytes".into()),
                (6, "E:Gke:b".into()),
                (9, "E:Gke:c".into()),
                (10, "X:truncated JSON (the document ends early)".into()),
            ]
        );
    }

    #[test]
    fn records_back_to_back_on_a_line_longer_than_a_document() {
        // What `zcat` of a Firehose object of subscription data gives.
        let rec = |i: usize| {
            serde_json::json!({"messageType": "DATA_MESSAGE", "logGroup": "/aws/eks/c/cluster",
                "logStream": "kube-apiserver-audit-1", "logEvents": [
                    {"id": "1", "timestamp": 1, "message": ev(&format!("{i}-{}", "p".repeat(100)))}]})
            .to_string()
        };
        let line: String = (0..60).map(rec).collect();
        assert!(line.len() > 64 * 300);
        let big = format!("{{\"kind\":\"Event\",\"x\":\"{}\"}}", "a".repeat(20_000));
        let got = items(&format!("{line}\n{big}\n"), 300);
        assert_eq!(got.len(), 61, "{:?}", &got[..2]);
        assert!(
            got[..60]
                .iter()
                .all(|(l, w)| *l == 1 && w.starts_with("E:EksSubscription:"))
        );
        assert_eq!(
            got[60],
            (
                2,
                format!("X:event of {} bytes exceeds the limit of 300", big.len())
            )
        );
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
