//! `palisade generate quotas` (namespaces and quotas): for every namespace with
//! workloads, a ResourceQuota bounding what the namespace asks for today
//! times a headroom, and a LimitRange whose defaults give a container that
//! declares nothing a sane request and limit.
//!
//! Sizing, per namespace: the sum over workloads of replicas × the
//! containers' requests and limits (CPU in millicores, memory in bytes);
//! a container without a request counts with the LimitRange's default
//! request, one without a limit with the default limit. Init containers
//! count as Kubernetes counts them: the larger of the biggest init
//! container and the sum of the app containers. DaemonSets count one pod
//! (a node count is not known offline; the comment says so), Jobs their
//! parallelism, CronJobs one job. Objects with an owner (pods of a
//! ReplicaSet in a cluster dump) are left out so nothing counts twice.

use palisade_model::k8s_openapi;
use palisade_model::{ContainerKind, Model, Object, Typed};
use std::collections::BTreeMap;
use std::fmt::Write;

/// A Kubernetes quantity: `500m`, `2`, `1.5`, `128Mi`, `1G`, `1e9`.
pub fn parse_quantity(s: &str) -> Option<f64> {
    let s = s.trim();
    let suffixes: &[(&str, f64)] = &[
        ("Ki", 1024.0),
        ("Mi", 1024.0 * 1024.0),
        ("Gi", 1024.0 * 1024.0 * 1024.0),
        ("Ti", 1024f64.powi(4)),
        ("Pi", 1024f64.powi(5)),
        ("Ei", 1024f64.powi(6)),
        ("n", 1e-9),
        ("u", 1e-6),
        ("m", 1e-3),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
        ("P", 1e15),
        ("E", 1e18),
    ];
    for (suf, mul) in suffixes {
        if let Some(num) = s.strip_suffix(suf) {
            // `1E3` is an exponent, not exa: only when what remains parses.
            if let Ok(v) = num.parse::<f64>() {
                return Some(v * mul);
            }
        }
    }
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// CPU and memory of one container or pod.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Amount {
    pub cpu_milli: f64,
    pub mem_bytes: f64,
}

impl Amount {
    fn add(self, o: Amount) -> Amount {
        Amount {
            cpu_milli: self.cpu_milli + o.cpu_milli,
            mem_bytes: self.mem_bytes + o.mem_bytes,
        }
    }
    fn max(self, o: Amount) -> Amount {
        Amount {
            cpu_milli: self.cpu_milli.max(o.cpu_milli),
            mem_bytes: self.mem_bytes.max(o.mem_bytes),
        }
    }
    fn times(self, n: f64) -> Amount {
        Amount {
            cpu_milli: self.cpu_milli * n,
            mem_bytes: self.mem_bytes * n,
        }
    }
}

/// The defaults a LimitRange gives containers that declare nothing.
#[derive(Debug, Clone, Copy)]
pub struct Defaults {
    pub request: Amount,
    pub limit: Amount,
}

impl Default for Defaults {
    fn default() -> Self {
        Defaults {
            request: Amount {
                cpu_milli: 100.0,
                mem_bytes: 128.0 * 1024.0 * 1024.0,
            },
            limit: Amount {
                cpu_milli: 500.0,
                mem_bytes: 512.0 * 1024.0 * 1024.0,
            },
        }
    }
}

/// What one namespace asks for.
#[derive(Debug, Clone, Default)]
pub struct Usage {
    pub requests: Amount,
    pub limits: Amount,
    pub pods: f64,
    pub workloads: Vec<String>,
    pub daemonsets: usize,
    /// Containers that declare no request / no limit (counted with defaults).
    pub undeclared: usize,
}

fn amount(
    map: Option<&BTreeMap<String, k8s_openapi::apimachinery::pkg::api::resource::Quantity>>,
    default: Amount,
) -> (Amount, bool) {
    let get = |k: &str| {
        map.and_then(|m| m.get(k))
            .and_then(|q| parse_quantity(&q.0))
    };
    let cpu = get("cpu").map(|v| v * 1000.0);
    let mem = get("memory");
    (
        Amount {
            cpu_milli: cpu.unwrap_or(default.cpu_milli),
            mem_bytes: mem.unwrap_or(default.mem_bytes),
        },
        cpu.is_none() || mem.is_none(),
    )
}

fn pods_of(o: &Object) -> (f64, bool) {
    match &o.typed {
        Typed::DaemonSet(_) => (1.0, true),
        Typed::Job(j) => (
            j.spec
                .as_ref()
                .and_then(|s| s.parallelism)
                .unwrap_or(1)
                .max(0) as f64,
            false,
        ),
        Typed::CronJob(c) => (
            c.spec
                .job_template
                .spec
                .as_ref()
                .and_then(|s| s.parallelism)
                .unwrap_or(1)
                .max(0) as f64,
            false,
        ),
        _ => (o.replicas().unwrap_or(1).max(0) as f64, false),
    }
}

/// What each namespace asks for today.
pub fn usage(model: &Model, d: &Defaults) -> BTreeMap<String, Usage> {
    let mut out: BTreeMap<String, Usage> = BTreeMap::new();
    for (o, t) in model.workloads() {
        if o.raw
            .get("metadata")
            .and_then(|m| m.get("ownerReferences"))
            .is_some()
        {
            continue;
        }
        let Some(ns) = o.namespace.clone() else {
            continue;
        };
        let u = out.entry(ns).or_default();
        let (mut app_req, mut app_lim, mut init_req, mut init_lim) = (
            Amount::default(),
            Amount::default(),
            Amount::default(),
            Amount::default(),
        );
        for c in t.containers() {
            if c.kind == ContainerKind::Ephemeral {
                continue;
            }
            let (r, r_missing) = amount(c.resources.and_then(|r| r.requests.as_ref()), d.request);
            let (l, l_missing) = amount(c.resources.and_then(|r| r.limits.as_ref()), d.limit);
            if r_missing || l_missing {
                u.undeclared += 1;
            }
            if c.kind == ContainerKind::Init {
                init_req = init_req.max(r);
                init_lim = init_lim.max(l);
            } else {
                app_req = app_req.add(r);
                app_lim = app_lim.add(l);
            }
        }
        let (n, ds) = pods_of(o);
        if ds {
            u.daemonsets += 1;
        }
        u.requests = u.requests.add(app_req.max(init_req).times(n));
        u.limits = u.limits.add(app_lim.max(init_lim).times(n));
        u.pods += n;
        u.workloads.push(format!("{}/{}", o.kind, o.name));
    }
    out
}

fn cpu(m: f64) -> String {
    let m = m.ceil().max(1.0) as u64;
    if m.is_multiple_of(1000) {
        format!("{}", m / 1000)
    } else {
        format!("{m}m")
    }
}

fn mem(b: f64) -> String {
    let mi = (b / (1024.0 * 1024.0)).ceil().max(1.0) as u64;
    if mi.is_multiple_of(1024) {
        format!("{}Gi", mi / 1024)
    } else {
        format!("{mi}Mi")
    }
}

/// The quota for one namespace: usage × headroom, rounded up.
#[derive(Debug, Clone)]
pub struct Quota {
    pub namespace: String,
    pub requests_cpu: String,
    pub requests_memory: String,
    pub limits_cpu: String,
    pub limits_memory: String,
    pub pods: u64,
    pub usage: Usage,
}

pub fn quotas(model: &Model, headroom: f64, d: &Defaults) -> Vec<Quota> {
    usage(model, d)
        .into_iter()
        .map(|(ns, u)| Quota {
            requests_cpu: cpu(u.requests.cpu_milli * headroom),
            requests_memory: mem(u.requests.mem_bytes * headroom),
            limits_cpu: cpu(u.limits.cpu_milli * headroom),
            limits_memory: mem(u.limits.mem_bytes * headroom),
            pods: (u.pods * headroom).ceil().max(1.0) as u64,
            namespace: ns,
            usage: u,
        })
        .collect()
}

/// Why the quota is what it is, as plain lines (the writers make them
/// comments).
fn comment(q: &Quota, headroom: f64) -> String {
    let u = &q.usage;
    let mut s = format!(
        "{}: {} workload(s) ({}) ask for requests cpu {} / memory {}, limits cpu {} / memory {}, {} pod(s); ×{headroom} headroom.\n",
        q.namespace,
        u.workloads.len(),
        u.workloads.join(", "),
        cpu(u.requests.cpu_milli),
        mem(u.requests.mem_bytes),
        cpu(u.limits.cpu_milli),
        mem(u.limits.mem_bytes),
        u.pods
    );
    if u.undeclared > 0 {
        let _ = writeln!(
            s,
            "{} container(s) declare no request or limit: counted with the LimitRange defaults below.",
            u.undeclared
        );
    }
    if u.daemonsets > 0 {
        let _ = writeln!(
            s,
            "{} DaemonSet(s) counted as one pod each: multiply their share by your node count.",
            u.daemonsets
        );
    }
    s
}

/// ResourceQuota + LimitRange documents, commented.
pub fn yaml(qs: &[Quota], headroom: f64, d: &Defaults) -> String {
    use k8s_openapi::api::core::v1::{
        LimitRange, LimitRangeItem, LimitRangeSpec, ResourceQuota, ResourceQuotaSpec,
    };
    use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
    let meta = |name: &str, ns: &str| ObjectMeta {
        name: Some(name.to_string()),
        namespace: Some(ns.to_string()),
        ..Default::default()
    };
    let quantities = |pairs: &[(&str, String)]| -> BTreeMap<String, Quantity> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Quantity(v.clone())))
            .collect()
    };
    let mut out = palisade_emit::yaml::comment(
        "Generated by `palisade generate quotas`: one ResourceQuota and LimitRange per namespace.",
    );
    for q in qs {
        let quota = ResourceQuota {
            metadata: meta("palisade-quota", &q.namespace),
            spec: Some(ResourceQuotaSpec {
                hard: Some(quantities(&[
                    ("requests.cpu", q.requests_cpu.clone()),
                    ("requests.memory", q.requests_memory.clone()),
                    ("limits.cpu", q.limits_cpu.clone()),
                    ("limits.memory", q.limits_memory.clone()),
                    ("pods", q.pods.to_string()),
                ])),
                ..Default::default()
            }),
            ..Default::default()
        };
        let limits = LimitRange {
            metadata: meta("palisade-limits", &q.namespace),
            spec: Some(LimitRangeSpec {
                limits: vec![LimitRangeItem {
                    type_: "Container".into(),
                    default_request: Some(quantities(&[
                        ("cpu", cpu(d.request.cpu_milli)),
                        ("memory", mem(d.request.mem_bytes)),
                    ])),
                    default: Some(quantities(&[
                        ("cpu", cpu(d.limit.cpu_milli)),
                        ("memory", mem(d.limit.mem_bytes)),
                    ])),
                    ..Default::default()
                }],
            }),
        };
        out.push_str("---\n");
        out.push_str(&palisade_emit::yaml::comment(&comment(q, headroom)));
        out.push_str(&palisade_emit::yaml::to_string(&quota));
        out.push_str("---\n");
        out.push_str(&palisade_emit::yaml::to_string(&limits));
    }
    out
}

fn tf_name(ns: &str) -> String {
    ns.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// The same as Terraform `kubernetes_resource_quota_v1` / `kubernetes_limit_range_v1`.
pub fn terraform(qs: &[Quota], headroom: f64, d: &Defaults) -> String {
    use palisade_emit::terraform::{Block, resource, string_map};
    let metadata = |name: &str, ns: &str| {
        Block::builder("metadata")
            .add_attribute(("name", name))
            .add_attribute(("namespace", ns))
            .build()
    };
    let mut out =
        palisade_emit::yaml::comment("Generated by `palisade generate quotas --format terraform`.");
    for q in qs {
        let n = tf_name(&q.namespace);
        let pods = q.pods.to_string();
        let quota = resource("kubernetes_resource_quota_v1", &n)
            .add_block(metadata("palisade-quota", &q.namespace))
            .add_block(
                Block::builder("spec")
                    .add_attribute((
                        "hard",
                        string_map([
                            ("requests.cpu", q.requests_cpu.as_str()),
                            ("requests.memory", q.requests_memory.as_str()),
                            ("limits.cpu", q.limits_cpu.as_str()),
                            ("limits.memory", q.limits_memory.as_str()),
                            ("pods", pods.as_str()),
                        ]),
                    ))
                    .build(),
            )
            .build();
        let (req_cpu, req_mem) = (cpu(d.request.cpu_milli), mem(d.request.mem_bytes));
        let (lim_cpu, lim_mem) = (cpu(d.limit.cpu_milli), mem(d.limit.mem_bytes));
        let limits = resource("kubernetes_limit_range_v1", &n)
            .add_block(metadata("palisade-limits", &q.namespace))
            .add_block(
                Block::builder("spec")
                    .add_block(
                        Block::builder("limit")
                            .add_attribute(("type", "Container"))
                            .add_attribute((
                                "default_request",
                                string_map([
                                    ("cpu", req_cpu.as_str()),
                                    ("memory", req_mem.as_str()),
                                ]),
                            ))
                            .add_attribute((
                                "default",
                                string_map([
                                    ("cpu", lim_cpu.as_str()),
                                    ("memory", lim_mem.as_str()),
                                ]),
                            ))
                            .build(),
                    )
                    .build(),
            )
            .build();
        let note = comment(q, headroom);
        out.push('\n');
        out.push_str(&palisade_emit::terraform::blocks([
            (note.as_str(), quota),
            ("", limits),
        ]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        assert_eq!(parse_quantity("500m"), Some(0.5));
        assert_eq!(parse_quantity("2"), Some(2.0));
        assert_eq!(parse_quantity("128Mi"), Some(134_217_728.0));
        assert_eq!(parse_quantity("1G"), Some(1e9));
        assert_eq!(parse_quantity("1e3"), Some(1000.0));
        assert_eq!(parse_quantity("1E3"), Some(1000.0));
        assert_eq!(parse_quantity("x"), None);
    }

    fn model(y: &str) -> Model {
        let l = palisade_source::load_text("t.yaml", y, &Default::default());
        assert!(l.errors.is_empty(), "{:?}", l.errors);
        Model::new(l.objects)
    }

    #[test]
    fn sums_replicas_init_containers_and_defaults() {
        let m = model(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  replicas: 3\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n    spec:\n      initContainers:\n      - {name: init, image: i:1, resources: {requests: {cpu: '2', memory: 1Gi}, limits: {cpu: '2', memory: 1Gi}}}\n      containers:\n      - {name: a, image: a:1, resources: {requests: {cpu: 250m, memory: 256Mi}, limits: {cpu: 500m, memory: 512Mi}}}\n      - {name: b, image: b:1}\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: shop\n  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-1, uid: u}]\nspec:\n  containers: [{name: x, image: x:1, resources: {requests: {cpu: '8'}}}]\n",
        );
        let u = usage(&m, &Defaults::default());
        let s = &u["shop"];
        // per pod: requests max(init 2000m/1Gi, app 250m+100m / 256Mi+128Mi) = 2000m / 1Gi
        assert_eq!(s.requests.cpu_milli, 6000.0);
        assert_eq!(s.requests.mem_bytes, 3.0 * 1024.0 * 1024.0 * 1024.0);
        assert_eq!(s.pods, 3.0);
        assert_eq!(s.undeclared, 1);
        assert_eq!(s.workloads, ["Deployment/web"]);
        let q = quotas(&m, 1.5, &Defaults::default());
        assert_eq!(q[0].requests_cpu, "9");
        assert_eq!(q[0].requests_memory, "4608Mi");
        assert_eq!(q[0].pods, 5);
        let y = yaml(&q, 1.5, &Defaults::default());
        assert!(
            y.contains("kind: ResourceQuota")
                && y.contains("namespace: shop")
                && y.contains("requests.cpu: \"9\""),
            "{y}"
        );
        let t = terraform(&q, 1.5, &Defaults::default());
        assert!(
            t.contains("resource \"kubernetes_resource_quota_v1\" \"shop\""),
            "{t}"
        );
    }
}
