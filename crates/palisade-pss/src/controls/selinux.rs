//! `seLinuxOptions` (baseline, v1.0+; `container_engine_t` allowed from
//! v1.31): setting a custom SELinux user or role, or a type outside the
//! container types, must be forbidden.

use crate::ctx::{containers_phrase, join_quote, pluralize, sorted_set};
use crate::{Control, Failure, Level, Pod, Remedy};
use k8s_openapi::api::core::v1::SELinuxOptions;
use palisade_findings::{CheckMeta, Framework, Severity};
use palisade_value::Path;

pub static META: CheckMeta = CheckMeta {
    id: "pss-selinux",
    title: "Custom SELinux type, user or role",
    severity: Severity::Medium,
    action: 7,
    category: "pod-security",
    frameworks: &[
        Framework::Pss("baseline/seLinuxOptions"),
        Framework::Nsa("pod-security"),
        Framework::Mitre("T1562.001"),
    ],
    risk: "An SELinux type such as `spc_t` (super-privileged container) or a custom user/role lifts \
the confinement SELinux puts between containers and the host.",
    fix: "Remove `seLinuxOptions.user` and `.role`, and use only the container types \
(`container_t`, `container_init_t`, `container_kvm_t`, `container_engine_t`) or none.",
};

pub static CONTROL: Control = Control {
    id: "seLinuxOptions",
    level: Level::Baseline,
    versions: &[(0, selinux_1_0), (31, selinux_1_31)],
    overrides: &[],
    meta: &META,
    remedy: Remedy::None,
    cel,
};

const TYPES_1_0: &[&str] = &["", "container_t", "container_init_t", "container_kvm_t"];
const TYPES_1_31: &[&str] = &[
    "",
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
];

fn selinux_1_0(pod: &Pod<'_>) -> Option<Failure> {
    check(pod, TYPES_1_0)
}

fn selinux_1_31(pod: &Pod<'_>) -> Option<Failure> {
    check(pod, TYPES_1_31)
}

#[derive(Default)]
struct Bad {
    types: Vec<String>,
    users: Vec<String>,
    roles: Vec<String>,
}

/// Records what `opts` sets that is forbidden; true when anything is.
fn inspect(
    opts: &SELinuxOptions,
    allowed: &[&str],
    base: &Path,
    bad: &mut Bad,
    fields: &mut Vec<Path>,
) -> bool {
    let mut found = false;
    if let Some(t) = &opts.type_
        && !allowed.contains(&t.as_str())
    {
        bad.types.push(t.clone());
        fields.push(base.clone().key("type"));
        found = true;
    }
    if let Some(u) = opts.user.as_deref().filter(|u| !u.is_empty()) {
        bad.users.push(u.to_string());
        fields.push(base.clone().key("user"));
        found = true;
    }
    if let Some(r) = opts.role.as_deref().filter(|r| !r.is_empty()) {
        bad.roles.push(r.to_string());
        fields.push(base.clone().key("role"));
        found = true;
    }
    found
}

fn check(pod: &Pod<'_>, allowed: &[&str]) -> Option<Failure> {
    let mut bad = Bad::default();
    let mut fields = Vec::new();
    let mut setters = Vec::new();
    if let Some(opts) = pod
        .security_context()
        .and_then(|sc| sc.se_linux_options.as_ref())
        && inspect(
            opts,
            allowed,
            &Pod::pod_sc_path(&["seLinuxOptions"]),
            &mut bad,
            &mut fields,
        )
    {
        setters.push("pod".to_string());
    }
    let mut names = Vec::new();
    for c in &pod.containers {
        if let Some(opts) = c
            .security_context
            .and_then(|sc| sc.se_linux_options.as_ref())
            && inspect(
                opts,
                allowed,
                &Pod::container_sc_path(c, &["seLinuxOptions"]),
                &mut bad,
                &mut fields,
            )
        {
            names.push(c.name);
        }
    }
    if !names.is_empty() {
        setters.push(containers_phrase(&names));
    }
    if setters.is_empty() {
        return None;
    }
    let mut what = Vec::new();
    for (singular, plural, values) in [
        ("type", "types", bad.types),
        ("user", "users", bad.users),
        ("role", "roles", bad.roles),
    ] {
        let values = sorted_set(values);
        if !values.is_empty() {
            what.push(format!(
                "{} {}",
                pluralize(singular, plural, values.len()),
                join_quote(&values)
            ));
        }
    }
    Some(Failure {
        reason: "seLinuxOptions".into(),
        detail: format!(
            "{} set forbidden securityContext.seLinuxOptions: {}",
            setters.join(" and "),
            what.join("; ")
        ),
        fields,
    })
}

/// The control as a CEL expression over the admission-policy variables
/// (`crate::cel`): true when the pod is allowed; `None` before the
/// control exists.
fn cel(minor: u32) -> Option<String> {
    let types = crate::cel::list(if minor >= 31 { TYPES_1_31 } else { TYPES_1_0 });
    let allowed = |sc: &str| {
        format!(
            "(!has({sc}.seLinuxOptions) || ((!has({sc}.seLinuxOptions.type) || \
             {sc}.seLinuxOptions.type in {types}) && \
             (!has({sc}.seLinuxOptions.user) || {sc}.seLinuxOptions.user == '') && \
             (!has({sc}.seLinuxOptions.role) || {sc}.seLinuxOptions.role == '')))"
        )
    };
    Some(format!(
        "{} && variables.containers.all(c, !has(c.securityContext) || {})",
        allowed("variables.podSC"),
        allowed("c.securityContext")
    ))
}
