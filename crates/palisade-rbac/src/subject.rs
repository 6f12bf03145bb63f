//! Who a permission is for: users, groups and service accounts, with the
//! groups Kubernetes adds implicitly.

use serde::Serialize;
use std::fmt;

/// A subject of a binding, or an identity asked about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Subject {
    User(String),
    Group(String),
    ServiceAccount { namespace: String, name: String },
}

impl Subject {
    pub fn kind(&self) -> &'static str {
        match self {
            Subject::User(_) => "User",
            Subject::Group(_) => "Group",
            Subject::ServiceAccount { .. } => "ServiceAccount",
        }
    }

    /// Parses `user:NAME`, `group:NAME`, `serviceaccount:NS:NAME`,
    /// `sa:NS:NAME`, `system:serviceaccount:NS:NAME`, or `NS:NAME` (a
    /// service account, as audit2rbac writes it), else a user name.
    pub fn parse(s: &str) -> Result<Subject, String> {
        let sa = |rest: &str| -> Result<Subject, String> {
            match rest.split_once(':') {
                Some((ns, name)) if !ns.is_empty() && !name.is_empty() && !name.contains(':') => {
                    Ok(Subject::ServiceAccount {
                        namespace: ns.to_string(),
                        name: name.to_string(),
                    })
                }
                _ => Err(format!(
                    "invalid service account {rest:?} (expected NAMESPACE:NAME)"
                )),
            }
        };
        if s.is_empty() {
            return Err("empty subject".into());
        }
        if let Some(u) = s.strip_prefix("user:") {
            return Ok(Subject::User(u.to_string()));
        }
        if let Some(g) = s.strip_prefix("group:") {
            return Ok(Subject::Group(g.to_string()));
        }
        if let Some(rest) = s
            .strip_prefix("system:serviceaccount:")
            .or_else(|| s.strip_prefix("serviceaccount:"))
            .or_else(|| s.strip_prefix("sa:"))
        {
            return sa(rest);
        }
        if s.matches(':').count() == 1 && !s.starts_with("system:") && !s.contains('@') {
            return sa(s);
        }
        Ok(Subject::User(s.to_string()))
    }

    /// The user name the API server sees.
    pub fn username(&self) -> Option<String> {
        match self {
            Subject::User(u) => Some(u.clone()),
            Subject::Group(_) => None,
            Subject::ServiceAccount { namespace, name } => {
                Some(format!("system:serviceaccount:{namespace}:{name}"))
            }
        }
    }

    /// Groups every request of this identity carries.
    pub fn implicit_groups(&self) -> Vec<String> {
        match self {
            Subject::User(u) if u == "system:anonymous" => vec!["system:unauthenticated".into()],
            Subject::User(_) => vec!["system:authenticated".into()],
            Subject::Group(g) => vec![g.clone()],
            Subject::ServiceAccount { namespace, .. } => vec![
                "system:serviceaccounts".into(),
                format!("system:serviceaccounts:{namespace}"),
                "system:authenticated".into(),
            ],
        }
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::User(u) => write!(f, "user:{u}"),
            Subject::Group(g) => write!(f, "group:{g}"),
            Subject::ServiceAccount { namespace, name } => {
                write!(f, "serviceaccount:{namespace}:{name}")
            }
        }
    }
}

impl Serialize for Subject {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Subject", 3)?;
        st.serialize_field("kind", self.kind())?;
        match self {
            Subject::User(n) | Subject::Group(n) => st.serialize_field("name", n)?,
            Subject::ServiceAccount { namespace, name } => {
                st.serialize_field("namespace", namespace)?;
                st.serialize_field("name", name)?;
            }
        }
        st.end()
    }
}

/// An identity asking for something: its user name and all its groups.
#[derive(Debug, Clone)]
pub struct Identity {
    pub subject: Subject,
    pub user: Option<String>,
    pub groups: Vec<String>,
}

impl Identity {
    pub fn new(subject: Subject, extra_groups: &[String]) -> Self {
        let mut groups = subject.implicit_groups();
        groups.extend(extra_groups.iter().cloned());
        Identity {
            user: subject.username(),
            subject,
            groups,
        }
    }

    /// Members of `system:masters` bypass RBAC altogether.
    pub fn is_system_master(&self) -> bool {
        self.groups.iter().any(|g| g == "system:masters")
    }

    /// Whether a binding subject names this identity (`binding_ns` is the
    /// namespace of a RoleBinding: a service-account subject without a
    /// namespace means that one).
    pub fn matched_by(&self, subject: &Subject) -> bool {
        match subject {
            Subject::User(u) => self.user.as_deref() == Some(u),
            Subject::Group(g) => self.groups.iter().any(|x| x == g),
            Subject::ServiceAccount { namespace, name } => {
                self.user.as_deref() == Some(&format!("system:serviceaccount:{namespace}:{name}"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_forms() {
        assert_eq!(
            Subject::parse("alice").unwrap(),
            Subject::User("alice".into())
        );
        assert_eq!(
            Subject::parse("oncall@example.com").unwrap(),
            Subject::User("oncall@example.com".into())
        );
        assert_eq!(
            Subject::parse("system:admin").unwrap(),
            Subject::User("system:admin".into())
        );
        assert_eq!(
            Subject::parse("group:ci").unwrap(),
            Subject::Group("ci".into())
        );
        let sa = Subject::ServiceAccount {
            namespace: "ns1".into(),
            name: "sa1".into(),
        };
        assert_eq!(Subject::parse("ns1:sa1").unwrap(), sa);
        assert_eq!(Subject::parse("system:serviceaccount:ns1:sa1").unwrap(), sa);
        assert_eq!(Subject::parse("sa:ns1:sa1").unwrap(), sa);
        assert_eq!(
            Subject::parse("user:oidc:bob").unwrap(),
            Subject::User("oidc:bob".into())
        );
        assert!(Subject::parse("sa:nope").is_err());
        assert!(Subject::parse("").is_err());
    }

    #[test]
    fn identities_match_subjects() {
        let sa = Identity::new(Subject::parse("ns1:sa1").unwrap(), &[]);
        assert!(sa.matched_by(&Subject::Group("system:serviceaccounts:ns1".into())));
        assert!(sa.matched_by(&Subject::Group("system:authenticated".into())));
        assert!(!sa.matched_by(&Subject::Group("system:serviceaccounts:ns2".into())));
        assert!(sa.matched_by(&Subject::ServiceAccount {
            namespace: "ns1".into(),
            name: "sa1".into()
        }));
        let alice = Identity::new(Subject::User("alice".into()), &["devs".into()]);
        assert!(alice.matched_by(&Subject::Group("devs".into())));
        assert!(!alice.matched_by(&Subject::User("bob".into())));
        let root = Identity::new(Subject::User("x".into()), &["system:masters".into()]);
        assert!(root.is_system_master());
    }
}
