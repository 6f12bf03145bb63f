//! The terminal report: by severity, then by object; each finding with its
//! line, check, message and the change to make; a summary line.

use crate::{RenderOptions, ScanReport, fix_line};
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

pub fn render(r: &ScanReport, opts: RenderOptions) -> String {
    let p = Paint { on: opts.color };
    let dim = Style::new().dimmed();
    let bold = Style::new().bold();
    let mut out = String::new();
    for sev in Severity::ALL {
        let of_sev: Vec<&Finding> = r.findings.iter().filter(|f| f.severity == sev).collect();
        if of_sev.is_empty() {
            continue;
        }
        let header = format!("{} ({})", sev.as_str().to_uppercase(), of_sev.len());
        let _ = writeln!(out, "{}", p.paint(severity_style(sev), &header));
        // objects in order of first appearance (findings are sorted by file and line)
        let mut order: Vec<&palisade_model::ObjectRef> = Vec::new();
        let mut by_object: HashMap<&palisade_model::ObjectRef, Vec<&Finding>> = HashMap::new();
        for f in &of_sev {
            by_object
                .entry(&f.object)
                .or_insert_with(|| {
                    order.push(&f.object);
                    Vec::new()
                })
                .push(f);
        }
        for obj in order {
            let mine = &by_object[obj];
            let file = &mine[0].location.file;
            let _ = writeln!(
                out,
                "  {}  {}",
                p.paint(bold, &obj.to_string()),
                p.paint(dim, file)
            );
            let width = mine.iter().map(|f| f.check.id.len()).max().unwrap_or(0);
            for f in mine {
                let line = if f.location.line > 0 {
                    format!("{:>5}", f.location.line)
                } else {
                    "    -".to_string()
                };
                let _ = writeln!(
                    out,
                    "    {}  {:<width$}  {}",
                    p.paint(dim, &line),
                    f.check.id,
                    f.message,
                );
                let _ = writeln!(
                    out,
                    "    {:>5}  {:<width$}  {}",
                    "",
                    "",
                    p.paint(dim, &format!("fix: {}", fix_line(f))),
                );
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
                &format!("INPUT ERRORS ({}) — not scanned", r.errors.len())
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
        "{} finding{}{counts} in {} object{} ({} workload{}) from {} file{} · score {}/100 · {} suppressed · {} input error{}",
        s.total,
        plural(s.total),
        s.objects,
        plural(s.objects),
        s.workloads,
        plural(s.workloads),
        s.files,
        plural(s.files),
        s.score,
        s.suppressed,
        s.errors,
        plural(s.errors),
    );
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
