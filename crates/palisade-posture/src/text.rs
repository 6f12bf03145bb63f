//! Escaping for the markup built here (the SVG charts, the Markdown
//! below), and the little Markdown the catalogue's texts use.

use askama::filters::{Escaper, Html};

/// HTML-escapes text (also for attribute values) as the templates do:
/// askama's HTML escaper.
pub(crate) fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    Html.write_escaped_str(&mut o, s)
        .expect("writing to a String does not fail");
    o
}

/// Inline Markdown to HTML: `code`, **bold**, [text](http…) links; the
/// rest escaped. Paragraphs (blank lines) become `<p>`.
pub(crate) fn md_html(s: &str) -> String {
    let paragraphs: Vec<String> = s
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| format!("<p>{}</p>", inline(&p.replace('\n', " "))))
        .collect();
    paragraphs.join("")
}

/// Inline Markdown of one line (code spans, bold, http links), escaped.
pub(crate) fn inline(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('`')
            && let Some(end) = r.find('`')
        {
            out.push_str("<code>");
            out.push_str(&esc(&r[..end]));
            out.push_str("</code>");
            rest = &r[end + 1..];
            continue;
        }
        if let Some(r) = rest.strip_prefix("**")
            && let Some(end) = r.find("**")
        {
            out.push_str("<strong>");
            out.push_str(&inline(&r[..end]));
            out.push_str("</strong>");
            rest = &r[end + 2..];
            continue;
        }
        if let Some(r) = rest.strip_prefix('[')
            && let Some(close) = r.find("](")
            && let Some(end) = r[close + 2..].find(')')
        {
            let text = &r[..close];
            let url = &r[close + 2..close + 2 + end];
            if url.starts_with("https://") || url.starts_with("http://") {
                out.push_str(&format!(
                    "<a href=\"{}\" rel=\"noreferrer\">{}</a>",
                    esc(url),
                    inline(text)
                ));
                rest = &r[close + 3 + end..];
                continue;
            }
        }
        let c = rest.chars().next().expect("not empty");
        out.push_str(&esc(&c.to_string()));
        rest = &rest[c.len_utf8()..];
    }
    out
}

pub(crate) use palisade_report::markdown::cell;
