//! What the YAML and Terraform editors share: walking an object along a
//! path, and the check every edit passes before it is kept.

use crate::yaml::api_invalid;
use palisade_findings::Edit;
use palisade_value::{Node, Path, Seg, Value};

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
