//! The scanner: keyword prefilter, then each woken rule's pattern where its
//! keyword was seen.

use crate::allow::{
    generic_value_ok, is_placeholder, is_placeholder_token, is_test_path, is_wordish,
    looks_made_up, names_a_secret,
};
use crate::fingerprint::FingerprintKey;
use crate::rules::{Mode, RULES, Rule, Validate};
use crate::{Finding, entropy, kube, redact};
use aho_corasick::{AhoCorasick, MatchKind};
use base64::Engine;
use palisade_findings::Severity;
use regex::bytes::{Captures, Regex};
use std::collections::{BTreeMap, HashMap};

/// Whether assignments in the file are program code (values are quoted
/// literals; anything unquoted is an expression) or configuration (values
/// may be bare).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Code,
    Config,
}

impl FileKind {
    /// From the file name's extension.
    pub fn of(path: &str) -> FileKind {
        const CODE: &[&str] = &[
            "py", "js", "jsx", "ts", "tsx", "mjs", "cjs", "go", "java", "kt", "kts", "scala", "rb",
            "php", "cs", "rs", "swift", "c", "h", "cc", "cpp", "hpp", "m", "dart", "lua", "groovy",
            "ex", "exs", "pl", "vue", "svelte", "tf", "hcl", "jl", "clj",
        ];
        let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
        match name.rsplit_once('.') {
            Some((_, ext)) if CODE.contains(&ext.to_ascii_lowercase().as_str()) => FileKind::Code,
            _ => FileKind::Config,
        }
    }
}

/// A NUL byte in the first 8 KiB: an executable, an archive, an image.
pub fn is_binary(buf: &[u8]) -> bool {
    memchr::memchr(0, &buf[..buf.len().min(8192)]).is_some()
}

/// A secret's bytes in the scanned buffer.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub rule: usize,
    pub start: usize,
    pub end: usize,
    pub key: Option<String>,
}

/// Every rule, compiled, and the key that fingerprints what they find.
pub struct Scanner {
    keywords: AhoCorasick,
    keyword_rule: Vec<u16>,
    patterns: Vec<Option<Regex>>,
    key: FingerprintKey,
}

impl Default for Scanner {
    fn default() -> Self {
        Self::new()
    }
}

/// How far around a keyword a line-mode rule looks on a very long line.
const LINE_REACH: usize = 2048;

impl Scanner {
    /// A scanner whose fingerprints use a one-off random key (they match
    /// no other scanner's); see [`Self::with_key`].
    pub fn new() -> Scanner {
        Scanner::with_key(FingerprintKey::ephemeral())
    }

    /// A scanner whose fingerprints use `key`: the repository's key, for
    /// reports that a baseline or code scanning compares across runs.
    pub fn with_key(key: FingerprintKey) -> Scanner {
        let mut words = Vec::new();
        let mut keyword_rule = Vec::new();
        for (i, r) in RULES.iter().enumerate() {
            for k in r.keywords {
                words.push(*k);
                keyword_rule.push(i as u16);
            }
        }
        let keywords = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&words)
            .expect("the keyword table builds");
        let patterns = RULES
            .iter()
            .map(|r| {
                (!r.pattern.is_empty())
                    .then(|| Regex::new(r.pattern).expect("rule patterns compile (tested)"))
            })
            .collect();
        Scanner {
            keywords,
            keyword_rule,
            patterns,
            key,
        }
    }

    /// The key of this scanner's fingerprints.
    pub fn key(&self) -> &FingerprintKey {
        &self.key
    }

    /// Every secret in one file. Binary files yield nothing. Test and
    /// example folders are told from the whole `path`; see [`Self::scan_at`].
    pub fn scan(&self, path: &str, buf: &[u8]) -> Vec<Finding> {
        self.scan_at(path, path, buf)
    }

    /// As [`Self::scan`], for a file found under a scanned root: test and
    /// example folders are told from `relative` (the path below the root)
    /// alone, so where a checkout lives (`/home/ci/test/repo`) changes
    /// nothing.
    pub fn scan_at(&self, path: &str, relative: &str, buf: &[u8]) -> Vec<Finding> {
        if is_binary(buf) {
            return Vec::new();
        }
        let kind = FileKind::of(path);
        let candidates = self.candidates(buf, kind);
        let mut found = self.located(path, buf, &candidates);
        if kube::looks_like_manifest(path, buf) {
            // The object analysis decides about the values it reads: what
            // the text pass saw on their lines, or of the same secret, is
            // left to it.
            let (objects, owned) = kube::scan(self, path, buf);
            let theirs: std::collections::HashSet<&str> = objects
                .iter()
                .filter(|f| f.evidence.is_some())
                .map(|f| f.fingerprint.as_str())
                .collect();
            found.retain(|f| !owned.contains(&f.line) && !theirs.contains(f.fingerprint.as_str()));
            found.extend(objects);
        }
        finish(relative, found)
    }

    /// The candidates of `buf`, overlaps resolved by rule priority.
    pub(crate) fn candidates(&self, buf: &[u8], kind: FileKind) -> Vec<Candidate> {
        let mut out = Vec::new();
        // Per rule: where the last line window ended, whether the file was
        // searched.
        let mut line_done = vec![0usize; RULES.len()];
        let mut file_done = vec![false; RULES.len()];
        for m in self.keywords.find_overlapping_iter(buf) {
            let ri = self.keyword_rule[m.pattern().as_usize()] as usize;
            let rule = &RULES[ri];
            let Some(re) = &self.patterns[ri] else {
                continue;
            };
            match rule.mode {
                Mode::Anchored { back, max } => {
                    let Some(s) = m.start().checked_sub(back) else {
                        continue;
                    };
                    if rule.boundary && s > 0 && buf[s - 1].is_ascii_alphanumeric() {
                        continue;
                    }
                    let e = (s + max).min(buf.len());
                    if let Some(c) = re.captures(&buf[s..e]) {
                        let end = s + c.get(0).map_or(0, |w| w.end());
                        if rule.boundary && end < buf.len() && buf[end].is_ascii_alphanumeric() {
                            continue;
                        }
                        out.extend(accept(ri, &c, s, kind));
                    }
                }
                Mode::Line => {
                    if m.start() < line_done[ri] {
                        continue;
                    }
                    let lo = m.start().saturating_sub(LINE_REACH);
                    let ls = memchr::memrchr(b'\n', &buf[lo..m.start()]).map_or(lo, |i| lo + i + 1);
                    let hi = (m.end() + LINE_REACH).min(buf.len());
                    let le = memchr::memchr(b'\n', &buf[m.end()..hi]).map_or(hi, |i| m.end() + i);
                    line_done[ri] = le;
                    for c in re.captures_iter(&buf[ls..le]) {
                        out.extend(accept(ri, &c, ls, kind));
                    }
                }
                Mode::File => {
                    if std::mem::replace(&mut file_done[ri], true) {
                        continue;
                    }
                    for c in re.captures_iter(buf) {
                        out.extend(accept(ri, &c, 0, kind));
                    }
                }
                Mode::Object => {}
            }
        }
        resolve(out)
    }

    /// Findings for candidates of a whole file, with their lines.
    fn located(&self, path: &str, buf: &[u8], candidates: &[Candidate]) -> Vec<Finding> {
        let mut order: Vec<usize> = (0..candidates.len()).collect();
        order.sort_by_key(|&i| candidates[i].start);
        let mut line = 1u32;
        let mut line_start = 0usize;
        let mut pos = 0usize;
        let mut out = Vec::with_capacity(candidates.len());
        for i in order {
            let c = &candidates[i];
            for nl in memchr::memchr_iter(b'\n', &buf[pos..c.start]) {
                line += 1;
                line_start = pos + nl + 1;
            }
            pos = c.start;
            let column = (c.start - line_start) as u32 + 1;
            out.push(make(
                &self.key,
                &RULES[c.rule],
                &buf[c.start..c.end],
                path,
                (line, column),
                c.key.clone(),
                None,
            ));
        }
        out
    }
}

/// A finding for `secret` at `(line, column)` of `path`, fingerprinted with
/// `fp_key`.
pub(crate) fn make(
    fp_key: &FingerprintKey,
    rule: &Rule,
    secret: &[u8],
    path: &str,
    (line, column): (u32, u32),
    key: Option<String>,
    note: Option<String>,
) -> Finding {
    Finding {
        rule: rule.id.to_string(),
        title: rule.title.to_string(),
        severity: rule.severity,
        path: path.to_string(),
        line,
        column,
        key,
        redacted: redact(rule, secret),
        fingerprint: fp_key.fingerprint(secret),
        test_fixture: false,
        note,
        evidence: None,
        why: rule.why.to_string(),
        fix: rule.fix.to_string(),
    }
}

/// A match that passes its rule's entropy, allowlist and validation.
fn accept(ri: usize, c: &Captures, base: usize, kind: FileKind) -> Option<Candidate> {
    let rule = &RULES[ri];
    let whole = c.get(0)?;
    let sec = c.name("secret").unwrap_or(whole);
    let s = sec.as_bytes();
    let placeholder = if rule.generic {
        is_placeholder(s)
    } else {
        is_placeholder_token(s)
    };
    if entropy(s) < rule.min_entropy || placeholder {
        return None;
    }
    let key = c
        .name("key")
        .map(|k| String::from_utf8_lossy(k.as_bytes()).into_owned());
    if rule.generic {
        // Documentation: `ftp://user:secret@example.com`.
        if memchr::memmem::find(&whole.as_bytes().to_ascii_lowercase(), b"example").is_some() {
            return None;
        }
        // `key: # comment` is no value; `KEY=#x` (no space) is one.
        let at = sec.start() - whole.start();
        if s.first() == Some(&b'#') && at > 0 && whole.as_bytes()[at - 1].is_ascii_whitespace() {
            return None;
        }
        let quoted = c.name("q").map(|q| !q.as_bytes().is_empty());
        if !generic_value_ok(s, quoted, kind == FileKind::Code, key.as_deref()) {
            return None;
        }
        if names_a_secret(s) || looks_made_up(s) {
            return None;
        }
        let wordish = is_wordish(s);
        if wordish && (rule.id != "generic-password" || s.iter().any(u8::is_ascii_uppercase)) {
            return None;
        }
    }
    if !valid(rule.validate, s) {
        return None;
    }
    Some(Candidate {
        rule: ri,
        start: base + sec.start(),
        end: base + sec.end(),
        key,
    })
}

fn valid(v: Validate, s: &[u8]) -> bool {
    let b64url = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    match v {
        Validate::None => true,
        Validate::Jwt => {
            let mut parts = s.split(|&b| b == b'.');
            let json_object =
                |p: Option<&[u8]>| -> Option<serde_json::Map<String, serde_json::Value>> {
                    let raw = b64url.decode(p?).ok()?;
                    match serde_json::from_slice(&raw).ok()? {
                        serde_json::Value::Object(m) => Some(m),
                        _ => None,
                    }
                };
            let header = json_object(parts.next());
            let payload = json_object(parts.next());
            header.is_some_and(|h| h.get("alg").is_some_and(|a| a != "none")) && payload.is_some()
        }
        Validate::BasicAuth => {
            let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(s) else {
                return false;
            };
            let Ok(text) = std::str::from_utf8(&raw) else {
                return false;
            };
            match text.split_once(':') {
                Some((user, pass)) => {
                    !user.is_empty() && !pass.is_empty() && !is_placeholder(pass.as_bytes())
                }
                None => false,
            }
        }
        Validate::PemBody => {
            let text = String::from_utf8_lossy(s)
                .replace("\\n", "\n")
                .replace("\\r", "");
            if text.contains("...") {
                return false;
            }
            text.bytes()
                .filter(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/')
                .count()
                >= 64
        }
    }
}

/// Drops exact duplicates, then keeps, of candidates covering the same
/// bytes, the one of the highest-priority rule (a GitHub token assigned to
/// `GITHUB_TOKEN=` is a GitHub token, not a generic secret).
fn resolve(mut c: Vec<Candidate>) -> Vec<Candidate> {
    c.sort_by(|a, b| {
        RULES[b.rule]
            .priority
            .cmp(&RULES[a.rule].priority)
            .then(a.start.cmp(&b.start))
            .then(b.end.cmp(&a.end))
            .then(a.rule.cmp(&b.rule))
    });
    let mut kept: BTreeMap<usize, usize> = BTreeMap::new();
    let mut out = Vec::with_capacity(c.len());
    for cand in c {
        if cand.start >= cand.end {
            continue;
        }
        let overlaps = kept
            .range(..cand.end)
            .next_back()
            .is_some_and(|(&s, &e)| s >= cand.start || e > cand.start);
        if !overlaps {
            kept.insert(cand.start, cand.end);
            out.push(cand);
        }
    }
    out
}

/// The file's findings from both passes: one per (line, secret), the most
/// specific rule kept; test paths lowered to `info`; sorted by position.
pub(crate) fn finish(relative: &str, found: Vec<Finding>) -> Vec<Finding> {
    let mut best: HashMap<(u32, String), Finding> = HashMap::new();
    let priority = |f: &Finding| crate::rule(&f.rule).map_or(0, |r| r.priority);
    for f in found {
        let k = (f.line, f.fingerprint.clone());
        match best.get(&k) {
            Some(old) if priority(old) >= priority(&f) => {}
            _ => {
                best.insert(k, f);
            }
        }
    }
    let test = is_test_path(relative);
    let mut out: Vec<Finding> = best.into_values().collect();
    for f in &mut out {
        if test {
            f.test_fixture = true;
            f.severity = Severity::Info;
        }
    }
    out.sort_by(|a, b| {
        (a.line, a.column, &a.rule, &a.fingerprint).cmp(&(
            b.line,
            b.column,
            &b.rule,
            &b.fingerprint,
        ))
    });
    out
}
