//! Shared helpers for the hostPath checks.

use crate::context::Workload;
use k8s_openapi::api::core::v1::Volume;

/// Container runtime sockets: whoever can talk to one controls every
/// container on the node.
pub const RUNTIME_SOCKETS: &[&str] = &[
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/var/run/containerd/containerd.sock",
    "/run/containerd/containerd.sock",
    "/var/run/crio/crio.sock",
    "/run/crio/crio.sock",
    "/var/run/cri-dockerd.sock",
    "/run/cri-dockerd.sock",
    "/var/run/dockershim.sock",
    "/run/k3s/containerd/containerd.sock",
    "/var/run/k3s/containerd/containerd.sock",
];

/// `/var/run/` and `/run/./docker.sock` → comparable paths.
pub fn normalize(path: &str) -> String {
    let mut parts = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    format!("/{}", parts.join("/"))
}

/// Whether `dir` is `path` or one of its parents.
pub fn covers(dir: &str, path: &str) -> bool {
    dir == path || dir == "/" || path.starts_with(&format!("{dir}/"))
}

/// The hostPath volumes of a workload: `(index, volume, normalised path)`.
pub fn host_path_volumes<'a>(w: &'a Workload<'_>) -> Vec<(usize, &'a Volume, String)> {
    w.spec()
        .volumes
        .iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, v)| v.host_path.as_ref().map(|h| (i, v, normalize(&h.path))))
        .collect()
}

/// Whether every mount of the volume (in any container) is read-only.
pub fn mounted_read_only(w: &Workload<'_>, volume: &str) -> bool {
    let mounts: Vec<_> = w
        .containers
        .iter()
        .flat_map(|c| c.volume_mounts.iter())
        .filter(|m| m.name == volume)
        .collect();
    !mounts.is_empty() && mounts.iter().all(|m| m.read_only == Some(true))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_admission_cel_names_every_runtime_socket() {
        use crate::Check;
        let cel = super::super::runtime_socket_mount::CHECK
            .admission_cel()
            .unwrap();
        for s in super::RUNTIME_SOCKETS {
            assert!(cel.contains(&format!("'{s}'")), "{s}");
        }
    }

    use super::*;

    #[test]
    fn paths() {
        assert_eq!(normalize("/var/run/"), "/var/run");
        assert_eq!(normalize("/run/./x/../docker.sock"), "/run/docker.sock");
        assert_eq!(normalize("/"), "/");
        assert!(covers("/var/run", "/var/run/docker.sock"));
        assert!(!covers("/var/r", "/var/run/docker.sock"));
        assert!(covers("/", "/etc"));
    }
}
