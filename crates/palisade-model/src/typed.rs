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
use palisade_value::{Node, TypeError, from_node_except};

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

fn read<T: serde::de::DeserializeOwned>(doc: &Node) -> Result<Box<T>, TypeError> {
    from_node_except(doc, SKIP).map(Box::new)
}

impl Typed {
    /// Reads the typed form of `doc` when `(apiVersion, kind)` is a built-in
    /// kind palisade analyzes.
    pub fn from_node(api_version: &str, kind: &str, doc: &Node) -> Result<Typed, TypeError> {
        let group = group_of(api_version);
        Ok(match (group, kind) {
            ("", "Pod") => Typed::Pod(read(doc)?),
            ("apps" | "extensions", "Deployment") => Typed::Deployment(read(doc)?),
            ("apps", "StatefulSet") => Typed::StatefulSet(read(doc)?),
            ("apps" | "extensions", "DaemonSet") => Typed::DaemonSet(read(doc)?),
            ("apps" | "extensions", "ReplicaSet") => Typed::ReplicaSet(read(doc)?),
            ("", "ReplicationController") => Typed::ReplicationController(read(doc)?),
            ("batch", "Job") => Typed::Job(read(doc)?),
            ("batch", "CronJob") => Typed::CronJob(read(doc)?),
            ("", "Service") => Typed::Service(read(doc)?),
            ("networking.k8s.io" | "extensions", "Ingress") if api_version.ends_with("/v1") => {
                Typed::Ingress(read(doc)?)
            }
            ("networking.k8s.io" | "extensions", "NetworkPolicy") => {
                Typed::NetworkPolicy(read(doc)?)
            }
            ("", "Namespace") => Typed::Namespace(read(doc)?),
            ("", "ServiceAccount") => Typed::ServiceAccount(read(doc)?),
            ("", "ConfigMap") => Typed::ConfigMap(read(doc)?),
            ("", "Secret") => Typed::Secret(read(doc)?),
            ("", "ResourceQuota") => Typed::ResourceQuota(read(doc)?),
            ("", "LimitRange") => Typed::LimitRange(read(doc)?),
            ("", "PersistentVolumeClaim") => Typed::PersistentVolumeClaim(read(doc)?),
            ("", "PersistentVolume") => Typed::PersistentVolume(read(doc)?),
            ("rbac.authorization.k8s.io", "Role") => Typed::Role(read(doc)?),
            ("rbac.authorization.k8s.io", "ClusterRole") => Typed::ClusterRole(read(doc)?),
            ("rbac.authorization.k8s.io", "RoleBinding") => Typed::RoleBinding(read(doc)?),
            ("rbac.authorization.k8s.io", "ClusterRoleBinding") => {
                Typed::ClusterRoleBinding(read(doc)?)
            }
            ("policy", "PodDisruptionBudget") => Typed::PodDisruptionBudget(read(doc)?),
            ("autoscaling", "HorizontalPodAutoscaler") if api_version == "autoscaling/v2" => {
                Typed::HorizontalPodAutoscaler(read(doc)?)
            }
            ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration") => {
                Typed::ValidatingWebhookConfiguration(read(doc)?)
            }
            ("admissionregistration.k8s.io", "MutatingWebhookConfiguration") => {
                Typed::MutatingWebhookConfiguration(read(doc)?)
            }
            _ => Typed::Dynamic,
        })
    }
}
