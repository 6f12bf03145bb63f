//! Container image references (`[registry/]repository[:tag][@digest]`).

use std::fmt;

/// A parsed image reference, as the container runtime resolves it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImageRef {
    /// Registry host (`docker.io` when none is written).
    pub registry: String,
    /// Repository path (`library/nginx` for `nginx` on Docker Hub).
    pub repository: String,
    pub tag: Option<String>,
    /// `sha256:…` when pinned.
    pub digest: Option<String>,
}

impl ImageRef {
    /// Parses an image reference; `None` for an empty or malformed one.
    pub fn parse(image: &str) -> Option<ImageRef> {
        let image = image.trim();
        if image.is_empty() || image.contains(char::is_whitespace) {
            return None;
        }
        let (name_tag, digest) = match image.split_once('@') {
            Some((n, d)) if !d.is_empty() => (n, Some(d.to_string())),
            Some(_) => return None,
            None => (image, None),
        };
        let last_slash = name_tag.rfind('/');
        let (name, tag) = match name_tag.rfind(':') {
            Some(i) if last_slash.is_none_or(|s| i > s) => {
                (&name_tag[..i], Some(name_tag[i + 1..].to_string()))
            }
            _ => (name_tag, None),
        };
        if name.is_empty() || tag.as_deref() == Some("") {
            return None;
        }
        let (registry, repository) = match name.split_once('/') {
            Some((first, rest))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (first.to_string(), rest.to_string())
            }
            _ => {
                let repo = if name.contains('/') {
                    name.to_string()
                } else {
                    format!("library/{name}")
                };
                ("docker.io".to_string(), repo)
            }
        };
        Some(ImageRef {
            registry,
            repository,
            tag,
            digest,
        })
    }

    /// Pinned by content digest.
    pub fn is_pinned(&self) -> bool {
        self.digest.is_some()
    }

    /// The tag the runtime uses (`latest` when none is written and there is
    /// no digest).
    pub fn effective_tag(&self) -> Option<&str> {
        match (&self.tag, &self.digest) {
            (Some(t), _) => Some(t),
            (None, None) => Some("latest"),
            (None, Some(_)) => None,
        }
    }

    /// `:latest` or no tag at all, without a digest: the image can change
    /// under the same name at any time.
    pub fn is_floating(&self) -> bool {
        self.digest.is_none() && self.effective_tag() == Some("latest")
    }
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_references() {
        let r = ImageRef::parse("nginx").unwrap();
        assert_eq!(
            (r.registry.as_str(), r.repository.as_str(), r.tag.as_deref()),
            ("docker.io", "library/nginx", None)
        );
        assert!(r.is_floating());
        let r = ImageRef::parse("ghcr.io/example/api:2.4.1").unwrap();
        assert_eq!(r.registry, "ghcr.io");
        assert_eq!(r.repository, "example/api");
        assert_eq!(r.tag.as_deref(), Some("2.4.1"));
        assert!(!r.is_floating());
        let r = ImageRef::parse("localhost:5000/team/app").unwrap();
        assert_eq!(r.registry, "localhost:5000");
        assert_eq!(r.tag, None);
        let r = ImageRef::parse("registry.k8s.io/pause:3.9@sha256:abc").unwrap();
        assert!(r.is_pinned());
        assert_eq!(r.tag.as_deref(), Some("3.9"));
        let r = ImageRef::parse("busybox@sha256:abc").unwrap();
        assert!(!r.is_floating());
        assert_eq!(r.effective_tag(), None);
        assert!(ImageRef::parse("repo:tag:").is_none());
        assert!(ImageRef::parse("").is_none());
        assert!(ImageRef::parse("a b").is_none());
        assert_eq!(
            ImageRef::parse("library/nginx:latest").unwrap().repository,
            "library/nginx"
        );
    }
}
