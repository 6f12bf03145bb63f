//! Shared readers for the "Key: value" formats (dpkg status, Python
//! METADATA, Java manifests) and small helpers.

/// The stanzas of a file: blocks separated by blank lines.
pub(crate) fn stanzas(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut out = Vec::new();
    let mut start: Option<(usize, usize)> = None; // (line, byte)
    let mut offset = 0;
    for (n, line) in text.split_inclusive('\n').enumerate() {
        let blank = line.trim().is_empty();
        match (blank, start) {
            (false, None) => start = Some((n + 1, offset)),
            (true, Some((l, b))) => {
                out.push((l, &text[b..offset]));
                start = None;
            }
            _ => {}
        }
        offset += line.len();
    }
    if let Some((l, b)) = start {
        out.push((l, &text[b..]));
    }
    out.into_iter()
}

/// The fields of one stanza. A line starting with whitespace continues the
/// previous field; `glue` joins it (Java manifests wrap lines with no glue).
pub(crate) fn fields<'a>(stanza: &'a str, glue: &str) -> Vec<(&'a str, String)> {
    let mut out: Vec<(&str, String)> = Vec::new();
    for line in stanza.lines() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = out.last_mut() {
                v.push_str(glue);
                v.push_str(if glue.is_empty() {
                    &line[1..]
                } else {
                    line.trim()
                });
            }
            continue;
        }
        if let Some((k, v)) = line.split_once(':') {
            out.push((k.trim(), v.trim().to_string()));
        }
    }
    out
}

/// The first value of `key` (case-insensitive).
pub(crate) fn field<'a>(fields: &'a [(&str, String)], key: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// The last path component.
pub(crate) fn base(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// The directory of a path ("" at the root).
pub(crate) fn dir(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stanzas_and_continuations() {
        let t = "Package: a\nDescription: x\n more\n .\n\nPackage: b\r\nVersion: 1\r\n";
        let s: Vec<_> = stanzas(t).collect();
        assert_eq!(s.len(), 2);
        assert_eq!(s[1].0, 6);
        let f = fields(s[0].1, "\n");
        assert_eq!(field(&f, "description"), Some("x\nmore\n."));
        let m = fields("Bundle-Name: abc\n def\n", "");
        assert_eq!(field(&m, "Bundle-Name"), Some("abcdef"));
    }
}
