//! `palisade audit analyze`: Falco k8s_audit rules over audit logs.

use crate::exit;
use crate::output::usage_error;
use palisade_falco::event::{self, ReadError};
use palisade_falco::{AuditEvent, Matching, Priority, RuleSet, Scratch};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Reads the rules `--rules` names (`default` = the shipped files), in order.
pub fn rule_files(names: &[String]) -> Result<Vec<(String, String)>, String> {
    if names.is_empty() {
        return Ok(palisade_falco::default_rule_files());
    }
    let mut out = Vec::new();
    for n in names {
        if n == palisade_falco::DEFAULT_RULES_NAME {
            out.extend(palisade_falco::default_rule_files());
        } else {
            let text = std::fs::read_to_string(n).map_err(|e| format!("{n}: {e}"))?;
            out.push((n.clone(), text));
        }
    }
    Ok(out)
}

/// Loads and compiles rules, printing every diagnostic to stderr; `Err` when
/// a file cannot be read. The bool says whether any diagnostic was an error.
pub fn load_rules(names: &[String]) -> Result<(RuleSet, bool), String> {
    let rs = palisade_falco::compile(&rule_files(names)?);
    for d in &rs.diags {
        eprintln!("{d}");
    }
    if rs.skipped_other_source > 0 {
        eprintln!(
            "note: {} rule(s) of a source other than k8s_audit skipped",
            rs.skipped_other_source
        );
    }
    let bad = rs.has_errors();
    Ok((rs, bad))
}

pub fn parse_priority(s: &str) -> Result<Option<Priority>, String> {
    if s.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    Priority::parse(s)
        .map(Some)
        .ok_or_else(|| format!("unknown priority '{s}' (emergency, alert, critical, error, warning, notice, info, debug, none)"))
}

pub struct AnalyzeOptions {
    pub json: bool,
    pub matching: Matching,
    pub min_priority: Priority,
    pub fail_on: Option<Priority>,
    pub max_event_bytes: usize,
    pub follow: bool,
}

struct Run<'a, W: Write> {
    rules: &'a RuleSet,
    opts: &'a AnalyzeOptions,
    out: W,
    events: u64,
    alerts: u64,
    failing: bool,
    read_errors: u64,
    per_rule: std::collections::BTreeMap<String, u64>,
}

impl<W: Write> Run<'_, W> {
    fn event(&mut self, ev: &AuditEvent) -> std::io::Result<()> {
        self.events += 1;
        let mut s = Scratch::new();
        for a in self.rules.evaluate(ev, self.opts.matching, &mut s) {
            if a.priority > self.opts.min_priority {
                continue;
            }
            self.alerts += 1;
            *self.per_rule.entry(a.rule.clone()).or_default() += 1;
            if self.opts.fail_on.is_some_and(|f| a.priority <= f) {
                self.failing = true;
            }
            if self.opts.json {
                serde_json::to_writer(&mut self.out, &palisade_falco::alert_record(&a, ev))?;
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
        eprintln!("{file}:{}: {}", e.line, e.message);
    }

    /// Reads a stream; `first_line` offsets line numbers (for follow).
    fn stream<R: BufRead>(&mut self, name: &str, r: R, first_line: usize) -> Result<(), String> {
        let mut io_err = None;
        let max = self.opts.max_event_bytes;
        event::read(r, max, |item| {
            match item {
                Ok((_, ev)) => {
                    if let Err(e) = self.event(&ev) {
                        io_err = Some(e);
                        return false;
                    }
                }
                Err(mut e) => {
                    e.line += first_line;
                    self.error(name, &e);
                }
            }
            true
        })
        .map_err(|e| format!("{name}: {e}"))?;
        match io_err {
            // A closed pipe (`| head`) ends the run quietly.
            Some(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(String::new()),
            Some(e) => Err(format!("writing alerts: {e}")),
            None => Ok(()),
        }
    }
}

/// Bytes up to and including the last newline (what can be parsed now).
fn complete_part(buf: &[u8]) -> usize {
    buf.iter()
        .rposition(|&b| b == b'\n')
        .map(|i| i + 1)
        .unwrap_or(0)
}

fn follow<W: Write>(run: &mut Run<'_, W>, files: &[PathBuf]) -> Result<(), String> {
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
                // Rotated or truncated: start over.
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
            run.stream(&name, &buf[..n], *lines)?;
            *lines += buf[..n].iter().filter(|&&c| c == b'\n').count();
            *off += n as u64;
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
}

pub fn analyze(logs: &[PathBuf], rules: &[String], opts: AnalyzeOptions) -> u8 {
    let (rs, rules_bad) = match load_rules(rules) {
        Ok(x) => x,
        Err(e) => return usage_error(e),
    };
    let stdout = std::io::stdout();
    let mut run = Run {
        rules: &rs,
        opts: &opts,
        out: std::io::BufWriter::new(stdout.lock()),
        events: 0,
        alerts: 0,
        failing: false,
        read_errors: 0,
        per_rule: Default::default(),
    };
    let mut missing = false;
    for p in logs {
        let res = if p == Path::new("-") {
            run.stream("<stdin>", std::io::stdin().lock(), 0)
        } else {
            match std::fs::File::open(p) {
                Ok(f) => run.stream(
                    &p.display().to_string(),
                    BufReader::with_capacity(1 << 20, f),
                    0,
                ),
                Err(e) => {
                    eprintln!("{}: {e}", p.display());
                    missing = true;
                    continue;
                }
            }
        };
        match res {
            Ok(()) => {}
            Err(e) if e.is_empty() => return exit::OK,
            Err(e) => return usage_error(e),
        }
    }
    if opts.follow {
        let files: Vec<PathBuf> = logs
            .iter()
            .filter(|p| *p != Path::new("-"))
            .cloned()
            .collect();
        if let Err(e) = follow(&mut run, &files) {
            if e.is_empty() {
                return exit::OK;
            }
            return usage_error(e);
        }
    }
    if !opts.json {
        let _ = writeln!(
            run.out,
            "{} alert(s) from {} event(s){}",
            run.alerts,
            run.events,
            if run.read_errors > 0 {
                format!(
                    ", {} unreadable input(s) reported on stderr",
                    run.read_errors
                )
            } else {
                String::new()
            }
        );
        for (rule, n) in &run.per_rule {
            let _ = writeln!(run.out, "  {n:>7}  {rule}");
        }
    }
    let _ = run.out.flush();
    if missing || rules_bad || run.read_errors > 0 {
        exit::INPUT_ERROR
    } else if run.failing {
        exit::FINDINGS
    } else {
        exit::OK
    }
}
