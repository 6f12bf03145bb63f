//! Containers with a writable root filesystem.

use crate::context::{Context, Workload};
use crate::sink::Sink;
use crate::util::declared;
use crate::{Check, Target};
use palisade_findings::{Autofix, CheckMeta, Edit, Framework, Severity};

pub struct ReadOnlyRootFilesystem;
pub static CHECK: ReadOnlyRootFilesystem = ReadOnlyRootFilesystem;

static META: CheckMeta = CheckMeta {
    id: "readonly-root-filesystem",
    title: "Writable root filesystem",
    severity: Severity::Medium,
    action: 7,
    category: "hardening",
    frameworks: &[Framework::Nsa("immutable-fs"), Framework::Mitre("T1525")],
    risk: "An attacker who gets code execution can drop tools, modify binaries and libraries or \
persist in the container's filesystem. An immutable root filesystem limits them to memory and the \
volumes you mount on purpose.",
    fix: "Set `securityContext.readOnlyRootFilesystem: true` and mount an `emptyDir` wherever the \
application writes (usually `/tmp`).",
};

impl Check for ReadOnlyRootFilesystem {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    /// What the API server can enforce itself ([`Check::admission_cel`]).
    fn admission_cel(&self) -> Option<&'static str> {
        Some(
            "variables.windows || variables.declared.all(c, has(c.securityContext) && has(c.securityContext.readOnlyRootFilesystem) && c.securityContext.readOnlyRootFilesystem)",
        )
    }

    fn target(&self) -> Target {
        Target::Workloads
    }

    fn check_workload(&self, _cx: &Context<'_>, w: &Workload<'_>, out: &mut Sink<'_>) {
        if w.template.is_windows() {
            return;
        }
        for c in declared(w) {
            if c.security_context.and_then(|s| s.read_only_root_filesystem) != Some(true) {
                let path = w.container_sc_path(c, &["readOnlyRootFilesystem"]);
                let f = out.report(
                    w.object,
                    path.clone(),
                    format!("{} has a writable root filesystem", c.describe()),
                );
                let mut edits = vec![Edit::set(path, true)];
                // A writable /tmp, unless the pod already has one or a volume named tmp.
                let has_tmp_mount = c.volume_mounts.iter().any(|m| m.mount_path == "/tmp");
                let has_tmp_volume = w.spec().volumes.iter().flatten().any(|v| v.name == "tmp");
                if !has_tmp_mount && !has_tmp_volume {
                    edits.push(Edit::AddToList {
                        path: w.spec_path().key("volumes"),
                        value: serde_json::json!({"name": "tmp", "emptyDir": {}}),
                    });
                    edits.push(Edit::AddToList {
                        path: w.container_path(c).key("volumeMounts"),
                        value: serde_json::json!({"name": "tmp", "mountPath": "/tmp"}),
                    });
                }
                f.autofix = Some(Autofix::unsafe_(
                    edits,
                    "the application may write outside its mounted volumes; the fix mounts an emptyDir at /tmp, add one for any other write path",
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{deployment, findings, lines};

    const ID: &str = "readonly-root-filesystem";

    #[test]
    fn hit_on_app_and_init_containers_not_ephemeral() {
        let y = deployment(
            "apps",
            "      initContainers:\n      - {name: i, image: x:1}\n      containers:\n      - name: a\n        image: x:1\n        securityContext: {readOnlyRootFilesystem: false}\n      ephemeralContainers:\n      - {name: e, image: x:1}\n",
        );
        let got = lines(ID, &y);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[1].0, 17); // the readOnlyRootFilesystem: false line... inside the flow map
        let f = findings(ID, &y);
        assert_eq!(
            f[0].autofix.as_ref().unwrap().applicability,
            palisade_findings::Applicability::Unsafe
        );
    }

    #[test]
    fn miss_when_read_only() {
        let y = deployment(
            "apps",
            "      containers:\n      - name: a\n        image: x:1\n        securityContext: {readOnlyRootFilesystem: true}\n",
        );
        assert!(lines(ID, &y).is_empty());
    }
}
