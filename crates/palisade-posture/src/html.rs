//! The report as one self-contained HTML page: inline CSS, inline SVG, a
//! small inline script (filters for the findings table; the page reads
//! fully without it). Nothing is loaded from anywhere.

use crate::actions::counts_text;
use crate::svg;
use crate::text::{esc, inline, md_html};
use crate::views::OUTSIDE;
use crate::{Posture, Status, format_time};
use palisade_findings::Severity;
use std::fmt::Write;

const CSS: &str = r#"
:root{--fg:#111827;--muted:#6b7280;--line:#e5e7eb;--bg:#f9fafb}
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:var(--fg);line-height:1.45;background:#fff}
main{max-width:1200px;margin:0 auto;padding:0 1.2rem 3rem}
header.top{background:#111827;color:#f9fafb;padding:1.2rem 0 1rem}
header.top .in{max-width:1200px;margin:0 auto;padding:0 1.2rem}
header.top h1{margin:0;font-size:1.55rem;font-weight:650}
header.top p{margin:.25rem 0 0;color:#d1d5db;font-size:.9rem}
nav.toc{position:sticky;top:0;background:#fff;border-bottom:1px solid var(--line);z-index:2}
nav.toc .in{max-width:1200px;margin:0 auto;padding:.45rem 1.2rem;display:flex;gap:1rem;flex-wrap:wrap;font-size:.88rem}
nav.toc a{color:#1d4ed8;text-decoration:none}
h2{margin:2.2rem 0 .8rem;font-size:1.3rem;border-bottom:1px solid var(--line);padding-bottom:.25rem}
h3{margin:1.2rem 0 .4rem;font-size:1.05rem}
a{color:#1d4ed8}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.84em;background:#f3f4f6;padding:0 .25em;border-radius:3px}
.cards{display:grid;grid-template-columns:minmax(360px,1fr) 1.4fr;gap:1rem;margin-top:1.2rem}
.card{border:1px solid var(--line);border-radius:10px;padding:1rem;background:#fff}
.card h3{margin:0 0 .5rem;font-size:.8rem;text-transform:uppercase;letter-spacing:.06em;color:var(--muted)}
.scorecard{display:flex;gap:1rem;align-items:center}
.scorecard p{margin:.2rem 0;font-size:.9rem}
.sevs{display:grid;grid-template-columns:repeat(5,1fr);gap:.4rem;text-align:center}
.sevs div{border-radius:8px;padding:.45rem .2rem;color:#fff}
.sevs b{display:block;font-size:1.5rem;line-height:1.1}
.sevs span{font-size:.75rem;opacity:.95}
.facts{margin:.7rem 0 0;font-size:.85rem;color:var(--muted)}
.overview{margin-top:1rem}
.tiles{display:grid;grid-template-columns:repeat(6,minmax(0,1fr));gap:.5rem}
.tiles .badge{white-space:normal;border-radius:6px}
.tiles a{display:flex;flex-direction:column;gap:.3rem;text-decoration:none;color:var(--fg);border:1px solid var(--line);border-radius:8px;padding:.5rem .6rem;border-top:4px solid #9ca3af;font-size:.86rem}
.tiles a.st-fail{border-top-color:#dc2626}.tiles a.st-warn{border-top-color:#f59e0b}.tiles a.st-pass{border-top-color:#10b981}.tiles a.st-documented{border-top-color:#3b82f6}
.tiles a span.t{display:flex;gap:.4rem;align-items:center;font-weight:600}
.badge{display:inline-block;border-radius:999px;padding:.05rem .55rem;font-size:.74rem;font-weight:600;white-space:nowrap}
.s-fail{background:#fee2e2;color:#991b1b}.s-warn{background:#fef3c7;color:#92400e}.s-pass{background:#d1fae5;color:#065f46}
.s-documented{background:#dbeafe;color:#1e40af}.s-not-assessed{background:#f3f4f6;color:#4b5563}
.num{display:inline-flex;width:1.5rem;height:1.5rem;border-radius:50%;background:#111827;color:#fff;font-size:.75rem;align-items:center;justify-content:center;flex:none}
.charts{display:grid;grid-template-columns:1fr 1fr;gap:1rem;margin-top:1rem}
.charts .card{overflow-x:auto}
svg .bar{cursor:pointer}
svg .bar:hover rect{opacity:.85}
.action{border:1px solid var(--line);border-left:6px solid #9ca3af;border-radius:8px;padding:.7rem 1rem;margin:.8rem 0}
.action.st-fail{border-left-color:#dc2626}.action.st-warn{border-left-color:#f59e0b}.action.st-pass{border-left-color:#10b981}.action.st-documented{border-left-color:#3b82f6}
.action h3{margin:0;display:flex;gap:.6rem;align-items:center;flex-wrap:wrap}
.action .summary{margin:.35rem 0;font-size:.92rem}
.action ul{margin:.3rem 0;padding-left:1.2rem;font-size:.88rem}
.action .gaps li{color:#4b5563}
.action .more{font-size:.84rem;color:var(--muted);margin-top:.3rem}
.minibar{display:inline-block;width:90px;height:8px;background:#e5e7eb;border-radius:4px;vertical-align:middle;margin-right:.35rem;overflow:hidden}
.minibar i{display:block;height:100%}
table{border-collapse:collapse;width:100%;font-size:.85rem;margin:.5rem 0}
td code{overflow-wrap:anywhere}
#findings-table{table-layout:fixed}
#findings-table td{overflow-wrap:anywhere}
th,td{border-bottom:1px solid var(--line);padding:.35rem .45rem;text-align:left;vertical-align:top}
th{background:var(--bg);font-weight:600;position:sticky;top:2.1rem}
td.r,th.r{text-align:right}
.sev{display:inline-block;border-radius:4px;color:#fff;padding:0 .4rem;font-size:.75rem;font-weight:600}
.matrix{width:auto}.matrix td{text-align:center;font-variant-numeric:tabular-nums;min-width:5.5rem}
.matrix th{position:static}
#filters{display:flex;gap:.5rem;flex-wrap:wrap;align-items:center;margin:.5rem 0;font-size:.85rem}
#filters button{border:1px solid var(--line);background:#fff;border-radius:999px;padding:.15rem .7rem;cursor:pointer;font-size:.8rem}
#filters button.on{color:#fff}
#filters select,#filters input{font-size:.85rem;padding:.15rem .3rem;border:1px solid #d1d5db;border-radius:6px}
#shown{color:var(--muted)}
.fix{border:1px solid var(--line);border-radius:8px;padding:.5rem .9rem;margin:.6rem 0}
.fix h3{margin:.1rem 0 .3rem}
.fix p{margin:.3rem 0;font-size:.9rem}
.svg{overflow-x:auto;margin:.4rem 0}
.note{color:var(--muted);font-size:.88rem}
details{margin:.4rem 0}
pre{background:var(--bg);border:1px solid var(--line);padding:.7rem;overflow-x:auto;font-size:.78rem}
footer{margin-top:3rem;color:var(--muted);font-size:.8rem}
@media (max-width:900px){.cards,.charts{grid-template-columns:1fr}.tiles{grid-template-columns:repeat(2,minmax(0,1fr))}}
@media print{nav.toc{display:none}#filters{display:none}}
"#;

/// Filters for the findings table; clicking a bar of a chart filters too.
const SCRIPT: &str = r#"
(function () {
  var table = document.getElementById('findings-table');
  var box = document.getElementById('filters');
  if (!table || !box) { return; }
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var sevs = ['critical', 'high', 'medium', 'low', 'info'];
  var colors = {critical: '#7f1d1d', high: '#dc2626', medium: '#f59e0b', low: '#3b82f6', info: '#9ca3af'};
  var state = {sev: {}, ns: '', action: '', q: ''};
  var buttons = {};
  function uniq(attr) {
    var seen = {};
    rows.forEach(function (r) { seen[r.getAttribute(attr)] = true; });
    return Object.keys(seen).sort(function (a, b) { return a.localeCompare(b, 'en', {numeric: true}); });
  }
  function paint(s) {
    var b = buttons[s];
    b.className = state.sev[s] ? 'sev-toggle on' : 'sev-toggle';
    b.style.background = state.sev[s] ? colors[s] : '#fff';
    b.style.borderColor = colors[s];
    b.setAttribute('aria-pressed', state.sev[s] ? 'true' : 'false');
  }
  sevs.forEach(function (s) {
    var b = document.createElement('button');
    b.type = 'button';
    b.textContent = s;
    b.setAttribute('data-severity', s);
    b.addEventListener('click', function () { state.sev[s] = !state.sev[s]; paint(s); apply(); });
    buttons[s] = b;
    state.sev[s] = true;
    box.appendChild(b);
    paint(s);
  });
  function select(label, attr, values, all, key) {
    var sel = document.createElement('select');
    sel.setAttribute('aria-label', label);
    var o = document.createElement('option');
    o.value = '';
    o.textContent = all;
    sel.appendChild(o);
    values.forEach(function (v) {
      var x = document.createElement('option');
      x.value = v;
      x.textContent = (key === 'action' ? 'action ' : '') + v;
      sel.appendChild(x);
    });
    sel.addEventListener('change', function () { state[key] = sel.value; apply(); });
    box.appendChild(sel);
    return sel;
  }
  var nsSel = select('namespace', 'data-ns', uniq('data-ns'), 'every namespace', 'ns');
  var acSel = select('action', 'data-action', uniq('data-action'), 'every action', 'action');
  var q = document.createElement('input');
  q.type = 'search';
  q.placeholder = 'search findings';
  q.setAttribute('aria-label', 'search findings');
  q.addEventListener('input', function () { state.q = q.value.toLowerCase(); apply(); });
  box.appendChild(q);
  var shown = document.createElement('span');
  shown.id = 'shown';
  box.appendChild(shown);
  function apply() {
    var n = 0;
    rows.forEach(function (r) {
      var ok = state.sev[r.getAttribute('data-severity')] &&
        (!state.ns || r.getAttribute('data-ns') === state.ns) &&
        (!state.action || r.getAttribute('data-action') === state.action) &&
        (!state.q || r.textContent.toLowerCase().indexOf(state.q) >= 0);
      r.hidden = !ok;
      if (ok) { n += 1; }
    });
    shown.textContent = n + ' of ' + rows.length + ' findings shown';
  }
  function show() { document.getElementById('findings').scrollIntoView(); }
  Array.prototype.forEach.call(document.querySelectorAll('svg .bar'), function (g) {
    g.addEventListener('click', function () {
      var ns = g.getAttribute('data-ns');
      var sev = g.getAttribute('data-severity');
      if (ns) { state.ns = ns; nsSel.value = ns; }
      if (sev) { sevs.forEach(function (s) { state.sev[s] = s === sev; paint(s); }); }
      apply();
      show();
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll('a[data-action-filter]'), function (a) {
    a.addEventListener('click', function (e) {
      e.preventDefault();
      state.action = a.getAttribute('data-action-filter');
      acSel.value = state.action;
      apply();
      show();
    });
  });
  apply();
  box.setAttribute('data-ready', '1');
})();
"#;

fn sev_badge(s: Severity) -> String {
    format!(
        "<span class=\"sev\" style=\"background:{}\">{s}</span>",
        svg::severity_color(s)
    )
}

fn status_badge(st: Status, partial: bool) -> String {
    format!(
        "<span class=\"badge s-{}\">{}{}</span>",
        st.slug(),
        st.as_str(),
        if partial { " · partly assessed" } else { "" }
    )
}

fn minibar(score: Option<u32>) -> String {
    match score {
        Some(v) => format!(
            "<span class=\"minibar\"><i style=\"width:{v}%;background:{}\"></i></span>{v}",
            svg::score_color(v)
        ),
        None => "<span class=\"note\">n/a</span>".to_string(),
    }
}

/// The page.
pub fn html(p: &Posture) -> String {
    let mut s = String::with_capacity(64 * 1024 + p.findings.len() * 600);
    let _ = writeln!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"generator\" content=\"palisade {}\">\n<title>Security posture: {}</title>\n<style>{CSS}</style>\n</head>\n<body>",
        esc(&p.tool_version),
        esc(&p.source)
    );
    let _ = writeln!(
        s,
        "<header class=\"top\"><div class=\"in\"><h1>Security posture: {}</h1><p>palisade {} · {} · {} objects, {} workloads from {} file{}</p></div></header>",
        esc(&p.source),
        esc(&p.tool_version),
        esc(&format_time(p.generated)),
        p.objects,
        p.workloads,
        p.files,
        if p.files == 1 { "" } else { "s" }
    );
    s.push_str("<nav class=\"toc\"><div class=\"in\"><a href=\"#summary\">Summary</a><a href=\"#actions\">The eleven actions</a><a href=\"#score\">Score</a><a href=\"#threat\">Threat model</a><a href=\"#netpol\">Network policies</a><a href=\"#rbac\">RBAC</a><a href=\"#findings\">Findings</a><a href=\"#fixes\">Fixes</a></div></nav>\n<main>\n");
    summary(&mut s, p);
    actions(&mut s, p);
    score(&mut s, p);
    threat(&mut s, p);
    netpol(&mut s, p);
    rbac(&mut s, p);
    findings(&mut s, p);
    fixes(&mut s, p);
    let _ = writeln!(
        s,
        "<footer>Generated by palisade {} from {} at {}. This page is self-contained: it loads nothing.</footer>\n</main>\n<script>{SCRIPT}</script>\n</body>\n</html>",
        esc(&p.tool_version),
        esc(&p.source),
        esc(&format_time(p.generated))
    );
    s
}

fn summary(s: &mut String, p: &Posture) {
    s.push_str("<section id=\"summary\" class=\"cards\">\n");
    let _ = writeln!(
        s,
        "<div class=\"card\"><h3>Posture score</h3><div class=\"scorecard\">{}<div><p>{} of {} weighted evaluations passed (<a href=\"#score\">how it is computed</a>).</p><p>{}</p></div></div></div>",
        svg::gauge(p.score.value),
        p.score.detail.passed_weight,
        p.score.detail.total_weight,
        [
            Status::Fail,
            Status::Warn,
            Status::Pass,
            Status::Documented,
            Status::NotAssessed,
        ]
        .iter()
        .filter_map(|&st| {
            let n = p.actions.iter().filter(|a| a.status == st).count();
            (n > 0).then(|| format!("{n} {}", status_badge(st, false)))
        })
        .collect::<Vec<_>>()
        .join(" ")
    );
    s.push_str("<div class=\"card\"><h3>Findings</h3><div class=\"sevs\">");
    for &sev in &Severity::ALL {
        let _ = write!(
            s,
            "<div style=\"background:{}\"><b>{}</b><span>{sev}</span></div>",
            svg::severity_color(sev),
            p.counts.get(sev)
        );
    }
    let _ = writeln!(
        s,
        "</div><p class=\"facts\">{} findings · {} accepted (suppressed) · {} input error{}</p>{}</div>",
        p.counts.total(),
        p.suppressed.len(),
        p.errors.len(),
        if p.errors.len() == 1 { "" } else { "s" },
        {
            // the checks that weigh most: findings × severity weight
            let mut top: Vec<_> = p
                .fixes
                .iter()
                .map(|f| (f.findings as u64 * u64::from(f.severity.weight()), f))
                .filter(|(w, _)| *w > 0)
                .collect();
            top.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.check.cmp(b.1.check)));
            if top.is_empty() {
                String::new()
            } else {
                format!(
                    "<p class=\"facts\">Weighing most: {}</p>",
                    top.iter()
                        .take(3)
                        .map(|(_, f)| format!(
                            "<a href=\"#fix-{0}\"><code>{0}</code></a> ×{1}",
                            esc(f.check),
                            f.findings
                        ))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        }
    );
    s.push_str("</section>\n<section class=\"card overview\"><h3>The eleven actions</h3><div class=\"tiles\">");
    for a in &p.actions {
        let partial = !a.gaps.is_empty() && a.status != Status::NotAssessed;
        let _ = write!(
            s,
            "<a class=\"st-{}\" href=\"#action-{n}\"><span class=\"t\"><span class=\"num\">{n}</span>{}</span><span>{}</span></a>",
            a.status.slug(),
            esc(a.title),
            status_badge(a.status, partial),
            n = a.number
        );
    }
    s.push_str("</div></section>\n");
    s.push_str("<section class=\"charts\">\n");
    let _ = writeln!(
        s,
        "<div class=\"card\"><h3>Findings by severity</h3>{}</div>",
        svg::severity_bars(&p.counts)
    );
    let _ = writeln!(
        s,
        "<div class=\"card\"><h3>Findings by namespace</h3>{}</div>",
        if p.by_namespace.is_empty() {
            "<p class=\"note\">No findings.</p>".to_string()
        } else {
            svg::namespace_bars(&p.by_namespace)
        }
    );
    s.push_str("</section>\n<section id=\"trend\">\n<h2>Score over time</h2>\n");
    match (&p.history_db, p.history.len()) {
        (None, _) => s.push_str("<p class=\"note\">No history: record runs with <code>--history DB</code> (on <code>palisade scan</code> or <code>palisade report</code>) to follow the score over time; <code>palisade history</code> lists what each run fixed and added.</p>\n"),
        (Some(db), n) => {
            let _ = writeln!(
                s,
                "<div class=\"card svg\">{}</div><p class=\"note\">{n} run{} of this source recorded in <code>{}</code>{}.</p>",
                svg::score_line(&p.history),
                if n == 1 { "" } else { "s" },
                esc(db),
                match p.history.as_slice() {
                    [.., a, b] => format!(
                        "; since the previous run the score went {} ({} → {})",
                        match b.score.cmp(&a.score) {
                            std::cmp::Ordering::Greater => "up",
                            std::cmp::Ordering::Less => "down",
                            std::cmp::Ordering::Equal => "unchanged",
                        },
                        a.score,
                        b.score
                    ),
                    _ => String::new(),
                }
            );
        }
    }
    s.push_str("</section>\n");
}

fn actions(s: &mut String, p: &Posture) {
    s.push_str("<section id=\"actions\">\n<h2>The eleven actions</h2>\n<p class=\"note\">Each status comes from what palisade found in the input: <b>fail</b> — a critical or high finding (or an attack or escalation path) shows the action undone; <b>needs work</b> — medium or low findings only; <b>pass</b> — evaluated, nothing found; <b>documented</b> — evidence without a pass/fail criterion; <b>not assessed</b> — the input lacks what the action needs (named). Parts that could not be assessed are listed under each action. Beyond the findings of its checks: an attack path to cluster-admin, a node or a data store fails the threat model; an escalation path fails RBAC; namespaces with workloads and no enforced Pod Security level make admission control need work; the audit policy's lint (<code>--audit-policy</code>) decides audit logging; a business-critical workload that no alerting rule of the input watches fails monitoring.</p>\n");
    for a in &p.actions {
        let partial = !a.gaps.is_empty() && a.status != Status::NotAssessed;
        let _ = write!(
            s,
            "<article class=\"action st-{}\" id=\"action-{n}\"><h3><span class=\"num\">{n}</span>{}{}</h3><p class=\"summary\">{}</p>",
            a.status.slug(),
            esc(a.title),
            status_badge(a.status, partial),
            inline(&a.summary),
            n = a.number
        );
        if !a.evidence.is_empty() {
            s.push_str("<ul>");
            for e in &a.evidence {
                let _ = write!(s, "<li>{}</li>", inline(e));
            }
            s.push_str("</ul>");
        }
        if !a.gaps.is_empty() {
            s.push_str("<ul class=\"gaps\">");
            for g in &a.gaps {
                let _ = write!(s, "<li>not assessed: {}</li>", inline(g));
            }
            s.push_str("</ul>");
        }
        if !a.checks.is_empty() {
            let _ = write!(
                s,
                "<details><summary>{} check{} ran ({} evaluations, {} failed; action score {})</summary><table><tr><th>check</th><th>severity</th><th class=\"r\">evaluated</th><th class=\"r\">failed</th></tr>",
                a.checks.len(),
                if a.checks.len() == 1 { "" } else { "s" },
                a.score.evaluated,
                a.score.failed,
                a.score
                    .value()
                    .map_or("n/a".to_string(), |v| format!("{v}/100"))
            );
            for c in &a.checks {
                let _ = write!(
                    s,
                    "<tr><td>{}<br><span class=\"note\">{}</span></td><td>{}</td><td class=\"r\">{}</td><td class=\"r\">{}</td></tr>",
                    if c.failed > 0 {
                        format!("<a href=\"#fix-{0}\"><code>{0}</code></a>", esc(c.id))
                    } else {
                        format!("<code>{}</code>", esc(c.id))
                    },
                    esc(c.title),
                    sev_badge(c.severity),
                    c.evaluated,
                    c.failed
                );
            }
            s.push_str("</table></details>");
        }
        let n = p.findings.iter().filter(|f| f.action == a.number).count();
        let _ = writeln!(
            s,
            "<p class=\"more\">{}Go further: {}</p></article>",
            if n > 0 {
                format!(
                    "<a href=\"#findings\" data-action-filter=\"{}\">{n} finding{} →</a> · ",
                    a.number,
                    if n == 1 { "" } else { "s" }
                )
            } else {
                String::new()
            },
            a.commands
                .iter()
                .map(|c| format!("<code>{}</code>", esc(c)))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    s.push_str("</section>\n");
}

fn score(s: &mut String, p: &Posture) {
    let d = &p.score.detail;
    let _ = writeln!(
        s,
        "<section id=\"score\">\n<h2>How the score is computed</h2>\n{}",
        md_html(&crate::score::explanation(p))
    );
    s.push_str("<table><tr><th>action</th><th>status</th><th class=\"r\">checks</th><th class=\"r\">evaluations</th><th class=\"r\">failed</th><th class=\"r\">weight passed / total</th><th>score</th></tr>\n");
    for a in &p.actions {
        let _ = writeln!(
            s,
            "<tr><td>{}. {}</td><td>{}</td><td class=\"r\">{}</td><td class=\"r\">{}</td><td class=\"r\">{}</td><td class=\"r\">{} / {}</td><td>{}</td></tr>",
            a.number,
            esc(a.title),
            status_badge(a.status, false),
            a.score.checks,
            a.score.evaluated,
            a.score.failed,
            a.score.passed_weight,
            a.score.total_weight,
            minibar(a.score.value())
        );
    }
    let _ = writeln!(
        s,
        "<tr><th>all</th><th></th><th class=\"r\">{}</th><th class=\"r\">{}</th><th class=\"r\">{}</th><th class=\"r\">{} / {}</th><th>{}</th></tr>\n</table>\n</section>",
        d.checks,
        d.evaluated,
        d.failed,
        d.passed_weight,
        d.total_weight,
        minibar(Some(p.score.value))
    );
}

fn threat(s: &mut String, p: &Posture) {
    s.push_str("<section id=\"threat\">\n<h2>Threat model</h2>\n");
    let Some(tm) = &p.threat else {
        s.push_str("<p class=\"note\">Not built.</p>\n</section>\n");
        return;
    };
    let sm = &tm.summary;
    let _ = writeln!(
        s,
        "<p>{}; STRIDE: {} threats open, {} accepted, {} mitigated. The full model (profiles, boundaries, STRIDE per component) is <code>palisade threat-model --format html</code>.</p>",
        esc(&sm.shape()),
        sm.threats_open,
        sm.threats_accepted,
        sm.threats_mitigated
    );
    if let Some(df) = &p.dataflow {
        let _ = writeln!(
            s,
            "<h3>Data flow</h3><p class=\"note\">From the internet through entry points to workloads (boxes coloured by namespace; an orange dot: reached from the internet) and data stores; arrows are declared connections (port) and Ingress routes; a dashed red arrow is blocked by a NetworkPolicy.</p><div class=\"svg card\">{}</div>",
            svg::dataflow(df)
        );
    }
    if tm.paths.is_empty() {
        s.push_str("<p>No attack path reaches a target.</p>\n");
    } else {
        s.push_str("<h3>Attack paths, worst first</h3>\n");
        for ap in tm.paths.iter().take(5) {
            let _ = writeln!(
                s,
                "<p><b>{}</b> ({}, {} step{}): {}</p><div class=\"svg\">{}</div>",
                esc(&ap.id),
                ap.impact.as_str(),
                ap.length,
                if ap.length == 1 { "" } else { "s" },
                esc(ap.profile.title()),
                palisade_threat::path_svg(ap)
            );
        }
        if tm.paths.len() > 5 {
            let _ = writeln!(
                s,
                "<p class=\"note\">… and {} more in the full threat model.</p>",
                tm.paths.len() - 5
            );
        }
        let _ = writeln!(
            s,
            "<details><summary>Mermaid sources (data flow, attack paths)</summary><pre>{}</pre><pre>{}</pre></details>",
            esc(&palisade_threat::dataflow_mermaid(tm)),
            esc(&palisade_threat::paths_mermaid(&tm.paths))
        );
    }
    s.push_str("</section>\n");
}

fn netpol(s: &mut String, p: &Posture) {
    s.push_str("<section id=\"netpol\">\n<h2>Network policies</h2>\n");
    let Some(v) = &p.netpol else {
        s.push_str("<p class=\"note\">Not assessed: the input has no workloads.</p>\n</section>\n");
        return;
    };
    let _ = writeln!(
        s,
        "<p>{} NetworkPolic{} ({} invalid or unresolved, left out). Ingress is isolated for {} of {} workloads, egress for {} of {}. {} allowed connection{} (<code>palisade netpol matrix</code> lists them).</p>",
        v.policies,
        if v.policies == 1 { "y" } else { "ies" },
        v.invalid,
        v.ingress_isolated,
        v.workloads,
        v.egress_isolated,
        v.workloads,
        v.connections,
        if v.connections == 1 { "" } else { "s" }
    );
    if !v.groups.is_empty() {
        s.push_str("<h3>Who may connect to whom</h3><p class=\"note\">Rows connect to columns; a cell is the workload pairs the policies allow out of all pairs (for <i>outside</i>: the workloads that may receive from, or send to, some address outside the cluster). Red means wide open, green closed.</p><div class=\"svg\"><table class=\"matrix\"><tr><th>from \\ to</th>");
        for g in &v.groups {
            let _ = write!(s, "<th>{}</th>", esc(g));
        }
        s.push_str("</tr>");
        for (i, row) in v.cells.iter().enumerate() {
            let _ = write!(s, "<tr><th>{}</th>", esc(&v.groups[i]));
            for (j, &(a, n)) in row.iter().enumerate() {
                if n == 0 {
                    s.push_str("<td>–</td>");
                    continue;
                }
                let ratio = a as f64 / n as f64;
                // from green (#dcfce7) to red (#fca5a5)
                let mix = |x: u8, y: u8| -> u8 {
                    (f64::from(x) + (f64::from(y) - f64::from(x)) * ratio).round() as u8
                };
                let bg = format!(
                    "#{:02x}{:02x}{:02x}",
                    mix(0xdc, 0xfc),
                    mix(0xfc, 0xa5),
                    mix(0xe7, 0xa5)
                );
                let what = if v.groups[i] == OUTSIDE {
                    format!(
                        "{a} of {n} workloads in {} reachable from outside",
                        v.groups[j]
                    )
                } else if v.groups[j] == OUTSIDE {
                    format!("{a} of {n} workloads in {} may reach outside", v.groups[i])
                } else {
                    format!(
                        "{a} of {n} workload pairs {} → {} allowed",
                        v.groups[i], v.groups[j]
                    )
                };
                let _ = write!(
                    s,
                    "<td style=\"background:{bg}\" title=\"{}\">{a}/{n}</td>",
                    esc(&what)
                );
            }
            s.push_str("</tr>");
        }
        s.push_str("</table></div>\n");
    }
    let open: Vec<_> = v
        .coverage
        .iter()
        .filter(|c| !c.ingress || !c.egress)
        .collect();
    if !open.is_empty() {
        s.push_str("<h3>Workloads not isolated in both directions</h3><table><tr><th>workload</th><th>ingress isolated</th><th>egress isolated</th></tr>");
        for c in open {
            let _ = write!(
                s,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&c.workload),
                if c.ingress { "yes" } else { "<b>no</b>" },
                if c.egress { "yes" } else { "<b>no</b>" }
            );
        }
        s.push_str("</table>\n");
    }
    s.push_str("</section>\n");
}

fn rbac(s: &mut String, p: &Posture) {
    let r = &p.rbac;
    let _ = writeln!(
        s,
        "<section id=\"rbac\">\n<h2>RBAC risks</h2>\n<p>{} in the input (plus Kubernetes' default roles).</p>",
        [
            (r.roles, "Role"),
            (r.cluster_roles, "ClusterRole"),
            (r.role_bindings, "RoleBinding"),
            (r.cluster_role_bindings, "ClusterRoleBinding"),
        ]
        .iter()
        .map(|(n, k)| format!("{n} {k}{}", if *n == 1 { "" } else { "s" }))
        .collect::<Vec<_>>()
        .join(", ")
    );
    if r.risks.is_empty() {
        s.push_str("<p>No RBAC risk found.</p>\n");
    } else {
        s.push_str("<table><tr><th>risk</th><th>severity</th><th class=\"r\">findings</th><th>on</th></tr>");
        for x in &r.risks {
            let _ = write!(
                s,
                "<tr><td><a href=\"#fix-{0}\"><code>{0}</code></a><br><span class=\"note\">{1}</span></td><td>{2}</td><td class=\"r\">{3}</td><td>{4}</td></tr>",
                esc(x.check),
                esc(x.title),
                sev_badge(x.severity),
                x.findings,
                x.objects
                    .iter()
                    .map(|o| esc(o))
                    .collect::<Vec<_>>()
                    .join("<br>")
            );
        }
        s.push_str("</table>\n");
    }
    if r.escalation.is_empty() {
        s.push_str("<p>No escalation path to cluster-admin.</p>\n");
    } else {
        let _ = write!(
            s,
            "<h3>Escalation paths to cluster-admin ({})</h3><ul>",
            r.escalation.len()
        );
        for e in &r.escalation {
            let _ = write!(s, "<li>{}</li>", esc(e));
        }
        s.push_str("</ul>\n");
    }
    s.push_str("</section>\n");
}

fn findings(s: &mut String, p: &Posture) {
    let _ = writeln!(
        s,
        "<section id=\"findings\">\n<h2>Findings ({})</h2>\n<div id=\"filters\"></div>",
        p.findings.len()
    );
    if p.findings.is_empty() {
        s.push_str("<p>No findings.</p>\n");
    } else {
        s.push_str("<table id=\"findings-table\"><colgroup><col style=\"width:7.5%\"><col style=\"width:16%\"><col style=\"width:28%\"><col></colgroup><thead><tr><th>severity</th><th>check</th><th>object and where</th><th>finding and fix</th></tr></thead><tbody>\n");
        for (i, f) in p.findings.iter().enumerate() {
            let _ = writeln!(
                s,
                "<tr id=\"f-{}\" data-severity=\"{}\" data-ns=\"{}\" data-action=\"{}\"><td>{}</td><td><a href=\"#fix-{}\"><code>{}</code></a><br><span class=\"note\">action {}</span></td><td>{}<br><code>{}:{}</code>{}</td><td>{}<br><span class=\"note\">fix: {} <a href=\"#fix-{}\">why and how →</a></span></td></tr>",
                i + 1,
                f.severity,
                esc(&f.namespace),
                f.action,
                sev_badge(f.severity),
                esc(f.check),
                esc(f.check),
                f.action,
                esc(&f.object),
                esc(&f.file),
                f.line,
                f.path
                    .as_ref()
                    .map(|x| format!("<br><span class=\"note\">{}</span>", esc(x)))
                    .unwrap_or_default(),
                esc(&f.message),
                esc(&f.fix),
                esc(f.check)
            );
        }
        s.push_str("</tbody></table>\n");
    }
    if !p.suppressed.is_empty() {
        let _ = write!(
            s,
            "<h3>Accepted (suppressed) findings ({})</h3><table><tr><th>check</th><th>severity</th><th>object</th><th>where</th><th>reason</th></tr>",
            p.suppressed.len()
        );
        for x in &p.suppressed {
            let _ = write!(
                s,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
                esc(x.check),
                sev_badge(x.severity),
                esc(&x.object),
                esc(&x.location),
                esc(&x.reason)
            );
        }
        s.push_str("</table>\n");
    }
    if !p.errors.is_empty() {
        let _ = write!(s, "<h3>Input errors ({})</h3><ul>", p.errors.len());
        for e in &p.errors {
            let _ = write!(s, "<li><code>{}</code></li>", esc(e));
        }
        s.push_str("</ul>\n");
    }
    s.push_str("</section>\n");
}

fn fixes(s: &mut String, p: &Posture) {
    s.push_str("<section id=\"fixes\">\n<h2>Fixes</h2>\n<p class=\"note\">One entry per check with findings: why it matters and what to change. <code>palisade fix PATH</code> applies the safe ones in place (<code>--unsafe</code> for the rest).</p>\n");
    for f in &p.fixes {
        let action = palisade_findings::action_name(f.action);
        let _ = write!(
            s,
            "<article class=\"fix\" id=\"fix-{}\"><h3><code>{}</code> {}</h3><p>{} · action {}: {} · {} finding{}{}</p><p><b>Why it matters.</b></p>{}<p><b>Fix.</b></p>{}",
            esc(f.check),
            esc(f.check),
            esc(f.title),
            sev_badge(f.severity),
            f.action,
            esc(action),
            f.findings,
            if f.findings == 1 { "" } else { "s" },
            if f.frameworks.is_empty() {
                String::new()
            } else {
                format!(" · {}", esc(&f.frameworks.join(", ")))
            },
            md_html(f.risk),
            md_html(f.fix)
        );
        // back to the findings it explains
        let rows: Vec<String> = p
            .findings
            .iter()
            .enumerate()
            .filter(|(_, x)| x.check == f.check)
            .map(|(i, x)| {
                format!(
                    "<a href=\"#f-{}\">{}</a> <code>{}:{}</code>",
                    i + 1,
                    esc(&x.object),
                    esc(&x.file),
                    x.line
                )
            })
            .collect();
        let _ = writeln!(
            s,
            "<p class=\"note\">Found on: {}</p></article>",
            rows.join(" · ")
        );
    }
    s.push_str("</section>\n");
    let _ = counts_text;
}
