//! Typed forms (k8s-openapi) of the built-in kinds palisade analyzes.

use crate::kinds::group_of;
use k8s_openapi::api::admissionregistration::v1 as admission;
use k8s_openapi::api::apps::v1 as apps;
use k8s_openapi::api::autoscaling::v2 as autoscaling;
use k8s_openapi::api::batch::v1 as batch;
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::api::networking::v1 as networking;
use k8s_openapi::api::policy::v1 as policy;
use k8s_openapi::api::rbac::v1 as rbac;
use palisade_value::{Node, StrayField, TypeError, from_node_strict};

/// The typed form of an object. Kinds palisade does not analyze stay
/// `Dynamic` (their [`crate::Object::raw`] tree is still there).
///
/// Objects are read without their `apiVersion` check, so removed versions of
/// a kind (`extensions/v1beta1` Deployment, `batch/v1beta1` CronJob) are
/// analyzed with the current schema; `status` is not read.
#[derive(Debug, Clone)]
pub enum Typed {
    Pod(Box<core::Pod>),
    Deployment(Box<apps::Deployment>),
    StatefulSet(Box<apps::StatefulSet>),
    DaemonSet(Box<apps::DaemonSet>),
    ReplicaSet(Box<apps::ReplicaSet>),
    ReplicationController(Box<core::ReplicationController>),
    Job(Box<batch::Job>),
    CronJob(Box<batch::CronJob>),
    Service(Box<core::Service>),
    Ingress(Box<networking::Ingress>),
    NetworkPolicy(Box<networking::NetworkPolicy>),
    Namespace(Box<core::Namespace>),
    ServiceAccount(Box<core::ServiceAccount>),
    ConfigMap(Box<core::ConfigMap>),
    Secret(Box<core::Secret>),
    ResourceQuota(Box<core::ResourceQuota>),
    LimitRange(Box<core::LimitRange>),
    PersistentVolumeClaim(Box<core::PersistentVolumeClaim>),
    PersistentVolume(Box<core::PersistentVolume>),
    Role(Box<rbac::Role>),
    ClusterRole(Box<rbac::ClusterRole>),
    RoleBinding(Box<rbac::RoleBinding>),
    ClusterRoleBinding(Box<rbac::ClusterRoleBinding>),
    PodDisruptionBudget(Box<policy::PodDisruptionBudget>),
    HorizontalPodAutoscaler(Box<autoscaling::HorizontalPodAutoscaler>),
    ValidatingWebhookConfiguration(Box<admission::ValidatingWebhookConfiguration>),
    MutatingWebhookConfiguration(Box<admission::MutatingWebhookConfiguration>),
    Dynamic,
}

const SKIP: &[&str] = &["apiVersion", "kind", "status"];

fn read<T: serde::de::DeserializeOwned>(
    doc: &Node,
    strays: &mut Vec<StrayField>,
) -> Result<Box<T>, TypeError> {
    let (result, found) = from_node_strict(doc, SKIP);
    *strays = found;
    result.map(Box::new)
}

impl Typed {
    /// Reads the typed form of `doc` when `(apiVersion, kind)` is a built-in
    /// kind palisade analyzes.
    pub fn from_node(api_version: &str, kind: &str, doc: &Node) -> Result<Typed, TypeError> {
        Self::read(api_version, kind, doc).map(|(t, _)| t)
    }

    /// [`Typed::from_node`], and the keys of `doc` that the kind's schema
    /// does not have (the API server drops them, or refuses the object
    /// under strict field validation).
    pub fn read(
        api_version: &str,
        kind: &str,
        doc: &Node,
    ) -> Result<(Typed, Vec<StrayField>), TypeError> {
        let mut strays = Vec::new();
        let s = &mut strays;
        let group = group_of(api_version);
        let typed = match (group, kind) {
            ("", "Pod") => Typed::Pod(read(doc, s)?),
            ("apps" | "extensions", "Deployment") => Typed::Deployment(read(doc, s)?),
            ("apps", "StatefulSet") => Typed::StatefulSet(read(doc, s)?),
            ("apps" | "extensions", "DaemonSet") => Typed::DaemonSet(read(doc, s)?),
            ("apps" | "extensions", "ReplicaSet") => Typed::ReplicaSet(read(doc, s)?),
            ("", "ReplicationController") => Typed::ReplicationController(read(doc, s)?),
            ("batch", "Job") => Typed::Job(read(doc, s)?),
            ("batch", "CronJob") => Typed::CronJob(read(doc, s)?),
            ("", "Service") => Typed::Service(read(doc, s)?),
            ("networking.k8s.io" | "extensions", "Ingress") if api_version.ends_with("/v1") => {
                Typed::Ingress(read(doc, s)?)
            }
            ("networking.k8s.io" | "extensions", "NetworkPolicy") => {
                Typed::NetworkPolicy(read(doc, s)?)
            }
            ("", "Namespace") => Typed::Namespace(read(doc, s)?),
            ("", "ServiceAccount") => Typed::ServiceAccount(read(doc, s)?),
            ("", "ConfigMap") => Typed::ConfigMap(read(doc, s)?),
            ("", "Secret") => Typed::Secret(read(doc, s)?),
            ("", "ResourceQuota") => Typed::ResourceQuota(read(doc, s)?),
            ("", "LimitRange") => Typed::LimitRange(read(doc, s)?),
            ("", "PersistentVolumeClaim") => Typed::PersistentVolumeClaim(read(doc, s)?),
            ("", "PersistentVolume") => Typed::PersistentVolume(read(doc, s)?),
            ("rbac.authorization.k8s.io", "Role") => Typed::Role(read(doc, s)?),
            ("rbac.authorization.k8s.io", "ClusterRole") => Typed::ClusterRole(read(doc, s)?),
            ("rbac.authorization.k8s.io", "RoleBinding") => Typed::RoleBinding(read(doc, s)?),
            ("rbac.authorization.k8s.io", "ClusterRoleBinding") => {
                Typed::ClusterRoleBinding(read(doc, s)?)
            }
            ("policy", "PodDisruptionBudget") => Typed::PodDisruptionBudget(read(doc, s)?),
            ("autoscaling", "HorizontalPodAutoscaler") if api_version == "autoscaling/v2" => {
                Typed::HorizontalPodAutoscaler(read(doc, s)?)
            }
            ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration") => {
                Typed::ValidatingWebhookConfiguration(read(doc, s)?)
            }
            ("admissionregistration.k8s.io", "MutatingWebhookConfiguration") => {
                Typed::MutatingWebhookConfiguration(read(doc, s)?)
            }
            _ => Typed::Dynamic,
        };
        Ok((typed, strays))
    }
}
