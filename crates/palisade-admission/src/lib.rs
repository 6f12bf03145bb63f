//! Admission decisions, as pure functions of an AdmissionReview.
//!
//! [`Admission::review`] takes the request body the API server sent and
//! returns the AdmissionReview to send back: denied with a message naming
//! every violated check and its fix, allowed with `warnings` for warn-mode
//! checks and `auditAnnotations` for audit-mode ones, or (on `/mutate`) a
//! JSONPatch of safe defaults. The judges are the same checks `palisade
//! scan` runs (so CI and the cluster agree), Pod Security Standards at the
//! levels the namespace's `pod-security.kubernetes.io/*` labels (or the
//! configuration) set, and Gatekeeper constraints. Workloads are judged on
//! their pod template, so a bad Deployment fails at `kubectl apply`.
//! The HTTPS server (`palisade-webhook`) is a thin adapter over this.

pub mod config;
pub mod install;
pub mod limits;
pub mod mutate;

pub use config::{Config, ConfigError, FailurePolicy, Mode};

use base64::Engine as _;
use palisade_findings::{InputError, Severity};
use palisade_gatekeeper::{Action, Inventory, PolicySet, Review};
use palisade_model::{Model, Object, ObjectOptions, objects_from_document};
use palisade_pss::{Level, LevelVersion, Version};
use palisade_value::{Node, Path, Seg};
use serde_json::{Value as Json, json};
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

/// Which webhook endpoint a request came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Validate,
    Mutate,
}

/// A request that cannot be answered (HTTP 400).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRequest(pub String);

impl std::fmt::Display for BadRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One judgement on the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The check id, or `Kind/name` of a Gatekeeper constraint.
    pub policy: String,
    pub mode: Mode,
    pub message: String,
    /// What to change (empty for Gatekeeper constraints).
    pub fix: String,
}

/// The answer, with what the server counts.
#[derive(Debug, Clone)]
pub struct Decision {
    /// The AdmissionReview to send back.
    pub response: Json,
    pub allowed: bool,
    /// `allow`, `deny`, `warn` (allowed with warnings), `mutate`, or
    /// `refused` (over a limit, not checked: see [`limits`]).
    pub outcome: &'static str,
    pub namespace: String,
    pub verdicts: Vec<Verdict>,
    /// Policies that failed to evaluate, with the failure policy applied.
    pub policy_errors: Vec<(String, FailurePolicy, String)>,
}

/// Everything a decision needs, built once.
pub struct Admission {
    pub config: Config,
    policies: PolicySet,
    /// Namespace objects by name (labels for Pod Security and selectors).
    namespaces: BTreeMap<String, Object>,
    /// LimitRanges by namespace (their defaults satisfy resource checks).
    limit_ranges: BTreeMap<String, Vec<Object>>,
    settings: palisade_checks::Settings,
    default_pss: [(Mode, Option<LevelVersion>); 3],
    /// What the policies and the file inventory were built from, to rebuild
    /// with a fresh read of the cluster.
    policy_objects: Arc<Vec<Object>>,
    file_inventory: Arc<Vec<Object>>,
    inventory_size: usize,
}

/// Categories of checks that judge one object on its own.
const ADMISSION_CATEGORIES: &[&str] =
    &["hardening", "images", "resources", "reliability", "secrets"];
/// Object checks that need nothing else from the cluster.
const ADMISSION_CHECKS: &[&str] = &["removed-api-version", "psa-label-invalid"];

/// The ids of the built-in checks admission runs (Pod Security controls
/// are applied separately, at the namespace's levels).
pub fn admission_check_ids() -> Vec<&'static str> {
    palisade_checks::catalogue()
        .iter()
        .map(|c| c.meta())
        .filter(|m| ADMISSION_CATEGORIES.contains(&m.category) || ADMISSION_CHECKS.contains(&m.id))
        .map(|m| m.id)
        .collect()
}

fn level_version(level: &Option<String>, version: &Option<String>) -> Option<LevelVersion> {
    let level: Level = level.as_deref()?.parse().ok()?;
    let version = version
        .as_deref()
        .and_then(|v| v.parse().ok())
        .unwrap_or(Version::Latest);
    Some(LevelVersion { level, version })
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max.saturating_sub(3);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}

/// The container a field path points into (`spec.template.spec.containers[2]…`).
fn container_of(path: &Path) -> Option<(&str, usize)> {
    let segs = path.segments();
    segs.windows(2).find_map(|w| match (&w[0], &w[1]) {
        (Seg::Key(k), Seg::Index(i))
            if matches!(
                k.as_str(),
                "containers" | "initContainers" | "ephemeralContainers"
            ) =>
        {
            Some((k.as_str(), *i))
        }
        _ => None,
    })
}

impl Admission {
    /// Reads the policies and inventory the configuration names. Files
    /// that fail to load are reported; the rest is used.
    pub fn load(config: Config) -> (Admission, Vec<InputError>) {
        let opts = palisade_source::LoadOptions::default();
        let policies = if config.policies.paths.is_empty() {
            palisade_source::Loaded::default()
        } else {
            palisade_source::load(&config.policies.paths, &opts)
        };
        let inventory = if config.inventory.is_empty() {
            palisade_source::Loaded::default()
        } else {
            palisade_source::load(&config.inventory, &opts)
        };
        let mut errors = policies.errors;
        errors.extend(inventory.errors);
        let (a, more) = Admission::new(config, &policies.objects, inventory.objects);
        errors.extend(more);
        (a, errors)
    }

    /// From objects already read: ConstraintTemplates and Constraints in
    /// `policies`, cluster objects in `inventory`.
    pub fn new(
        config: Config,
        policies: &[Object],
        inventory: Vec<Object>,
    ) -> (Admission, Vec<InputError>) {
        let (mut set, mut errors) = PolicySet::from_objects(policies);
        let policy_objects = Arc::new(policies.to_vec());
        let file_inventory = Arc::new(inventory.clone());
        let inventory_size = inventory.len();
        let mut inv = Inventory::default();
        let mut namespaces = BTreeMap::new();
        let mut limit_ranges: BTreeMap<String, Vec<Object>> = BTreeMap::new();
        for o in inventory {
            inv.add_object(&o);
            match o.kind.as_str() {
                "Namespace" => {
                    namespaces.insert(o.name.clone(), o);
                }
                "LimitRange" => {
                    if let Some(ns) = o.namespace.clone() {
                        limit_ranges.entry(ns).or_default().push(o);
                    }
                }
                _ => {}
            }
        }
        if !inv.is_empty()
            && let Err(e) = set.set_inventory(inv)
        {
            errors.push(InputError {
                file: "inventory".into(),
                line: 0,
                column: 0,
                message: e.0,
            });
        }
        let only: HashSet<String> = admission_check_ids()
            .into_iter()
            .map(String::from)
            .collect();
        let settings = palisade_checks::Settings {
            only: Some(only),
            ..Default::default()
        };
        let p = &config.pss;
        let default_pss = [
            (Mode::Deny, level_version(&p.enforce, &p.version)),
            (Mode::Warn, level_version(&p.warn, &p.version)),
            (Mode::Audit, level_version(&p.audit, &p.version)),
        ];
        (
            Admission {
                config,
                policies: set,
                namespaces,
                limit_ranges,
                settings,
                default_pss,
                policy_objects,
                file_inventory,
                inventory_size,
            },
            errors,
        )
    }

    /// The same policies with `data.inventory` and namespace labels from the
    /// configured inventory files plus `cluster` (a fresh read of the
    /// cluster).
    pub fn with_cluster_objects(&self, cluster: Vec<Object>) -> (Admission, Vec<InputError>) {
        let mut inventory: Vec<Object> = self.file_inventory.as_ref().clone();
        inventory.extend(cluster);
        let (mut a, errors) = Admission::new(self.config.clone(), &self.policy_objects, inventory);
        a.file_inventory = self.file_inventory.clone();
        (a, errors)
    }

    /// How many objects `data.inventory` holds.
    pub fn inventory_size(&self) -> usize {
        self.inventory_size
    }

    pub fn policies(&self) -> &PolicySet {
        &self.policies
    }

    /// The mode of a check in a namespace.
    fn mode_for(&self, id: &str, severity: Severity, ns: &str) -> Mode {
        let rule = self.config.namespace_rule(ns);
        let m = rule
            .and_then(|r| r.checks.get(id))
            .or_else(|| self.config.checks.modes.get(id))
            .or_else(|| self.config.checks.modes.get("*"))
            .copied()
            .unwrap_or_else(|| self.config.checks.severity_modes.of(severity));
        self.cap(m, ns)
    }

    fn cap(&self, m: Mode, ns: &str) -> Mode {
        match self.config.namespace_rule(ns).and_then(|r| r.mode) {
            Some(ceiling) => m.cap(ceiling),
            None => m,
        }
    }

    /// Pod Security levels per mode for a namespace: its labels when it
    /// has any `pod-security.kubernetes.io/` label, else the configuration.
    fn pss_levels(&self, ns: &str) -> Vec<(Mode, LevelVersion)> {
        let empty = BTreeMap::new();
        let labels = self.namespaces.get(ns).map_or(&empty, |o| &o.labels);
        let modes = [
            (Mode::Deny, "enforce"),
            (Mode::Warn, "warn"),
            (Mode::Audit, "audit"),
        ];
        modes
            .iter()
            .zip(&self.default_pss)
            .filter_map(|(&(mode, key), &(_, default))| {
                let level = labels.get(&format!("pod-security.kubernetes.io/{key}"));
                let version = labels.get(&format!("pod-security.kubernetes.io/{key}-version"));
                // as the PodSecurity plugin: each mode on its own, its label
                // over the configured default; an invalid value is judged at
                // the strictest policy (restricted, latest)
                let level = match level {
                    Some(l) => l.parse::<Level>().unwrap_or(Level::Restricted),
                    None => default?.level,
                };
                let version = match version {
                    Some(v) => v.parse::<Version>().unwrap_or(Version::Latest),
                    None => default.map_or(Version::Latest, |d| d.version),
                };
                (level != Level::Privileged).then_some((mode, LevelVersion { level, version }))
            })
            .collect()
    }

    fn image_exempt(&self, object: &Json, spec_pointer: &str, path: &Path) -> bool {
        if self.config.exemptions.images.is_empty() {
            return false;
        }
        let Some((list, i)) = container_of(path) else {
            return false;
        };
        let image = object
            .pointer(&format!("{spec_pointer}/{list}/{i}/image"))
            .and_then(Json::as_str)
            .unwrap_or("");
        self.config
            .exemptions
            .images
            .iter()
            .any(|p| config::glob(p, image))
    }

    /// The built-in checks and Pod Security on one object.
    fn builtin_verdicts(&self, review: &Review, ns: &str, out: &mut Vec<Verdict>) {
        let Some(object) = model_object(review, ns) else {
            return;
        };
        let reference = object.reference.clone();
        let spec_pointer = object
            .pod_template()
            .map_or_else(|| "/spec".to_string(), |t| t.spec_pointer());
        let spec_pointer = spec_pointer.as_str();
        // Pod Security, at each mode's level
        if let Some(pod) = object.pod_template() {
            for (mode, lv) in self.pss_levels(ns) {
                for v in palisade_pss::evaluate(lv, pod.meta, pod.spec) {
                    if v.overridden_by.is_some() {
                        continue;
                    }
                    let Some(control) =
                        palisade_pss::controls::ALL.iter().find(|c| c.id == v.check)
                    else {
                        continue;
                    };
                    let id = control.meta.id;
                    if let Some(p) = v.fields.first()
                        && self.image_exempt(&review.object, spec_pointer, p)
                    {
                        continue;
                    }
                    let m = self
                        .config
                        .namespace_rule(ns)
                        .and_then(|r| r.checks.get(id))
                        .or_else(|| self.config.checks.modes.get(id))
                        .map_or(mode, |&m| m.max(mode));
                    let m = self.cap(m, ns);
                    if m == Mode::Off {
                        continue;
                    }
                    out.push(Verdict {
                        policy: id.to_string(),
                        mode: m,
                        message: format!("{} [PodSecurity {lv}]", v.message()),
                        fix: first_line(control.meta.fix),
                    });
                }
            }
        }
        // the scan's checks, on a model of the object and what it depends on
        let mut objects = vec![object];
        if let Some(n) = self.namespaces.get(ns) {
            objects.push(n.clone());
        }
        if let Some(lrs) = self.limit_ranges.get(ns) {
            objects.extend(lrs.iter().cloned());
        }
        let model = Model::new(objects);
        let outcome = palisade_checks::run(&model, &self.settings);
        for f in outcome.findings {
            if f.object != reference {
                continue;
            }
            if let Some(p) = &f.path
                && self.image_exempt(&review.object, spec_pointer, p)
            {
                continue;
            }
            let m = self.mode_for(f.check.id, f.severity, ns);
            if m == Mode::Off {
                continue;
            }
            out.push(Verdict {
                policy: f.check.id.to_string(),
                mode: m,
                message: f.message,
                fix: first_line(&f.fix),
            });
        }
    }

    /// Answers one AdmissionReview (the raw request body).
    pub fn review(&self, body: &[u8], endpoint: Endpoint) -> Result<Decision, BadRequest> {
        let mut doc: Json = serde_json::from_slice(body)
            .map_err(|e| BadRequest(format!("the body is not JSON: {e}")))?;
        let api_version = doc
            .get("apiVersion")
            .and_then(Json::as_str)
            .unwrap_or("admission.k8s.io/v1")
            .to_string();
        if !matches!(
            api_version.as_str(),
            "admission.k8s.io/v1" | "admission.k8s.io/v1beta1"
        ) {
            return Err(BadRequest(format!(
                "apiVersion {api_version:?} is not admission.k8s.io/v1 or v1beta1"
            )));
        }
        if doc.get("kind").and_then(Json::as_str) != Some("AdmissionReview") {
            return Err(BadRequest("kind is not AdmissionReview".into()));
        }
        let req = doc
            .get_mut("request")
            .filter(|r| r.is_object())
            .ok_or_else(|| BadRequest("the AdmissionReview has no request".into()))?;
        let uid = req
            .get("uid")
            .and_then(Json::as_str)
            .filter(|u| !u.is_empty())
            .ok_or_else(|| BadRequest("request.uid is missing".into()))?
            .to_string();
        let mut review = review_of(req);
        let req: &Json = req;
        let ns = review.namespace.clone();
        let respond = |allowed: bool,
                       outcome: &'static str,
                       extra: Json,
                       verdicts: Vec<Verdict>,
                       errs| {
            let mut response = json!({"uid": uid, "allowed": allowed});
            if let (Some(r), Some(e)) = (response.as_object_mut(), extra.as_object()) {
                r.extend(e.clone());
            }
            Decision {
                response: json!({"apiVersion": api_version, "kind": "AdmissionReview", "response": response}),
                allowed,
                outcome,
                namespace: ns.clone(),
                verdicts,
                policy_errors: errs,
            }
        };
        // exemptions
        let user = req
            .pointer("/userInfo/username")
            .and_then(Json::as_str)
            .unwrap_or("");
        let groups: Vec<&str> = req
            .pointer("/userInfo/groups")
            .and_then(Json::as_array)
            .map(|g| g.iter().filter_map(Json::as_str).collect())
            .unwrap_or_default();
        let ex = &self.config.exemptions;
        let ns_of_subject = if review.group.is_empty() && review.kind == "Namespace" {
            review.name.clone()
        } else {
            ns.clone()
        };
        if (!ns_of_subject.is_empty()
            && ex
                .namespaces
                .iter()
                .any(|p| config::glob(p, &ns_of_subject)))
            || ex.users.iter().any(|u| u == user)
            || groups.iter().any(|g| ex.groups.iter().any(|x| x == g))
        {
            return Ok(respond(true, "allow", json!({}), Vec::new(), Vec::new()));
        }
        // what the review may cost: refused before any check or policy runs
        let containers = limits::count_containers(&review.object);
        let max = self.config.limits.max_containers;
        if containers > max {
            let what = if ns.is_empty() {
                format!("{} {}", review.kind, review.name)
            } else {
                format!("{} {}/{}", review.kind, ns, review.name)
            };
            let message = format!(
                "palisade refused {what} without checking it: its pod spec has {containers} containers (containers, initContainers and ephemeralContainers together), over the webhook's limit of {max} (raise it with `palisade admission serve --max-containers` or limits.maxContainers)"
            );
            let extra = json!({"status": {"code": 422, "reason": "Invalid", "message": message}});
            return Ok(respond(false, "refused", extra, Vec::new(), Vec::new()));
        }
        if endpoint == Endpoint::Mutate {
            let rule_mutate = self.config.namespace_rule(&ns).and_then(|r| r.mutate);
            if !rule_mutate.unwrap_or(self.config.mutate)
                || review.operation != "CREATE" && review.operation != "UPDATE"
            {
                return Ok(respond(true, "allow", json!({}), Vec::new(), Vec::new()));
            }
            let pointer =
                model_object(&review, &ns).and_then(|o| o.pod_template().map(|t| t.spec_pointer()));
            return Ok(
                match pointer.and_then(|p| mutate::safe_defaults(&p, &review.object)) {
                    Some(m) => {
                        let patch = serde_json::to_vec(&m.patch).unwrap_or_default();
                        let extra = json!({
                            "patchType": "JSONPatch",
                            "patch": base64::engine::general_purpose::STANDARD.encode(patch),
                            "warnings": limit_warnings(m.warnings),
                        });
                        respond(true, "mutate", extra, Vec::new(), Vec::new())
                    }
                    None => respond(true, "allow", json!({}), Vec::new(), Vec::new()),
                },
            );
        }
        let mut verdicts = Vec::new();
        if matches!(review.operation.as_str(), "CREATE" | "UPDATE") && !review.object.is_null() {
            self.builtin_verdicts(&review, &ns, &mut verdicts);
        }
        // Gatekeeper constraints (DELETE and CONNECT too: a policy may say so)
        let mut errs = Vec::new();
        if !self.policies.is_empty() {
            if let Some(n) = self.namespaces.get(&ns) {
                review.namespace_labels = Some(n.labels.clone());
            }
            let out = self.policies.review(&review);
            for v in out.violations {
                let mode = match v.action {
                    Action::Deny => Mode::Deny,
                    Action::Warn => Mode::Warn,
                    Action::Dryrun => Mode::Audit,
                };
                verdicts.push(Verdict {
                    policy: format!("{}/{}", v.kind, v.constraint),
                    mode: self.cap(mode, &ns),
                    message: v.message,
                    fix: String::new(),
                });
            }
            for e in out.errors {
                let fp = self
                    .config
                    .policies
                    .failure_policies
                    .get(&e.constraint)
                    .copied()
                    .unwrap_or(self.config.policies.failure_policy);
                let policy = format!("{}/{}", e.kind, e.constraint);
                verdicts.push(Verdict {
                    policy: policy.clone(),
                    mode: match fp {
                        FailurePolicy::FailClosed => Mode::Deny,
                        FailurePolicy::FailOpen => Mode::Warn,
                    },
                    message: format!("policy could not be evaluated: {}", e.message),
                    fix: String::new(),
                });
                errs.push((policy, fp, e.message));
            }
        }
        Ok(self.answer(verdicts, errs, &review, respond))
    }

    fn answer(
        &self,
        verdicts: Vec<Verdict>,
        errs: Vec<(String, FailurePolicy, String)>,
        review: &Review,
        respond: impl Fn(
            bool,
            &'static str,
            Json,
            Vec<Verdict>,
            Vec<(String, FailurePolicy, String)>,
        ) -> Decision,
    ) -> Decision {
        let denied: Vec<&Verdict> = verdicts.iter().filter(|v| v.mode == Mode::Deny).collect();
        // a check denied at one Pod Security level is not also warned at another
        let denied_ids: HashSet<&str> = denied.iter().map(|v| v.policy.as_str()).collect();
        let warnings: Vec<String> = verdicts
            .iter()
            .filter(|v| v.mode == Mode::Warn && !denied_ids.contains(v.policy.as_str()))
            .map(|v| format!("[{}] {}", v.policy, v.message))
            .collect();
        let mut audit: BTreeMap<String, Vec<&str>> = BTreeMap::new();
        for v in verdicts
            .iter()
            .filter(|v| v.mode == Mode::Audit && !denied_ids.contains(v.policy.as_str()))
        {
            audit
                .entry(audit_key(&v.policy))
                .or_default()
                .push(&v.message);
        }
        let mut extra = json!({});
        if !warnings.is_empty() {
            extra["warnings"] = json!(limit_warnings(warnings));
        }
        if !audit.is_empty() {
            let a: BTreeMap<String, String> = audit
                .into_iter()
                .map(|(k, v)| (k, truncate(&v.join("; "), 1024)))
                .collect();
            extra["auditAnnotations"] = json!(a);
        }
        if denied.is_empty() {
            let outcome = if extra.get("warnings").is_some() {
                "warn"
            } else {
                "allow"
            };
            return respond(true, outcome, extra, verdicts, errs);
        }
        let what = if review.namespace.is_empty() {
            format!("{} {}", review.kind, review.name)
        } else {
            format!("{} {}/{}", review.kind, review.namespace, review.name)
        };
        let items: Vec<String> = denied
            .iter()
            .map(|v| {
                if v.fix.is_empty() {
                    format!("[{}] {}", v.policy, v.message)
                } else {
                    format!("[{}] {} (fix: {})", v.policy, v.message, v.fix)
                }
            })
            .collect();
        let message = truncate(
            &format!("palisade denied {what}: {}", items.join("; ")),
            32 * 1024,
        );
        extra["status"] = json!({"code": 403, "reason": "Forbidden", "message": message});
        respond(false, "deny", extra, verdicts, errs)
    }
}

/// The review of `req`, its object and old object moved out of the
/// request rather than copied: a large object would otherwise be held two
/// or three times over while it is judged.
fn review_of(req: &mut Json) -> Review {
    let mut take = |key: &str| req.get_mut(key).map(Json::take).filter(|o| !o.is_null());
    let object = take("object");
    let old_object = take("oldObject");
    let mut review = Review::from_request(req);
    // as Review::from_request: DELETE carries only oldObject, and that is
    // what is reviewed
    review.object = match object {
        Some(o) => o,
        None => old_object.clone().unwrap_or(Json::Null),
    };
    review.old_object = old_object;
    if review.name.is_empty() {
        review.name = review
            .object
            .pointer("/metadata/name")
            .and_then(Json::as_str)
            .unwrap_or("")
            .to_string();
    }
    review
}

/// The reviewed object in the model, in the request's namespace.
fn model_object(review: &Review, ns: &str) -> Option<Object> {
    let file: Arc<str> = Arc::from("admission-request");
    let opts = ObjectOptions {
        default_namespace: if ns.is_empty() {
            "default".into()
        } else {
            ns.into()
        },
    };
    objects_from_document(Node::from_json(&review.object), &file, &opts)
        .into_iter()
        .next()?
        .ok()
}

fn first_line(s: &str) -> String {
    let line = s
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    truncate(line, 300)
}

/// An audit annotation key: the API server prefixes it with the webhook's
/// name, so it must be a plain qualified name (no `/`), at most 63 characters.
fn audit_key(policy: &str) -> String {
    let k: String = policy
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '.'
            }
        })
        .collect();
    let k = k
        .trim_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_string();
    truncate(&k, 63).trim_end_matches('.').to_string()
}

/// The API server truncates warnings over 256 characters and drops them
/// past 4 KiB in total; keep inside both, saying how many were left out.
pub fn limit_warnings(warnings: Vec<String>) -> Vec<String> {
    const EACH: usize = 256;
    const TOTAL: usize = 4096;
    let mut out = Vec::new();
    let mut used = 0;
    let n = warnings.len();
    for (i, w) in warnings.into_iter().enumerate() {
        let w = truncate(&w, EACH);
        if used + w.len() > TOTAL - 64 {
            out.push(format!("palisade: {} more warning(s) not shown", n - i));
            break;
        }
        used += w.len();
        out.push(w);
    }
    out
}
