//! What the YAML and Terraform editors share: lines of text, walking an
//! object along a path, and the loop that applies edits one by one, reading
//! the text back after each and keeping only what checks out.

use crate::yaml::{Outcome, api_invalid};
use palisade_findings::Edit;
use palisade_value::{Node, Path, Seg, Value};

pub(crate) fn lines(text: &str) -> Vec<&str> {
    text.split_inclusive('\n').collect()
}

pub(crate) fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// `ls` with `remove` lines at `at` replaced by `insert`.
pub(crate) fn splice(ls: &[&str], at: usize, remove: usize, insert: &[String]) -> String {
    let mut out = String::new();
    for l in &ls[..at] {
        out.push_str(l);
    }
    // a last line without a newline gets one before inserted lines
    if at > 0 && !insert.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    for l in insert {
        out.push_str(l);
    }
    for l in &ls[(at + remove).min(ls.len())..] {
        out.push_str(l);
    }
    out
}

/// One text format the edits apply to.
pub(crate) trait Format {
    /// The text read back: its objects.
    type Doc;
    /// Reads the text; `None` when it does not parse.
    fn read(&self, text: &str) -> Option<Self::Doc>;
    /// The object starting at `line`:`column`.
    fn object<'d>(&self, doc: &'d Self::Doc, line: u32, column: u32) -> Option<&'d Node>;
    /// Whether an edit left the text as sound as it was (same objects, no new error).
    fn intact(&self, before: &Self::Doc, after: &Self::Doc) -> bool;
    /// One edit on the text, at the object.
    fn edit(&self, text: &str, obj: &Node, e: &Edit) -> Result<(String, Outcome), String>;
    /// What to say when an edit would break the text.
    const BROKEN: &'static str;
    /// What to say when the text does not read to begin with.
    const UNREADABLE: &'static str;
}

/// Applies `edits` to the object at `line`:`column` one by one. An edit is
/// kept only when the text still reads, the object has the intended value
/// and is no newly API-invalid combination; each outcome is reported.
pub(crate) fn drive<F: Format>(
    f: &F,
    text: &str,
    line: u32,
    column: u32,
    edits: &[Edit],
) -> (String, Vec<Outcome>) {
    let mut cur = text.to_string();
    let Some(mut doc) = f.read(&cur) else {
        return (
            cur,
            edits
                .iter()
                .map(|_| Outcome::Skipped(F::UNREADABLE.into()))
                .collect(),
        );
    };
    let mut outcomes = Vec::new();
    for e in edits {
        let Some(obj) = f.object(&doc, line, column) else {
            outcomes.push(Outcome::Skipped(
                "the object is no longer where the scan found it".into(),
            ));
            continue;
        };
        match f.edit(&cur, obj, e) {
            Ok((next, Outcome::Applied)) => {
                let Some(after) = f.read(&next).filter(|a| f.intact(&doc, a)) else {
                    outcomes.push(Outcome::Skipped(F::BROKEN.into()));
                    continue;
                };
                // Edits go below the object's start, so it does not move.
                if let Some(why) = refusal(
                    e,
                    f.object(&doc, line, column),
                    f.object(&after, line, column),
                ) {
                    outcomes.push(Outcome::Skipped(why));
                    continue;
                }
                cur = next;
                doc = after;
                outcomes.push(Outcome::Applied);
            }
            Ok((_, o)) => outcomes.push(o),
            Err(m) => outcomes.push(Outcome::Skipped(m)),
        }
    }
    (cur, outcomes)
}

/// The deepest existing node along `path` and how many segments exist.
pub(crate) fn deepest<'a>(root: &'a Node, path: &Path) -> (&'a Node, usize) {
    let mut node = root;
    let mut n = 0;
    for seg in path.segments() {
        let next = match (seg, &node.value) {
            (Seg::Key(k), Value::Map(m)) => m.get(k),
            (Seg::Index(i), Value::Seq(s)) => s.get(*i),
            _ => None,
        };
        match next {
            Some(x) => {
                node = x;
                n += 1;
            }
            None => break,
        }
    }
    (node, n)
}

/// Why an applied edit must not be kept: the object read back (`after`)
/// lacks the intended value, or has become a combination the API server
/// rejects that it was not before. `None` keeps it.
pub(crate) fn refusal(e: &Edit, before: Option<&Node>, after: Option<&Node>) -> Option<String> {
    let same = |n: &Node, v: &serde_json::Value| n.to_json() == *v;
    let verified = match (e, after) {
        (Edit::Set { path, value }, Some(o)) => o.at(path).is_some_and(|n| same(n, value)),
        (Edit::AddToList { path, value }, Some(o)) => o
            .at(path)
            .and_then(Node::as_seq)
            .is_some_and(|s| s.iter().any(|i| same(i, value))),
        (Edit::Remove { path }, Some(o)) => o.at(path).is_none(),
        (_, None) => false,
    };
    if !verified {
        return Some("the edit did not produce the intended value; not applied".into());
    }
    match after.and_then(api_invalid) {
        Some(why) if before.and_then(api_invalid).is_none() => Some(why),
        _ => None,
    }
}
