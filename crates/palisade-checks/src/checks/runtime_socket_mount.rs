//! hostPath mounts of a container runtime socket (Docker, containerd,
//! CRI-O) or of the directory that holds one.

use super::host_paths::{RUNTIME_SOCKETS, covers, host_path_volumes};
use crate::context::{Context, Workload};
use crate::sink::Sink;
use crate::{Check, Target};
use palisade_findings::{CheckMeta, Framework, Severity};

pub struct RuntimeSocketMount;
pub static CHECK: RuntimeSocketMount = RuntimeSocketMount;

static META: CheckMeta = CheckMeta {
    id: "container-runtime-socket",
    title: "Container runtime socket mounted",
    severity: Severity::Critical,
    action: 7,
    category: "hardening",
    frameworks: &[
        Framework::Cis("5.2.12"),
        Framework::Nsa("pod-security"),
        Framework::Mitre("T1611"),
        Framework::Mitre("T1610"),
    ],
    risk: "The runtime socket is the node's container API: a process that can write to it starts a \
privileged container with the host filesystem mounted — root on the node, every secret of every pod \
on it, in one request. Read-only mounts do not help: connecting to a socket needs no write access to \
the file.",
    fix: "Remove the hostPath volume. To build images use a rootless builder (BuildKit rootless, \
kaniko, buildah); for container metadata use the Kubernetes API or the kubelet's read-only endpoints.",
};

impl Check for RuntimeSocketMount {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    /// What the API server can enforce itself ([`Check::admission_cel`]);
    /// paths are compared as written (`/run/./docker.sock` is not
    /// normalised, as this check does).
    fn admission_cel(&self) -> Option<&'static str> {
        Some(
            "!has(variables.spec.volumes) || variables.spec.volumes.all(v, !has(v.hostPath) || v.hostPath.path == '/' || !['/var/run/docker.sock', '/run/docker.sock', '/var/run/containerd/containerd.sock', '/run/containerd/containerd.sock', '/var/run/crio/crio.sock', '/run/crio/crio.sock', '/var/run/cri-dockerd.sock', '/run/cri-dockerd.sock', '/var/run/dockershim.sock', '/run/k3s/containerd/containerd.sock', '/var/run/k3s/containerd/containerd.sock'].exists(s, s == v.hostPath.path || s.startsWith(v.hostPath.path.endsWith('/') ? v.hostPath.path : v.hostPath.path + '/')))",
        )
    }

    fn target(&self) -> Target {
        Target::Workloads
    }

    fn check_workload(&self, _cx: &Context<'_>, w: &Workload<'_>, out: &mut Sink<'_>) {
        for (i, v, path) in host_path_volumes(w) {
            if path == "/" {
                continue; // the whole host: reported by sensitive-host-path
            }
            if let Some(sock) = RUNTIME_SOCKETS.iter().find(|s| covers(&path, s)) {
                let what = if path == *sock {
                    format!(
                        "volume {:?} mounts the container runtime socket {path}",
                        v.name
                    )
                } else {
                    format!(
                        "volume {:?} mounts {path}, which holds the container runtime socket {sock}",
                        v.name
                    )
                };
                out.report(
                    w.object,
                    w.spec_path()
                        .key("volumes")
                        .index(i)
                        .key("hostPath")
                        .key("path"),
                    what,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{deployment, lines};

    const ID: &str = "container-runtime-socket";

    fn with_host_path(path: &str) -> String {
        deployment(
            "apps",
            &format!(
                "      containers:\n      - {{name: a, image: x:1}}\n      volumes:\n      - name: v\n        hostPath: {{path: {path}}}\n"
            ),
        )
    }

    #[test]
    fn sockets_and_their_directories() {
        assert_eq!(lines(ID, &with_host_path("/var/run/docker.sock"))[0].0, 16);
        assert!(
            lines(ID, &with_host_path("/run/containerd"))[0]
                .1
                .contains("holds the container runtime socket")
        );
        assert_eq!(lines(ID, &with_host_path("/var/run/")).len(), 1);
    }

    #[test]
    fn other_paths_and_root_are_not_this_check() {
        assert!(lines(ID, &with_host_path("/var/log")).is_empty());
        assert!(lines(ID, &with_host_path("/")).is_empty());
        assert!(lines(ID, &with_host_path("/var/runner")).is_empty());
    }
}
