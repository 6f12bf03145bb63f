//! The terminal report: the summary and what `palisade fix` can repair
//! first; then by severity, grouped by check (one cause, its fix once, every
//! place it occurs), by object or by file; `path:line:column` as one token;
//! lines wrapped to the width; `--compact`: one line a finding.

use crate::{Group, RenderOptions, ScanReport, first_sentence, fix_line};
use anstyle::{AnsiColor, Style};
use palisade_findings::{Finding, Severity};
use std::collections::HashMap;
use std::fmt::Write;

struct Paint {
    on: bool,
}

impl Paint {
    fn paint(&self, style: Style, text: &str) -> String {
        if self.on {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_string()
        }
    }
}

fn severity_style(s: Severity) -> Style {
    let color = |c: AnsiColor| Style::new().fg_color(Some(c.into()));
    match s {
        Severity::Critical => color(AnsiColor::BrightRed).bold(),
        Severity::High => color(AnsiColor::Red).bold(),
        Severity::Medium => color(AnsiColor::Yellow).bold(),
        Severity::Low => color(AnsiColor::Cyan),
        Severity::Info => Style::new().dimmed(),
    }
}

/// `path:line:column` (or `path:line`, or `path`): one token terminals and
/// editors open at the line.
fn place(f: &Finding) -> String {
    let l = &f.location;
    match (l.line, l.column) {
        (0, _) => l.file.to_string(),
        (n, 0) => format!("{}:{n}", l.file),
        (n, c) => format!("{}:{n}:{c}", l.file),
    }
}

/// `text` wrapped to the report's width: the first line after `first`,
/// the others indented by `rest` spaces. Width 0: one line.
fn wrapped(text: &str, width: usize, first: &str, rest: usize) -> Vec<String> {
    if width == 0 {
        return vec![format!("{first}{text}")];
    }
    let indent = " ".repeat(rest);
    let opts = textwrap::Options::new(width.max(first.len() + 20))
        .initial_indent(first)
        .subsequent_indent(&indent)
        .break_words(true)
        // names like `marketing/catch-all` stay whole
        .word_splitter(textwrap::WordSplitter::NoHyphenation);
    textwrap::wrap(text, opts)
        .into_iter()
        .map(|l| l.into_owned())
        .collect()
}

/// What the summary says `palisade fix` can repair.
fn fixable(r: &ScanReport) -> (usize, usize) {
    use palisade_findings::Applicability;
    let mut safe = 0;
    let mut unsafe_ = 0;
    for f in &r.findings {
        match f.autofix.as_ref().map(|a| a.applicability) {
            Some(Applicability::Safe) => safe += 1,
            Some(_) => unsafe_ += 1,
            None => {}
        }
    }
    (safe, unsafe_)
}

fn header(r: &ScanReport, opts: &RenderOptions, p: &Paint, out: &mut String) {
    let s = &r.summary;
    let bold = Style::new().bold();
    let _ = writeln!(
        out,
        "{}",
        p.paint(
            bold,
            &format!(
                "{} finding{} in {} object{} ({} workload{}) from {} file{} · {}{}",
                s.total,
                plural(s.total),
                s.objects,
                plural(s.objects),
                s.workloads,
                plural(s.workloads),
                s.files,
                plural(s.files),
                crate::score_text(s),
                r.score_scope
                    .as_deref()
                    .map(|x| format!(" ({x})"))
                    .unwrap_or_default()
            )
        )
    );
    let mut parts: Vec<String> = Severity::ALL
        .iter()
        .filter(|sev| s.count(**sev) > 0)
        .map(|sev| p.paint(severity_style(*sev), &format!("{} {sev}", s.count(*sev))))
        .collect();
    parts.push(format!("{} suppressed", s.suppressed));
    parts.push(format!("{} input error{}", s.errors, plural(s.errors)));
    let _ = writeln!(out, "{}", parts.join(" · "));
    if let Some(a) = &r.advice {
        for l in wrapped(a, opts.width, "", 2) {
            let _ = writeln!(out, "{l}");
        }
    }
    let (safe, unsafe_) = fixable(r);
    if safe + unsafe_ > 0 {
        let cmd = opts.fix_command.as_deref().unwrap_or("palisade fix PATH");
        let _ = writeln!(
            out,
            "{} can be fixed in place ({safe} safely, {unsafe_} after a check):",
            safe + unsafe_
        );
        let _ = writeln!(out, "  {cmd} --diff   # shows the changes");
        let _ = writeln!(
            out,
            "  {cmd}          # applies the safe ones; --unsafe the rest"
        );
    }
    out.push('\n');
}

/// Findings in order of first appearance of `key` (findings are sorted by
/// file and line).
fn groups<'a, K: Eq + std::hash::Hash + Copy>(
    findings: &[&'a Finding],
    key: impl Fn(&'a Finding) -> K,
) -> Vec<(K, Vec<&'a Finding>)> {
    let mut order: Vec<K> = Vec::new();
    let mut by: HashMap<K, Vec<&'a Finding>> = HashMap::new();
    for f in findings {
        by.entry(key(f))
            .or_insert_with(|| {
                order.push(key(f));
                Vec::new()
            })
            .push(f);
    }
    order
        .into_iter()
        .map(|k| {
            let v = by.remove(&k).unwrap_or_default();
            (k, v)
        })
        .collect()
}

pub fn render(r: &ScanReport, opts: RenderOptions) -> String {
    let p = Paint { on: opts.color };
    let dim = Style::new().dimmed();
    let bold = Style::new().bold();
    let w = opts.width;
    let mut out = String::new();
    if opts.compact {
        for f in &r.findings {
            let _ = writeln!(
                out,
                "{}: {}: {}: {}: {}",
                place(f),
                f.severity,
                f.check.id,
                f.object,
                f.message
            );
        }
    } else {
        header(r, &opts, &p, &mut out);
    }
    for sev in Severity::ALL.into_iter().filter(|_| !opts.compact) {
        let of_sev: Vec<&Finding> = r.findings.iter().filter(|f| f.severity == sev).collect();
        if of_sev.is_empty() {
            continue;
        }
        let header = format!("{} ({})", sev.as_str().to_uppercase(), of_sev.len());
        let _ = writeln!(out, "{}", p.paint(severity_style(sev), &header));
        match opts.group {
            Group::Check => {
                for (id, mine) in groups(&of_sev, |f| f.check.id) {
                    let m = mine[0].check;
                    let n = mine.len();
                    let auto = mine.iter().filter(|f| f.autofix.is_some()).count();
                    let count = if auto > 0 {
                        format!("{n}, {auto} fixable")
                    } else {
                        n.to_string()
                    };
                    let title = format!("{id} · {} ({count})", m.title);
                    for (i, l) in wrapped(&title, w, "  ", 4).iter().enumerate() {
                        let _ = match l.strip_prefix("  ").and_then(|r| r.strip_prefix(id)) {
                            Some(rest) if i == 0 => {
                                writeln!(out, "  {}{}", p.paint(bold, id), p.paint(dim, rest))
                            }
                            _ => writeln!(out, "{}", p.paint(dim, l)),
                        };
                    }
                    for l in wrapped(&format!("fix: {}", first_sentence(m.fix)), w, "    ", 9) {
                        let _ = writeln!(out, "{}", p.paint(dim, &l));
                    }
                    for f in mine {
                        let text = format!("{}  {}  {}", place(f), f.object, f.message);
                        for l in wrapped(&text, w, "    ", 8) {
                            let _ = writeln!(out, "{l}");
                        }
                    }
                }
            }
            Group::Object => {
                for (obj, mine) in groups(&of_sev, |f| &f.object) {
                    let _ = writeln!(out, "  {}", p.paint(bold, &obj.to_string()));
                    for f in mine {
                        let text = format!("{}  {}  {}", place(f), f.check.id, f.message);
                        for l in wrapped(&text, w, "    ", 8) {
                            let _ = writeln!(out, "{l}");
                        }
                        for l in wrapped(&format!("fix: {}", fix_line(f)), w, "      ", 11) {
                            let _ = writeln!(out, "{}", p.paint(dim, &l));
                        }
                    }
                }
            }
            Group::File => {
                for (file, mine) in groups(&of_sev, |f| &*f.location.file) {
                    let _ = writeln!(out, "  {}", p.paint(bold, file));
                    for f in mine {
                        let at = match (f.location.line, f.location.column) {
                            (0, _) => "-".to_string(),
                            (l, 0) => l.to_string(),
                            (l, c) => format!("{l}:{c}"),
                        };
                        let text = format!("{at:>7}  {}  {}  {}", f.check.id, f.object, f.message);
                        for l in wrapped(&text, w, "  ", 11) {
                            let _ = writeln!(out, "{l}");
                        }
                    }
                }
            }
        }
        out.push('\n');
    }
    if opts.show_suppressed && !r.suppressed.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            p.paint(bold, &format!("SUPPRESSED ({})", r.suppressed.len()))
        );
        for x in &r.suppressed {
            let f = &x.finding;
            let _ = writeln!(
                out,
                "  {}  {}  {}  {}",
                p.paint(dim, &f.location.to_string()),
                f.object,
                f.check.id,
                p.paint(dim, &format!("({}: {})", x.by, x.reason))
            );
        }
        out.push('\n');
    }
    if !r.errors.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            p.paint(
                severity_style(Severity::High),
                &format!(
                    "INPUT ERRORS ({}) — what they name was left out",
                    r.errors.len()
                )
            )
        );
        for e in &r.errors {
            let _ = writeln!(out, "  {e}");
        }
        out.push('\n');
    }
    let s = &r.summary;
    let mut parts = Vec::new();
    for sev in Severity::ALL {
        let n = s.count(sev);
        if n > 0 {
            parts.push(p.paint(severity_style(sev), &format!("{n} {sev}")));
        }
    }
    let counts = if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    };
    let _ = writeln!(
        out,
        "{} finding{}{counts} · {} · {} suppressed · {} input error{}",
        s.total,
        plural(s.total),
        crate::score_text(s),
        s.suppressed,
        s.errors,
        plural(s.errors),
    );
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
