//! Runs the catalogue over a model.

use crate::catalogue::{catalogue, find};
use crate::config::{Config, IgnoreRule, glob};
use crate::context::Context;
use crate::sink::Sink;
use crate::{Check, Target};
use palisade_findings::{CheckMeta, Finding, Severity};
use palisade_model::{Model, Object, ObjectRef};
use palisade_pss::{Level, LevelVersion, Version};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};

/// The annotation that suppresses checks on one object:
/// `palisade.dev/ignore: "check-a,check-b"` (or `*`), with the reason in
/// `palisade.dev/ignore-reason`.
pub const IGNORE_ANNOTATION: &str = "palisade.dev/ignore";
pub const IGNORE_REASON_ANNOTATION: &str = "palisade.dev/ignore-reason";

const UNKNOWN_VALUE: &str = "unknown-value";

/// What to run and how to report it.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Pod Security level for namespaces without an `enforce` label.
    pub default_pss: LevelVersion,
    pub disabled: HashSet<String>,
    pub only: Option<HashSet<String>>,
    pub severity: HashMap<String, Severity>,
    pub exempt_namespaces: Vec<String>,
    pub ignores: Vec<IgnoreRule>,
    /// What was learnt from the images themselves (`scan --images`).
    pub images: std::sync::Arc<crate::images::Images>,
    /// The Kubernetes minor version the manifests are meant for
    /// (`--kubernetes-version 1.NN`); `None`: the newest.
    pub kubernetes_minor: Option<u32>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            default_pss: LevelVersion {
                level: Level::Restricted,
                version: Version::Latest,
            },
            disabled: HashSet::new(),
            only: None,
            severity: HashMap::new(),
            exempt_namespaces: Vec::new(),
            ignores: Vec::new(),
            images: Default::default(),
            kubernetes_minor: None,
        }
    }
}

impl Settings {
    /// Settings from a configuration file; unknown check ids are errors
    /// (a typo would otherwise silently disable nothing).
    pub fn from_config(c: &Config) -> Result<Settings, String> {
        let known = |id: &str| -> Result<(), String> {
            if id == "*" || find(id).is_some() {
                Ok(())
            } else {
                Err(format!(
                    "unknown check id {id:?} (see `palisade checks list`)"
                ))
            }
        };
        let mut s = Settings::default();
        for id in &c.disable {
            known(id)?;
            s.disabled.insert(id.clone());
        }
        if let Some(only) = &c.enable {
            for id in only {
                known(id)?;
            }
            s.only = Some(only.iter().cloned().collect());
        }
        for (id, sev) in &c.severity {
            known(id)?;
            s.severity.insert(id.clone(), *sev);
        }
        for rule in &c.ignore {
            known(&rule.check)?;
        }
        s.ignores = c.ignore.clone();
        s.exempt_namespaces = c.exempt_namespaces.clone();
        if let Some(p) = &c.pss {
            if let Some(l) = &p.level {
                s.default_pss.level = l.parse()?;
            }
            if let Some(v) = &p.version {
                s.default_pss.version = v.parse()?;
            }
        }
        Ok(s)
    }

    fn enabled(&self, id: &str) -> bool {
        !self.disabled.contains(id) && self.only.as_ref().is_none_or(|o| o.contains(id))
    }
}

/// A finding the user accepted.
#[derive(Debug, Clone)]
pub struct Suppressed {
    pub finding: Finding,
    pub reason: String,
    /// `annotation` or `config`.
    pub by: &'static str,
}

/// How many objects a check evaluated and how many failed it.
#[derive(Debug, Clone)]
pub struct CheckStats {
    pub check: &'static CheckMeta,
    pub evaluated: usize,
    pub failed: usize,
    /// Its reported findings of severity critical (they cap the score).
    pub critical: usize,
}

/// The result of running the catalogue.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Sorted by file, line and check.
    pub findings: Vec<Finding>,
    pub suppressed: Vec<Suppressed>,
    pub stats: Vec<CheckStats>,
}

impl Outcome {
    /// Posture score 0–100 (`crate::score`): the severity-weighted share
    /// of (check, object) evaluations that passed, capped while critical
    /// findings remain.
    pub fn score(&self) -> u32 {
        crate::score::score(&self.stats).overall.value
    }
}

/// Runs every enabled check of the catalogue over `model`.
pub fn run(model: &Model, settings: &Settings) -> Outcome {
    let checks: Vec<&'static dyn Check> = catalogue()
        .into_iter()
        .filter(|c| settings.enabled(c.meta().id))
        .collect();
    let mut cx = Context::new(model, settings.default_pss);
    cx.images = settings.images.clone();
    cx.enabled_checks = Some(checks.iter().map(|c| c.meta().id).collect());
    cx.kubernetes_minor = settings.kubernetes_minor;

    let workload_checks: Vec<_> = checks
        .iter()
        .filter(|c| c.target() == Target::Workloads)
        .collect();
    let object_checks: Vec<_> = checks
        .iter()
        .filter(|c| matches!(c.target(), Target::Kinds(_) | Target::Objects))
        .collect();

    // findings are classified (exempt, suppressed, reported) where the
    // object is at hand, in parallel
    let classify = |o: Option<&Object>, raw: Vec<Finding>| -> Vec<Classified> {
        raw.into_iter()
            .filter_map(|f| classify(model, settings, o, f))
            .collect()
    };
    let workloads: Vec<_> = model.workloads().collect();
    let mut classified: Vec<Classified> = workloads
        .par_iter()
        .flat_map_iter(|(o, t)| {
            let w = cx.workload(o, *t);
            let mut out = Vec::new();
            for c in &workload_checks {
                c.check_workload(&cx, &w, &mut Sink::new(c.meta(), &mut out));
            }
            classify(Some(o), out)
        })
        .collect();
    classified.par_extend(model.objects().par_iter().flat_map_iter(|o| {
        let mut out = Vec::new();
        for c in &object_checks {
            let applies = match c.target() {
                Target::Kinds(kinds) => kinds.contains(&o.kind.as_str()),
                _ => true,
            };
            if applies {
                c.check_object(&cx, o, &mut Sink::new(c.meta(), &mut out));
            }
        }
        classify(Some(o), out)
    }));
    let mut model_findings = Vec::new();
    for c in &checks {
        c.check_model(&cx, &mut Sink::new(c.meta(), &mut model_findings));
    }
    classified.extend(classify(None, model_findings));

    let mut outcome = Outcome::default();
    for c in classified {
        match c {
            Classified::Reported(f) => outcome.findings.push(f),
            Classified::Suppressed(s) => outcome.suppressed.push(s),
        }
    }
    outcome
        .findings
        .par_sort_unstable_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    outcome
        .suppressed
        .par_sort_unstable_by(|a, b| a.finding.sort_key().cmp(&b.finding.sort_key()));
    outcome.stats = stats(model, &checks, &outcome.findings);
    outcome
}

/// The findings of one cause folded into one
/// ([`palisade_findings::merge_causes`]), and each check's critical count
/// taken again from what is left, so "N critical findings cap the score"
/// counts what the report lists.
pub fn merge_causes(findings: Vec<Finding>, stats: &mut [CheckStats]) -> Vec<Finding> {
    let findings = palisade_findings::merge_causes(findings);
    let mut critical: HashMap<&str, usize> = HashMap::new();
    for f in findings.iter().filter(|f| f.severity == Severity::Critical) {
        *critical.entry(f.check.id).or_default() += 1;
    }
    for s in stats {
        s.critical = critical.get(s.check.id).copied().unwrap_or(0);
    }
    findings
}

enum Classified {
    Reported(Finding),
    Suppressed(Suppressed),
}

/// Drops findings of exempt namespaces, applies severity overrides and
/// suppressions. `object` is the object the finding is on, when known.
fn classify(
    model: &Model,
    settings: &Settings,
    object: Option<&Object>,
    mut f: Finding,
) -> Option<Classified> {
    if exempt(settings, &f.object) {
        return None;
    }
    if let Some(sev) = settings.severity.get(f.check.id) {
        f.severity = *sev;
    }
    let object = object.or_else(|| {
        model.get(
            &f.object.kind,
            f.object.namespace.as_deref(),
            &f.object.name,
        )
    });
    // the API server's own RBAC (system:* roles and bindings, cluster-admin):
    // it puts them back at every start, so there is nothing to change
    if object.is_some_and(Object::is_reconciled_by_apiserver) {
        return None;
    }
    // a finding about a field whose value (or whose parent's, or child's)
    // is unknown may be wrong either way: withhold it
    if let (Some(o), Some(p)) = (object, &f.path)
        && f.check.id != UNKNOWN_VALUE
        && o.unknown
            .iter()
            .any(|u| p.starts_with(&u.path) || u.path.starts_with(p))
    {
        return None;
    }
    Some(match suppression(object, settings, &f) {
        Some((reason, by)) => Classified::Suppressed(Suppressed {
            finding: f,
            reason,
            by,
        }),
        None => Classified::Reported(f),
    })
}

fn exempt(settings: &Settings, obj: &ObjectRef) -> bool {
    if settings.exempt_namespaces.is_empty() {
        return false;
    }
    let ns = match (&obj.namespace, obj.kind.as_str()) {
        (Some(ns), _) => ns.as_str(),
        (None, "Namespace") => obj.name.as_str(),
        _ => return false,
    };
    settings.exempt_namespaces.iter().any(|p| glob(p, ns))
}

fn suppression(
    object: Option<&Object>,
    settings: &Settings,
    f: &Finding,
) -> Option<(String, &'static str)> {
    if let Some(o) = object {
        let template_annotations = o.pod_template().and_then(|t| t.annotations());
        let sources = [Some(&o.annotations), template_annotations];
        for annotations in sources.into_iter().flatten() {
            if let Some(list) = annotations.get(IGNORE_ANNOTATION)
                && list
                    .split(',')
                    .map(str::trim)
                    .any(|id| id == "*" || id == f.check.id)
            {
                let reason = annotations
                    .get(IGNORE_REASON_ANNOTATION)
                    .cloned()
                    .unwrap_or_else(|| format!("{IGNORE_ANNOTATION} annotation"));
                return Some((reason, "annotation"));
            }
        }
    }
    settings
        .ignores
        .iter()
        .find(|r| r.matches(f.check.id, &f.object))
        .map(|r| (r.reason.clone(), "config"))
}

fn stats(model: &Model, checks: &[&'static dyn Check], findings: &[Finding]) -> Vec<CheckStats> {
    let namespaces_with_workloads: HashSet<&str> = model
        .workloads()
        .filter_map(|(o, _)| o.namespace.as_deref())
        .collect();
    // findings on one object share its reference: count objects by pointer
    let mut failed: HashMap<&str, HashSet<*const ObjectRef>> = HashMap::new();
    let mut critical: HashMap<&str, usize> = HashMap::new();
    for f in findings {
        failed
            .entry(f.check.id)
            .or_default()
            .insert(std::sync::Arc::as_ptr(&f.object));
        if f.severity == palisade_findings::Severity::Critical {
            *critical.entry(f.check.id).or_default() += 1;
        }
    }
    checks
        .iter()
        .map(|c| {
            let evaluated = match c.target() {
                Target::Workloads => model.workload_count(),
                Target::Kinds(kinds) => kinds.iter().map(|k| model.of_kind(k).count()).sum(),
                Target::Objects => model.len(),
                Target::Namespaces => namespaces_with_workloads.len(),
            };
            let failed = failed.get(c.meta().id).map_or(0, HashSet::len);
            CheckStats {
                check: c.meta(),
                evaluated: evaluated.max(failed),
                failed,
                critical: critical.get(c.meta().id).copied().unwrap_or(0),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::testing::{deployment, model};

    const PRIVILEGED: &str = "      containers:\n      - name: a\n        image: x:1\n        securityContext: {privileged: true}\n";

    #[test]
    fn annotation_suppresses_with_reason() {
        let y = deployment("apps", PRIVILEGED).replace(
            "  namespace: apps\n",
            "  namespace: apps\n  annotations:\n    palisade.dev/ignore: \"pss-privileged, readonly-root-filesystem\"\n    palisade.dev/ignore-reason: needs the GPU device\n",
        );
        let out = run(&model(&y), &Settings::default());
        assert!(out.findings.iter().all(|f| f.check.id != "pss-privileged"));
        let s: Vec<_> = out
            .suppressed
            .iter()
            .map(|s| (s.finding.check.id, s.reason.as_str(), s.by))
            .collect();
        assert!(
            s.contains(&("pss-privileged", "needs the GPU device", "annotation")),
            "{s:?}"
        );
        assert!(s.iter().any(|x| x.0 == "readonly-root-filesystem"));
    }

    const BOOTSTRAP_BINDING: &str = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: system:controller:namespace-controller\n  labels: {kubernetes.io/bootstrapping: rbac-defaults}\n  annotations: {rbac.authorization.kubernetes.io/autoupdate: \"true\"}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\nsubjects:\n- {kind: ServiceAccount, name: namespace-controller, namespace: kube-system}\n";

    #[test]
    fn the_api_servers_own_rbac_is_not_reported() {
        let out = run(&model(BOOTSTRAP_BINDING), &Settings::default());
        assert!(out.findings.is_empty(), "{:?}", out.findings);
        // opted out of the API server's reconciliation: the user owns it now
        let owned = BOOTSTRAP_BINDING.replace("autoupdate: \"true\"", "autoupdate: \"false\"");
        let out = run(&model(&owned), &Settings::default());
        assert!(
            out.findings
                .iter()
                .any(|f| f.check.id == "rbac-cluster-admin"),
            "{:?}",
            out.findings
        );
    }

    #[test]
    fn template_annotation_suppresses_too() {
        let y = deployment("apps", PRIVILEGED).replace(
            "      labels: {app: a}\n",
            "      labels: {app: a}\n      annotations: {palisade.dev/ignore: \"*\"}\n",
        );
        let out = run(&model(&y), &Settings::default());
        assert!(
            out.findings.iter().all(|f| f.object.kind != "Deployment"),
            "{:?}",
            out.findings
        );
    }

    #[test]
    fn config_disables_overrides_exempts_and_ignores() {
        let y = deployment("apps", PRIVILEGED) + "---\n" + &deployment("kube-system", PRIVILEGED);
        let c = Config::parse(
            "disable: [readonly-root-filesystem]\nseverity: {pss-privileged: low}\nexemptNamespaces: [kube-*]\nignore:\n  - {check: image-no-digest, kind: Deployment, name: ap*, reason: internal registry}\n",
            "c",
        )
        .unwrap();
        let s = Settings::from_config(&c).unwrap();
        let out = run(&model(&y), &s);
        assert!(
            out.findings
                .iter()
                .all(|f| f.object.namespace.as_deref() != Some("kube-system"))
        );
        assert!(
            out.findings
                .iter()
                .all(|f| f.check.id != "readonly-root-filesystem")
        );
        let p = out
            .findings
            .iter()
            .find(|f| f.check.id == "pss-privileged")
            .unwrap();
        assert_eq!(p.severity, Severity::Low);
        assert!(
            out.suppressed
                .iter()
                .any(|s| s.finding.check.id == "image-no-digest" && s.by == "config")
        );
    }

    #[test]
    fn unknown_ids_in_config_are_errors() {
        let c = Config::parse("disable: [no-such-check]\n", "c").unwrap();
        assert!(
            Settings::from_config(&c)
                .unwrap_err()
                .contains("no-such-check")
        );
        let c = Config::parse("pss: {level: strict}\n", "c").unwrap();
        assert!(Settings::from_config(&c).is_err());
    }

    #[test]
    fn score_counts_passing_evaluations() {
        let bad = run(
            &model(&deployment("apps", PRIVILEGED)),
            &Settings::default(),
        );
        let good_spec = "      securityContext:\n        runAsNonRoot: true\n        runAsUser: 10001\n        runAsGroup: 10001\n        seccompProfile: {type: RuntimeDefault}\n      automountServiceAccountToken: false\n      serviceAccountName: app\n      containers:\n      - name: a\n        image: \"x:1@sha256:abc\"\n        livenessProbe: {tcpSocket: {port: 80}}\n        resources: {limits: {cpu: 1, memory: 1Gi}}\n        securityContext:\n          allowPrivilegeEscalation: false\n          readOnlyRootFilesystem: true\n          capabilities: {drop: [ALL]}\n";
        let good = run(&model(&deployment("apps", good_spec)), &Settings::default());
        let workload_findings: Vec<_> = good
            .findings
            .iter()
            .filter(|f| f.object.kind == "Deployment")
            .map(|f| f.check.id)
            .collect();
        assert!(workload_findings.is_empty(), "{workload_findings:?}");
        assert!(
            good.score() > bad.score(),
            "{} vs {}",
            good.score(),
            bad.score()
        );
        assert!(bad.score() < 100);
        let s = bad
            .stats
            .iter()
            .find(|s| s.check.id == "pss-privileged")
            .unwrap();
        assert_eq!((s.evaluated, s.failed), (1, 1));
    }

    #[test]
    fn output_is_deterministic() {
        let y = deployment("apps", PRIVILEGED) + "---\n" + &deployment("web", PRIVILEGED);
        let m = model(&y);
        let a: Vec<_> = run(&m, &Settings::default())
            .findings
            .iter()
            .map(|f| (f.check.id, f.location.line, f.message.clone()))
            .collect();
        for _ in 0..5 {
            let b: Vec<_> = run(&m, &Settings::default())
                .findings
                .iter()
                .map(|f| (f.check.id, f.location.line, f.message.clone()))
                .collect();
            assert_eq!(a, b);
        }
    }
}
