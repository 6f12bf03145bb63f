use clap::{Args, Parser, Subcommand, ValueEnum};
use palisade_findings::{Severity, Threshold};
use std::path::PathBuf;

/// Kubernetes hardening for small teams: finds what is wrong, explains why
/// it matters, and says precisely what to change.
#[derive(Parser, Debug)]
#[command(
    name = "palisade",
    version,
    about,
    args_override_self = true,
    after_help = "Examples:
  palisade scan k8s/                         find what is wrong, and what to change
  palisade fix k8s/ --diff                   the fixes palisade can make, as a diff
  palisade scan --cluster                    the live cluster, read-only
  palisade report k8s/ -o report.html        the posture report, one page
  palisade rbac who-can get secrets k8s/     who can read Secrets, and through which binding

`palisade COMMAND --help` explains a command; `palisade checks explain ID` a finding."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Let `-o` overwrite a file that is one of the inputs.
    #[arg(long, global = true)]
    pub force: bool,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Scan manifests, Terraform or a live cluster for security and hardening problems.
    ///
    /// Scan manifests (YAML, JSON, List objects, kubectl dumps) for Pod
    /// Security, hardening, namespace and quota problems.
    Scan(ScanArgs),
    /// Check pods against a Pod Security Standards level, as the admission plugin does.
    ///
    /// Evaluate pods and pod templates against a Pod Security Standards
    /// level and version, exactly as the admission plugin does.
    Pss(PssArgs),
    /// The check catalogue: list the checks, explain one.
    ///
    /// The check catalogue.
    Checks(ChecksArgs),
    /// RBAC: who can, can, explain, risks, escalation paths, roles from audit logs.
    ///
    /// RBAC analysis: who can, can, explain, risks, escalation paths,
    /// least-privilege roles from audit logs.
    Rbac(RbacArgs),
    /// Drift between infrastructure as code and the cluster.
    ///
    /// Drift between infrastructure as code and the cluster: objects nobody
    /// declared, declared objects that are missing, changed security fields.
    /// Exit 1 on drift.
    Drift(DriftArgs),
    /// NetworkPolicies: reachability, the connectivity matrix, generated policies.
    ///
    /// NetworkPolicy analysis: reachability between two workloads, the
    /// connectivity matrix, and generated least-privilege policies.
    Netpol(NetpolArgs),
    /// Admission control: the webhook and the manifests that install it.
    ///
    /// Admission control: the HTTPS AdmissionReview webhook and the
    /// manifests that install it.
    Admission(AdmissionArgs),
    /// Gatekeeper policies: run suites, apply constraints to manifests.
    ///
    /// Gatekeeper policies: run gator Suite files, and apply
    /// ConstraintTemplates and Constraints to manifests before they ship.
    Policy(PolicyArgs),
    /// Audit logging: the audit policy, API server flags, detection, the audit sink.
    ///
    /// Audit logging: the audit Policy (explain, lint) and the API
    /// server's audit flags.
    Audit(AuditArgs),
    /// Apply the fixes to the files in place, or show them as a diff.
    ///
    /// Apply the catalogue's fixes to the files they came from, in place
    /// (comments, order, quoting and other documents kept), or show them as
    /// a diff. Unsafe fixes (that can change what a workload does) only
    /// with --unsafe. Exit 1 when fixable findings remain, 2 on bad input.
    Fix(FixArgs),
    /// Generate network policies, quotas, an audit policy, least-privilege RBAC.
    ///
    /// Generate what hardening needs: network policies, quotas, an audit
    /// policy, least-privilege RBAC.
    Generate(GenerateArgs),
    /// What runs: workloads, images, service accounts, exposure, connections.
    ///
    /// What runs: every workload with its images (pinned or not), service
    /// account, exposure, mounts and declared connections, and summaries.
    Inventory(InventoryArgs),
    /// The threat model: components, trust boundaries, attack paths, STRIDE.
    ///
    /// Threat model of the cluster: components, trust
    /// boundaries, the three attacker profiles and what each reaches, attack
    /// paths found by graph search over the evidence and ranked by impact and
    /// length, STRIDE per component tied to findings and lines. Deterministic
    /// Markdown (with Mermaid diagrams), JSON or a self-contained HTML page.
    ThreatModel(ThreatModelArgs),
    /// Software bill of materials of an image, root filesystem or project.
    ///
    /// Software bill of materials of a root filesystem, project directory or
    /// image (docker-archive, OCI layout directory or archive; PATH:TAG picks
    /// one image): OS and language packages, Go and Rust binaries, Java
    /// archives, and the minimal-image assessment. Exit 1 with
    /// --fail-on-assessment when the assessment found something, 2 when part
    /// of the input could not be read (the rest is still catalogued).
    Sbom(SbomArgs),
    /// The local OSV vulnerability database: update, import, status.
    ///
    /// The local OSV vulnerability database: download OSV's exports
    /// (update), import records (files, directories, all.zip exports), show
    /// its status and age.
    Db(DbArgs),
    /// Known vulnerabilities of an image, root filesystem, project or SBOM.
    ///
    /// Vulnerabilities of what `palisade sbom` finds in TARGET (image,
    /// root filesystem, project directory with lock files), matched against
    /// the local OSV database by ecosystem and exact version order. Exit 1
    /// with --fail-on when a vulnerability at or above it is found, 2 when
    /// the input or the database cannot be read.
    Vuln(VulnArgs),
    /// Credentials in source trees, image layers and manifests.
    ///
    /// Credentials in source trees (respecting .gitignore), container image
    /// layers (every layer, also files a later layer deletes) and
    /// Kubernetes manifests (Secret data, literal env values, the
    /// last-applied annotation). Values are never printed. Exit 1 when a
    /// finding not in the baseline is at or above --fail-on, 2 when some
    /// input could not be read.
    Secrets(SecretsArgs),
    /// Monitoring: alerting rules, coverage of critical workloads, posture metrics.
    ///
    /// Monitoring: alerting rules for palisade's metrics
    /// and for every workload of the inventory (PrometheusRule or rule
    /// file), which business-critical workloads no alert watches (exit 1),
    /// and a scan's posture metrics for Prometheus.
    Monitor(MonitorArgs),
    /// The posture report: one self-contained HTML page, or Markdown.
    ///
    /// The posture report: the score and how it is computed, the status of
    /// each of the eleven hardening areas from the evidence, findings by severity
    /// and namespace, the threat model, NetworkPolicy matrix and RBAC
    /// risks, each finding linked to its fix. One self-contained HTML page
    /// (no network) or Markdown. Exit 2 when some input could not be read.
    Report(ReportArgs),
    /// The scan history: the score over time, what was fixed, what is new.
    ///
    /// The scan history (`--history DB` on scan and report): each run's
    /// score and counts, and what was fixed and what is new since the
    /// previous run of the same source.
    History(HistoryArgs),
}

#[derive(Args, Debug)]
#[command(after_help = "Examples:
  palisade secrets .
  palisade secrets . --format json -o .secrets-baseline.json   accept what is there now
  palisade secrets . --baseline .secrets-baseline.json         then fail only on new ones
  palisade secrets app.tar                                      every layer of an image")]
pub struct SecretsArgs {
    /// Files, directories, or images (docker-archive or OCI tarball, OCI
    /// layout directory; append :TAG to pick an image).
    #[arg(value_name = "PATH", required_unless_present = "list_rules")]
    pub paths: Vec<PathBuf>,
    #[arg(short, long, default_value = "table", value_parser = ["table", "json", "sarif"])]
    pub format: String,
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// A previous JSON report: its findings (same secret in the same file)
    /// are accepted and do not fail the run.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Exit 1 when a new finding is at or above this severity (critical,
    /// high, medium, low, info) or never (`none`).
    #[arg(
        long,
        value_name = "SEVERITY",
        default_value = "low",
        ignore_case = true
    )]
    pub fail_on: Threshold,
    /// Also read files that .gitignore excludes.
    #[arg(long)]
    pub no_ignore: bool,
    /// Largest file to read, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 10)]
    pub max_file_size: u64,
    /// List the rules and exit.
    #[arg(long)]
    pub list_rules: bool,
}

#[derive(Args, Debug)]
#[command(after_help = "Examples:
  palisade db update                           download OSV's exports
  palisade db update --ecosystem Debian,PyPI   only these ecosystems
  palisade db import all.zip --db osv.sqlite   an export downloaded elsewhere
  palisade db status --fail-stale              exit 1 when older than 7 days")]
pub struct DbArgs {
    #[command(subcommand)]
    pub command: DbCommand,
}

#[derive(Subcommand, Debug)]
pub enum DbCommand {
    /// Import OSV records (JSON or YAML files, directories, all.zip exports);
    /// idempotent: a record is replaced only by a later `modified`.
    #[command(after_help = "Examples:
  palisade db import all.zip                    an OSV export
  palisade db import osv/ --db osv.sqlite       a directory of records
  palisade db import GHSA-xxxx-yyyy-zzzz.json   one record")]
    Import {
        #[arg(value_name = "PATH", required = true)]
        paths: Vec<PathBuf>,
        /// The database file (default: $XDG_DATA_HOME/palisade/osv.sqlite).
        #[arg(long, value_name = "FILE")]
        db: Option<PathBuf>,
    },
    /// Download OSV's per-ecosystem exports (all.zip) over HTTPS and import
    /// them; an export the server says is unchanged (ETag) is skipped.
    #[command(after_help = "Examples:
  palisade db update                                                     every catalogued ecosystem
  palisade db update --ecosystem Debian,PyPI --db osv.sqlite             only these
  palisade db update --mirror https://osv.example.com --ca-cert ca.pem   a mirror")]
    Update {
        /// OSV ecosystems to download (repeatable, comma-separated; default:
        /// every ecosystem palisade catalogs).
        #[arg(long = "ecosystem", value_name = "ECOSYSTEM", value_delimiter = ',')]
        ecosystems: Vec<String>,
        #[arg(long, value_name = "FILE")]
        db: Option<PathBuf>,
        /// Base URL of the exports (default:
        /// https://osv-vulnerabilities.storage.googleapis.com).
        #[arg(long, value_name = "URL")]
        mirror: Option<String>,
        /// Also trust the CA certificates in this PEM file (a mirror's own
        /// CA; SSL_CERT_FILE replaces the system's certificates).
        #[arg(long, value_name = "FILE")]
        ca_cert: Option<PathBuf>,
    },
    /// Records per ecosystem, newest record, age of the last import; warns
    /// when the data is older than --max-age days.
    #[command(after_help = "Examples:
  palisade db status                                            records per ecosystem, age
  palisade db status --db osv.sqlite --max-age 3 --fail-stale   exit 1 after 3 days")]
    Status {
        #[arg(long, value_name = "FILE")]
        db: Option<PathBuf>,
        /// Days after which the data is stale (default: `vulnerabilities:
        /// maxAge` of .palisade.yaml, else 7).
        #[arg(long, value_name = "DAYS")]
        max_age: Option<u32>,
        /// Exit 1 when the data is stale.
        #[arg(long)]
        fail_stale: bool,
    },
}

#[derive(Args, Debug)]
#[command(after_help = "Examples:
  palisade db update                        download OSV's exports once
  palisade vuln app.tar                     an image
  palisade vuln . --fail-on high            a project's lock files
  palisade vuln sbom.cdx.json               an SBOM another tool wrote")]
pub struct VulnArgs {
    /// Anything `palisade sbom` reads (append :TAG to pick an image).
    #[arg(value_name = "TARGET")]
    pub target: String,
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    #[arg(short, long, default_value = "table", value_parser = ["table", "json", "sarif", "cyclonedx-vex", "markdown"])]
    pub format: String,
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 when a vulnerability is at or above this rating (`info`, or
    /// `any`: every vulnerability, records without a rating too). Suppressed and left-out
    /// vulnerabilities do not count.
    #[arg(long, value_name = "SEVERITY", ignore_case = true)]
    pub fail_on: Option<Threshold>,
    /// Leave out vulnerabilities no released version fixes.
    #[arg(long)]
    pub ignore_unfixed: bool,
    /// Also report what the distribution rates negligible (Debian
    /// `unimportant`, Ubuntu `negligible`).
    #[arg(long)]
    pub include_negligible: bool,
    /// Configuration file with `vulnerabilities: ignore:` rules (default:
    /// .palisade.yaml in the current directory, else in TARGET).
    #[arg(short, long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Warn when the database is older than this many days (default:
    /// `vulnerabilities: maxAge`, else 7).
    #[arg(long, value_name = "DAYS")]
    pub max_age: Option<u32>,
}

#[derive(Args, Debug)]
#[command(after_help = "Examples:
  palisade sbom image.tar                                    what an image ships (docker save)
  palisade sbom . --format cyclonedx-json -o sbom.cdx.json   a project's packages
  palisade sbom --registry ghcr.io/example/worker:1.9.0      pulled from a registry
  palisade sbom image.tar --fail-on-assessment medium        exit 1 if not minimal
  palisade sbom --list-catalogers                            what is catalogued, from where")]
pub struct SbomArgs {
    /// A directory or root filesystem, a docker-archive or OCI tarball, or
    /// an OCI image layout directory (append :TAG to pick an image).
    #[arg(value_name = "TARGET", required_unless_present = "list_catalogers")]
    pub target: Option<String>,
    #[arg(short, long, default_value = "table", value_parser = ["cyclonedx-json", "spdx-json", "table", "json"])]
    pub format: String,
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 when the minimal-image assessment reports anything at or above
    /// this severity (low, medium, high; `none`: never).
    #[arg(long, value_name = "SEVERITY", ignore_case = true)]
    pub fail_on_assessment: Option<Threshold>,
    /// List the catalogers and what each reads, then exit.
    #[arg(long)]
    pub list_catalogers: bool,
    /// TARGET is an image reference (registry/repository:tag or @digest),
    /// pulled with the OCI distribution API (credentials from
    /// PALISADE_REGISTRY_USERNAME and PALISADE_REGISTRY_PASSWORD).
    #[arg(long)]
    pub registry: bool,
    /// With --registry: plain HTTP (a local or lab registry).
    #[arg(long, requires = "registry")]
    pub insecure_registry: bool,
}

#[derive(Args, Debug)]
#[command(after_help = "Examples:
  palisade threat-model examples/demo                                  Markdown, Mermaid diagrams
  palisade threat-model --cluster --format html -o threat-model.html   one page
  palisade threat-model k8s/ --ingress-namespace traefik               another ingress controller")]
pub struct ThreatModelArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[arg(short, long, default_value = "markdown", value_parser = ["markdown", "json", "html"])]
    pub format: String,
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Namespace of the ingress controller that forwards Ingress traffic
    /// (its NetworkPolicy peer).
    #[arg(long, value_name = "NAMESPACE", default_value = "ingress-nginx")]
    pub ingress_namespace: String,
}

#[derive(Args, Debug)]
#[command(after_help = "Examples:
  palisade inventory examples/demo                              workloads, images, exposure
  palisade inventory --cluster --format csv -o inventory.csv    for a spreadsheet
  palisade inventory k8s/ --format cyclonedx -o kbom.cdx.json   a CycloneDX KBOM")]
pub struct InventoryArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// cyclonedx: a CycloneDX 1.6 KBOM of the cluster (workloads as
    /// services, images as components, what uses what as dependencies).
    #[arg(short, long, default_value = "table", value_parser = ["table", "json", "csv", "markdown", "cyclonedx"])]
    pub format: String,
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct NetpolGenerateArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Observed connections, CSV `src_ns/src,dst_ns/dst,port/proto` (e.g. from Hubble).
    #[arg(long, value_name = "FILE")]
    pub flows: Option<PathBuf>,
    /// Namespace of the ingress controller (for Ingress backends).
    #[arg(long, value_name = "NS", default_value = "ingress-nginx")]
    pub ingress_controller_namespace: String,
    #[arg(short, long, default_value = "yaml", value_parser = ["yaml", "terraform"])]
    pub format: String,
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct RbacGenerateArgs {
    /// A JSON-lines audit log (audit.k8s.io/v1 Events).
    #[arg(long, value_name = "FILE")]
    pub audit_log: PathBuf,
    #[arg(long)]
    pub user: Option<String>,
    /// NAMESPACE:NAME
    #[arg(long)]
    pub serviceaccount: Option<String>,
    #[arg(short, long, default_value = "yaml", value_parser = ["yaml", "terraform"])]
    pub format: String,
    /// Name of the generated roles and bindings (default palisade:<subject>).
    #[arg(long)]
    pub name: Option<String>,
    /// Grant exactly the verbs seen (do not add get/list/watch to each other).
    #[arg(long)]
    pub exact_verbs: bool,
}

#[derive(Args, Debug)]
pub struct AuditPolicyGenerateArgs {
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Derive the policy from these Falco rules files instead of the
    /// shipped ones.
    #[command(flatten)]
    pub rules: RulesArgs,
}

#[derive(Args, Debug)]
#[command(after_help = "Examples:
  palisade generate netpol examples/demo -n shop              NetworkPolicies for a namespace
  palisade generate quotas examples/demo -o quotas.yaml       quotas and limits per namespace
  palisade generate audit-policy -o audit-policy.yaml         an audit Policy
  palisade generate rbac --audit-log audit.log --user alice   least-privilege RBAC
  palisade generate admission-policy -o policies.yaml         policies the API server enforces")]
pub struct GenerateArgs {
    #[command(subcommand)]
    pub command: GenerateCommand,
}

/// Everything palisade writes for you, in one place.
#[derive(Subcommand, Debug)]
pub enum GenerateCommand {
    /// NetworkPolicies for the declared or observed flows (= `netpol generate`).
    #[command(after_help = "Examples:
  palisade generate netpol examples/demo -n shop                         policies for namespace shop
  palisade generate netpol k8s/ --flows flows.csv -o netpol.yaml         also the flows Hubble saw
  palisade generate netpol k8s/ --format terraform -o netpol.tf          as Terraform
  palisade generate netpol k8s/ --ingress-controller-namespace traefik   another ingress controller")]
    Netpol(NetpolGenerateArgs),
    /// A ResourceQuota and LimitRange per namespace, sized from the
    /// workloads' requests, limits and replicas times --headroom.
    #[command(after_help = "Examples:
  palisade generate quotas examples/demo                               1.5 times today's requests
  palisade generate quotas k8s/ --headroom 2 -o quotas.yaml            twice that
  palisade generate quotas --cluster --format terraform -o quotas.tf   as Terraform")]
    Quotas(QuotasArgs),
    /// An audit Policy for the loaded detection rules (= `audit policy generate`).
    #[command(after_help = "Examples:
  palisade generate audit-policy -o audit-policy.yaml                         for the shipped rules
  palisade generate audit-policy --rules my-rules.yaml -o audit-policy.yaml   for your Falco rules
  palisade generate audit-policy --rules default --rules my-rules.yaml        for both")]
    AuditPolicy(AuditPolicyGenerateArgs),
    /// A least-privilege Role and binding from an audit log (= `rbac generate`).
    #[command(after_help = "Examples:
  palisade generate rbac --audit-log examples/audit/audit.log --serviceaccount shop:web
  palisade generate rbac --audit-log audit.log --user alice --exact-verbs        only the verbs seen
  palisade generate rbac --audit-log audit.log --user alice --format terraform   as Terraform
  palisade generate rbac --audit-log audit.log --user alice --name alice-ro      name the roles")]
    Rbac(RbacGenerateArgs),
    /// ValidatingAdmissionPolicies the API server enforces itself (1.30+):
    /// Pod Security, the hardening checks CEL can express, Ingress hosts.
    #[command(after_help = "Examples:
  palisade generate admission-policy -o policies.yaml                    deny, Pod Security latest
  palisade generate admission-policy k8s/ --mode warn                    warn first; says what k8s/ would hit
  palisade generate admission-policy --pss-version v1.30 --default-level baseline
  palisade generate admission-policy --ingress-host shop.example.com --ingress-host '*.example.org'
  palisade generate admission-policy --format terraform -o policies.tf   as Terraform")]
    AdmissionPolicy(AdmissionPolicyArgs),
}

#[derive(Args, Debug)]
pub struct AdmissionPolicyArgs {
    /// Manifests (or `--cluster`) to try the policies on: what they would
    /// deny is said on stderr. Their `.palisade.yaml` gives the exempt
    /// namespaces and the default Pod Security level.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Try the policies on the live cluster's objects (read-only).
    #[arg(long)]
    pub cluster: bool,
    /// Kubeconfig file for --cluster.
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context for --cluster.
    #[arg(long)]
    pub context: Option<String>,
    /// What the bindings do: deny (and audit), warn (and audit), or audit.
    #[arg(long, default_value = "deny", value_parser = ["deny", "warn", "audit"], ignore_case = true)]
    pub mode: String,
    #[arg(short, long, default_value = "yaml", value_parser = ["yaml", "terraform"])]
    pub format: String,
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The Pod Security version the controls follow (v1.N or latest).
    #[arg(long, value_name = "VERSION", default_value = "latest")]
    pub pss_version: String,
    /// The level of namespaces without the level label (baseline or
    /// restricted; default: the configuration's, else not bound).
    #[arg(long, value_name = "LEVEL")]
    pub default_level: Option<String>,
    /// The namespace label whose value names a namespace's level.
    #[arg(
        long,
        value_name = "KEY",
        default_value = "pod-security.kubernetes.io/enforce"
    )]
    pub level_label: String,
    /// Namespace of the parameter ConfigMaps.
    #[arg(long, value_name = "NS", default_value = "palisade")]
    pub params_namespace: String,
    /// A namespace (or `kube-*` glob) left out (repeatable; default: the
    /// configuration's exemptNamespaces, else kube-system).
    #[arg(long, value_name = "NS")]
    pub exempt_namespace: Vec<String>,
    /// An allowed Ingress host, `*.example.com` for one label under it
    /// (repeatable); none: no Ingress policy.
    #[arg(long, value_name = "HOST")]
    pub ingress_host: Vec<String>,
    /// Configuration file (default: .palisade.yaml as `scan` finds it).
    #[arg(short, long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Prefix of the generated objects' names.
    #[arg(long, value_name = "PREFIX", default_value = "palisade")]
    pub name_prefix: String,
    /// Only these policies (repeatable; default all): pod-security,
    /// hardening, ingress-hosts.
    #[arg(long, value_name = "POLICY", value_parser = ["pod-security", "hardening", "ingress-hosts"])]
    pub policy: Vec<String>,
}

#[derive(Args, Debug)]
pub struct QuotasArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Multiply what the workloads ask for today by this.
    #[arg(long, default_value_t = 1.5)]
    pub headroom: f64,
    #[arg(short, long, default_value = "yaml", value_parser = ["yaml", "terraform"])]
    pub format: String,
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Args, Debug)]
#[command(after_help = "Examples:
  palisade fix k8s/ --diff                 show the safe fixes
  palisade fix k8s/                        apply them in place
  palisade fix k8s/ --unsafe --diff        also those to check first")]
pub struct FixArgs {
    /// Files or directories (YAML and JSON manifests).
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
    /// Only fix findings of these checks (repeatable).
    #[arg(long = "check", value_name = "ID")]
    pub checks: Vec<String>,
    /// Only fix findings at or above this severity.
    #[arg(long, value_name = "SEVERITY", ignore_case = true)]
    pub min_severity: Option<Severity>,
    /// Print a unified diff instead of writing.
    #[arg(long, conflicts_with = "dry_run")]
    pub diff: bool,
    /// Say what would change, write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Also apply fixes that can change a workload's behaviour (each says why).
    #[arg(long = "unsafe")]
    pub unsafe_: bool,
    /// Pin images to these digests: lines `IMAGE sha256:…` (as `crane digest`
    /// or a registry shows them); images not listed are left alone.
    #[arg(long, value_name = "FILE")]
    pub image_digests: Option<PathBuf>,
    /// Namespace of objects that set none.
    #[arg(short = 'n', long)]
    pub namespace: Option<String>,
}

#[derive(Args, Debug)]
#[command(after_help = "Examples:
  palisade audit policy lint examples/audit/bad-policy.yaml            what the audit Policy misses
  palisade audit analyze examples/audit/audit.log                      detection rules over a log
  palisade audit check-apiserver examples/audit/kube-apiserver.yaml    the audit flags
  palisade audit install --url https://10.0.0.5:8443/audit -o audit/   the audit sink")]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: AuditCommand,
}

#[derive(Subcommand, Debug)]
// parsed once per run: the size of its largest variant costs nothing
#[allow(clippy::large_enum_variant)]
pub enum AuditCommand {
    /// The audit Policy (audit.k8s.io/v1).
    #[command(after_help = "Examples:
  palisade audit policy generate -o audit-policy.yaml                         a recommended Policy
  palisade audit policy lint examples/audit/cis-policy.yaml --rules default   lint it
  palisade audit policy explain audit-policy.yaml --user alice --verb get --resource secrets")]
    Policy {
        #[command(subcommand)]
        command: AuditPolicyCommand,
    },
    /// Run detection rules (palisade's pack, or Falco k8s_audit rules files)
    /// over audit logs (JSON lines, EventList
    /// documents, or EKS, GKE and AKS audit records as their cloud's logging
    /// exports them, detected record by record; `-` reads stdin) and print
    /// the alerts. Exit 1 when an alert is at or above --fail-on, 2 when
    /// input or rules could not be read.
    #[command(after_help = "Examples:
  palisade audit analyze examples/audit/audit.log                              the shipped rules
  palisade audit analyze audit.log --rules default --rules my-rules.yaml       and your own
  palisade audit analyze /var/log/kube-audit.log --follow --format json        as the log grows
  palisade audit analyze audit.log --min-priority warning --fail-on critical   in CI
  palisade audit analyze audit.log --internal-cidr 10.0.0.0/8 --known-from rbac/   local knowledge
  palisade audit analyze audit.log --known-from-cluster                         identities RBAC names")]
    Analyze {
        #[arg(value_name = "LOG", required = true)]
        logs: Vec<PathBuf>,
        #[command(flatten)]
        rules: RulesArgs,
        #[command(flatten)]
        knowledge: KnowledgeArgs,
        /// Keep reading the logs as they grow (as `tail -f`), until stopped.
        #[arg(long)]
        follow: bool,
        /// `json` prints one alert object per line.
        #[arg(short, long, default_value = "table", value_parser = ["table", "json"])]
        format: String,
        /// `all`: one alert per matching rule; `first`: only the first
        /// matching rule per event (Falco's default `rule_matching`).
        #[arg(long = "match", default_value = "all", value_parser = ["all", "first"])]
        matching: String,
        /// Lowest priority printed (emergency … debug).
        #[arg(long, value_name = "PRIORITY", default_value = "debug")]
        min_priority: String,
        /// Exit 1 when an alert is at or above this priority (`none`: never).
        #[arg(long, value_name = "PRIORITY", default_value = "warning")]
        fail_on: String,
        /// Events larger than this many bytes are reported and skipped.
        #[arg(long, value_name = "BYTES", default_value_t = palisade_falco::event::DEFAULT_MAX_EVENT_BYTES)]
        max_event_bytes: usize,
    },
    /// The API server's audit webhook backend over HTTPS: checks every
    /// EventList batch against the rules, commits the alerts to SQLite, then
    /// answers 200; sends alerts to the outputs; /metrics, /healthz.
    #[command(after_help = "Examples:
  palisade audit serve --tls-cert sink-tls.crt --tls-key sink-tls.key --token-file sink-token
  palisade audit serve --tls-cert tls.crt --tls-key tls.key --client-ca ca.crt           mTLS
  palisade audit serve --tls-cert tls.crt --tls-key tls.key --token-file token --fsync   durable
  palisade audit serve --tls-cert tls.crt --tls-key tls.key --insecure-no-auth           tests only")]
    Serve {
        #[arg(long, value_name = "FILE")]
        tls_cert: PathBuf,
        #[arg(long, value_name = "FILE")]
        tls_key: PathBuf,
        #[arg(long, default_value = "0.0.0.0:8443")]
        addr: std::net::SocketAddr,
        /// The alert database (SQLite), created if missing.
        #[arg(long, value_name = "FILE", default_value = "palisade-audit.db")]
        db: PathBuf,
        /// Require `Authorization: Bearer <token>` with the token in this file.
        #[arg(long, value_name = "FILE")]
        token_file: Option<PathBuf>,
        /// Require a client certificate signed by this CA (PEM).
        #[arg(long, value_name = "FILE")]
        client_ca: Option<PathBuf>,
        /// Serve without authentication (tests, a sidecar on localhost).
        #[arg(long)]
        insecure_no_auth: bool,
        #[command(flatten)]
        rules: RulesArgs,
        #[command(flatten)]
        knowledge: KnowledgeArgs,
        #[arg(long = "match", default_value = "all", value_parser = ["all", "first"])]
        matching: String,
        /// Keep alerts (and events) this many days; pruned hourly.
        #[arg(long, value_name = "DAYS", default_value_t = 183)]
        retention_days: u64,
        /// Also store the events (Secret and ConfigMap data blanked).
        #[arg(long)]
        store_events: bool,
        /// fsync every commit (survives power loss, not only a killed process).
        #[arg(long)]
        fsync: bool,
        /// Largest batch (413 above it), and the most bytes of batches in
        /// flight at once: a batch costs up to ~25 times its size while it
        /// is checked, so 5 MiB keeps the sink within 256 MiB (docs/audit.md,
        /// "Limits"). `audit install` has the API server split batches at 4 MiB.
        #[arg(long, value_name = "BYTES", default_value_t = palisade_auditsink::DEFAULT_MAX_BODY_BYTES)]
        max_body_bytes: usize,
        /// Batches checked at once; more are answered 429 at once.
        #[arg(long, default_value_t = 8)]
        max_inflight: usize,
        /// Require the bearer token on /metrics too (by default it is open
        /// to Prometheus; with --client-ca every path needs a client
        /// certificate anyway).
        #[arg(long, requires = "token_file")]
        metrics_auth: bool,
        #[command(flatten)]
        connections: ConnectionArgs,
        /// Print each alert as a JSON line on stdout.
        #[arg(long)]
        output_stdout: bool,
        /// Append each alert as a JSON line to this file.
        #[arg(long, value_name = "FILE")]
        output_file: Option<PathBuf>,
        /// POST each alert (JSON) to this URL, retrying with backoff.
        #[arg(long, value_name = "URL")]
        output_webhook: Option<String>,
        /// POST each alert as a Slack message (`{"text": …}`) to this incoming-webhook URL.
        #[arg(long, value_name = "URL")]
        output_slack: Option<String>,
        /// Extra CA certificates for https outputs.
        #[arg(long, value_name = "FILE")]
        output_ca: Option<PathBuf>,
        /// Alerts below this priority are stored but not sent.
        #[arg(long, value_name = "PRIORITY", default_value = "debug")]
        output_min_priority: String,
    },
    /// Query the alerts a sink stored.
    #[command(after_help = "Examples:
  palisade audit alerts --since 24h                              the last day's alerts
  palisade audit alerts --rule \"Attach/Exec Pod\" --limit 20      one rule's latest
  palisade audit alerts --db audit.db --since 7d --format json   a week, as JSON")]
    Alerts {
        #[arg(long, value_name = "FILE", default_value = "palisade-audit.db")]
        db: PathBuf,
        /// An RFC 3339 time or a duration back from now (`24h`, `7d`, `30m`).
        #[arg(long)]
        since: Option<String>,
        #[arg(long)]
        rule: Option<String>,
        #[arg(long)]
        limit: Option<usize>,
        #[arg(short, long, default_value = "table", value_parser = ["table", "json"])]
        format: String,
    },
    /// Write what the API server needs to send its events to `audit serve`
    /// (webhook kubeconfig, flags, audit Policy) and the sink's certificate
    /// and credential.
    #[command(after_help = "Examples:
  palisade audit install --url https://10.0.0.5:8443 -o audit/                        token auth
  palisade audit install --url https://10.0.0.5:8443 --auth client-cert -o audit/     client certs
  palisade audit install --url https://10.0.0.5:8443 --policy policy.yaml -o audit/   your Policy")]
    Install {
        /// The sink's URL as the API server reaches it.
        #[arg(long, value_name = "URL")]
        url: String,
        /// More DNS names or IPs for the sink's certificate.
        #[arg(long = "host", value_name = "NAME")]
        hosts: Vec<String>,
        #[arg(long, default_value = "token", value_parser = ["token", "client-cert"])]
        auth: String,
        /// Where the files go on the control-plane node.
        #[arg(long, default_value = "/etc/kubernetes/audit")]
        apiserver_dir: String,
        /// The audit Policy to install (default: generated from the rules).
        #[arg(long, value_name = "FILE")]
        policy: Option<PathBuf>,
        #[command(flatten)]
        rules: RulesArgs,
        /// Directory to write into (created).
        #[arg(short, long, value_name = "DIR")]
        output: PathBuf,
    },
    /// The audit flags of a kube-apiserver static-pod manifest: policy file,
    /// log backend and six-month retention, webhook backend mode. Exit 1 on
    /// a finding at or above --fail-on.
    #[command(after_help = "Examples:
  palisade audit check-apiserver /etc/kubernetes/manifests/kube-apiserver.yaml         on the node
  palisade audit check-apiserver examples/audit/kube-apiserver.yaml --fail-on medium   stricter
  palisade audit check-apiserver kube-apiserver.yaml --format json                     for scripts")]
    CheckApiserver {
        #[arg(value_name = "MANIFEST")]
        manifest: PathBuf,
        #[arg(short, long, default_value = "table", value_parser = ["table", "json"])]
        format: String,
        #[arg(
            long,
            value_name = "SEVERITY",
            default_value = "high",
            ignore_case = true
        )]
        fail_on: Threshold,
    },
}

/// Which rules files `--rules` names (repeatable; `default` = the shipped ones).
#[derive(Args, Debug, Clone)]
pub struct RulesArgs {
    /// A Falco rules file; repeat to load several, in order (later files
    /// append to and override earlier ones). As Falco's `-r`, any --rules
    /// replaces the shipped rules, which `--rules default` names.
    #[arg(long = "rules", value_name = "FILE|default")]
    pub rules: Vec<String>,
}

/// What the default rules cannot know on their own; each turns on the
/// rule that needs it.
#[derive(Args, Debug, Clone, Default)]
pub struct KnowledgeArgs {
    /// The cluster's own networks (repeatable or comma-separated; CIDRs or
    /// addresses): a service account's, node's or control plane's
    /// credential used from anywhere else alerts.
    #[arg(long = "internal-cidr", value_name = "CIDR", value_delimiter = ',')]
    pub internal_cidrs: Vec<String>,
    /// Manifests or a dump (repeatable) whose RoleBindings and
    /// ClusterRoleBindings name the known users, groups and service
    /// accounts: a request by anyone else alerts.
    #[arg(long = "known-from", value_name = "PATH")]
    pub known_from: Vec<PathBuf>,
    /// The same, from the live cluster's bindings (read-only; the
    /// kubeconfig as for `--cluster`).
    #[arg(long)]
    pub known_from_cluster: bool,
    /// Kubeconfig file for --known-from-cluster.
    #[arg(long, value_name = "FILE", requires = "known_from_cluster")]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context for --known-from-cluster.
    #[arg(long, requires = "known_from_cluster")]
    pub context: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum AuditPolicyCommand {
    /// The level and omitted stages a request gets, and the rule that decides
    /// (the first that matches; none means level None).
    #[command(after_help = "Examples:
  palisade audit policy explain examples/audit/cis-policy.yaml --user bob --verb get --resource pods
  palisade audit policy explain policy.yaml --user bob --verb get --resource secrets        Secrets
  palisade audit policy explain policy.yaml --user bob --verb create --resource pods/exec   exec
  palisade audit policy explain policy.yaml --user bob --verb get --non-resource-url /healthz")]
    Explain {
        #[arg(value_name = "POLICY")]
        policy: PathBuf,
        #[arg(long)]
        user: String,
        #[arg(long = "group", value_name = "GROUP")]
        groups: Vec<String>,
        #[arg(long)]
        verb: String,
        /// `[GROUP/]RESOURCE[/SUBRESOURCE]`: `pods`, `pods/exec`, `apps/deployments`.
        #[arg(
            long,
            conflicts_with = "non_resource_url",
            required_unless_present = "non_resource_url"
        )]
        resource: Option<String>,
        /// Empty (the default) for cluster-scoped resources.
        #[arg(short = 'n', long, default_value = "")]
        namespace: String,
        #[arg(long, default_value = "")]
        name: String,
        #[arg(long, value_name = "PATH")]
        non_resource_url: Option<String>,
        #[arg(short, long, default_value = "table", value_parser = ["table", "json"])]
        format: String,
    },
    /// A recommended Policy for a small cluster: metadata of everything, the
    /// request bodies detection rules read, never Secret or token bodies, no
    /// health-check or kube-proxy noise. It lints clean.
    #[command(after_help = "Examples:
  palisade audit policy generate -o audit-policy.yaml                         for the shipped rules
  palisade audit policy generate --rules my-rules.yaml -o audit-policy.yaml   for your Falco rules
  palisade audit policy generate --rules default --rules my-rules.yaml        for both")]
    Generate(AuditPolicyGenerateArgs),
    /// Rules that can never match, a missing catch-all, secrets and tokens
    /// logged with their bodies, exec and writes not logged, RequestReceived
    /// logged, resourceNames with create, misspelled groups and resources,
    /// and (with --rules) detection rules the policy blinds.
    /// Exit 1 on a finding at or above --fail-on.
    #[command(after_help = "Examples:
  palisade audit policy lint examples/audit/bad-policy.yaml                     what is wrong
  palisade audit policy lint examples/audit/cis-policy.yaml --rules default     rules it blinds
  palisade audit policy lint audit-policy.yaml --fail-on medium --format json   for CI")]
    Lint {
        #[arg(value_name = "POLICY")]
        policy: PathBuf,
        /// Also check the policy logs what these Falco rules read (each rule
        /// that would go blind is a finding); `--rules default` = the
        /// shipped rules.
        #[command(flatten)]
        rules: RulesArgs,
        #[arg(short, long, default_value = "table", value_parser = ["table", "json"])]
        format: String,
        #[arg(
            long,
            value_name = "SEVERITY",
            default_value = "high",
            ignore_case = true
        )]
        fail_on: Threshold,
    },
}

#[derive(Args, Debug)]
#[command(after_help = "Examples:
  palisade admission install -o admission.yaml                                the manifests
  palisade admission review examples/admission/requests/privileged-pod.json   one request, offline
  palisade admission certs --dir tls/                                         its certificates
  palisade admission serve --tls-cert tls/tls.crt --tls-key tls/tls.key       the webhook")]
pub struct AdmissionArgs {
    #[command(subcommand)]
    pub command: AdmissionCommand,
}

#[derive(Subcommand, Debug)]
pub enum AdmissionCommand {
    /// Serve /validate, /mutate, /healthz, /readyz and /metrics over HTTPS.
    #[command(after_help = "Examples:
  palisade admission serve --tls-cert tls/tls.crt --tls-key tls/tls.key   default checks
  palisade admission serve --config admission.yaml --tls-cert tls/tls.crt --tls-key tls/tls.key
  palisade admission serve --tls-cert tls/tls.crt --tls-key tls/tls.key --addr 127.0.0.1:9443")]
    Serve {
        /// The admission configuration (modes, exemptions, policies, inventory).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// PEM certificate (chain); reloaded when the file changes.
        #[arg(long, value_name = "FILE")]
        tls_cert: PathBuf,
        /// PEM private key; reloaded when the file changes.
        #[arg(long, value_name = "FILE")]
        tls_key: PathBuf,
        #[arg(long, default_value = "0.0.0.0:8443")]
        addr: std::net::SocketAddr,
        /// How long requests in flight may take to finish on SIGTERM.
        #[arg(long, value_name = "SECONDS", default_value_t = 20)]
        drain: u64,
        /// Largest AdmissionReview; a larger one is refused, unchecked, with
        /// an AdmissionReview naming the limit (default: the configuration's
        /// limits.maxRequestBytes, 3 MiB).
        #[arg(long, value_name = "BYTES")]
        max_request_bytes: Option<usize>,
        /// Most containers (init and ephemeral ones included) in a reviewed
        /// pod spec; more are refused, unchecked (default:
        /// limits.maxContainers, 256).
        #[arg(long, value_name = "N")]
        max_containers: Option<usize>,
        /// Reviews decided at once; a review takes one slot per
        /// max-request-bytes/N of body, so the bodies being decided add up to
        /// at most --max-request-bytes (default: limits.maxConcurrentReviews, 8).
        #[arg(long, value_name = "N")]
        max_concurrent_reviews: Option<usize>,
        /// Namespaces with a `namespace` label of their own in /metrics;
        /// later ones count as `other` (default: limits.maxNamespaceLabels, 100).
        #[arg(long, value_name = "N")]
        max_namespace_labels: Option<usize>,
        #[command(flatten)]
        connections: ConnectionArgs,
    },
    /// Answer one AdmissionReview offline, as the webhook would (the
    /// response on stdout; exit 1 when denied).
    #[command(after_help = "Examples:
  palisade admission review examples/admission/requests/privileged-pod.json   exit 1: denied
  palisade admission review --config examples/admission/config.yaml request.json
  palisade admission review --mutate request.json                             what /mutate changes
  palisade admission review - < request.json                                  the request on stdin")]
    Review {
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// The AdmissionReview JSON (`-` for stdin).
        #[arg(value_name = "REQUEST")]
        request: PathBuf,
        /// Ask /mutate instead of /validate.
        #[arg(long)]
        mutate: bool,
    },
    /// Write a new CA (`ca.crt`) and serving certificate (`tls.crt`,
    /// `tls.key`) for the webhook Service into a directory.
    #[command(after_help = "Examples:
  palisade admission certs --dir tls/               for the Service in namespace palisade
  palisade admission certs -n security --dir tls/   for a webhook in another namespace")]
    Certs {
        #[arg(short = 'n', long, default_value = "palisade")]
        namespace: String,
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
    },
    /// Write the manifests (or Terraform) that run the webhook: certificates
    /// in a Secret, a hardened Deployment with a PodDisruptionBudget, the
    /// Service, NetworkPolicies and the webhook configurations.
    #[command(after_help = "Examples:
  palisade admission install -o admission.yaml                                  fails open
  palisade admission install --mutate --failure-policy Fail -o admission.yaml   mutate; fail closed
  palisade admission install --format terraform -o admission.tf                 as Terraform
  palisade admission install --url https://10.0.0.5:8443 --certs-dir tls/       outside the cluster")]
    Install {
        #[arg(short = 'n', long, default_value = "palisade")]
        namespace: String,
        #[arg(long, default_value_t = 2)]
        replicas: u32,
        /// Also install the mutating webhook (safe defaults).
        #[arg(long)]
        mutate: bool,
        /// Let the webhook read namespaces, Ingresses and workloads from the
        /// cluster for its inventory (a read-only ClusterRole; never Secrets).
        #[arg(long)]
        cluster_inventory: bool,
        /// What the API server does when the webhook cannot be reached:
        /// Ignore (admit; the cluster stays writable) or Fail (reject; no
        /// write slips through, none succeeds while the webhook is down).
        #[arg(long, default_value = "Ignore", value_parser = ["Ignore", "Fail"])]
        failure_policy: String,
        #[arg(long, default_value_t = 5)]
        timeout_seconds: u32,
        #[arg(long)]
        image: Option<String>,
        /// The webhook runs outside the cluster at this https:// URL (a
        /// host the API server reaches): write only the webhook
        /// configurations calling URL/validate (and URL/mutate), and the
        /// serving certificate for the URL's host into --certs-dir.
        #[arg(long, value_name = "URL", requires = "certs_dir")]
        url: Option<String>,
        /// With --url: where to write ca.crt, tls.crt and tls.key for
        /// `admission serve` (created).
        #[arg(long, value_name = "DIR", requires = "url")]
        certs_dir: Option<PathBuf>,
        #[arg(short, long, default_value = "yaml", value_parser = ["yaml", "terraform"])]
        format: String,
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

/// Connection caps of the HTTPS servers (`admission serve`, `audit serve`).
#[derive(Args, Debug, Clone, Copy)]
pub struct ConnectionArgs {
    /// Connections open at once; more are closed before the TLS handshake
    /// (an idle TLS connection costs ~45 KB).
    #[arg(long, value_name = "N", default_value_t = palisade_webhook::limits::DEFAULT_MAX_CONNECTIONS)]
    pub max_connections: usize,
    /// Connections open at once from one client IP; more are closed before
    /// the TLS handshake.
    #[arg(long, value_name = "N", default_value_t = palisade_webhook::limits::DEFAULT_MAX_CONNECTIONS_PER_CLIENT)]
    pub max_connections_per_client: usize,
}

#[derive(Args, Debug)]
#[command(after_help = "Examples:
  palisade policy test policies/                     every suite.yaml under it
  palisade policy eval --policies gatekeeper/ k8s/   constraints on manifests")]
pub struct PolicyArgs {
    #[command(subcommand)]
    pub command: PolicyCommand,
}

#[derive(Subcommand, Debug)]
pub enum PolicyCommand {
    /// Run gator verify Suite files (or every suite.yaml under a directory).
    /// Exit 1 when a case fails.
    #[command(after_help = "Examples:
  palisade policy test policies/                                    every suite.yaml under it
  palisade policy test policies/unique-ingress-host/suite.yaml -v   every case
  palisade policy test policies/ --format json                      for scripts
  palisade policy test policies/vap-ingress-hosts                   a ValidatingAdmissionPolicy suite")]
    Test {
        #[arg(value_name = "SUITE", required = true)]
        suites: Vec<PathBuf>,
        #[arg(short, long, default_value = "table", value_parser = ["table", "json"])]
        format: String,
        /// Print every case, not only failures.
        #[arg(short, long)]
        verbose: bool,
    },
    /// Apply ConstraintTemplates and Constraints (and ValidatingAdmissionPolicies)
    /// to manifests, as admission would; violations are findings in any scan format.
    #[command(after_help = "Examples:
  palisade policy eval --policies gatekeeper/ k8s/                                  as at admission
  palisade policy eval --policies gatekeeper/ --inventory live.yaml k8s/            data.inventory
  palisade policy eval --policies gatekeeper/ k8s/ --format sarif -o policy.sarif   for GitHub
  palisade policy eval --policies gatekeeper/ --cluster --fail-on medium            the live cluster
  palisade policy eval --policies vap.yaml k8s/                                     ValidatingAdmissionPolicies")]
    Eval {
        /// Files or directories of ConstraintTemplates and Constraints, and
        /// of ValidatingAdmissionPolicies (with their bindings and
        /// parameters), evaluated offline with palisade's CEL.
        #[arg(long = "policies", value_name = "PATH", required = true)]
        policies: Vec<PathBuf>,
        /// Extra objects for data.inventory (the scanned manifests are always in it).
        #[arg(long = "inventory", value_name = "PATH")]
        inventory: Vec<PathBuf>,
        #[command(flatten)]
        input: Box<InputArgs>,
        #[arg(short, long, default_value = "table", value_parser = ["table", "json", "sarif", "markdown"])]
        format: String,
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Exit 1 when a finding is at or above this severity (or `none`).
        #[arg(
            long,
            value_name = "SEVERITY",
            default_value = "high",
            ignore_case = true
        )]
        fail_on: Threshold,
        #[arg(long, value_enum, default_value = "auto")]
        color: ColorChoice,
    },
}

#[derive(Args, Debug)]
#[command(after_help = "Examples:
  palisade netpol matrix k8s/
  palisade netpol reach --from shop/frontend --to shop/api --port 8080 k8s/
  palisade netpol generate k8s/ -n shop > netpol.yaml")]
pub struct NetpolArgs {
    #[command(subcommand)]
    pub command: NetpolCommand,
}

#[derive(Subcommand, Debug)]
pub enum NetpolCommand {
    /// Whether FROM may connect to TO on PORT, and which policies (and which
    /// rule) allowed or isolated each side. Exit 0 allowed, 1 blocked.
    #[command(after_help = "Examples:
  palisade netpol reach --from shop/api --to data/postgres --port 5432 examples/demo
  palisade netpol reach --from 203.0.113.7 --to shop/frontend --port 80 k8s/       from outside
  palisade netpol reach --from shop/api --to 10.0.0.0/8 --port 443/TCP k8s/        to a CIDR
  palisade netpol reach --from shop/frontend --to shop/api --port 8080 --cluster   the live cluster")]
    Reach {
        /// NS/WORKLOAD (`shop/api`, `shop/api[Deployment]`) or an address outside the cluster.
        #[arg(long, value_name = "NS/WORKLOAD|IP")]
        from: String,
        /// NS/WORKLOAD, or an address or CIDR outside the cluster.
        #[arg(long, value_name = "NS/WORKLOAD|IP|CIDR")]
        to: String,
        /// `8080`, `53/UDP`, `5432/TCP`.
        #[arg(long, value_name = "N[/PROTO]")]
        port: String,
        #[command(flatten)]
        input: InputArgs,
        #[arg(short, long, default_value = "table", value_parser = ["table", "json"])]
        format: String,
    },
    /// Every allowed connection between workloads and to/from addresses
    /// outside the cluster. `connlist` is np-guard netpol-analyzer's `list`
    /// text format.
    #[command(after_help = "Examples:
  palisade netpol matrix examples/demo                     every allowed connection
  palisade netpol matrix --cluster --format connlist       netpol-analyzer's list format
  palisade netpol matrix k8s/ --format dot -o netpol.dot   a Graphviz graph")]
    Matrix {
        #[command(flatten)]
        input: InputArgs,
        #[arg(short, long, default_value = "table", value_parser = ["table", "json", "connlist", "dot"])]
        format: String,
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Default-deny, DNS and least-privilege allow policies for what the
    /// manifests declare (Services named in env vars, arguments and
    /// ConfigMaps; Ingress backends) and for observed flows. `-n NS` limits
    /// it to one namespace.
    #[command(after_help = "Examples:
  palisade netpol generate examples/demo -n shop                         policies for namespace shop
  palisade netpol generate k8s/ --flows flows.csv -o netpol.yaml         also the flows Hubble saw
  palisade netpol generate k8s/ --format terraform -o netpol.tf          as Terraform
  palisade netpol generate k8s/ --ingress-controller-namespace traefik   another ingress controller")]
    Generate(NetpolGenerateArgs),
}

#[derive(Args, Debug)]
#[command(after_help = "Examples:
  palisade drift --iac k8s/ --cluster                                        the live cluster
  palisade drift --iac k8s/ --live prod.yaml                                 a dump (scan --dump)
  palisade drift --iac infra/ --var-file prod.tfvars --cluster               Terraform too
  palisade drift --iac k8s/ --live prod.yaml --format markdown -o drift.md   for a review")]
pub struct DriftArgs {
    /// The infrastructure as code: manifests, Terraform (repeatable).
    #[arg(long = "iac", value_name = "PATH", required = true, num_args = 1..)]
    pub iac: Vec<PathBuf>,
    /// What the cluster has: a dump (`palisade scan --cluster --dump`, or
    /// `kubectl get -A -o yaml …`) (repeatable).
    #[arg(long = "live", value_name = "DUMP", num_args = 1.., required_unless_present = "cluster")]
    pub live: Vec<PathBuf>,
    /// Compare with the live cluster (read-only).
    #[arg(long)]
    pub cluster: bool,
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    #[arg(long)]
    pub context: Option<String>,
    /// Namespace for objects that set none.
    #[arg(short = 'n', long, default_value = "default")]
    pub namespace: String,
    /// Terraform variable values for the IaC.
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
    #[arg(short, long, default_value = "table", value_parser = ["table", "json", "markdown"])]
    pub format: String,
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Copy, Clone, Debug, ValueEnum, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Options shared by commands that read manifests or a cluster.
#[derive(Args, Debug, Clone)]
pub struct InputArgs {
    /// Files, directories (walked recursively: YAML, JSON, Terraform; Helm
    /// charts and kustomizations are rendered) or `-` for stdin.
    #[arg(value_name = "PATH", required_unless_present_any = ["cluster", "helm"])]
    pub paths: Vec<PathBuf>,
    /// Read the live cluster (read-only) through the kubeconfig or the
    /// in-cluster service account.
    #[arg(long)]
    pub cluster: bool,
    /// Kubeconfig file for --cluster (default: $KUBECONFIG, ~/.kube/config).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context for --cluster.
    #[arg(long)]
    pub context: Option<String>,
    /// With --cluster: also write what was read as a YAML List that `scan` accepts.
    #[arg(long, value_name = "FILE")]
    pub dump: Option<PathBuf>,
    /// Seconds per API request with --cluster.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub request_timeout: u64,
    /// Objects per list request with --cluster (larger lists are read in
    /// pages, following the server's continue tokens).
    #[arg(long, value_name = "N", default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..))]
    pub page_size: u32,
    /// Files: namespace of objects that set none (like `kubectl -n`; default
    /// `default`). --cluster: read only this namespace.
    #[arg(short = 'n', long)]
    pub namespace: Option<String>,
    /// Largest file to read, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 64)]
    pub max_file_size: u64,
    /// Most memory the parsed input may take, in MiB, all files together
    /// (aliases expanded). Raise it for honest large inputs, such as a dump
    /// of tens of thousands of pods.
    #[arg(long, value_name = "MIB", default_value_t = 1024, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_memory: u64,
    /// Also read files that .gitignore excludes, and hidden files.
    #[arg(long)]
    pub no_ignore: bool,
    /// Terraform variable values (`.tfvars`) for every module read (repeatable).
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
    /// Render DIR as a Helm chart with `helm template` (repeatable). A
    /// directory with Chart.yaml among the PATHs is rendered anyway.
    #[arg(long, value_name = "DIR")]
    pub helm: Vec<PathBuf>,
    /// Helm values file for every chart rendered (repeatable, in order;
    /// like `helm template -f`).
    #[arg(long, value_name = "FILE")]
    pub values: Vec<PathBuf>,
    /// Helm value for every chart rendered (repeatable; like `helm template --set`).
    #[arg(long, value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Helm release name (default: the chart's name).
    #[arg(long, value_name = "NAME")]
    pub release: Option<String>,
    /// Seconds `helm` or `kustomize` may take to render one chart or
    /// kustomization; past it, it is stopped and the input is an error.
    #[arg(long, value_name = "SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    pub render_timeout: u64,
}

impl InputArgs {
    /// What a run read, as the history names it: the paths as given, and
    /// `cluster [CONTEXT]`.
    pub fn source_name(&self) -> String {
        let mut sources: Vec<String> = self
            .paths
            .iter()
            .chain(&self.helm)
            .map(|p| p.display().to_string())
            .collect();
        if self.cluster {
            sources.push(match &self.context {
                Some(c) => format!("cluster {c}"),
                None => "cluster".to_string(),
            });
        }
        sources.join(", ")
    }
}

#[derive(Args, Debug)]
#[command(after_help = "Examples:
  palisade scan k8s/
  palisade scan k8s/ --format sarif -o palisade.sarif     GitHub code scanning
  palisade scan charts/app --values values-prod.yaml      a Helm chart, rendered with helm
  helm template charts/app | palisade scan -              a chart rendered your own way
  palisade scan --cluster --context prod                  the live cluster, read-only
  palisade scan k8s/ --compact --fail-on high             one line a finding, for CI logs")]
pub struct ScanArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format.
    #[arg(short, long, default_value = "table", value_parser = ["table", "json", "sarif", "markdown"])]
    pub format: String,
    /// Write the report to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Hide findings below this severity (critical, high, medium, low, info).
    #[arg(long, value_name = "SEVERITY", ignore_case = true)]
    pub min_severity: Option<Severity>,
    /// Exit 1 when a finding is at or above this severity (or `none`).
    /// Default: high, or `failOn` from the configuration file.
    #[arg(long, value_name = "SEVERITY", ignore_case = true)]
    pub fail_on: Option<Threshold>,
    /// Configuration file (default: .palisade.yaml in the current
    /// directory, else in the first scanned directory).
    #[arg(short, long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Run only these checks (repeatable, comma-separated).
    #[arg(long = "check", value_name = "ID", value_delimiter = ',')]
    pub checks: Vec<String>,
    /// Skip these checks (repeatable, comma-separated).
    #[arg(long = "skip", value_name = "ID", value_delimiter = ',')]
    pub skip: Vec<String>,
    /// Pod Security level for namespaces without an enforce label
    /// (default: restricted).
    #[arg(long, value_name = "LEVEL")]
    pub pss_level: Option<String>,
    /// Pod Security version for namespaces without an enforce label.
    #[arg(long, value_name = "VERSION")]
    pub pss_version: Option<String>,
    /// The Kubernetes version the manifests are meant for (`1.28`): it
    /// governs removed-API findings and their advice, and the default Pod
    /// Security version. Default: the newest; with --cluster, the server's.
    #[arg(long, value_name = "1.NN")]
    pub kubernetes_version: Option<String>,
    /// Also list suppressed findings in the table.
    #[arg(long)]
    pub show_suppressed: bool,
    /// How the table groups each severity's findings: check (one entry per
    /// cause, its fix once, every place it occurs), object, or file.
    #[arg(long, value_name = "BY", default_value = "check", value_parser = palisade_report::Group::NAMES)]
    pub group: String,
    /// One line a finding (`path:line:col: severity: check: object:
    /// message`), for CI logs.
    #[arg(long)]
    pub compact: bool,
    /// Report values that cannot be resolved (Terraform variables without a
    /// value) as high-severity findings instead of informational ones.
    #[arg(long)]
    pub strict_unknown: bool,
    /// Colour the table.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
    /// Also apply these Gatekeeper ConstraintTemplates and Constraints
    /// (files or directories), as `palisade policy eval` does.
    #[arg(long = "policies", value_name = "PATH")]
    pub policies: Vec<PathBuf>,
    /// Image archives or layouts (docker-archive, OCI; PATH:TAG) to read:
    /// what each ships and its default user are attached to the workloads
    /// whose containers run it (check image-attack-surface).
    #[arg(long = "images", value_name = "PATH")]
    pub images: Vec<String>,
    /// With --images: the OSV database to match the images' packages
    /// against (check image-vulnerabilities; default: the `palisade db`
    /// database when it exists).
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// Record this scan (score, counts, findings) in the history database
    /// DB (SQLite, created when missing); `palisade history` shows the
    /// trend and what was fixed or is new since the previous scan.
    #[arg(long, value_name = "DB")]
    pub history: Option<PathBuf>,
    /// The time to record (Unix seconds or RFC 3339; default:
    /// SOURCE_DATE_EPOCH, else the clock).
    #[arg(long, value_name = "TIME", hide = true)]
    pub now: Option<String>,
}

#[derive(Args, Debug)]
#[command(after_help = "Examples:
  palisade pss examples/demo --level restricted             every pod against restricted
  palisade pss k8s/ --level baseline --version v1.30        as a v1.30 API server enforces it
  palisade pss --cluster -n shop --level restricted         what restricted would reject, live
  palisade pss deploy.yaml --level baseline --format json   for scripts")]
pub struct PssArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Pod Security Standards level.
    #[arg(long, value_parser = ["baseline", "restricted", "privileged"])]
    pub level: String,
    /// Policy version: v1.0 … v1.37, or latest.
    #[arg(long, default_value = "latest")]
    pub version: String,
    /// Output format.
    #[arg(short, long, default_value = "table", value_parser = ["table", "json"])]
    pub format: String,
    /// Write the result to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Args, Debug)]
#[command(after_help = "Examples:
  palisade checks list                                 every check: id, severity, area, title
  palisade checks list --format markdown > checks.md   the catalogue, for a wiki
  palisade checks explain pss-privileged               why a finding matters, and the fix")]
pub struct ChecksArgs {
    #[command(subcommand)]
    pub command: ChecksCommand,
}

#[derive(Subcommand, Debug)]
pub enum ChecksCommand {
    /// List every check: id, severity, area, title, frameworks.
    #[command(after_help = "Examples:
  palisade checks list                                 id, severity, area, title, frameworks
  palisade checks list --format json                   for scripts
  palisade checks list --format markdown > checks.md   for a wiki")]
    List {
        #[arg(short, long, default_value = "table", value_parser = ["table", "json", "markdown"])]
        format: String,
    },
    /// Explain one check: why it matters and how to fix it.
    #[command(after_help = "Examples:
  palisade checks explain pss-privileged       privileged containers
  palisade checks explain rbac-cluster-admin   bindings to cluster-admin
  palisade checks explain image-latest-tag     images by a moving tag")]
    Explain {
        /// Check id, e.g. pss-privileged.
        id: String,
    },
}

#[derive(Args, Debug)]
#[command(after_help = "Examples:
  palisade rbac who-can get secrets k8s/
  palisade rbac can serviceaccount:shop:api create pods -n shop k8s/
  palisade rbac risks k8s/
  palisade rbac paths k8s/                  escalation paths to cluster-admin")]
pub struct RbacArgs {
    #[command(subcommand)]
    pub command: RbacCommand,
}

#[derive(Subcommand, Debug)]
pub enum RbacCommand {
    /// Subjects that may do VERB on RESOURCE, with the binding, role and
    /// rule (and aggregation source) that grants it. `-n NAMESPACE` asks
    /// about that namespace; without it, every grant is listed with its scope.
    #[command(after_help = "Examples:
  palisade rbac who-can get secrets examples/demo            every grant, with its scope
  palisade rbac who-can get secrets -n shop examples/demo    in namespace shop
  palisade rbac who-can create pods/exec --cluster           who can exec into pods, live
  palisade rbac who-can get secrets --name db -n shop k8s/   one Secret (resourceNames)")]
    WhoCan {
        /// get, list, create, update, patch, delete, bind, escalate, impersonate, …
        verb: String,
        /// pods, pods/exec, deployments.apps, widgets.example.com, or a URL path (/metrics).
        resource: String,
        /// A resource name (for rules restricted by resourceNames).
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        input: InputArgs,
        #[arg(short, long, default_value = "table", value_parser = ["table", "json"])]
        format: String,
    },
    /// Whether SUBJECT may do VERB on RESOURCE (in `-n NAMESPACE`, else
    /// cluster-wide), and why. Exit 0 yes, 1 no.
    #[command(after_help = "Examples:
  palisade rbac can jobs:default create pods -n jobs examples/demo          exit 0 yes, 1 no
  palisade rbac can oncall@example.com create pods/exec examples/demo       cluster-wide
  palisade rbac can alice delete deployments.apps -n shop --group ci k8s/   with her groups
  palisade rbac can serviceaccount:shop:api get secrets -n shop --cluster   the live cluster")]
    Can {
        /// alice, user:NAME, group:NAME, NAMESPACE:SERVICEACCOUNT, system:serviceaccount:NS:NAME.
        subject: String,
        verb: String,
        resource: String,
        #[arg(long)]
        name: Option<String>,
        /// Groups the user belongs to (repeatable).
        #[arg(long = "group", value_name = "GROUP")]
        groups: Vec<String>,
        #[command(flatten)]
        input: InputArgs,
        #[arg(short, long, default_value = "table", value_parser = ["table", "json"])]
        format: String,
    },
    /// Everything SUBJECT is granted, per namespace.
    #[command(after_help = "Examples:
  palisade rbac explain oncall@example.com examples/demo           everything a user is granted
  palisade rbac explain shop:api examples/demo                     a service account
  palisade rbac explain group:ci examples/demo                     a group
  palisade rbac explain alice --group ci --cluster --format json   a user and her groups, live")]
    Explain {
        subject: String,
        #[arg(long = "group", value_name = "GROUP")]
        groups: Vec<String>,
        #[command(flatten)]
        input: InputArgs,
        #[arg(short, long, default_value = "table", value_parser = ["table", "json"])]
        format: String,
    },
    /// Who can do what: for every built-in resource and common verb, the
    /// subjects allowed and where.
    #[command(after_help = "Examples:
  palisade rbac matrix examples/demo             who can do what, and where
  palisade rbac matrix --cluster --format json   the live cluster, for scripts")]
    Matrix {
        #[command(flatten)]
        input: InputArgs,
        #[arg(short, long, default_value = "table", value_parser = ["table", "json"])]
        format: String,
    },
    /// Risky permissions (the RBAC checks of `scan`), with scope-dependent severity.
    #[command(after_help = "Examples:
  palisade rbac risks examples/demo                       risky permissions, by severity
  palisade rbac risks --cluster --fail-on critical        the live cluster; exit 1 on critical
  palisade rbac risks k8s/ --format sarif -o rbac.sarif   GitHub code scanning")]
    Risks(ScanArgs),
    /// Escalation paths to cluster-admin, shortest first. Exit 1 when any exists.
    #[command(after_help = "Examples:
  palisade rbac paths examples/demo                        escalation paths to cluster-admin
  palisade rbac paths examples/demo --format mermaid       a diagram for a pull request
  palisade rbac paths --cluster --format dot > paths.dot   the live cluster, for Graphviz")]
    Paths {
        #[command(flatten)]
        input: InputArgs,
        #[arg(short, long, default_value = "table", value_parser = ["table", "json", "dot", "mermaid"])]
        format: String,
    },
    /// Least-privilege Role/ClusterRole and binding from an audit log.
    #[command(after_help = "Examples:
  palisade rbac generate --audit-log examples/audit/audit.log --serviceaccount shop:web
  palisade rbac generate --audit-log audit.log --user alice --exact-verbs        only the verbs seen
  palisade rbac generate --audit-log audit.log --user alice --format terraform   as Terraform
  palisade rbac generate --audit-log audit.log --user alice --name alice-ro      name the roles")]
    Generate(RbacGenerateArgs),
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    #[test]
    fn arguments_are_consistent() {
        super::Cli::command().debug_assert();
    }

    /// The arguments of an example's command line: whitespace separates
    /// them, single and double quotes group them, and a pipe or redirection
    /// (`|`, `>`, `<`) ends the palisade command.
    fn split_example(command: &str) -> Vec<String> {
        let mut args = Vec::new();
        let mut arg = String::new();
        let mut in_arg = false;
        let mut quote = None;
        for c in command.chars() {
            match quote {
                Some(q) if c == q => quote = None,
                Some(_) => arg.push(c),
                None if c == '\'' || c == '"' => {
                    quote = Some(c);
                    in_arg = true;
                }
                None if c.is_whitespace() => {
                    if in_arg {
                        args.push(std::mem::take(&mut arg));
                        in_arg = false;
                    }
                }
                None if !in_arg && matches!(c, '|' | '>' | '<') => return args,
                None => {
                    arg.push(c);
                    in_arg = true;
                }
            }
        }
        assert!(quote.is_none(), "unbalanced quotes in example `{command}`");
        if in_arg {
            args.push(arg);
        }
        args
    }

    /// Every command's examples, `(command path, example command line)`, and
    /// the commands without any.
    fn collect_examples(
        cmd: &clap::Command,
        path: &str,
        examples: &mut Vec<(String, String)>,
        missing: &mut Vec<String>,
    ) {
        let after_help = cmd
            .get_after_help()
            .map(|h| h.to_string())
            .unwrap_or_default();
        if !after_help.contains("Examples:") {
            missing.push(path.to_string());
        }
        for line in after_help.lines() {
            let Some(rest) = line.strip_prefix("  palisade ") else {
                continue;
            };
            // The command ends where two or more spaces start the comment.
            let command = rest.split("  ").next().unwrap_or_default().trim_end();
            examples.push((path.to_string(), format!("palisade {command}")));
        }
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            collect_examples(
                sub,
                &format!("{path} {}", sub.get_name()),
                examples,
                missing,
            );
        }
    }

    #[test]
    fn every_command_has_examples_that_parse() {
        let mut examples = Vec::new();
        let mut missing = Vec::new();
        collect_examples(
            &super::Cli::command(),
            "palisade",
            &mut examples,
            &mut missing,
        );
        assert!(
            missing.is_empty(),
            "no Examples: in the help of {missing:?}"
        );
        assert!(
            examples.len() > 100,
            "only {} examples found",
            examples.len()
        );
        for (path, example) in &examples {
            let args = split_example(example);
            if let Err(e) = super::Cli::try_parse_from(&args) {
                panic!("example `{example}` in the help of `{path}` does not parse: {e}");
            }
        }
    }

    #[test]
    fn examples_are_split_like_a_shell() {
        assert_eq!(
            split_example("palisade audit alerts --rule \"Attach/Exec Pod\" --since '24h' > a.txt"),
            [
                "palisade",
                "audit",
                "alerts",
                "--rule",
                "Attach/Exec Pod",
                "--since",
                "24h"
            ]
        );
        assert_eq!(
            split_example("palisade scan - | tee out"),
            ["palisade", "scan", "-"]
        );
    }
}

/// `palisade monitor`.
#[derive(Args, Debug)]
#[command(after_help = "Examples:
  palisade monitor rules examples/demo -o palisade-alerts.yaml   a PrometheusRule
  palisade monitor coverage examples/demo                        critical workloads not watched
  palisade monitor metrics k8s/ -o palisade.prom                 posture metrics")]
pub struct MonitorArgs {
    #[command(subcommand)]
    pub command: MonitorCommand,
}

#[derive(Subcommand, Debug)]
pub enum MonitorCommand {
    /// Alerting rules: palisade's own metrics (admission denials and
    /// errors, webhook latency, audit alerts by priority, audit pipeline
    /// health, posture regression, stale vulnerability data), nodes and the
    /// `default` namespace, and per namespace every workload of the input
    /// on kube-state-metrics, kubelet and cert-manager series (replicas
    /// unavailable, crash loops, restarts, failed jobs, volume claims
    /// filling up, certificates expiring). Critical workloads get
    /// `severity: critical`.
    #[command(after_help = "Examples:
  palisade monitor rules examples/demo -o palisade-alerts.yaml                  a PrometheusRule
  palisade monitor rules k8s/ --rule-label release=kube-prometheus-stack        for the operator
  palisade monitor rules --cluster --format prometheus -o palisade.rules.yaml   a rule file
  palisade monitor rules k8s/ --components admission,audit                      what you deployed")]
    Rules(MonitorRulesArgs),
    /// Which business-critical workloads no alerting rule of the input
    /// (PrometheusRule objects, Prometheus rule files) names or watches by
    /// namespace. Exit 1 when there are such gaps.
    #[command(after_help = "Examples:
  palisade monitor coverage examples/demo                              rules in the manifests
  palisade monitor coverage k8s/ --rules monitoring/rules/             and in rule files
  palisade monitor coverage --cluster --critical-label tier=critical   your critical label")]
    Coverage(MonitorCoverageArgs),
    /// A scan's metrics in the Prometheus text format, for the textfile
    /// collector or a Pushgateway: posture score, findings by severity,
    /// when it ran, and the age of the vulnerability database.
    #[command(after_help = "Examples:
  palisade monitor metrics examples/demo                                       Prometheus text
  palisade monitor metrics k8s/ --db osv.sqlite -o palisade.prom               and the OSV age
  palisade monitor metrics --cluster -o /var/lib/node-exporter/palisade.prom   node-exporter")]
    Metrics(MonitorMetricsArgs),
}

/// What makes a workload business critical.
#[derive(Args, Debug, Clone)]
pub struct CriticalArgs {
    /// A label or annotation (on the workload, its pods or its namespace)
    /// that marks business-critical workloads (repeatable; default
    /// palisade.dev/critical=true).
    #[arg(long = "critical-label", value_name = "KEY=VALUE")]
    pub critical_labels: Vec<String>,
    /// Only labelled workloads are critical: not also the exposed ones
    /// (Ingress, NodePort, LoadBalancer) and the data stores (StatefulSets,
    /// workloads with volume claims).
    #[arg(long)]
    pub label_only: bool,
}

#[derive(Args, Debug)]
pub struct MonitorRulesArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub critical: CriticalArgs,
    /// prometheusrule: a monitoring.coreos.com/v1 PrometheusRule for the
    /// Prometheus Operator; prometheus: a rule file for `rule_files:`.
    #[arg(short, long, default_value = "prometheusrule", value_parser = ["prometheusrule", "prometheus"])]
    pub format: String,
    /// palisade components deployed, whose metrics get rules: admission,
    /// audit, scan (comma-separated), all or none.
    #[arg(long, value_name = "LIST", default_value = "all")]
    pub components: String,
    /// Name of the PrometheusRule.
    #[arg(long, default_value = "palisade-alerts")]
    pub name: String,
    /// Namespace of the PrometheusRule.
    #[arg(long, value_name = "NS", default_value = "monitoring")]
    pub rule_namespace: String,
    /// Label of the PrometheusRule, for the operator's ruleSelector
    /// (repeatable; kube-prometheus-stack: release=RELEASE).
    #[arg(long = "rule-label", value_name = "KEY=VALUE")]
    pub rule_labels: Vec<String>,
    /// Vulnerability data older than this is stale (days).
    #[arg(long, value_name = "DAYS", default_value_t = palisade_vuln::DEFAULT_MAX_AGE_DAYS)]
    pub vulndb_max_age: u32,
    /// How often the scan job runs (hours); no result for twice that alerts.
    #[arg(long, value_name = "HOURS", default_value_t = 24)]
    pub scan_interval: u32,
    /// p99 admission latency that alerts (seconds).
    #[arg(long, value_name = "SECONDS", default_value_t = 1.0)]
    pub admission_latency: f64,
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct MonitorCoverageArgs {
    /// Manifests with the workloads and the alerting rules (PrometheusRule
    /// objects, or Prometheus rule files with top-level `groups:`).
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub critical: CriticalArgs,
    /// More rule files or directories (PrometheusRule objects or
    /// Prometheus rule files), repeatable.
    #[arg(long = "rules", value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    #[arg(short, long, default_value = "table", value_parser = ["table", "json"])]
    pub format: String,
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct MonitorMetricsArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Configuration (default: .palisade.yaml here or in the first
    /// directory scanned).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The OSV database whose age to export (default: the default
    /// database, when it exists).
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Args, Debug)]
#[command(after_help = "Examples:
  palisade report k8s/ -o report.html
  palisade report --cluster --audit-policy audit-policy.yaml -o report.html
  palisade report k8s/ --format markdown > POSTURE.md")]
pub struct ReportArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// html: one self-contained page (inline CSS, JS and SVG; loads
    /// nothing); markdown: for wikis and pull requests (Mermaid charts).
    #[arg(short, long, default_value = "html", value_parser = ["html", "markdown"])]
    pub format: String,
    /// Write the report to FILE (`-`: stdout). Default: stdout, or for HTML
    /// on a terminal the file palisade-report.html.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Configuration file, as for `scan` (default: .palisade.yaml in the
    /// current directory, else in the first scanned directory).
    #[arg(short, long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Pod Security level for namespaces without an enforce label
    /// (default: restricted).
    #[arg(long, value_name = "LEVEL")]
    pub pss_level: Option<String>,
    /// Pod Security version for namespaces without an enforce label.
    #[arg(long, value_name = "VERSION")]
    pub pss_version: Option<String>,
    /// Gatekeeper ConstraintTemplates and Constraints to apply (admission control).
    #[arg(long = "policies", value_name = "PATH")]
    pub policies: Vec<PathBuf>,
    /// Image archives or layouts (docker-archive, OCI; PATH:TAG), as for
    /// `scan --images` (workload hardening, scanning).
    #[arg(long = "images", value_name = "PATH")]
    pub images: Vec<String>,
    /// With --images: the OSV database (default: the `palisade db`
    /// database when it exists).
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// Source trees or images to search for credentials, as `palisade
    /// secrets` does (scanning; repeatable).
    #[arg(long = "secrets", value_name = "PATH")]
    pub secrets: Vec<PathBuf>,
    /// The kube-apiserver audit Policy (audit logging), linted as `palisade
    /// audit policy lint` does.
    #[arg(long, value_name = "FILE")]
    pub audit_policy: Option<PathBuf>,
    /// Namespace of the ingress controller (the threat model's entry).
    #[arg(long, value_name = "NAMESPACE", default_value = "ingress-nginx")]
    pub ingress_namespace: String,
    /// Record this run in the history database DB (created when missing)
    /// and plot the score of every run of the same source.
    #[arg(long, value_name = "DB")]
    pub history: Option<PathBuf>,
    /// The report's time (Unix seconds or RFC 3339; default:
    /// SOURCE_DATE_EPOCH, else the clock).
    #[arg(long, value_name = "TIME", hide = true)]
    pub now: Option<String>,
}

#[derive(Args, Debug)]
#[command(after_help = "Examples:
  palisade scan k8s/ --history posture.sqlite      record a scan
  palisade history --db posture.sqlite             the score over time, what changed
  palisade history --source \"cluster prod\"         one source's runs
  palisade history --format json -o history.json   for scripts")]
pub struct HistoryArgs {
    /// The history database (default: $XDG_DATA_HOME/palisade/history.sqlite).
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// Only runs of this source, as recorded (the paths scanned, or
    /// `cluster CONTEXT`). Default: every run, and the latest run's source
    /// for what changed.
    #[arg(long, value_name = "SOURCE")]
    pub source: Option<String>,
    #[arg(short, long, default_value = "table", value_parser = ["table", "json"])]
    pub format: String,
    /// Write to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}
