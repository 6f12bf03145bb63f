//! The status of each action, from the evidence.
//!
//! For the actions the check catalogue covers (3, 4, 5, 6, 7, 8, 11) the
//! status is that of the action's reported findings: `fail` with a
//! critical or high one, `needs work` with medium or low ones only, `pass`
//! with none — provided the checks evaluated something; otherwise the
//! action is `not assessed`, with the input that is missing. Then, per
//! action:
//!
//! * 1 inventory: `documented` (the inventory is evidence, not a verdict);
//! * 2 threat model: `fail` when an attack path reaches cluster-admin, a
//!   node or a data store (critical or severe impact), `needs work` with
//!   other attack paths or open STRIDE threats;
//! * 3 infrastructure as code: `not assessed` when only the live cluster
//!   was read; input errors make it `needs work`;
//! * 5 RBAC: an escalation path to cluster-admin fails it;
//! * 9 admission control: admission policy violations (`--policies`) as
//!   findings; `needs work` when a namespace running workloads has no Pod
//!   Security enforce level (or `privileged`) and the input has no
//!   validating webhook or admission policy;
//! * 10 audit logging: the audit policy's lint (`--audit-policy`), else
//!   `not assessed`;
//! * 11 monitoring: a business-critical workload that no alerting rule of
//!   the input's PrometheusRules watches fails it (`palisade monitor
//!   coverage`'s verdict).
//!
//! Parts the input does not let palisade judge (image contents without
//! `--images`, …) are listed with the action, which is then "partly
//! assessed".

use crate::score::Scores;
use crate::views::{NetpolView, RbacView};
use crate::{ACTIONS, Action, CheckLine, Counts, Input, Status};
use palisade_findings::Severity;
use palisade_threat::Impact;
use std::collections::{BTreeMap, BTreeSet};

const ENFORCE: &str = "pod-security.kubernetes.io/enforce";

/// The action's findings and checks.
fn base(input: &Input<'_>, scores: &Scores, n: u8) -> Action {
    let (_, commands) = ACTIONS[usize::from(n) - 1];
    let title = palisade_findings::action_name(n);
    let mut counts = Counts::default();
    for f in input.report.findings.iter().filter(|f| f.check.action == n) {
        counts.add(f.severity);
    }
    let mut checks: Vec<CheckLine> = input
        .stats
        .iter()
        .filter(|s| s.check.action == n && s.evaluated > 0)
        .map(|s| CheckLine {
            id: s.check.id,
            title: s.check.title,
            severity: s.check.severity,
            evaluated: s.evaluated,
            failed: s.failed.min(s.evaluated),
        })
        .collect();
    checks.sort_by(|a, b| {
        (b.failed > 0)
            .cmp(&(a.failed > 0))
            .then_with(|| b.severity.cmp(&a.severity))
            .then_with(|| a.id.cmp(b.id))
    });
    let score = scores.by_action[usize::from(n)];
    let status = status_of(&counts);
    Action {
        number: n,
        title,
        status,
        summary: summary_of(&counts, score.evaluated, score.checks),
        evidence: Vec::new(),
        gaps: Vec::new(),
        score,
        counts,
        checks,
        commands,
    }
}

fn status_of(c: &Counts) -> Status {
    if c.critical + c.high > 0 {
        Status::Fail
    } else if c.medium + c.low > 0 {
        Status::Warn
    } else {
        Status::Pass
    }
}

/// `2 critical, 1 high, 4 medium findings` (or `no findings`).
pub(crate) fn counts_text(c: &Counts) -> String {
    let parts: Vec<String> = Severity::ALL
        .iter()
        .filter(|&&s| c.get(s) > 0)
        .map(|&s| format!("{} {}", c.get(s), s.as_str()))
        .collect();
    if parts.is_empty() {
        "no findings".to_string()
    } else {
        format!(
            "{} finding{}",
            parts.join(", "),
            if c.total() == 1 { "" } else { "s" }
        )
    }
}

fn summary_of(c: &Counts, evaluated: usize, checks: usize) -> String {
    format!(
        "{} in {evaluated} evaluation{} by {checks} check{}",
        counts_text(c),
        plural(evaluated),
        plural(checks)
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn not_assessed(a: &mut Action, why: impl Into<String>) {
    a.status = Status::NotAssessed;
    a.summary = format!("not assessed: {}", why.into());
}

fn raise(a: &mut Action, to: Status) {
    // Fail < Warn < Pass in the enum's order: the worse one wins
    if to < a.status {
        a.status = to;
    }
}

fn list(items: &[String], max: usize) -> String {
    if items.len() <= max {
        items.join(", ")
    } else {
        format!("{} and {} more", items[..max].join(", "), items.len() - max)
    }
}

/// Namespaces that run workloads.
fn workload_namespaces(input: &Input<'_>) -> BTreeSet<String> {
    input
        .model
        .workloads()
        .map(|(o, _)| o.namespace.clone().unwrap_or_else(|| "default".into()))
        .collect()
}

pub(crate) fn assess(
    input: &Input<'_>,
    scores: &Scores,
    netpol: Option<&NetpolView>,
    rbac: &RbacView,
) -> Vec<Action> {
    (1..=11u8)
        .map(|n| {
            let mut a = base(input, scores, n);
            match n {
                1 => inventory(input, &mut a),
                2 => threat(input, &mut a),
                3 => iac(input, &mut a),
                4 => namespaces(input, &mut a),
                5 => rbac_action(input, rbac, &mut a),
                6 => network(input, netpol, &mut a),
                7 => hardening(input, &mut a),
                8 => scanning(input, &mut a),
                9 => admission(input, &mut a),
                10 => audit(input, &mut a),
                _ => monitoring(input, &mut a),
            }
            a
        })
        .collect()
}

fn inventory(input: &Input<'_>, a: &mut Action) {
    let inv = input.inventory;
    if inv.workloads.is_empty() {
        return not_assessed(a, "the input has no workloads");
    }
    let images: BTreeSet<&str> = inv
        .workloads
        .iter()
        .flat_map(|w| &w.containers)
        .filter_map(|c| c.image.as_ref().map(|i| i.image.as_str()))
        .collect();
    let exposed = inv
        .workloads
        .iter()
        .filter(|w| !w.exposure.is_empty())
        .count();
    a.status = Status::Documented;
    a.summary = format!(
        "{} workloads, {} containers, {} images from {} registr{}; {} workload{} exposed; {} declared connection{}",
        inv.summary.workloads,
        inv.summary.containers,
        images.len(),
        inv.summary.images_by_registry.len(),
        if inv.summary.images_by_registry.len() == 1 {
            "y"
        } else {
            "ies"
        },
        exposed,
        plural(exposed),
        inv.edges.len(),
        plural(inv.edges.len())
    );
    for ns in &inv.summary.namespaces {
        let names: Vec<String> = inv
            .workloads
            .iter()
            .filter(|w| w.namespace == ns.name)
            .map(|w| format!("{} {}", w.kind, w.name))
            .collect();
        a.evidence.push(format!(
            "namespace {}: {}",
            ns.name,
            if names.is_empty() {
                "no workloads".to_string()
            } else {
                list(&names, 6)
            }
        ));
    }
    if !inv.summary.unpinned_images.is_empty() {
        a.evidence.push(format!(
            "images not pinned by digest: {}",
            list(&inv.summary.unpinned_images, 8)
        ));
    }
    if input.context.images == 0 {
        a.gaps.push(
            "what the images contain (packages, SBOM): no image archives given (--images; `palisade sbom`)"
                .into(),
        );
    }
}

fn threat(input: &Input<'_>, a: &mut Action) {
    let Some(tm) = input.threat else {
        return not_assessed(a, "the threat model was not built");
    };
    if input.model.is_empty() {
        return not_assessed(a, "the input has no objects");
    }
    let s = &tm.summary;
    a.summary = format!(
        "{} attack path{} from the three attacker profiles ({} reach cluster-admin); {} of {} trust boundaries open; STRIDE: {} open, {} accepted, {} mitigated",
        s.attack_paths,
        plural(s.attack_paths),
        s.paths_to_cluster_admin,
        s.open_boundaries,
        s.boundaries,
        s.threats_open,
        s.threats_accepted,
        s.threats_mitigated
    );
    let worst = tm.paths.iter().map(|p| p.impact).max();
    a.status = match worst {
        Some(Impact::Critical | Impact::Severe) => Status::Fail,
        Some(_) => Status::Warn,
        None if s.threats_open > 0 => Status::Warn,
        None => Status::Pass,
    };
    for p in tm.paths.iter().take(6) {
        a.evidence.push(format!(
            "{} ({}): {}",
            p.id,
            p.impact.as_str(),
            p.one_line()
        ));
    }
    if tm.paths.len() > 6 {
        a.evidence
            .push(format!("… and {} more attack paths", tm.paths.len() - 6));
    }
}

fn iac(input: &Input<'_>, a: &mut Action) {
    if !input.context.files_given {
        return not_assessed(
            a,
            "the input is the live cluster, not infrastructure-as-code files (scan the repository; `palisade drift` compares the two)",
        );
    }
    if input.model.is_empty() && input.report.errors.is_empty() {
        return not_assessed(a, "the input has no Kubernetes objects");
    }
    let files: BTreeSet<&str> = input
        .model
        .objects()
        .iter()
        .map(|o| &*o.location.file)
        .collect();
    let tf = files.iter().filter(|f| f.ends_with(".tf")).count();
    a.evidence.push(format!(
        "{} objects from {} file{} ({} Terraform, {} YAML/JSON)",
        input.model.len(),
        files.len(),
        plural(files.len()),
        tf,
        files.len() - tf
    ));
    if input.context.live_cluster {
        a.evidence.push("the live cluster was read as well".into());
    }
    let errors = input.report.errors.len();
    if errors > 0 {
        a.evidence.push(format!(
            "{errors} input error{} (documents that could not be read)",
            plural(errors)
        ));
        raise(a, Status::Warn);
        a.summary = format!("{}; {errors} input error{}", a.summary, plural(errors));
    }
}

fn namespaces(input: &Input<'_>, a: &mut Action) {
    if a.score.evaluated == 0 {
        return not_assessed(a, "the input has no workloads or namespaces");
    }
    let m = input.model;
    let with = |kind: &str| -> BTreeSet<String> {
        m.of_kind(kind)
            .filter_map(|o| o.namespace.clone())
            .collect()
    };
    let quotas = with("ResourceQuota");
    let limits = with("LimitRange");
    for ns in workload_namespaces(input) {
        let enforce = m
            .namespace_object(&ns)
            .and_then(|o| o.label(ENFORCE))
            .map(str::to_string);
        let workloads = m
            .workloads()
            .filter(|(o, _)| o.namespace.as_deref().unwrap_or("default") == ns)
            .count();
        a.evidence.push(format!(
            "namespace {ns}: {workloads} workload{}; ResourceQuota {}; LimitRange {}; Pod Security enforce {}",
            plural(workloads),
            if quotas.contains(&ns) { "yes" } else { "no" },
            if limits.contains(&ns) { "yes" } else { "no" },
            enforce.as_deref().unwrap_or("not set")
        ));
    }
}

fn rbac_action(input: &Input<'_>, rbac: &RbacView, a: &mut Action) {
    if a.score.evaluated == 0 {
        return not_assessed(a, "the input has no workloads, roles or bindings");
    }
    a.evidence.push(format!(
        "{} Role{}, {} ClusterRole{}, {} RoleBinding{}, {} ClusterRoleBinding{} in the input",
        rbac.roles,
        plural(rbac.roles),
        rbac.cluster_roles,
        plural(rbac.cluster_roles),
        rbac.role_bindings,
        plural(rbac.role_bindings),
        rbac.cluster_role_bindings,
        plural(rbac.cluster_role_bindings)
    ));
    for r in rbac.risks.iter().take(6) {
        a.evidence.push(format!(
            "{} ({}): {} finding{} on {}",
            r.check,
            r.severity.as_str(),
            r.findings,
            plural(r.findings),
            list(&r.objects, 3)
        ));
    }
    if !rbac.escalation.is_empty() {
        raise(a, Status::Fail);
        a.summary = format!(
            "{}; {} RBAC escalation path{} to cluster-admin (subjects that can grant themselves more)",
            a.summary,
            rbac.escalation.len(),
            plural(rbac.escalation.len())
        );
        for p in rbac.escalation.iter().take(5) {
            a.evidence.push(format!("escalation: {p}"));
        }
    }
    let _ = input;
}

fn network(input: &Input<'_>, netpol: Option<&NetpolView>, a: &mut Action) {
    let Some(v) = netpol.filter(|v| v.workloads > 0) else {
        return not_assessed(a, "the input has no workloads");
    };
    a.evidence.push(format!(
        "{} NetworkPolic{} ({} invalid or unresolved); {} allowed connection{} between workloads and outside addresses",
        v.policies,
        if v.policies == 1 { "y" } else { "ies" },
        v.invalid,
        v.connections,
        plural(v.connections)
    ));
    a.evidence.push(format!(
        "ingress isolated for {} of {} workloads; egress isolated for {} of {}",
        v.ingress_isolated, v.workloads, v.egress_isolated, v.workloads
    ));
    let open: Vec<String> = v
        .coverage
        .iter()
        .filter(|c| !c.ingress || !c.egress)
        .map(|c| {
            format!(
                "{} ({})",
                c.workload,
                match (c.ingress, c.egress) {
                    (false, false) => "no ingress or egress policy",
                    (false, true) => "no ingress policy",
                    _ => "no egress policy",
                }
            )
        })
        .collect();
    if !open.is_empty() {
        a.evidence
            .push(format!("not fully isolated: {}", list(&open, 8)));
    }
    let _ = input;
}

fn hardening(input: &Input<'_>, a: &mut Action) {
    if a.score.evaluated == 0 {
        return not_assessed(a, "the input has no workloads");
    }
    let mut worst: BTreeMap<String, Severity> = BTreeMap::new();
    for f in input.report.findings.iter().filter(|f| f.check.action == 7) {
        let e = worst.entry(f.object.to_string()).or_insert(f.severity);
        *e = (*e).max(f.severity);
    }
    let bad: Vec<String> = worst
        .iter()
        .filter(|(_, s)| **s >= Severity::High)
        .map(|(o, s)| format!("{o} ({s})"))
        .collect();
    let workloads: BTreeSet<String> = input
        .model
        .workloads()
        .map(|(w, _)| w.reference.to_string())
        .collect();
    let clean = workloads.len() - worst.keys().filter(|o| workloads.contains(*o)).count();
    a.evidence.push(format!(
        "{clean} of {} workloads without a container-hardening finding",
        workloads.len()
    ));
    if !bad.is_empty() {
        a.evidence
            .push(format!("critical or high: {}", list(&bad, 8)));
    }
    if input.context.images == 0 {
        a.gaps.push(
            "what the images ship (shells, package managers, default user): no image archives given (--images)"
                .into(),
        );
    }
}

fn scanning(input: &Input<'_>, a: &mut Action) {
    if a.score.evaluated == 0 {
        return not_assessed(a, "the input has no workloads");
    }
    let literal = a
        .checks
        .iter()
        .find(|c| c.id == "env-literal-secret")
        .map_or(0, |c| c.failed);
    a.evidence.push(format!(
        "literal secrets in env values: {literal} workload{}",
        plural(literal)
    ));
    if input.context.images == 0 {
        a.gaps.push(
            "image vulnerabilities: no image archives given (--images, with a database from `palisade db update`)"
                .into(),
        );
    } else if !input.context.vuln_db {
        a.gaps.push(format!(
            "image vulnerabilities: {} image{} read, but no vulnerability database (`palisade db update`, --db)",
            input.context.images,
            plural(input.context.images)
        ));
    } else {
        let vulnerable = a
            .checks
            .iter()
            .find(|c| c.id == "image-vulnerabilities")
            .map_or(0, |c| c.failed);
        a.evidence.push(format!(
            "{} image{} matched against the vulnerability database; {vulnerable} workload{} run a vulnerable image",
            input.context.images,
            plural(input.context.images),
            plural(vulnerable)
        ));
    }
    let Some(sec) = &input.context.secrets else {
        a.gaps.push(
            "credentials in source code and image layers: no paths given (--secrets PATH, as `palisade secrets` reads them)"
                .into(),
        );
        return;
    };
    let total: usize = sec.by_severity.values().sum();
    let fixtures = sec.by_severity.get(&Severity::Info).copied().unwrap_or(0);
    let rules: Vec<String> = sec.rules.iter().map(|(r, n)| format!("{r} {n}")).collect();
    a.evidence.push(format!(
        "`palisade secrets` over {}: {} file{} scanned, {total} credential{} found{}{}",
        sec.paths.join(", "),
        sec.files,
        plural(sec.files as usize),
        plural(total),
        if fixtures > 0 {
            format!(" ({fixtures} in test or example paths)")
        } else {
            String::new()
        },
        if rules.is_empty() {
            String::new()
        } else {
            format!(": {}", list(&rules, 8))
        }
    ));
    let worst = sec
        .by_severity
        .iter()
        .filter(|(s, n)| **n > 0 && **s > Severity::Info)
        .map(|(s, _)| *s)
        .max();
    match worst {
        Some(Severity::Critical | Severity::High) => raise(a, Status::Fail),
        Some(_) => raise(a, Status::Warn),
        None => {}
    }
}

fn admission(input: &Input<'_>, a: &mut Action) {
    let m = input.model;
    let webhooks: Vec<String> = [
        "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration",
        "ValidatingAdmissionPolicy",
    ]
    .iter()
    .flat_map(|k| m.of_kind(k).map(move |o| format!("{k} {}", o.name)))
    .collect();
    let validating = webhooks
        .iter()
        .any(|w| !w.starts_with("MutatingWebhookConfiguration"));
    let templates = m.of_kind("ConstraintTemplate").count();
    let has_namespaces = m.of_kind("Namespace").next().is_some();
    let policies = &input.context.policies;
    if !has_namespaces && webhooks.is_empty() && templates == 0 && policies.is_empty() {
        return not_assessed(
            a,
            "the input has no Namespace objects (Pod Security admission labels), admission webhook configurations or Gatekeeper policies (--policies)",
        );
    }
    let mut enforced = Vec::new();
    let mut open = Vec::new();
    for ns in workload_namespaces(input) {
        match m.namespace_object(&ns) {
            None => open.push(format!("{ns} (no Namespace object)")),
            Some(o) => match o.label(ENFORCE) {
                None => open.push(format!("{ns} (no enforce label)")),
                Some("privileged") => open.push(format!("{ns} (privileged)")),
                Some(level) => enforced.push(format!("{ns} {level}")),
            },
        }
    }
    a.evidence.push(format!(
        "Pod Security admission enforces: {}",
        if enforced.is_empty() {
            "nothing".to_string()
        } else {
            enforced.join(", ")
        }
    ));
    if !open.is_empty() {
        a.evidence
            .push(format!("namespaces it does not guard: {}", open.join(", ")));
    }
    a.evidence.push(format!(
        "admission webhooks and policies in the input: {}",
        if webhooks.is_empty() {
            "none".to_string()
        } else {
            list(&webhooks, 6)
        }
    ));
    if templates > 0 {
        a.evidence.push(format!(
            "{templates} Gatekeeper ConstraintTemplate{} in the input",
            plural(templates)
        ));
    }
    if policies.is_empty() {
        a.gaps.push(
            "Gatekeeper constraints against these manifests: no policies given (--policies)".into(),
        );
    } else {
        a.evidence.push(format!(
            "Gatekeeper policies applied ({}): {}",
            policies.join(", "),
            counts_text(&a.counts)
        ));
    }
    a.summary = format!(
        "{} of {} namespaces with workloads guarded by Pod Security admission; {} policy violation{}",
        enforced.len(),
        enforced.len() + open.len(),
        a.counts.total(),
        plural(a.counts.total())
    );
    if !open.is_empty() && !validating {
        raise(a, Status::Warn);
    }
}

fn audit(input: &Input<'_>, a: &mut Action) {
    let Some(ev) = &input.context.audit else {
        return not_assessed(
            a,
            "no audit policy given (--audit-policy FILE): the API server's audit configuration is not part of the manifests",
        );
    };
    let mut c = Counts::default();
    for l in &ev.lints {
        c.add(l.severity);
    }
    a.counts = c;
    a.status = status_of(&c);
    a.summary = format!("audit policy {}: {} from `audit policy lint`", ev.file, {
        let t = counts_text(&c);
        if c.total() == 0 {
            "no problems".to_string()
        } else {
            t
        }
    });
    for l in ev.lints.iter().take(10) {
        a.evidence.push(format!(
            "{}:{} {} [{}] {}",
            ev.file,
            l.line,
            l.severity.as_str(),
            l.id,
            l.message
        ));
    }
    if ev.lints.len() > 10 {
        a.evidence
            .push(format!("… and {} more", ev.lints.len() - 10));
    }
}

fn monitoring(input: &Input<'_>, a: &mut Action) {
    if a.score.evaluated == 0 {
        return not_assessed(a, "the input has no workloads");
    }
    let m = input.model;
    let probes = a
        .checks
        .iter()
        .filter(|c| c.id.starts_with("probes"))
        .map(|c| c.failed)
        .sum::<usize>();
    a.evidence.push(format!(
        "workloads without liveness or readiness probes: {probes}"
    ));
    // business-critical workloads and the alerting rules that reach them,
    // as `palisade monitor coverage` finds them
    let survey = palisade_monitor::survey(m, &palisade_monitor::CriticalOptions::default());
    let critical: Vec<&palisade_monitor::Target> =
        survey.targets.iter().filter(|t| t.is_critical()).collect();
    a.evidence.push(format!(
        "business-critical workloads (exposed, data stores, labelled palisade.dev/critical): {}",
        if critical.is_empty() {
            "none".to_string()
        } else {
            list(
                &critical
                    .iter()
                    .map(|t| format!("{}/{}", t.namespace, t.name))
                    .collect::<Vec<_>>(),
                8,
            )
        }
    ));
    let rule_objects: Vec<_> = m
        .of_kind("PrometheusRule")
        .filter(|o| o.group() == "monitoring.coreos.com")
        .collect();
    if rule_objects.is_empty() {
        a.gaps.push(
            "alerting rules and their coverage of the critical workloads: the input has no PrometheusRule objects (`palisade monitor coverage --rules` reads rule files; `palisade monitor rules` generates them)"
                .into(),
        );
        return;
    }
    let mut rules = Vec::new();
    let mut invalid = 0;
    for o in &rule_objects {
        let (r, errors) = palisade_monitor::rules_in(&o.raw, &o.location.file);
        rules.extend(r);
        invalid += errors.len();
    }
    let cov = palisade_monitor::coverage(&survey.targets, &rules);
    let gaps: Vec<String> = cov
        .gaps()
        .map(|w| format!("{}/{}", w.namespace, w.name))
        .collect();
    a.evidence.push(format!(
        "{} alerting rule{} in {} PrometheusRule object{}{}; {} of {} critical workloads without an alert that names them or their namespace{}",
        cov.alerts,
        plural(cov.alerts),
        rule_objects.len(),
        plural(rule_objects.len()),
        if invalid > 0 {
            format!(" ({invalid} with invalid PromQL)")
        } else {
            String::new()
        },
        gaps.len(),
        cov.workloads.len(),
        if gaps.is_empty() {
            String::new()
        } else {
            format!(": {}", list(&gaps, 8))
        }
    ));
    if !gaps.is_empty() {
        raise(a, Status::Fail);
        a.summary = format!(
            "{}; {} critical workload{} no alert watches",
            a.summary,
            gaps.len(),
            plural(gaps.len())
        );
    }
}
