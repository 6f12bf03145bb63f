//! Keys the kind's schema does not have: a typo in a security field
//! (`runAsNonroot`, `readOnlyRootFileSystem`) or a selector without
//! `matchLabels`. The API server drops such a key, or refuses the whole
//! object under strict field validation (kubectl's default since 1.27), so
//! the object does something other than what its author meant.

use crate::context::Context;
use crate::sink::Sink;
use crate::{Check, Target};
use palisade_findings::{Autofix, CheckMeta, Edit, Framework, Severity};
use palisade_model::Object;
use palisade_value::{Seg, StrayField};

pub struct UnknownField;
pub static CHECK: UnknownField = UnknownField;

static META: CheckMeta = CheckMeta {
    id: "unknown-field",
    title: "Field the schema does not have",
    severity: Severity::Medium,
    action: 3,
    category: "iac",
    frameworks: &[Framework::Nsa("admission-control")],
    risk: "The API server drops fields its schema does not know, or refuses the object under strict \
field validation (`kubectl apply` validates strictly by default since Kubernetes 1.27; `kubectl \
apply --validate=false`, Helm and most GitOps tools do not). A misspelt security field \
(`runAsNonroot: true`) then protects nothing while the manifest reads as if it did, and a \
`podSelector: {app: web}` without `matchLabels` is the empty selector: it selects every pod of the \
namespace. Security fields and selectors are reported as high.",
    fix: "Spell the field as the schema does (the finding names the nearest field), or nest the labels \
of a selector under `matchLabels`.",
};

/// Whether a key under this path changes what is allowed or selected.
fn security_relevant(s: &StrayField) -> bool {
    s.schema == "LabelSelector"
        || s.schema.ends_with("SecurityContext")
        || s.path.segments().iter().any(|seg| {
            matches!(seg, Seg::Key(k) if {
                let k = k.to_ascii_lowercase();
                ["securitycontext", "selector", "privileged", "host", "capabilit", "runas",
                 "readonly", "seccomp", "apparmor", "automount", "procmount"]
                    .iter()
                    .any(|w| k.contains(w))
            })
        })
}

impl Check for UnknownField {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn target(&self) -> Target {
        Target::Objects
    }

    fn check_object(&self, _cx: &Context<'_>, o: &Object, out: &mut Sink<'_>) {
        for s in &o.stray {
            let Some(Seg::Key(key)) = s.path.last() else {
                continue;
            };
            let parent = s.path.parent().unwrap_or_default();
            let value = o.raw.at(&s.path).map(|n| n.to_json());
            let selector = s.schema == "LabelSelector";
            let meant = if selector {
                None
            } else {
                palisade_findings::suggest::closest(key, s.fields.iter().copied(), |d, c| {
                    c.eq_ignore_ascii_case(key) || (d <= 2 && key.len() > 3)
                })
            };
            let field = format!("{}", s.path);
            let message = if selector {
                format!(
                    "{field} is not a field of a label selector (only matchLabels and \
                     matchExpressions are): the API server refuses it under strict validation or \
                     drops it, and the selector then selects every pod; nest it under matchLabels"
                )
            } else {
                let hint = match meant {
                    Some(m) => format!("; did you mean {m}?"),
                    None => format!("; {} has {}", s.schema, list(s.fields)),
                };
                format!(
                    "{field} is not a field of {}: the API server refuses it under strict \
                     validation or drops it, so it has no effect{hint}",
                    s.schema
                )
            };
            let f = out.report(o, s.path.clone(), message);
            if s.line > 0 {
                f.location.line = s.line;
                f.location.column = s.column;
            }
            if security_relevant(s) {
                f.severity = Severity::High;
            }
            // the edit: the value under the field meant (unless it is set)
            let target = if selector {
                Some(parent.clone().key("matchLabels").key(key.clone()))
            } else {
                meant.map(|m| parent.clone().key(m))
            };
            if let (Some(target), Some(value)) = (target, value)
                && o.raw.at(&target).is_none()
            {
                f.fix =
                    format!("Replace `{key}` with `{}`.", target_tail(&target, selector)).into();
                f.autofix = Some(Autofix::unsafe_(
                    vec![
                        Edit::Remove {
                            path: s.path.clone(),
                        },
                        Edit::set(target, value),
                    ],
                    "the field then takes effect: the workload runs with the protection, or the \
                     policy selects only the labelled pods, as the manifest meant",
                ));
            }
        }
    }
}

fn target_tail(p: &palisade_value::Path, selector: bool) -> String {
    let segs = p.segments();
    let n = if selector { 2 } else { 1 };
    segs[segs.len().saturating_sub(n)..]
        .iter()
        .map(|s| match s {
            Seg::Key(k) => k.to_string(),
            Seg::Index(i) => format!("[{i}]"),
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// The fields of a schema struct, at most 12 named.
fn list(fields: &[&str]) -> String {
    if fields.len() <= 12 {
        fields.join(", ")
    } else {
        format!("{}, … ({} fields)", fields[..12].join(", "), fields.len())
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::lines;

    #[test]
    fn typos_and_selectors_without_match_labels() {
        let y = "apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: web:1
        imagePullPolicey: Always
        securityContext:
          runAsNonroot: true
          readOnlyRootFileSystem: true
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: np, namespace: shop}
spec:
  podSelector: {app: testapp}
  policyTypes: [Ingress]
";
        let got = lines("unknown-field", y);
        let msgs: Vec<&str> = got.iter().map(|(_, m)| m.as_str()).collect();
        assert_eq!(got.len(), 4, "{msgs:#?}");
        assert!(
            msgs[0].contains("imagePullPolicey")
                && msgs[0].contains("did you mean imagePullPolicy?")
        );
        assert!(msgs[1].contains("did you mean runAsNonRoot?"));
        assert!(msgs[2].contains("did you mean readOnlyRootFilesystem?"));
        assert!(msgs[3].contains("spec.podSelector.app") && msgs[3].contains("selects every pod"));
        // lines of the stray keys
        let at: Vec<u32> = got.iter().map(|(l, _)| *l).collect();
        assert_eq!(at, [12, 14, 15, 21]);
    }

    #[test]
    fn severity_and_fix() {
        let y = "apiVersion: v1
kind: Pod
metadata: {name: p, namespace: shop}
spec:
  containers:
  - name: c
    image: c:1
    imagePullPolicey: Always
    securityContext: {runAsNonroot: true}
";
        let f = crate::testing::findings("unknown-field", y);
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].severity, palisade_findings::Severity::Medium);
        assert_eq!(f[1].severity, palisade_findings::Severity::High);
        let fix = f[1].autofix.as_ref().unwrap();
        assert_eq!(
            fix.edits[1].path().to_string(),
            "spec.containers[0].securityContext.runAsNonRoot"
        );
        assert!(
            f[1].fix
                .contains("Replace `runAsNonroot` with `runAsNonRoot`")
        );
    }
}
