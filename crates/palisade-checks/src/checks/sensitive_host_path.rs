//! hostPath mounts of sensitive node directories (`/`, `/etc`, `/proc`,
//! the kubelet's state, …).

use super::host_paths::{RUNTIME_SOCKETS, covers, host_path_volumes, mounted_read_only};
use crate::context::{Context, Workload};
use crate::sink::Sink;
use crate::{Check, Target};
use palisade_findings::{CheckMeta, Framework, Severity};

pub struct SensitiveHostPath;
pub static CHECK: SensitiveHostPath = SensitiveHostPath;

/// Directories whose content compromises the node even when read-only.
const SECRET_BEARING: &[&str] = &[
    "/",
    "/etc",
    "/root",
    "/home",
    "/boot",
    "/var/lib/kubelet",
    "/etc/kubernetes",
    "/var/lib/etcd",
    "/var/lib/docker",
    "/var/lib/containerd",
    "/var/lib/cni",
    "/etc/cni",
    "/lib/modules",
];
/// Harmless files under those directories, mounted read-only by many agents.
const BENIGN: &[&str] = &[
    "/etc/localtime",
    "/etc/timezone",
    "/etc/machine-id",
    "/etc/os-release",
    "/etc/hostname",
    "/etc/ssl/certs",
    "/etc/pki/tls/certs",
    "/etc/pki/ca-trust",
    "/etc/ca-certificates",
];
/// Kernel and log interfaces: dangerous writable, common read-only for
/// monitoring agents.
const KERNEL_AND_LOGS: &[&str] = &["/proc", "/sys", "/dev", "/var/log", "/run", "/var/run"];

static META: CheckMeta = CheckMeta {
    id: "sensitive-host-path",
    title: "Sensitive host directory mounted",
    severity: Severity::High,
    action: 7,
    category: "hardening",
    frameworks: &[
        Framework::Cis("5.2.12"),
        Framework::Nsa("pod-security"),
        Framework::Mitre("T1611"),
        Framework::Mitre("T1552.001"),
    ],
    risk: "The node's `/etc`, `/root`, the kubelet's state and the runtime's data hold credentials \
(kubelet client certificates, service-account tokens of every pod on the node, SSH keys) and \
configuration an attacker can rewrite to persist; a writable `/proc`, `/sys` or `/dev` reaches the \
kernel directly.",
    fix: "Remove the hostPath volume, or narrow it to the exact file the agent needs and mount it \
`readOnly: true`; run such agents in a dedicated namespace labelled \
`pod-security.kubernetes.io/enforce: privileged`.",
};

impl Check for SensitiveHostPath {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn target(&self) -> Target {
        Target::Workloads
    }

    fn check_workload(&self, _cx: &Context<'_>, w: &Workload<'_>, out: &mut Sink<'_>) {
        for (i, v, path) in host_path_volumes(w) {
            if path != "/" && RUNTIME_SOCKETS.iter().any(|s| covers(&path, s)) {
                continue; // reported by container-runtime-socket
            }
            let ro = mounted_read_only(w, &v.name);
            let location = w
                .spec_path()
                .key("volumes")
                .index(i)
                .key("hostPath")
                .key("path");
            if ro && BENIGN.iter().any(|b| covers(b, &path)) {
                continue;
            }
            let exposed = SECRET_BEARING.iter().find_map(|d| {
                if path == "/" {
                    Some("the whole node filesystem".to_string())
                } else if covers(&path, d) && *d != "/" {
                    Some(if path == *d {
                        path.clone()
                    } else {
                        format!("{path}, which contains {d}")
                    })
                } else if *d != "/" && covers(d, &path) {
                    Some(format!("{path} (inside {d})"))
                } else {
                    None
                }
            });
            if let Some(scope) = exposed {
                let f = out.report(
                    w.object,
                    location,
                    format!(
                        "volume {:?} mounts {scope} from the node{}",
                        v.name,
                        if ro { " read-only" } else { " writable" }
                    ),
                );
                if path == "/" && !ro {
                    f.severity = Severity::Critical;
                }
            } else if let Some(dir) = KERNEL_AND_LOGS.iter().find(|d| covers(d, &path)) {
                let f = out.report(
                    w.object,
                    location,
                    format!(
                        "volume {:?} mounts {} from the node{}",
                        v.name,
                        if path == *dir {
                            path.clone()
                        } else {
                            format!("{path} (under {dir})")
                        },
                        if ro { " read-only" } else { " writable" }
                    ),
                );
                if ro {
                    f.severity = Severity::Medium;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{deployment, findings};
    use palisade_findings::Severity;

    const ID: &str = "sensitive-host-path";

    fn mount(path: &str, read_only: bool) -> String {
        deployment(
            "apps",
            &format!(
                "      containers:\n      - name: a\n        image: x:1\n        volumeMounts:\n        - {{name: v, mountPath: /host, readOnly: {read_only}}}\n      volumes:\n      - name: v\n        hostPath: {{path: {path}}}\n"
            ),
        )
    }

    #[test]
    fn severities_follow_path_and_mode() {
        let f = findings(ID, &mount("/", false));
        assert_eq!(f[0].severity, Severity::Critical);
        let f = findings(ID, &mount("/etc", true));
        assert_eq!(f[0].severity, Severity::High);
        let f = findings(ID, &mount("/proc", true));
        assert_eq!(f[0].severity, Severity::Medium);
        let f = findings(ID, &mount("/sys", false));
        assert_eq!(f[0].severity, Severity::High);
        let f = findings(ID, &mount("/var/lib", false));
        assert!(
            f[0].message.contains("contains /var/lib/kubelet"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn benign_files_and_unrelated_paths_pass() {
        assert!(findings(ID, &mount("/etc/localtime", true)).is_empty());
        assert!(findings(ID, &mount("/data/app", false)).is_empty());
        assert!(findings(ID, &mount("/var/run/docker.sock", false)).is_empty());
        // writable benign path is still reported
        assert_eq!(findings(ID, &mount("/etc/ssl/certs", false)).len(), 1);
    }
}
