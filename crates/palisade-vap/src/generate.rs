//! ValidatingAdmissionPolicies from the check catalogue: what palisade
//! reports, enforced by the API server itself (Kubernetes 1.30+), no
//! webhook to keep running.
//!
//! * `palisade-pod-security`: every Pod Security control of the chosen
//!   version, one validation each, for Pods and every pod-bearing kind
//!   (through their templates). The level is a parameter: one binding per
//!   level selects the namespaces whose `pod-security.kubernetes.io/enforce`
//!   label names it and reads the level from a ConfigMap, so the policy is
//!   written once;
//! * `palisade-hardening`: the catalogue's hardening checks that CEL can
//!   express, for every namespace that is not exempt;
//! * `palisade-ingress-hosts`: Ingress hosts (rules and TLS) on an
//!   allowlist held by a ConfigMap.
//!
//! Every expression is compiled before it is written; one that does not
//! compile is refused with the check id. What CEL cannot express is listed,
//! with the reason, in the output's header.

use crate::expr::Expr;
use palisade_pss::{Level, LevelVersion, Version};
use serde_json::{Value as Json, json};

/// The binding's `validationActions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Deny,
    Warn,
    Audit,
}

impl std::str::FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "deny" => Ok(Mode::Deny),
            "warn" => Ok(Mode::Warn),
            "audit" => Ok(Mode::Audit),
            _ => Err(format!("unknown mode {s:?} (deny, warn or audit)")),
        }
    }
}

impl Mode {
    fn actions(self) -> Json {
        match self {
            // a denial is audited too, as Pod Security admission does
            Mode::Deny => json!(["Deny", "Audit"]),
            Mode::Warn => json!(["Warn", "Audit"]),
            Mode::Audit => json!(["Audit"]),
        }
    }
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct Options {
    pub mode: Mode,
    /// The Pod Security version the controls follow.
    pub pss_version: Version,
    /// Where the parameter ConfigMaps live.
    pub params_namespace: String,
    /// The namespace label that names a namespace's level.
    pub level_label: String,
    /// The level of namespaces without the label (`None`: not bound).
    pub default_level: Option<Level>,
    /// Namespaces left out (`kube-*` globs), as `.palisade.yaml`'s
    /// `exemptNamespaces`.
    pub exempt_namespaces: Vec<String>,
    /// The Ingress host allowlist (`*.example.com` allows one label under
    /// it); empty: no Ingress policy.
    pub ingress_hosts: Vec<String>,
    /// Prefix of every generated name.
    pub prefix: String,
    /// Which policies: `pod-security`, `hardening`, `ingress-hosts`
    /// (empty: all; `ingress-hosts` also needs hosts).
    pub policies: Vec<String>,
}

/// The policies `generate` can write.
pub const POLICIES: &[&str] = &["pod-security", "hardening", "ingress-hosts"];

impl Default for Options {
    fn default() -> Self {
        Options {
            mode: Mode::Deny,
            pss_version: Version::Latest,
            params_namespace: "palisade".into(),
            level_label: "pod-security.kubernetes.io/enforce".into(),
            default_level: None,
            exempt_namespaces: vec!["kube-system".into()],
            ingress_hosts: Vec::new(),
            prefix: "palisade".into(),
            policies: Vec::new(),
        }
    }
}

/// A check CEL cannot express, and why.
pub const NOT_EXPRESSIBLE: &[(&str, &str)] = &[
    (
        "rbac-*",
        "RBAC risks are paths through several bindings and roles; an admission policy sees one object",
    ),
    (
        "netpol-*",
        "NetworkPolicy coverage relates policies to the pods they select; CEL sees one object",
    ),
    (
        "namespace-no-resourcequota, namespace-no-limitrange",
        "the absence of another object cannot be seen from the object admitted",
    ),
    (
        "namespace-no-psa-labels, psa-label-invalid",
        "checked on Namespaces by the Pod Security admission plugin itself",
    ),
    (
        "image-vulnerabilities, image-attack-surface",
        "need the image's contents, which admission does not see",
    ),
    (
        "env-literal-secret, kubernetes-secret-data",
        "a credential is recognised by its format, entropy and placeholders, not by a CEL regular expression that would agree with palisade",
    ),
    (
        "removed-api-version, unknown-field, unknown-value",
        "the API server refuses removed versions and unknown fields itself (strict field validation)",
    ),
    (
        "default-namespace",
        "admission sees the namespace a client chose, not whether its manifest named one",
    ),
    (
        "unique Ingress hosts",
        "another Ingress with the same host is not visible to a policy (the Gatekeeper policy in policies/unique-ingress-host does it with synced data)",
    ),
];

const POD_KINDS: &[(&str, &[&str])] = &[
    ("", &["pods"]),
    (
        "apps",
        &["deployments", "statefulsets", "daemonsets", "replicasets"],
    ),
    ("batch", &["jobs", "cronjobs"]),
];

fn resource_rules(kinds: &[(&str, &[&str])]) -> Json {
    Json::Array(
        kinds
            .iter()
            .map(|(g, r)| {
                json!({
                    "apiGroups": [g],
                    "apiVersions": ["*"],
                    "resources": r,
                    "operations": ["CREATE", "UPDATE"],
                })
            })
            .collect(),
    )
}

/// A CEL condition that is true for objects outside the exempt namespaces.
fn exemption(globs: &[String]) -> Option<String> {
    if globs.is_empty() {
        return None;
    }
    let tests: Vec<String> = globs
        .iter()
        .map(|g| match g.strip_suffix('*') {
            Some(prefix) if !prefix.contains('*') => {
                format!(
                    "namespaceObject.metadata.name.startsWith({})",
                    quote(prefix)
                )
            }
            _ if g.contains('*') => format!(
                "namespaceObject.metadata.name.matches({})",
                quote(&format!("^{}$", regex_of_glob(g)))
            ),
            _ => format!("namespaceObject.metadata.name == {}", quote(g)),
        })
        .collect();
    Some(format!(
        "namespaceObject == null || !({})",
        tests.join(" || ")
    ))
}

fn regex_of_glob(g: &str) -> String {
    g.chars()
        .map(|c| match c {
            '*' => ".*".to_string(),
            c if c.is_ascii_alphanumeric() || c == '-' => c.to_string(),
            c => format!("\\{c}"),
        })
        .collect()
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// The generated objects, each with its comment.
#[derive(Debug, Clone)]
pub struct Generated {
    pub header: String,
    pub objects: Vec<(String, Json)>,
}

/// One validation: the check it stands for, its expression, its message.
struct Rule {
    id: &'static str,
    expression: String,
    message: String,
    /// Names what failed (the hosts); the message stands when it cannot.
    message_expression: Option<String>,
}

fn validation(r: &Rule) -> Json {
    let mut v = json!({
        "expression": r.expression,
        "message": r.message,
        "reason": "Forbidden",
    });
    if let Some(m) = &r.message_expression {
        v["messageExpression"] = Json::from(m.clone());
    }
    v
}

/// Compiles every rule: a check whose expression does not compile is
/// refused with its id.
fn compiled(rules: &[Rule]) -> Result<(), String> {
    for r in rules {
        for e in std::iter::once(&r.expression).chain(&r.message_expression) {
            Expr::compile(e)
                .map_err(|err| format!("{}: the generated CEL does not compile: {err}", r.id))?;
        }
    }
    Ok(())
}

fn variables(list: &[(&str, &str)]) -> Json {
    Json::Array(
        list.iter()
            .map(|(n, e)| json!({"name": n, "expression": e}))
            .collect(),
    )
}

/// The Pod Security rules at `version`, guarded by the level parameter:
/// a restricted control holds where the level is restricted; a baseline
/// control that a restricted control overrides holds only where it is
/// baseline.
fn pod_security_rules(version: Version) -> Vec<Rule> {
    let at = |level| LevelVersion { level, version };
    let baseline = palisade_pss::cel::rules(at(Level::Baseline));
    let restricted = palisade_pss::cel::rules(at(Level::Restricted));
    let mut out = Vec::new();
    let message = |c: &palisade_pss::Control, level: &str| {
        format!(
            "{} ({} {level} Pod Security control, {version}): {}",
            c.meta.id,
            c.id,
            c.meta.fix.replace('`', "")
        )
    };
    for r in &baseline {
        let in_restricted = restricted.iter().any(|x| x.control.id == r.control.id);
        let expression = if in_restricted {
            r.expression.clone()
        } else {
            format!("params.data.level != 'baseline' || ({})", r.expression)
        };
        out.push(Rule {
            id: r.control.meta.id,
            expression,
            message: message(r.control, "baseline"),
            message_expression: None,
        });
    }
    for r in restricted
        .iter()
        .filter(|r| !baseline.iter().any(|b| b.control.id == r.control.id))
    {
        out.push(Rule {
            id: r.control.meta.id,
            expression: format!("params.data.level != 'restricted' || ({})", r.expression),
            message: message(r.control, "restricted"),
            message_expression: None,
        });
    }
    out
}

/// The Pod Security variables and `variables.declared`: regular and init
/// containers (not ephemeral debug containers), as the hardening checks
/// count them.
fn hardening_variables() -> Vec<(&'static str, &'static str)> {
    let mut v = palisade_pss::cel::VARIABLES.to_vec();
    v.push((
        "declared",
        "(has(variables.spec.initContainers) ? variables.spec.initContainers : []) + \
         (has(variables.spec.containers) ? variables.spec.containers : [])",
    ));
    v
}

/// The hardening checks of the catalogue that carry CEL.
fn hardening_rules() -> Vec<Rule> {
    palisade_checks::catalogue()
        .into_iter()
        .filter_map(|c| {
            let cel = c.admission_cel()?;
            let m = c.meta();
            Some(Rule {
                id: m.id,
                expression: cel.to_string(),
                message: format!("{}: {} Fix: {}", m.id, m.title, m.fix.replace('`', "")),
                message_expression: None,
            })
        })
        .collect()
}

fn ingress_rules() -> Vec<Rule> {
    let allowed = |h: &str| {
        format!(
            "variables.allowed.exists(e, e == {h} || (e.startsWith('*.') && !{h}.startsWith('*') && \
             {h}.endsWith(e.substring(1)) && size({h}) > size(e) - 1 && \
             !{h}.substring(0, size({h}) - size(e) + 1).contains('.')))"
        )
    };
    let listed = "' is not on the allowlist ' + params.data.hosts + \
                  ' (*.example.com allows one label under example.com)'";
    vec![
        Rule {
            id: "ingress-host-allowlist",
            expression:
                "!has(object.spec.rules) || object.spec.rules.all(r, has(r.host) && r.host != '')"
                    .into(),
            message:
                "ingress-host-allowlist: an Ingress rule without a host matches every host name; \
                      name the host (spec.rules[].host)"
                    .into(),
            message_expression: None,
        },
        Rule {
            id: "ingress-host-allowlist",
            expression: format!(
                "!has(object.spec.rules) || object.spec.rules.all(r, !has(r.host) || {})",
                allowed("r.host")
            ),
            message: "ingress-host-allowlist: spec.rules[].host is not on the allowlist (the \
                      ConfigMap's data.hosts; *.example.com allows one label under example.com)"
                .into(),
            message_expression: Some(format!(
                "'ingress-host-allowlist: host ' + object.spec.rules.filter(r, has(r.host) && !({})).map(r, r.host).join(', ') + {listed}",
                allowed("r.host")
            )),
        },
        Rule {
            id: "ingress-host-allowlist",
            expression: format!(
                "!has(object.spec.tls) || object.spec.tls.all(t, !has(t.hosts) || t.hosts.all(h, {}))",
                allowed("h")
            ),
            message: "ingress-host-allowlist: spec.tls[].hosts is not on the allowlist (the \
                      ConfigMap's data.hosts)"
                .into(),
            message_expression: Some(format!(
                "'ingress-host-allowlist: TLS host ' + object.spec.tls.filter(t, has(t.hosts)).map(t, t.hosts.filter(h, !({}))).filter(l, size(l) > 0).map(l, l.join(', ')).join(', ') + {listed}",
                allowed("h")
            )),
        },
    ]
}

/// The policies, bindings and parameter ConfigMaps.
pub fn generate(o: &Options) -> Result<Generated, String> {
    for p in &o.policies {
        if !POLICIES.contains(&p.as_str()) {
            return Err(format!(
                "unknown policy {p:?} (one of {})",
                POLICIES.join(", ")
            ));
        }
    }
    let wanted = |p: &str| o.policies.is_empty() || o.policies.iter().any(|x| x == p);
    let pss = if wanted("pod-security") {
        pod_security_rules(o.pss_version)
    } else {
        Vec::new()
    };
    let hardening = if wanted("hardening") {
        hardening_rules()
    } else {
        Vec::new()
    };
    let ingress = if o.ingress_hosts.is_empty() || !wanted("ingress-hosts") {
        Vec::new()
    } else {
        ingress_rules()
    };
    compiled(&pss)?;
    compiled(&hardening)?;
    compiled(&ingress)?;
    let exempt = exemption(&o.exempt_namespaces);
    if let Some(e) = &exempt {
        Expr::compile(e).map_err(|err| format!("exemptNamespaces: {err}"))?;
    }
    let conditions = || -> Json {
        match &exempt {
            Some(e) => json!([{"name": "not-exempt", "expression": e}]),
            None => json!([]),
        }
    };
    let name = |s: &str| format!("{}-{s}", o.prefix);
    let mut objects: Vec<(String, Json)> = Vec::new();

    // Pod Security: one policy, a level parameter per binding
    if !pss.is_empty() {
        objects.push((
            format!(
                "Pod Security Standards {} as the API server's own policy: {} controls.",
                o.pss_version,
                pss.len()
            ),
            json!({
                "apiVersion": "admissionregistration.k8s.io/v1",
                "kind": "ValidatingAdmissionPolicy",
                "metadata": {"name": name("pod-security")},
                "spec": {
                    "failurePolicy": "Fail",
                    "paramKind": {"apiVersion": "v1", "kind": "ConfigMap"},
                    "matchConstraints": {"resourceRules": resource_rules(POD_KINDS)},
                    "matchConditions": conditions(),
                    "variables": variables(palisade_pss::cel::VARIABLES),
                    "validations": pss.iter().map(validation).collect::<Vec<_>>(),
                }
            }),
        ));
        for level in [Level::Baseline, Level::Restricted] {
            let cm = name(&format!("pod-security-{level}"));
            objects.push((
                format!("The level the {level} binding enforces."),
                json!({
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {"name": cm, "namespace": o.params_namespace},
                    "data": {"level": level.as_str()},
                }),
            ));
            let note = format!("Namespaces labelled {}={level}", o.level_label);
            objects.push((
            format!("{note}."),
            json!({
                "apiVersion": "admissionregistration.k8s.io/v1",
                "kind": "ValidatingAdmissionPolicyBinding",
                "metadata": {"name": name(&format!("pod-security-{level}"))},
                "spec": {
                    "policyName": name("pod-security"),
                    "validationActions": o.mode.actions(),
                    "paramRef": {"name": cm, "namespace": o.params_namespace, "parameterNotFoundAction": "Deny"},
                    "matchResources": {"namespaceSelector": {"matchExpressions": [{"key": o.level_label, "operator": "In", "values": [level.as_str()]}]}},
                }
            }),
        ));
            if o.default_level == Some(level) {
                objects.push((
                format!("Namespaces without a {} label, held to {level}.", o.level_label),
                json!({
                    "apiVersion": "admissionregistration.k8s.io/v1",
                    "kind": "ValidatingAdmissionPolicyBinding",
                    "metadata": {"name": name(&format!("pod-security-{level}-unlabelled"))},
                    "spec": {
                        "policyName": name("pod-security"),
                        "validationActions": o.mode.actions(),
                        "paramRef": {"name": cm, "namespace": o.params_namespace, "parameterNotFoundAction": "Deny"},
                        "matchResources": {"namespaceSelector": {"matchExpressions": [{"key": o.level_label, "operator": "DoesNotExist"}]}},
                    }
                }),
            ));
            }
        }
    }

    if !hardening.is_empty() {
        objects.push((
            format!(
                "palisade's hardening checks that CEL can express: {}.",
                hardening
                    .iter()
                    .map(|r| r.id)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            json!({
                "apiVersion": "admissionregistration.k8s.io/v1",
                "kind": "ValidatingAdmissionPolicy",
                "metadata": {"name": name("hardening")},
                "spec": {
                    "failurePolicy": "Fail",
                    "matchConstraints": {"resourceRules": resource_rules(POD_KINDS)},
                    "matchConditions": conditions(),
                    "variables": variables(&hardening_variables()),
                    "validations": hardening.iter().map(validation).collect::<Vec<_>>(),
                }
            }),
        ));
        objects.push((
            "Every namespace that is not exempt.".into(),
            json!({
                "apiVersion": "admissionregistration.k8s.io/v1",
                "kind": "ValidatingAdmissionPolicyBinding",
                "metadata": {"name": name("hardening")},
                "spec": {
                    "policyName": name("hardening"),
                    "validationActions": o.mode.actions(),
                }
            }),
        ));
    }

    if !ingress.is_empty() {
        objects.push((
            "Ingress hosts (rules and TLS) on the allowlist of the ConfigMap's data.hosts.".into(),
            json!({
                "apiVersion": "admissionregistration.k8s.io/v1",
                "kind": "ValidatingAdmissionPolicy",
                "metadata": {"name": name("ingress-hosts")},
                "spec": {
                    "failurePolicy": "Fail",
                    "paramKind": {"apiVersion": "v1", "kind": "ConfigMap"},
                    "matchConstraints": {"resourceRules": resource_rules(&[("networking.k8s.io", &["ingresses"])])},
                    "matchConditions": conditions(),
                    "variables": [{"name": "allowed", "expression": "params.data.hosts.split(',').map(h, h.trim()).filter(h, h != '')"}],
                    "validations": ingress.iter().map(validation).collect::<Vec<_>>(),
                }
            }),
        ));
        objects.push((
            "The allowed hosts, comma-separated.".into(),
            json!({
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": name("ingress-hosts"), "namespace": o.params_namespace},
                "data": {"hosts": o.ingress_hosts.join(",")},
            }),
        ));
        objects.push((
            "Every namespace that is not exempt.".into(),
            json!({
                "apiVersion": "admissionregistration.k8s.io/v1",
                "kind": "ValidatingAdmissionPolicyBinding",
                "metadata": {"name": name("ingress-hosts")},
                "spec": {
                    "policyName": name("ingress-hosts"),
                    "validationActions": o.mode.actions(),
                    "paramRef": {"name": name("ingress-hosts"), "namespace": o.params_namespace, "parameterNotFoundAction": "Deny"},
                }
            }),
        ));
    }

    let mut header = format!(
        "ValidatingAdmissionPolicies generated by palisade (Kubernetes 1.30+; mode {:?}).\n\
         The API server enforces them itself; create the namespace {} for the parameters first.\n\
         \n\
         Not expressible in CEL:\n",
        o.mode, o.params_namespace
    );
    for (what, why) in NOT_EXPRESSIBLE {
        header.push_str(&format!("- {what}: {why}\n"));
    }
    Ok(Generated { header, objects })
}

impl Generated {
    /// The generated objects as read from a file named `(generated)`: to
    /// evaluate them offline ([`crate::eval::apply`]).
    pub fn to_objects(&self) -> Vec<palisade_model::Object> {
        let file: std::sync::Arc<str> = std::sync::Arc::from("(generated)");
        self.objects
            .iter()
            .flat_map(|(_, o)| {
                palisade_model::objects_from_document(
                    palisade_value::Node::from_json(o),
                    &file,
                    &Default::default(),
                )
            })
            .flatten()
            .collect()
    }

    pub fn to_yaml(&self) -> String {
        palisade_emit::yaml::stream(
            &self.header,
            self.objects.iter().map(|(c, o)| (c.clone(), o)),
        )
    }

    /// `kubernetes_manifest` resources (the Terraform kubernetes provider).
    pub fn to_terraform(&self) -> String {
        use palisade_emit::terraform::{Block, resource, value};
        let blocks: Vec<(String, Block)> = self
            .objects
            .iter()
            .map(|(comment, o)| {
                let kind = o["kind"].as_str().unwrap_or("object").to_ascii_lowercase();
                let name = o["metadata"]["name"]
                    .as_str()
                    .unwrap_or("x")
                    .replace(['-', '.'], "_");
                let block = resource("kubernetes_manifest", &format!("{kind}_{name}"))
                    .add_attribute(("manifest", value(o, &|_| false)))
                    .build();
                (comment.clone(), block)
            })
            .collect();
        let mut out = palisade_emit::yaml::comment(&self.header);
        out.push('\n');
        out.push_str(&palisade_emit::terraform::blocks(blocks));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_check_whose_cel_does_not_compile_is_refused_with_its_id() {
        let bad = Rule {
            id: "some-check",
            expression: "variables.containers.all(c, ".into(),
            message: "m".into(),
            message_expression: None,
        };
        let e = compiled(&[bad]).unwrap_err();
        assert!(
            e.starts_with("some-check: the generated CEL does not compile"),
            "{e}"
        );
    }

    #[test]
    fn exemptions_become_one_condition() {
        let e = exemption(&["kube-*".into(), "team-a".into(), "x*y".into()]).unwrap();
        assert!(
            e.contains("startsWith('kube-')") && e.contains("== 'team-a'"),
            "{e}"
        );
        assert!(e.contains("matches('^x.*y$')"), "{e}");
        assert!(Expr::compile(&e).is_ok());
        assert!(exemption(&[]).is_none());
        // a quote in a name cannot end the string
        let q = exemption(&["a'b".into()]).unwrap();
        assert!(Expr::compile(&q).is_ok(), "{q}");
    }

    #[test]
    fn every_generated_expression_compiles_at_every_version() {
        for minor in 0..=Version::MAX_MINOR {
            let g = generate(&Options {
                pss_version: Version::Minor(minor),
                ingress_hosts: vec!["a.example.com".into()],
                ..Options::default()
            });
            assert!(g.is_ok(), "v1.{minor}: {:?}", g.err());
        }
        let e = generate(&Options {
            policies: vec!["nope".into()],
            ..Options::default()
        })
        .unwrap_err();
        assert!(e.contains("unknown policy"), "{e}");
    }
}
