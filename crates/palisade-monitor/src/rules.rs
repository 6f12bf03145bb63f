//! Alerting rules: for palisade's own metrics (admission webhook, audit
//! sink, scan posture and vulnerability data) and, per namespace, for every
//! workload of the inventory on the standard kube-state-metrics, kubelet
//! and cert-manager series.

use crate::promql::{quote, regex_escape};
use crate::targets::{Survey, Target};

/// The series palisade's servers and scans export (the names the rules
/// use; the CLI tests scrape the servers and check every one exists).
pub mod names {
    pub const ADMISSION_REQUESTS: &str = "palisade_admission_requests_total";
    pub const ADMISSION_REJECTED: &str = "palisade_admission_rejected_total";
    pub const ADMISSION_POLICY_ERRORS: &str = "palisade_admission_policy_errors_total";
    pub const ADMISSION_DURATION: &str = "palisade_admission_request_duration_seconds";
    pub const AUDIT_REQUESTS: &str = "palisade_audit_requests_total";
    pub const AUDIT_EVENTS: &str = "palisade_audit_events_total";
    pub const AUDIT_ALERTS: &str = "palisade_audit_alerts_total";
    pub const AUDIT_REJECTED: &str = "palisade_audit_rejected_total";
    pub const AUDIT_DELIVERIES: &str = "palisade_audit_output_deliveries_total";
    pub const AUDIT_BATCH_DURATION: &str = "palisade_audit_batch_duration_seconds";
    pub const POSTURE_SCORE: &str = "palisade_posture_score";
    pub const POSTURE_FINDINGS: &str = "palisade_posture_findings";
    pub const POSTURE_LAST_RUN: &str = "palisade_posture_last_run_timestamp_seconds";
    pub const VULNDB_LAST_UPDATE: &str = "palisade_vulndb_last_update_timestamp_seconds";
}

/// One alerting rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub alert: String,
    pub expr: String,
    /// `15m`, …
    pub for_: Option<String>,
    pub labels: Vec<(String, String)>,
    pub annotations: Vec<(String, String)>,
}

/// A rule group.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub name: String,
    pub rules: Vec<Rule>,
}

/// Which of palisade's components are deployed (their rules are emitted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Components {
    pub admission: bool,
    pub audit: bool,
    /// Scans that export posture and vulnerability-data metrics
    /// (`palisade monitor metrics`).
    pub scan: bool,
}

impl Default for Components {
    fn default() -> Self {
        Components {
            admission: true,
            audit: true,
            scan: true,
        }
    }
}

impl Components {
    /// `admission,audit,scan`, `all` or `none`.
    pub fn parse(s: &str) -> Result<Components, String> {
        let mut c = Components {
            admission: false,
            audit: false,
            scan: false,
        };
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part {
                "all" => c = Components::default(),
                "none" => {}
                "admission" => c.admission = true,
                "audit" => c.audit = true,
                "scan" => c.scan = true,
                other => {
                    return Err(format!(
                        "unknown component {other:?} (admission, audit, scan, all, none)"
                    ));
                }
            }
        }
        Ok(c)
    }
}

/// Thresholds.
#[derive(Debug, Clone)]
pub struct RulesOptions {
    pub components: Components,
    /// Vulnerability data older than this many days is stale.
    pub vulndb_max_age_days: u32,
    /// How often the scan runs, in hours: no new result after twice that
    /// is an alert.
    pub scan_interval_hours: u32,
    /// p99 admission latency above this is an alert (seconds); the API
    /// server's webhook timeout is 10 s by default.
    pub admission_latency_seconds: f64,
}

impl Default for RulesOptions {
    fn default() -> Self {
        RulesOptions {
            components: Components::default(),
            vulndb_max_age_days: 7,
            scan_interval_hours: 24,
            admission_latency_seconds: 1.0,
        }
    }
}

fn rule(alert: &str, expr: String, for_: &str, severity: &str) -> Rule {
    Rule {
        alert: alert.to_string(),
        expr,
        for_: (!for_.is_empty()).then(|| for_.to_string()),
        labels: vec![("severity".to_string(), severity.to_string())],
        annotations: Vec::new(),
    }
}

impl Rule {
    fn label(mut self, k: &str, v: &str) -> Rule {
        self.labels.push((k.to_string(), v.to_string()));
        self
    }

    fn text(mut self, summary: &str, description: &str) -> Rule {
        self.annotations
            .push(("summary".to_string(), summary.to_string()));
        self.annotations
            .push(("description".to_string(), description.to_string()));
        self
    }
}

fn admission_rules(o: &RulesOptions) -> Group {
    use names::*;
    let deny = format!("{ADMISSION_REQUESTS}{{decision=\"deny\"}}");
    let rules = vec![
        rule(
            "PalisadeAdmissionDenialsSpike",
            format!(
                "sum by (namespace) (increase({deny}[10m])) >= 5\n\
and\n\
sum by (namespace) (rate({deny}[10m])) > 3 * sum by (namespace) (rate({deny}[1d] offset 10m))"
            ),
            "5m",
            "warning",
        )
        .text(
            "Admission denials spiking in namespace {{ $labels.namespace }}",
            "{{ $value | humanize }} requests denied by palisade in {{ $labels.namespace }} over 10 minutes, more than three times the daily rate: a broken rollout, or someone probing what the cluster admits.",
        ),
        rule(
            "PalisadeAdmissionWebhookErrors",
            format!(
                "sum by (endpoint, reason) (increase({ADMISSION_REJECTED}{{reason=~\"timeout|internal_error\"}}[5m])) > 0"
            ),
            "",
            "critical",
        )
        .text(
            "palisade admission webhook failing ({{ $labels.reason }})",
            "The webhook did not answer {{ $value | humanize }} AdmissionReviews on /{{ $labels.endpoint }} in 5 minutes ({{ $labels.reason }}); the API server applied the webhook's failurePolicy to them (fail-open admits unchecked objects, fail-closed blocks deploys).",
        ),
        rule(
            "PalisadeAdmissionBadRequests",
            format!(
                "sum by (endpoint) (increase({ADMISSION_REJECTED}{{reason=\"bad_request\"}}[15m])) > 0"
            ),
            "",
            "warning",
        )
        .text(
            "palisade admission webhook receiving malformed requests",
            "{{ $value | humanize }} requests to /{{ $labels.endpoint }} were not AdmissionReviews in 15 minutes: a misconfigured webhook registration, or something other than the API server calling it.",
        ),
        rule(
            "PalisadeAdmissionPolicyErrors",
            format!(
                "sum by (policy, failure_policy) (increase({ADMISSION_POLICY_ERRORS}[10m])) > 0"
            ),
            "",
            "warning",
        )
        .text(
            "Policy {{ $labels.policy }} fails to evaluate",
            "The policy failed {{ $value | humanize }} times in 10 minutes and was applied {{ $labels.failure_policy }}.",
        ),
        rule(
            "PalisadeAdmissionLatencyHigh",
            format!(
                "histogram_quantile(0.99, sum by (le) (rate({ADMISSION_DURATION}_bucket[5m]))) > {}",
                o.admission_latency_seconds
            ),
            "10m",
            "warning",
        )
        .text(
            "palisade admission p99 latency is {{ $value | humanizeDuration }}",
            "Slow admission slows every create and update in the cluster; past the webhook's timeoutSeconds the API server applies the failurePolicy.",
        ),
        rule(
            "PalisadeAdmissionMetricsAbsent",
            format!("absent({ADMISSION_DURATION}_count)"),
            "15m",
            "critical",
        )
        .text(
            "palisade admission webhook is not scraped",
            "No palisade admission metrics for 15 minutes: the webhook is down or Prometheus no longer scrapes it, so admission is unwatched.",
        ),
    ];
    Group {
        name: "palisade-admission".to_string(),
        rules,
    }
}

fn audit_rules() -> Group {
    use names::*;
    let rules = vec![
        rule(
            "PalisadeAuditCriticalAlerts",
            format!(
                "sum by (rule, priority) (increase({AUDIT_ALERTS}{{priority=~\"Emergency|Alert|Critical\"}}[5m])) > 0"
            ),
            "",
            "critical",
        )
        .text(
            "Audit rule {{ $labels.rule }} fired ({{ $labels.priority }})",
            "{{ $value | humanize }} {{ $labels.priority }} audit alerts in 5 minutes; see `palisade audit alerts` or the sink's outputs for the events.",
        ),
        rule(
            "PalisadeAuditErrorAlerts",
            format!(
                "sum by (rule, priority) (increase({AUDIT_ALERTS}{{priority=\"Error\"}}[15m])) > 0"
            ),
            "",
            "warning",
        )
        .text(
            "Audit rule {{ $labels.rule }} fired ({{ $labels.priority }})",
            "{{ $value | humanize }} Error-priority audit alerts in 15 minutes.",
        ),
        rule(
            "PalisadeAuditAlertRateSpike",
            format!(
                "sum by (priority) (increase({AUDIT_ALERTS}{{priority=~\"Warning|Notice\"}}[1h])) >= 10\n\
and\n\
sum by (priority) (rate({AUDIT_ALERTS}{{priority=~\"Warning|Notice\"}}[1h])) > 3 * sum by (priority) (rate({AUDIT_ALERTS}{{priority=~\"Warning|Notice\"}}[7d] offset 1h))"
            ),
            "15m",
            "warning",
        )
        .text(
            "{{ $labels.priority }} audit alerts at three times their weekly rate",
            "{{ $value | humanize }} {{ $labels.priority }} alerts in the last hour; a change in who does what in the cluster.",
        ),
        rule(
            "PalisadeAuditNoEvents",
            format!("sum(rate({AUDIT_EVENTS}[15m])) == 0"),
            "15m",
            "critical",
        )
        .text(
            "The audit sink receives no audit events",
            "No audit events for 15 minutes: the API server's audit webhook backend is misconfigured or failing, and audit alerting is blind.",
        ),
        rule(
            "PalisadeAuditSinkRejecting",
            format!("sum by (reason) (increase({AUDIT_REJECTED}[10m])) > 0"),
            "10m",
            "warning",
        )
        .text(
            "The audit sink refuses batches ({{ $labels.reason }})",
            "{{ $value | humanize }} batches refused in 10 minutes. busy/store_busy: the API server retries and may drop events; unauthorized: something without the token writes to the sink.",
        ),
        rule(
            "PalisadeAuditSinkServerErrors",
            format!("sum(increase({AUDIT_REQUESTS}{{code=~\"5..\"}}[10m])) > 0"),
            "",
            "critical",
        )
        .text(
            "The audit sink answers with server errors",
            "{{ $value | humanize }} audit batches failed to be stored in 10 minutes; their alerts may be lost.",
        ),
        rule(
            "PalisadeAuditOutputFailing",
            format!(
                "sum by (output, result) (increase({AUDIT_DELIVERIES}{{result=~\"failed|dropped\"}}[15m])) > 0"
            ),
            "",
            "warning",
        )
        .text(
            "Audit alerts not delivered to {{ $labels.output }} ({{ $labels.result }})",
            "{{ $value | humanize }} alert deliveries {{ $labels.result }} in 15 minutes: nobody is told about them.",
        ),
        rule(
            "PalisadeAuditBatchLatencyHigh",
            format!(
                "histogram_quantile(0.99, sum by (le) (rate({AUDIT_BATCH_DURATION}_bucket[5m]))) > 1"
            ),
            "15m",
            "warning",
        )
        .text(
            "The audit sink takes {{ $value | humanizeDuration }} per batch (p99)",
            "The API server's audit webhook backend buffers while the sink is slow and drops events when its buffer is full.",
        ),
        rule(
            "PalisadeAuditMetricsAbsent",
            format!("absent({AUDIT_EVENTS})"),
            "15m",
            "critical",
        )
        .text(
            "The palisade audit sink is not scraped",
            "No audit sink metrics for 15 minutes: the sink is down or unscraped, and audit alerting is unwatched.",
        ),
    ];
    Group {
        name: "palisade-audit".to_string(),
        rules,
    }
}

fn scan_rules(o: &RulesOptions) -> Group {
    use names::*;
    let interval = u64::from(o.scan_interval_hours.max(1)) * 3600;
    let max_age = u64::from(o.vulndb_max_age_days.max(1)) * 86400;
    let rules = vec![
        rule(
            "PalisadePostureRegressed",
            format!("{POSTURE_SCORE} <= max_over_time({POSTURE_SCORE}[7d]) - 5"),
            "1h",
            "warning",
        )
        .text(
            "Security posture score fell to {{ $value }}",
            "The posture score is at least 5 points below its best of the last 7 days: new findings came in (see `palisade scan`).",
        ),
        rule(
            "PalisadeHighFindingsIncreased",
            format!(
                "{POSTURE_FINDINGS}{{severity=~\"critical|high\"}} > {POSTURE_FINDINGS}{{severity=~\"critical|high\"}} offset 1d"
            ),
            "1h",
            "warning",
        )
        .text(
            "More {{ $labels.severity }} findings than a day ago ({{ $value }})",
            "A change added {{ $labels.severity }} findings; `palisade scan` shows them with their fix.",
        ),
        rule(
            "PalisadeScanNotRunning",
            format!(
                "time() - {POSTURE_LAST_RUN} > {}\nor\nabsent({POSTURE_LAST_RUN})",
                2 * interval
            ),
            "1h",
            "warning",
        )
        .text(
            "No palisade scan result for two scan intervals",
            "The scan job stopped reporting: posture regressions go unnoticed.",
        ),
        rule(
            "PalisadeVulnerabilityDataStale",
            format!("time() - {VULNDB_LAST_UPDATE} > {max_age}"),
            "1h",
            "warning",
        )
        .text(
            "Vulnerability data is {{ $value | humanizeDuration }} old",
            &format!(
                "The OSV database was last updated more than {} days ago: new vulnerabilities are not matched. Run `palisade db update`.",
                o.vulndb_max_age_days
            ),
        ),
    ];
    Group {
        name: "palisade-posture".to_string(),
        rules,
    }
}

/// Rules every cluster needs: nodes, and pods in `default`.
fn cluster_rules(survey: &Survey) -> Group {
    let mut rules = vec![
        rule(
            "KubeNodeNotReady",
            "kube_node_status_condition{condition=\"Ready\", status=\"true\"} == 0".to_string(),
            "15m",
            "critical",
        )
        .text(
            "Node {{ $labels.node }} is not ready",
            "The node has not been Ready for 15 minutes; its pods are being evicted or are unreachable.",
        ),
        rule(
            "KubeNodePressure",
            "kube_node_status_condition{condition=~\"MemoryPressure|DiskPressure|PIDPressure\", status=\"true\"} == 1".to_string(),
            "10m",
            "warning",
        )
        .text(
            "Node {{ $labels.node }} under {{ $labels.condition }}",
            "The kubelet reports {{ $labels.condition }}: it evicts pods and refuses new ones.",
        ),
        rule(
            "KubePodsInDefaultNamespace",
            "count by (namespace) (kube_pod_info{namespace=\"default\"}) > 0".to_string(),
            "1h",
            "warning",
        )
        .text(
            "{{ $value }} pods run in the default namespace",
            "Workloads in `default` escape the quotas, network policies and Pod Security levels set per namespace; move them to a namespace of their own.",
        ),
    ];
    let node_exporter = survey
        .targets
        .iter()
        .any(|t| t.images.iter().any(|i| i.ends_with("node-exporter")));
    if node_exporter {
        rules.push(
            rule(
                "NodeFilesystemAlmostFull",
                "node_filesystem_avail_bytes{fstype!~\"tmpfs|overlay|squashfs\", mountpoint=\"/\"} / node_filesystem_size_bytes{fstype!~\"tmpfs|overlay|squashfs\", mountpoint=\"/\"} < 0.10".to_string(),
                "15m",
                "warning",
            )
            .text(
                "Root filesystem of {{ $labels.instance }} is {{ $value | humanizePercentage }} free",
                "A full root filesystem stops the kubelet and the container runtime from writing; pods get evicted.",
            ),
        );
    }
    Group {
        name: "palisade-cluster".to_string(),
        rules,
    }
}

fn sel(metric: &str, matchers: &[(&str, &str, String)]) -> String {
    let ms: Vec<String> = matchers
        .iter()
        .map(|(k, op, v)| format!("{k}{op}{}", quote(v)))
        .collect();
    format!("{metric}{{{}}}", ms.join(", "))
}

fn workload_rules(t: &Target) -> Vec<Rule> {
    let sev = if t.is_critical() {
        "critical"
    } else {
        "warning"
    };
    let ns = ("namespace", "=", t.namespace.clone());
    let who = format!("{} {}/{}", t.kind, t.namespace, t.name);
    let tag = |r: Rule| -> Rule {
        let r = r.label("workload", &t.name).label("workload_kind", &t.kind);
        if t.is_critical() {
            r.label("business_critical", "true")
        } else {
            r
        }
    };
    let mut out = Vec::new();
    match t.kind.as_str() {
        "Deployment" => out.push(tag(rule(
            "KubeDeploymentReplicasUnavailable",
            format!(
                "{} > 0",
                sel(
                    "kube_deployment_status_replicas_unavailable",
                    &[ns.clone(), ("deployment", "=", t.name.clone())]
                )
            ),
            "15m",
            sev,
        )
        .text(
            &format!("{who} has unavailable replicas"),
            "{{ $value }} replicas of the deployment have been unavailable for 15 minutes.",
        ))),
        "StatefulSet" => out.push(tag(rule(
            "KubeStatefulSetReplicasNotReady",
            format!(
                "{} < on (namespace, statefulset) {}",
                sel(
                    "kube_statefulset_status_replicas_ready",
                    &[ns.clone(), ("statefulset", "=", t.name.clone())]
                ),
                sel(
                    "kube_statefulset_replicas",
                    &[ns.clone(), ("statefulset", "=", t.name.clone())]
                )
            ),
            "15m",
            sev,
        )
        .text(
            &format!("{who} has replicas that are not ready"),
            "Only {{ $value }} replicas of the stateful set have been ready for 15 minutes.",
        ))),
        "DaemonSet" => out.push(tag(rule(
            "KubeDaemonSetPodsUnavailable",
            format!(
                "{} > 0",
                sel(
                    "kube_daemonset_status_number_unavailable",
                    &[ns.clone(), ("daemonset", "=", t.name.clone())]
                )
            ),
            "15m",
            sev,
        )
        .text(
            &format!("{who} is unavailable on some nodes"),
            "{{ $value }} nodes have had no available pod of the daemon set for 15 minutes.",
        ))),
        "ReplicaSet" => out.push(tag(rule(
            "KubeReplicaSetReplicasNotReady",
            format!(
                "{} < on (namespace, replicaset) {}",
                sel(
                    "kube_replicaset_status_ready_replicas",
                    &[ns.clone(), ("replicaset", "=", t.name.clone())]
                ),
                sel(
                    "kube_replicaset_spec_replicas",
                    &[ns.clone(), ("replicaset", "=", t.name.clone())]
                )
            ),
            "15m",
            sev,
        )
        .text(
            &format!("{who} has replicas that are not ready"),
            "Only {{ $value }} replicas have been ready for 15 minutes.",
        ))),
        "Job" | "CronJob" => {
            let job = t.job_pattern().unwrap_or_default();
            let op = if t.kind == "Job" { "=" } else { "=~" };
            out.push(tag(rule(
                "KubeJobFailed",
                format!(
                    "{} > 0",
                    sel(
                        "kube_job_status_failed",
                        &[ns.clone(), ("job_name", op, job)]
                    )
                ),
                "",
                sev,
            )
            .text(
                &format!("A job of {who} failed"),
                "Job {{ $labels.job_name }} has {{ $value }} failed pods; its work was not done.",
            )));
        }
        _ => {}
    }
    let pods = ("pod", "=~", t.pod_pattern());
    if t.long_running {
        out.push(tag(rule(
            "KubePodCrashLooping",
            format!(
                "max_over_time({}[5m]) >= 1",
                sel(
                    "kube_pod_container_status_waiting_reason",
                    &[ns.clone(), pods.clone(), ("reason", "=", "CrashLoopBackOff".into())]
                )
            ),
            "15m",
            sev,
        )
        .text(
            &format!("A pod of {who} is crash looping"),
            "Container {{ $labels.container }} of pod {{ $labels.pod }} has been in CrashLoopBackOff for 15 minutes.",
        )));
        out.push(tag(rule(
            "KubePodRestartingOften",
            format!(
                "increase({}[1h]) > 3",
                sel(
                    "kube_pod_container_status_restarts_total",
                    &[ns.clone(), pods.clone()]
                )
            ),
            "",
            "warning",
        )
        .text(
            &format!("A pod of {who} keeps restarting"),
            "Container {{ $labels.container }} of pod {{ $labels.pod }} restarted {{ $value | humanize }} times in an hour (crashes, OOM kills or failing liveness probes).",
        )));
    }
    for c in &t.claims {
        let claim = if c.pattern == regex_escape(&c.name) {
            ("persistentvolumeclaim", "=", c.name.clone())
        } else {
            ("persistentvolumeclaim", "=~", c.pattern.clone())
        };
        let avail = sel(
            "kubelet_volume_stats_available_bytes",
            &[ns.clone(), claim.clone()],
        );
        let cap = sel("kubelet_volume_stats_capacity_bytes", &[ns.clone(), claim]);
        out.push(tag(rule(
            "KubePersistentVolumeFillingUp",
            format!("{avail} / {cap} < 0.10"),
            "5m",
            sev,
        )
        .text(
            &format!(
                "Volume claim {{{{ $labels.persistentvolumeclaim }}}} of {who} is almost full"
            ),
            "{{ $value | humanizePercentage }} of the volume is free.",
        )));
        out.push(tag(rule(
            "KubePersistentVolumeFillingUpPredicted",
            format!("{avail} / {cap} < 0.15\nand\npredict_linear({avail}[6h], 4 * 24 * 3600) < 0"),
            "1h",
            "warning",
        )
        .text(
            &format!("Volume claim {{{{ $labels.persistentvolumeclaim }}}} of {who} fills up within 4 days"),
            "At the rate of the last 6 hours the volume is full within four days.",
        )));
    }
    out
}

fn claim_rules(ns: &str, claim: &str) -> Vec<Rule> {
    let m = [
        ("namespace", "=", ns.to_string()),
        ("persistentvolumeclaim", "=", claim.to_string()),
    ];
    let avail = sel("kubelet_volume_stats_available_bytes", &m);
    let cap = sel("kubelet_volume_stats_capacity_bytes", &m);
    vec![
        rule(
            "KubePersistentVolumeFillingUp",
            format!("{avail} / {cap} < 0.10"),
            "5m",
            "warning",
        )
        .text(
            &format!("Volume claim {ns}/{claim} is almost full"),
            "{{ $value | humanizePercentage }} of the volume is free.",
        ),
    ]
}

fn certificate_rules(survey: &Survey, ns: &str) -> Vec<Rule> {
    let mut out = Vec::new();
    for c in survey.certificates.iter().filter(|c| c.namespace == ns) {
        let m = [
            ("namespace", "=", c.namespace.clone()),
            ("name", "=", c.name.clone()),
        ];
        out.push(
            rule(
                "CertificateExpiringSoon",
                format!(
                    "{} - time() < 21 * 86400",
                    sel("certmanager_certificate_expiration_timestamp_seconds", &m)
                ),
                "1h",
                "warning",
            )
            .label("certificate", &c.name)
            .text(
                &format!("Certificate {ns}/{} expires in {{{{ $value | humanizeDuration }}}}", c.name),
                &format!(
                    "cert-manager has not renewed it ({}); past its expiry clients refuse the connection.",
                    c.source
                ),
            ),
        );
        let mut ready = m.to_vec();
        ready.push(("condition", "=", "False".to_string()));
        out.push(
            rule(
                "CertificateNotReady",
                format!(
                    "{} == 1",
                    sel("certmanager_certificate_ready_status", &ready)
                ),
                "15m",
                "warning",
            )
            .label("certificate", &c.name)
            .text(
                &format!("Certificate {ns}/{} is not ready", c.name),
                &format!(
                    "cert-manager cannot issue or renew it ({}); see `kubectl describe certificate -n {ns} {}`.",
                    c.source, c.name
                ),
            ),
        );
    }
    out
}

/// The rule groups for `survey`: palisade's own (as `opts` says), one for
/// nodes and the `default` namespace, and one per namespace with its
/// workloads, volume claims and certificates.
pub fn generate(survey: &Survey, opts: &RulesOptions) -> Vec<Group> {
    let mut groups = Vec::new();
    if opts.components.admission {
        groups.push(admission_rules(opts));
    }
    if opts.components.audit {
        groups.push(audit_rules());
    }
    if opts.components.scan {
        groups.push(scan_rules(opts));
    }
    groups.push(cluster_rules(survey));
    for ns in &survey.namespaces {
        let mut rules: Vec<Rule> = survey
            .targets
            .iter()
            .filter(|t| &t.namespace == ns)
            .flat_map(workload_rules)
            .collect();
        for (cns, claim) in &survey.unmounted_claims {
            if cns == ns {
                rules.extend(claim_rules(ns, claim));
            }
        }
        rules.extend(certificate_rules(survey, ns));
        if !rules.is_empty() {
            groups.push(Group {
                name: format!("palisade-workloads-{ns}"),
                rules,
            });
        }
    }
    groups
}
