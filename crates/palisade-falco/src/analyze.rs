//! `palisade audit analyze`'s pipeline: audit log streams (files, stdin,
//! files followed as they grow) in any format [`crate::event`] reads,
//! through a compiled rule set, alerts written as text or JSON lines, a
//! count per rule.

use crate::event::{self, Format, Item, ReadError};
use crate::{AuditEvent, Matching, Priority, RuleSet, Scratch, Windows};
use std::io::{BufRead, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;

/// The rule files `--rules` names (`default` = the shipped files), in
/// order; none named means the shipped files.
pub fn rule_files(names: &[String]) -> Result<Vec<(String, String)>, String> {
    if names.is_empty() {
        return Ok(crate::default_rule_files());
    }
    let mut out = Vec::new();
    for n in names {
        if n == crate::DEFAULT_RULES_NAME {
            out.extend(crate::default_rule_files());
        } else {
            let text = std::fs::read_to_string(n).map_err(|e| format!("{n}: {e}"))?;
            out.push((n.clone(), text));
        }
    }
    Ok(out)
}

/// A priority threshold: `none`, or a priority (`warning`, …).
pub fn parse_threshold(s: &str) -> Result<Option<Priority>, String> {
    if s.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    Priority::parse(s).map(Some).ok_or_else(|| {
        format!(
            "unknown priority '{s}' (emergency, alert, critical, error, warning, notice, info, debug, none)"
        )
    })
}

/// How alerts are chosen and written.
pub struct Options {
    /// JSON lines (Falco's alert fields) rather than text.
    pub json: bool,
    pub matching: Matching,
    /// Alerts below this priority are not written.
    pub min_priority: Priority,
    /// An alert at or above this priority fails the run.
    pub fail_on: Option<Priority>,
    /// Events larger than this are reported and skipped.
    pub max_event_bytes: usize,
    /// The files are followed as they grow: alerts are flushed after every
    /// event.
    pub follow: bool,
}

/// Why a stream stopped early.
#[derive(Debug, PartialEq, Eq)]
pub enum Stop {
    /// The reader of the alerts went away (`| head`): end quietly.
    Closed,
    /// Reading the input or writing alerts failed.
    Failed(String),
}

/// A run: alerts to `out`, unreadable events to `err`, counts.
pub struct Analyzer<'a, W: Write, E: Write> {
    rules: &'a RuleSet,
    opts: &'a Options,
    pub out: W,
    err: E,
    pub events: u64,
    pub alerts: u64,
    /// An alert at or above `fail_on` was seen.
    pub failing: bool,
    pub read_errors: u64,
    /// Records of an unknown format, in all streams (reported once per
    /// stream).
    pub unknown_records: u64,
    /// Managed-log records whose payload is no audit event, in all streams
    /// (a warning once per stream).
    pub skipped_records: u64,
    pub per_rule: std::collections::BTreeMap<String, u64>,
    /// Events read, per format.
    pub per_format: std::collections::BTreeMap<Format, u64>,
    /// The windowed rules' state, across every stream of the run.
    pub windows: Windows,
}

/// Records passed over in one stream: how many, the first one's line and
/// why.
#[derive(Default)]
struct Passed {
    n: u64,
    first: usize,
    why: String,
}

impl Passed {
    fn add(&mut self, line: usize, why: impl FnOnce() -> String) {
        if self.n == 0 {
            self.first = line;
            self.why = why();
        }
        self.n += 1;
    }
}

fn records(n: u64) -> String {
    if n == 1 {
        "1 record".into()
    } else {
        format!("{n} records")
    }
}

impl<'a, W: Write, E: Write> Analyzer<'a, W, E> {
    pub fn new(rules: &'a RuleSet, opts: &'a Options, out: W, err: E) -> Self {
        Analyzer {
            rules,
            opts,
            out,
            err,
            events: 0,
            alerts: 0,
            failing: false,
            read_errors: 0,
            unknown_records: 0,
            skipped_records: 0,
            per_rule: Default::default(),
            per_format: Default::default(),
            windows: Windows::new(),
        }
    }

    fn event(&mut self, ev: &AuditEvent) -> std::io::Result<()> {
        self.events += 1;
        let mut s = Scratch::new();
        for a in self
            .rules
            .evaluate(ev, self.opts.matching, &mut s, &mut self.windows)
        {
            if a.priority > self.opts.min_priority {
                continue;
            }
            self.alerts += 1;
            *self.per_rule.entry(a.rule.clone()).or_default() += 1;
            if self.opts.fail_on.is_some_and(|f| a.priority <= f) {
                self.failing = true;
            }
            if self.opts.json {
                serde_json::to_writer(&mut self.out, &crate::alert_record(&a, ev))?;
                self.out.write_all(b"\n")?;
            } else {
                writeln!(
                    self.out,
                    "{}  {:<13} {}: {}",
                    ev.time_string(true),
                    a.priority.as_str(),
                    a.rule,
                    a.output
                )?;
            }
        }
        if self.opts.follow {
            self.out.flush()?;
        }
        Ok(())
    }

    fn error(&mut self, file: &str, e: &ReadError) {
        self.read_errors += 1;
        let _ = writeln!(self.err, "{file}:{}: {}", e.line, e.message);
    }

    /// Reads one stream named `name`; `first_line` offsets line numbers
    /// (a followed file read in pieces). Records of an unknown format and
    /// managed-log records without an audit event are counted and reported
    /// once, at the end of the stream, with the first one's line.
    pub fn stream<R: BufRead>(&mut self, name: &str, r: R, first_line: usize) -> Result<(), Stop> {
        let mut io_err = None;
        let max = self.opts.max_event_bytes;
        let mut unknown = Passed::default();
        let mut skipped = Passed::default();
        let read = event::read_items(r, max, |item| {
            match item {
                Item::Event { event, format, .. } => {
                    *self.per_format.entry(format).or_default() += 1;
                    if let Err(e) = self.event(&event) {
                        io_err = Some(e);
                        return false;
                    }
                }
                Item::Unknown { line } => unknown.add(line + first_line, String::new),
                Item::Skipped {
                    line,
                    format,
                    reason,
                } => skipped.add(line + first_line, || format!("{format}: {reason}")),
                Item::Error(mut e) => {
                    e.line += first_line;
                    self.error(name, &e);
                }
            }
            true
        });
        if unknown.n > 0 {
            self.unknown_records += unknown.n;
            let _ = writeln!(
                self.err,
                "{name}: {} of an unknown format skipped (first at {name}:{})",
                records(unknown.n),
                unknown.first
            );
        }
        if skipped.n > 0 {
            self.skipped_records += skipped.n;
            let _ = writeln!(
                self.err,
                "{name}: warning: {} of a managed cluster's log skipped, no audit event in {} (first at {name}:{}: {})",
                records(skipped.n),
                if skipped.n == 1 { "it" } else { "them" },
                skipped.first,
                skipped.why
            );
        }
        read.map_err(|e| Stop::Failed(format!("{name}: {e}")))?;
        match io_err {
            Some(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(Stop::Closed),
            Some(e) => Err(Stop::Failed(format!("writing alerts: {e}"))),
            None => Ok(()),
        }
    }

    /// Follows `files` from their current end as they grow, forever: a
    /// file that shrinks (rotated, truncated) is read again from the start.
    pub fn follow(&mut self, files: &[PathBuf]) -> Result<(), Stop> {
        // (offset, lines seen) per file, starting at the current end.
        let mut state: Vec<(u64, usize)> = files
            .iter()
            .map(|p| {
                let len = std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
                let lines = std::fs::read(p)
                    .map(|b| b.iter().filter(|&&c| c == b'\n').count())
                    .unwrap_or(0);
                (len, lines)
            })
            .collect();
        loop {
            for (p, (off, lines)) in files.iter().zip(state.iter_mut()) {
                let Ok(mut f) = std::fs::File::open(p) else {
                    continue;
                };
                let len = f.metadata().map(|m| m.len()).unwrap_or(0);
                if len < *off {
                    *off = 0;
                    *lines = 0;
                }
                if len == *off {
                    continue;
                }
                if f.seek(SeekFrom::Start(*off)).is_err() {
                    continue;
                }
                let mut buf = Vec::new();
                if f.take(len - *off).read_to_end(&mut buf).is_err() {
                    continue;
                }
                let n = complete_part(&buf);
                if n == 0 {
                    continue;
                }
                let name = p.display().to_string();
                self.stream(&name, &buf[..n], *lines)?;
                *lines += buf[..n].iter().filter(|&&c| c == b'\n').count();
                *off += n as u64;
            }
            std::thread::sleep(std::time::Duration::from_millis(250));
        }
    }

    /// The count of alerts and events (per format when some were not
    /// native), what was skipped, and the alerts per rule (text mode).
    pub fn summary(&mut self) -> std::io::Result<()> {
        let mut notes = String::new();
        if self.per_format.keys().any(|f| *f != Format::Native) {
            let formats: Vec<String> = self
                .per_format
                .iter()
                .map(|(f, n)| format!("{n} {f}"))
                .collect();
            notes.push_str(&format!(" ({})", formats.join(", ")));
        }
        if self.read_errors > 0 {
            notes.push_str(&format!(
                ", {} unreadable input(s) reported on stderr",
                self.read_errors
            ));
        }
        if self.unknown_records > 0 {
            notes.push_str(&format!(
                ", {} of an unknown format skipped",
                records(self.unknown_records)
            ));
        }
        if self.skipped_records > 0 {
            notes.push_str(&format!(
                ", {} without an audit event skipped",
                records(self.skipped_records)
            ));
        }
        if self.windows.evicted > 0 {
            notes.push_str(&format!(
                ", {} window key(s) dropped at their rule's max_keys",
                self.windows.evicted
            ));
        }
        writeln!(
            self.out,
            "{} alert(s) from {} event(s){notes}",
            self.alerts, self.events
        )?;
        for (rule, n) in &self.per_rule {
            writeln!(self.out, "  {n:>7}  {rule}")?;
        }
        Ok(())
    }
}

/// Bytes up to and including the last newline (what can be parsed now).
fn complete_part(buf: &[u8]) -> usize {
    buf.iter()
        .rposition(|&b| b == b'\n')
        .map(|i| i + 1)
        .unwrap_or(0)
}
