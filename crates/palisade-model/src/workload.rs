//! Every workload kind normalised once to its pod template, so analyzers
//! never special-case a kind.

use crate::object::Object;
use crate::typed::Typed;
use k8s_openapi::api::core::v1::{
    Container, ContainerPort, EnvFromSource, EnvVar, EphemeralContainer, Lifecycle, PodSpec, Probe,
    ResourceRequirements, SecurityContext, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use palisade_value::Path;

/// The pod a workload runs, with the paths of its parts inside the object.
#[derive(Debug, Clone, Copy)]
pub struct PodTemplate<'a> {
    /// Pod metadata: the Pod's own, or the template's.
    pub meta: Option<&'a ObjectMeta>,
    pub spec: &'a PodSpec,
    /// Where the pod spec sits in the object (`spec`, `spec.template.spec`, …).
    pub spec_path: &'static [&'static str],
    /// Where the pod metadata sits (`metadata`, `spec.template.metadata`, …).
    pub meta_path: &'static [&'static str],
}

impl<'a> PodTemplate<'a> {
    /// Where the pod spec sits, as a JSON pointer (`/spec/template/spec`).
    pub fn spec_pointer(&self) -> String {
        self.spec_path.iter().map(|k| format!("/{k}")).collect()
    }

    /// Path of a field of the pod spec inside the object.
    pub fn spec_field(&self) -> Path {
        let mut p = Path::root();
        for k in self.spec_path {
            p = p.key(*k);
        }
        p
    }

    /// Path of a field of the pod metadata inside the object.
    pub fn meta_field(&self) -> Path {
        let mut p = Path::root();
        for k in self.meta_path {
            p = p.key(*k);
        }
        p
    }

    pub fn annotations(&self) -> Option<&'a std::collections::BTreeMap<String, String>> {
        self.meta.and_then(|m| m.annotations.as_ref())
    }

    pub fn labels(&self) -> Option<&'a std::collections::BTreeMap<String, String>> {
        self.meta.and_then(|m| m.labels.as_ref())
    }

    /// Init, regular and ephemeral containers, in that order (the order
    /// the Pod Security admission plugin visits them).
    pub fn containers(&self) -> Vec<ContainerRef<'a>> {
        containers(self.spec)
    }

    /// `spec.os.name == "windows"`.
    pub fn is_windows(&self) -> bool {
        self.spec.os.as_ref().is_some_and(|os| os.name == "windows")
    }
}

/// Which list of the pod spec a container comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ContainerKind {
    Init,
    App,
    Ephemeral,
}

impl ContainerKind {
    pub fn field(self) -> &'static str {
        match self {
            ContainerKind::Init => "initContainers",
            ContainerKind::App => "containers",
            ContainerKind::Ephemeral => "ephemeralContainers",
        }
    }

    pub fn noun(self) -> &'static str {
        match self {
            ContainerKind::Init => "init container",
            ContainerKind::App => "container",
            ContainerKind::Ephemeral => "ephemeral container",
        }
    }
}

/// A view of one container that is the same for all three lists.
#[derive(Debug, Clone, Copy)]
pub struct ContainerRef<'a> {
    pub kind: ContainerKind,
    pub index: usize,
    pub name: &'a str,
    pub image: Option<&'a str>,
    pub image_pull_policy: Option<&'a str>,
    pub security_context: Option<&'a SecurityContext>,
    pub ports: &'a [ContainerPort],
    pub env: &'a [EnvVar],
    pub env_from: &'a [EnvFromSource],
    pub resources: Option<&'a ResourceRequirements>,
    pub volume_mounts: &'a [VolumeMount],
    pub liveness_probe: Option<&'a Probe>,
    pub readiness_probe: Option<&'a Probe>,
    pub startup_probe: Option<&'a Probe>,
    pub lifecycle: Option<&'a Lifecycle>,
    pub restart_policy: Option<&'a str>,
}

impl<'a> ContainerRef<'a> {
    fn from_container(kind: ContainerKind, index: usize, c: &'a Container) -> Self {
        Self {
            kind,
            index,
            name: &c.name,
            image: c.image.as_deref(),
            image_pull_policy: c.image_pull_policy.as_deref(),
            security_context: c.security_context.as_ref(),
            ports: c.ports.as_deref().unwrap_or(&[]),
            env: c.env.as_deref().unwrap_or(&[]),
            env_from: c.env_from.as_deref().unwrap_or(&[]),
            resources: c.resources.as_ref(),
            volume_mounts: c.volume_mounts.as_deref().unwrap_or(&[]),
            liveness_probe: c.liveness_probe.as_ref(),
            readiness_probe: c.readiness_probe.as_ref(),
            startup_probe: c.startup_probe.as_ref(),
            lifecycle: c.lifecycle.as_ref(),
            restart_policy: c.restart_policy.as_deref(),
        }
    }

    fn from_ephemeral(index: usize, c: &'a EphemeralContainer) -> Self {
        Self {
            kind: ContainerKind::Ephemeral,
            index,
            name: &c.name,
            image: c.image.as_deref(),
            image_pull_policy: c.image_pull_policy.as_deref(),
            security_context: c.security_context.as_ref(),
            ports: c.ports.as_deref().unwrap_or(&[]),
            env: c.env.as_deref().unwrap_or(&[]),
            env_from: c.env_from.as_deref().unwrap_or(&[]),
            resources: c.resources.as_ref(),
            volume_mounts: c.volume_mounts.as_deref().unwrap_or(&[]),
            liveness_probe: c.liveness_probe.as_ref(),
            readiness_probe: c.readiness_probe.as_ref(),
            startup_probe: c.startup_probe.as_ref(),
            lifecycle: c.lifecycle.as_ref(),
            restart_policy: c.restart_policy.as_deref(),
        }
    }

    /// Path of this container relative to the pod spec (`containers[1]`).
    pub fn path(&self) -> Path {
        Path::root().key(self.kind.field()).index(self.index)
    }

    /// `container "app"` / `init container "setup"`.
    pub fn describe(&self) -> String {
        format!("{} {:?}", self.kind.noun(), self.name)
    }

    /// An init container with `restartPolicy: Always` runs for the pod's life.
    pub fn is_sidecar(&self) -> bool {
        self.kind == ContainerKind::Init && self.restart_policy == Some("Always")
    }
}

/// Init, regular and ephemeral containers of a pod spec.
pub fn containers(spec: &PodSpec) -> Vec<ContainerRef<'_>> {
    let mut out = Vec::with_capacity(
        spec.containers.len() + spec.init_containers.as_ref().map_or(0, Vec::len),
    );
    for (i, c) in spec.init_containers.iter().flatten().enumerate() {
        out.push(ContainerRef::from_container(ContainerKind::Init, i, c));
    }
    for (i, c) in spec.containers.iter().enumerate() {
        out.push(ContainerRef::from_container(ContainerKind::App, i, c));
    }
    for (i, c) in spec.ephemeral_containers.iter().flatten().enumerate() {
        out.push(ContainerRef::from_ephemeral(i, c));
    }
    out
}

impl Object {
    /// The pod template of a workload kind (or the Pod itself).
    pub fn pod_template(&self) -> Option<PodTemplate<'_>> {
        match &self.typed {
            Typed::Pod(p) => Some(PodTemplate {
                meta: Some(&p.metadata),
                spec: p.spec.as_ref()?,
                spec_path: &["spec"],
                meta_path: &["metadata"],
            }),
            Typed::Deployment(d) => template(
                Some(&d.spec.template),
                &["spec", "template", "spec"],
                &["spec", "template", "metadata"],
            ),
            Typed::StatefulSet(d) => template(
                Some(&d.spec.template),
                &["spec", "template", "spec"],
                &["spec", "template", "metadata"],
            ),
            Typed::DaemonSet(d) => template(
                Some(&d.spec.template),
                &["spec", "template", "spec"],
                &["spec", "template", "metadata"],
            ),
            Typed::ReplicaSet(d) => template(
                d.spec.template.as_ref(),
                &["spec", "template", "spec"],
                &["spec", "template", "metadata"],
            ),
            Typed::ReplicationController(d) => template(
                d.spec.as_ref()?.template.as_ref(),
                &["spec", "template", "spec"],
                &["spec", "template", "metadata"],
            ),
            Typed::Job(d) => template(
                Some(&d.spec.as_ref()?.template),
                &["spec", "template", "spec"],
                &["spec", "template", "metadata"],
            ),
            Typed::CronJob(d) => template(
                Some(&d.spec.job_template.spec.as_ref()?.template),
                &["spec", "jobTemplate", "spec", "template", "spec"],
                &["spec", "jobTemplate", "spec", "template", "metadata"],
            ),
            _ => None,
        }
    }

    /// Desired replicas of a workload (`None` for kinds without a count).
    pub fn replicas(&self) -> Option<i32> {
        match &self.typed {
            Typed::Deployment(d) => Some(d.spec.replicas.unwrap_or(1)),
            Typed::StatefulSet(d) => Some(d.spec.replicas.unwrap_or(1)),
            Typed::ReplicaSet(d) => Some(d.spec.replicas.unwrap_or(1)),
            Typed::ReplicationController(d) => {
                Some(d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1))
            }
            Typed::Pod(_) => Some(1),
            _ => None,
        }
    }

    /// Whether the workload runs for a long time (not a Job, CronJob or a
    /// Pod that terminates).
    pub fn is_long_running(&self) -> bool {
        match &self.typed {
            Typed::Job(_) | Typed::CronJob(_) => false,
            Typed::Pod(p) => p
                .spec
                .as_ref()
                .is_none_or(|s| s.restart_policy.as_deref().unwrap_or("Always") == "Always"),
            _ => self.pod_template().is_some(),
        }
    }
}

fn template<'a>(
    t: Option<&'a k8s_openapi::api::core::v1::PodTemplateSpec>,
    spec_path: &'static [&'static str],
    meta_path: &'static [&'static str],
) -> Option<PodTemplate<'a>> {
    let t = t?;
    Some(PodTemplate {
        meta: t.metadata.as_ref(),
        spec: t.spec.as_ref()?,
        spec_path,
        meta_path,
    })
}
