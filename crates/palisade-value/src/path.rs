use compact_str::CompactString;
use std::fmt;
use std::str::FromStr;

/// One step of a [`Path`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Seg {
    /// Keys are short: stored inline.
    Key(CompactString),
    Index(usize),
}

/// A field path inside a document, written like `spec.containers[0].image`
/// (keys that contain `.`, `[`, `]` or `"` are written `["a.b/c"]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Path(Vec<Seg>);

impl Path {
    pub fn root() -> Self {
        Self(Vec::new())
    }

    pub fn segments(&self) -> &[Seg] {
        &self.0
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// This path extended by a key.
    #[must_use]
    pub fn key(mut self, key: impl Into<CompactString>) -> Self {
        self.0.push(Seg::Key(key.into()));
        self
    }

    /// This path extended by a list index.
    #[must_use]
    pub fn index(mut self, i: usize) -> Self {
        self.0.push(Seg::Index(i));
        self
    }

    /// This path followed by `other`.
    #[must_use]
    pub fn join(mut self, other: &Path) -> Self {
        self.0.extend(other.0.iter().cloned());
        self
    }

    pub fn push(&mut self, seg: Seg) {
        self.0.push(seg);
    }

    pub fn pop(&mut self) -> Option<Seg> {
        self.0.pop()
    }

    /// The path without its last segment.
    pub fn parent(&self) -> Option<Path> {
        if self.0.is_empty() {
            None
        } else {
            Some(Path(self.0[..self.0.len() - 1].to_vec()))
        }
    }

    pub fn last(&self) -> Option<&Seg> {
        self.0.last()
    }

    pub fn starts_with(&self, prefix: &Path) -> bool {
        self.0.starts_with(&prefix.0)
    }

    /// Converts the path a serde error was found at.
    pub fn from_serde(p: &serde_path_to_error::Path) -> Path {
        use serde_path_to_error::Segment;
        let mut out = Path::root();
        for seg in p.iter() {
            match seg {
                Segment::Seq { index } => out.push(Seg::Index(*index)),
                Segment::Map { key } => out.push(Seg::Key(key.as_str().into())),
                Segment::Enum { variant } => out.push(Seg::Key(variant.as_str().into())),
                Segment::Unknown => break,
            }
        }
        out
    }
}

impl From<Vec<Seg>> for Path {
    fn from(v: Vec<Seg>) -> Self {
        Path(v)
    }
}

fn plain_key(k: &str) -> bool {
    !k.is_empty()
        && k.chars()
            .all(|c| !matches!(c, '.' | '[' | ']' | '"' | '\\') && !c.is_whitespace())
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(k) if plain_key(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(k)?;
                }
                Seg::Key(k) => {
                    f.write_str("[\"")?;
                    for c in k.chars() {
                        if c == '"' || c == '\\' {
                            f.write_str("\\")?;
                        }
                        write!(f, "{c}")?;
                    }
                    f.write_str("\"]")?;
                }
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// A path that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathError(pub String);

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid field path: {}", self.0)
    }
}

impl std::error::Error for PathError {}

impl FromStr for Path {
    type Err = PathError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || PathError(s.to_string());
        let mut out = Path::root();
        let mut chars = s.chars().peekable();
        let mut expect_key = true;
        while let Some(&c) = chars.peek() {
            match c {
                '.' => {
                    chars.next();
                    expect_key = true;
                }
                '[' => {
                    chars.next();
                    if chars.peek() == Some(&'"') {
                        chars.next();
                        let mut key = String::new();
                        loop {
                            match chars.next().ok_or_else(err)? {
                                '\\' => key.push(chars.next().ok_or_else(err)?),
                                '"' => break,
                                ch => key.push(ch),
                            }
                        }
                        if chars.next() != Some(']') {
                            return Err(err());
                        }
                        out.push(Seg::Key(key.into()));
                    } else {
                        let mut num = String::new();
                        loop {
                            match chars.next().ok_or_else(err)? {
                                ']' => break,
                                d if d.is_ascii_digit() => num.push(d),
                                _ => return Err(err()),
                            }
                        }
                        out.push(Seg::Index(num.parse().map_err(|_| err())?));
                    }
                    expect_key = false;
                }
                _ => {
                    if !expect_key {
                        return Err(err());
                    }
                    let mut key = String::new();
                    while let Some(&ch) = chars.peek() {
                        if ch == '.' || ch == '[' {
                            break;
                        }
                        key.push(ch);
                        chars.next();
                    }
                    out.push(Seg::Key(key.into()));
                    expect_key = false;
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_parse_round_trip() {
        let p = Path::root()
            .key("metadata")
            .key("annotations")
            .key("container.apparmor.security.beta.kubernetes.io/app")
            .key("x");
        let s = p.to_string();
        assert_eq!(
            s,
            r#"metadata.annotations["container.apparmor.security.beta.kubernetes.io/app"].x"#
        );
        assert_eq!(s.parse::<Path>().unwrap(), p);

        let q = Path::root()
            .key("spec")
            .key("containers")
            .index(2)
            .key("securityContext");
        assert_eq!(q.to_string(), "spec.containers[2].securityContext");
        assert_eq!(q.to_string().parse::<Path>().unwrap(), q);
    }

    #[test]
    fn parse_rejects_garbage() {
        assert!("a[x]".parse::<Path>().is_err());
        assert!("a[\"unterminated".parse::<Path>().is_err());
        assert!("a[0]b".parse::<Path>().is_err());
    }

    #[test]
    fn parent_and_prefix() {
        let p: Path = "a.b[1]".parse().unwrap();
        assert_eq!(p.parent().unwrap().to_string(), "a.b");
        assert!(p.starts_with(&"a".parse().unwrap()));
        assert!(Path::root().parent().is_none());
    }
}
