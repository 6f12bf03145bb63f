//! Inline SVG charts: the score gauge, findings by severity and by
//! namespace, the score over time, the data-flow diagram. Plain SVG with
//! `<title>` tooltips; no script needed to see them.

use crate::text::esc;
use crate::views::DataFlow;
use crate::{Counts, HistoryPoint, format_day, format_time};
use palisade_findings::Severity;
use std::fmt::Write;

pub(crate) fn severity_color(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "#7f1d1d",
        Severity::High => "#dc2626",
        Severity::Medium => "#f59e0b",
        Severity::Low => "#3b82f6",
        Severity::Info => "#9ca3af",
    }
}

pub(crate) fn score_color(score: u32) -> &'static str {
    if score >= 90 {
        "#047857"
    } else if score >= 70 {
        "#b45309"
    } else {
        "#b91c1c"
    }
}

const FONT: &str = "font-family=\"system-ui, -apple-system, Segoe UI, Roboto, sans-serif\"";

/// The score as a ring.
pub(crate) fn gauge(score: u32) -> String {
    let r = 62.0_f64;
    let len = 2.0 * std::f64::consts::PI * r;
    let on = len * f64::from(score.min(100)) / 100.0;
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"gauge\" role=\"img\" aria-label=\"posture score {score} of 100\" width=\"160\" height=\"160\" viewBox=\"0 0 160 160\" {FONT}><title>posture score {score}/100</title><circle cx=\"80\" cy=\"80\" r=\"{r}\" fill=\"none\" stroke=\"#e5e7eb\" stroke-width=\"16\"/><circle cx=\"80\" cy=\"80\" r=\"{r}\" fill=\"none\" stroke=\"{c}\" stroke-width=\"16\" stroke-dasharray=\"{on:.2} {off:.2}\" transform=\"rotate(-90 80 80)\"/><text x=\"80\" y=\"88\" text-anchor=\"middle\" font-size=\"40\" font-weight=\"700\" fill=\"{c}\">{score}</text><text x=\"80\" y=\"110\" text-anchor=\"middle\" font-size=\"13\" fill=\"#6b7280\">of 100</text></svg>",
        c = score_color(score),
        off = len - on
    )
}

/// A round axis: (upper bound, tick step), at most five steps of 1, 2 or
/// 5 × 10ⁿ.
fn axis(v: usize) -> (usize, usize) {
    let v = v.max(1);
    let mut step = 1;
    loop {
        for m in [1, 2, 5] {
            let s = m * step;
            if s * 5 >= v {
                return (s * v.div_ceil(s), s);
            }
        }
        step *= 10;
    }
}

/// Findings per severity as vertical bars.
pub(crate) fn severity_bars(c: &Counts) -> String {
    let (w, h) = (440, 230);
    let (left, top, bottom) = (40, 20, 40);
    let plot_h = h - top - bottom;
    let (max, step) = axis(Severity::ALL.iter().map(|&s| c.get(s)).max().unwrap_or(0));
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" aria-label=\"findings by severity\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" {FONT} font-size=\"12\">"
    );
    for i in 0..=max / step {
        let v = i * step;
        let y = top + plot_h - plot_h * v / max;
        let _ = write!(
            s,
            "<line x1=\"{left}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"#e5e7eb\"/><text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"#6b7280\">{v}</text>",
            w - 10,
            left - 6,
            y + 4
        );
    }
    let slot = (w - left - 10) / 5;
    for (i, &sev) in Severity::ALL.iter().enumerate() {
        let n = c.get(sev);
        let bh = plot_h * n / max;
        let x = left + i * slot + slot / 6;
        let bw = slot * 2 / 3;
        let y = top + plot_h - bh;
        let _ = write!(
            s,
            "<g class=\"bar\" data-severity=\"{sev}\"><title>{n} {sev} finding{pl}</title><rect x=\"{x}\" y=\"{y}\" width=\"{bw}\" height=\"{bh}\" rx=\"3\" fill=\"{col}\"/><text x=\"{cx}\" y=\"{ty}\" text-anchor=\"middle\" font-weight=\"600\" fill=\"#111827\">{n}</text><text x=\"{cx}\" y=\"{ly}\" text-anchor=\"middle\" fill=\"#374151\">{sev}</text></g>",
            pl = if n == 1 { "" } else { "s" },
            col = severity_color(sev),
            cx = x + bw / 2,
            ty = y.saturating_sub(5).max(12),
            ly = h - bottom + 18
        );
    }
    s.push_str("</svg>");
    s
}

/// Findings per namespace as horizontal bars stacked by severity.
pub(crate) fn namespace_bars(rows: &[(String, Counts)]) -> String {
    let label_w = 150;
    let bar_w = 300;
    let row_h = 26;
    let top = 30;
    let w = label_w + bar_w + 60;
    let h = top + row_h * rows.len().max(1) + 10;
    let max = rows
        .iter()
        .map(|(_, c)| c.total())
        .max()
        .unwrap_or(0)
        .max(1);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" aria-label=\"findings by namespace\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" {FONT} font-size=\"12\">"
    );
    // legend
    let mut lx = label_w;
    for &sev in &Severity::ALL {
        let _ = write!(
            s,
            "<rect x=\"{lx}\" y=\"6\" width=\"10\" height=\"10\" fill=\"{}\"/><text x=\"{}\" y=\"15\" fill=\"#374151\" font-size=\"11\">{sev}</text>",
            severity_color(sev),
            lx + 13
        );
        lx += 13 + sev.as_str().len() * 7 + 10;
    }
    for (i, (ns, c)) in rows.iter().enumerate() {
        let y = top + i * row_h;
        let label: String = if ns.chars().count() > 22 {
            ns.chars().take(21).collect::<String>() + "…"
        } else {
            ns.clone()
        };
        let _ = write!(
            s,
            "<g class=\"bar\" data-ns=\"{nse}\"><title>{nse}: {}</title><text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"#111827\">{}</text>",
            crate::actions::counts_text(c),
            label_w - 8,
            y + 15,
            esc(&label),
            nse = esc(ns)
        );
        let mut x = label_w;
        for &sev in &Severity::ALL {
            let n = c.get(sev);
            if n == 0 {
                continue;
            }
            let bw = (bar_w * n / max).max(2);
            let _ = write!(
                s,
                "<rect x=\"{x}\" y=\"{}\" width=\"{bw}\" height=\"18\" fill=\"{}\"/>",
                y + 2,
                severity_color(sev)
            );
            x += bw;
        }
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" fill=\"#374151\">{}</text></g>",
            x + 6,
            y + 15,
            c.total()
        );
    }
    s.push_str("</svg>");
    s
}

/// The score of each recorded run over time.
pub(crate) fn score_line(points: &[HistoryPoint]) -> String {
    let (w, h) = (900, 240);
    let (left, right, top, bottom) = (50, 60, 18, 44);
    let pw = (w - left - right) as f64;
    let ph = (h - top - bottom) as f64;
    let t0 = points.first().map_or(0, |p| p.time);
    let t1 = points.last().map_or(0, |p| p.time);
    let span = (t1 - t0) as f64;
    let x_of = |i: usize, p: &HistoryPoint| -> f64 {
        if points.len() == 1 {
            left as f64 + pw / 2.0
        } else if span > 0.0 {
            left as f64 + pw * (p.time - t0) as f64 / span
        } else {
            left as f64 + pw * i as f64 / (points.len() - 1) as f64
        }
    };
    let y_of = |score: u32| -> f64 { top as f64 + ph * (1.0 - f64::from(score.min(100)) / 100.0) };
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" aria-label=\"posture score over time\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" {FONT} font-size=\"12\">"
    );
    for v in [0u32, 25, 50, 75, 100] {
        let y = y_of(v);
        let _ = write!(
            s,
            "<line x1=\"{left}\" y1=\"{y:.1}\" x2=\"{}\" y2=\"{y:.1}\" stroke=\"#e5e7eb\"/><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#6b7280\">{v}</text>",
            w - right,
            left - 6,
            y + 4.0
        );
    }
    let coords: Vec<(f64, f64)> = points
        .iter()
        .enumerate()
        .map(|(i, p)| (x_of(i, p), y_of(p.score)))
        .collect();
    if coords.len() > 1 {
        let pts: Vec<String> = coords
            .iter()
            .map(|(x, y)| format!("{x:.1},{y:.1}"))
            .collect();
        let _ = write!(
            s,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"#1d4ed8\" stroke-width=\"2.5\"/>",
            pts.join(" ")
        );
    }
    // at most seven date labels, evenly picked
    let step = points.len().div_ceil(7).max(1);
    for (i, (p, (x, y))) in points.iter().zip(&coords).enumerate() {
        let _ = write!(
            s,
            "<g class=\"point\"><title>{}: score {} ({} findings, {} critical, {} high)</title><circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"4.5\" fill=\"{}\" stroke=\"#fff\" stroke-width=\"1.5\"/></g>",
            format_time(p.time),
            p.score,
            p.total,
            p.critical,
            p.high,
            score_color(p.score)
        );
        if i % step == 0 || i + 1 == points.len() {
            let _ = write!(
                s,
                "<text x=\"{x:.1}\" y=\"{}\" text-anchor=\"middle\" fill=\"#374151\">{}</text><text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#111827\" font-size=\"11\">{}</text>",
                h - bottom + 18,
                format_day(p.time),
                y - 9.0,
                p.score
            );
        }
    }
    s.push_str("</svg>");
    s
}

const PALETTE: [&str; 8] = [
    "#dbeafe", "#dcfce7", "#fef3c7", "#fce7f3", "#ede9fe", "#cffafe", "#fee2e2", "#e0e7ff",
];

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() > n {
        s.chars().take(n - 1).collect::<String>() + "…"
    } else {
        s.to_string()
    }
}

/// The threat model's data flow: columns left to right, arrows for what
/// reaches what.
pub(crate) fn dataflow(df: &DataFlow) -> String {
    const BW: usize = 170;
    const BH: usize = 36;
    const COL: usize = 230;
    const ROW: usize = 56;
    const TOP: usize = 34;
    let rows = df.nodes.iter().map(|n| n.row + 1).max().unwrap_or(1);
    let w = 20 + df.columns * COL;
    let h = TOP + rows * ROW + 10;
    let namespaces: Vec<&str> = {
        let mut v: Vec<&str> = df
            .nodes
            .iter()
            .filter_map(|n| n.namespace.as_deref())
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let fill_of = |ns: Option<&str>| -> &'static str {
        ns.and_then(|n| namespaces.iter().position(|x| *x == n))
            .map_or("#f3f4f6", |i| PALETTE[i % PALETTE.len()])
    };
    let pos = |i: usize| -> (usize, usize) {
        let n = &df.nodes[i];
        (20 + n.column * COL, TOP + n.row * ROW)
    };
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"diagram\" role=\"img\" aria-label=\"data flow\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" {FONT} font-size=\"12\"><defs><marker id=\"df-arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#374151\"/></marker><marker id=\"df-block\" viewBox=\"0 0 10 10\" refX=\"5\" refY=\"5\" markerWidth=\"9\" markerHeight=\"9\"><path d=\"M1,1 L9,9 M9,1 L1,9\" stroke=\"#b91c1c\" stroke-width=\"2\"/></marker></defs>"
    );
    let headings = {
        let mut v = vec!["outside".to_string(), "entry points".to_string()];
        let stores = df.nodes.iter().any(|n| n.kind == "data-store");
        let app_cols = df.columns - 2 - usize::from(stores);
        for i in 0..app_cols {
            v.push(if i == 0 {
                "workloads".to_string()
            } else {
                format!("workloads (+{i} hop{})", if i == 1 { "" } else { "s" })
            });
        }
        if stores {
            v.push("data stores".to_string());
        }
        v
    };
    for (i, t) in headings.iter().enumerate() {
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"18\" text-anchor=\"middle\" fill=\"#6b7280\" font-size=\"11\" letter-spacing=\".05em\">{}</text>",
            20 + i * COL + BW / 2,
            esc(&t.to_uppercase())
        );
    }
    for e in &df.edges {
        let (fx, fy) = pos(e.from);
        let (tx, ty) = pos(e.to);
        let forward = df.nodes[e.to].column > df.nodes[e.from].column;
        let (d, lx, ly) = if forward {
            let (x1, y1) = (fx + BW, fy + BH / 2);
            let (x2, y2) = (tx - 2, ty + BH / 2);
            let mx = (x1 + x2) / 2;
            (
                format!("M{x1},{y1} C{mx},{y1} {mx},{y2} {x2},{y2}"),
                mx,
                (y1 + y2) / 2,
            )
        } else {
            let (x1, y1) = (fx + BW, fy + BH / 2);
            let (x2, y2) = (tx + BW + 2, ty + BH / 2);
            let cx = x1.max(x2) + 50;
            (
                format!("M{x1},{y1} C{cx},{y1} {cx},{y2} {x2},{y2}"),
                cx - 12,
                (y1 + y2) / 2,
            )
        };
        let (stroke, dash, marker) = if e.blocked {
            ("#b91c1c", " stroke-dasharray=\"5 4\"", "url(#df-block)")
        } else {
            ("#374151", "", "url(#df-arrow)")
        };
        let title = format!(
            "{} → {}{}{}",
            df.nodes[e.from].label,
            df.nodes[e.to].label,
            if e.label.is_empty() {
                String::new()
            } else {
                format!(" port {}", e.label)
            },
            if e.blocked {
                " (blocked by NetworkPolicy)"
            } else {
                ""
            }
        );
        let _ = write!(
            s,
            "<g class=\"edge\"><title>{}</title><path d=\"{d}\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"1.4\"{dash} marker-end=\"{marker}\"/>",
            esc(&title)
        );
        if !e.label.is_empty() {
            let _ = write!(
                s,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"15\" rx=\"3\" fill=\"#fff\" stroke=\"#d1d5db\"/><text x=\"{lx}\" y=\"{}\" text-anchor=\"middle\" font-size=\"10\" fill=\"#374151\">{}</text>",
                lx - 3 - e.label.len() * 3,
                ly - 8,
                e.label.len() * 6 + 6,
                ly + 3,
                esc(&e.label)
            );
        }
        s.push_str("</g>");
    }
    for (i, n) in df.nodes.iter().enumerate() {
        let (x, y) = pos(i);
        let label = truncate(&n.label, 26);
        let (fill, stroke, sw, rx) = match n.kind {
            "internet" => ("#1f2937", "#1f2937", 1.0, BH / 2),
            "entry" => ("#fff7ed", "#c2410c", 1.5, 4),
            "data-store" => (fill_of(n.namespace.as_deref()), "#7f1d1d", 2.0, 12),
            _ => (fill_of(n.namespace.as_deref()), "#6b7280", 1.0, 6),
        };
        let color = if n.kind == "internet" {
            "#ffffff"
        } else {
            "#111827"
        };
        let _ = write!(
            s,
            "<g class=\"node\"><title>{}{}</title><rect x=\"{x}\" y=\"{y}\" width=\"{BW}\" height=\"{BH}\" rx=\"{rx}\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{sw}\"/><text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{color}\">{}</text>",
            esc(&n.label),
            match n.kind {
                "data-store" => " (data store)",
                "entry" => " (entry point)",
                _ if n.internet_exposed && n.kind == "workload" => " (reached from the internet)",
                _ => "",
            },
            x + BW / 2,
            y + BH / 2 + 4,
            esc(&label)
        );
        if n.kind == "workload" && n.internet_exposed {
            let _ = write!(
                s,
                "<circle cx=\"{}\" cy=\"{}\" r=\"4\" fill=\"#c2410c\"/>",
                x + BW - 8,
                y + 8
            );
        }
        s.push_str("</g>");
    }
    s.push_str("</svg>");
    s
}
