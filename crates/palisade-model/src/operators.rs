//! Pods that operators create from their custom resources, so that what
//! selects them (NetworkPolicies, Services) is not taken for a typo: the
//! Prometheus Operator's Prometheus, PrometheusAgent, Alertmanager and
//! ThanosRuler (kube-prometheus ships them) run as StatefulSets whose pods
//! carry labels the operator sets, plus the resource's
//! `spec.podMetadata.labels`.

use crate::{Model, Object};
use std::collections::BTreeMap;

/// Pods an operator will run for one custom resource.
#[derive(Debug, Clone)]
pub struct ManagedPods<'a> {
    pub resource: &'a Object,
    pub namespace: String,
    /// Labels every one of those pods carries.
    pub labels: BTreeMap<String, String>,
}

const MONITORING: &str = "monitoring.coreos.com/";

/// Every custom resource in `model` an operator palisade knows turns into
/// pods, with their labels.
pub fn managed_pods(model: &Model) -> Vec<ManagedPods<'_>> {
    let mut out = Vec::new();
    for o in model.objects() {
        if !o.api_version.starts_with(MONITORING) {
            continue;
        }
        let (name_label, own_label) = match o.kind.as_str() {
            "Prometheus" => ("prometheus", "prometheus"),
            "PrometheusAgent" => ("prometheus-agent", "prometheus"),
            "Alertmanager" => ("alertmanager", "alertmanager"),
            "ThanosRuler" => ("thanos-ruler", "thanos-ruler"),
            _ => continue,
        };
        let Some(namespace) = o.namespace.clone() else {
            continue;
        };
        let mut labels = BTreeMap::new();
        if let Some(extra) = o
            .raw
            .at(&palisade_value::Path::root()
                .key("spec")
                .key("podMetadata")
                .key("labels"))
            .and_then(|l| l.as_map())
        {
            for (k, v) in extra.iter() {
                if let Some(v) = v.as_str() {
                    labels.insert(k.to_string(), v.to_string());
                }
            }
        }
        for (k, v) in [
            ("app.kubernetes.io/name", name_label),
            ("app.kubernetes.io/managed-by", "prometheus-operator"),
            ("app.kubernetes.io/instance", o.name.as_str()),
            (own_label, o.name.as_str()),
        ] {
            labels.insert(k.to_string(), v.to_string());
        }
        out.push(ManagedPods {
            resource: o,
            namespace,
            labels,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ObjectOptions, objects_from_document};
    use std::sync::Arc;

    pub(super) fn model_of(yaml: &str) -> Model {
        let file: Arc<str> = Arc::from("in.yaml");
        let objects = palisade_yaml::parse_stream(yaml, &palisade_yaml::Limits::default())
            .documents
            .into_iter()
            .flat_map(|d| objects_from_document(d.root, &file, &ObjectOptions::default()))
            .map(|r| r.unwrap())
            .collect();
        Model::new(objects)
    }

    #[test]
    fn prometheus_operator_resources_become_labelled_pods() {
        let yaml = "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: k8s, namespace: monitoring}\nspec:\n  podMetadata:\n    labels: {team: sre}\n---\napiVersion: monitoring.coreos.com/v1\nkind: Alertmanager\nmetadata: {name: main, namespace: monitoring}\nspec: {}\n---\napiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata: {name: x, namespace: monitoring}\nspec: {}\n";
        let model = model_of(yaml);
        let got = managed_pods(&model);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].labels["app.kubernetes.io/name"], "prometheus");
        assert_eq!(got[0].labels["prometheus"], "k8s");
        assert_eq!(got[0].labels["team"], "sre");
        assert_eq!(got[1].labels["alertmanager"], "main");
        assert_eq!(got[1].namespace, "monitoring");
    }
}

/// A KubeVirt virtual machine: a workload NetworkPolicies select by its
/// pod labels (the VM's template labels; a running VMI's own labels) and
/// reach on the ports its interfaces declare.
#[derive(Debug, Clone)]
pub struct VirtualMachine<'a> {
    pub object: &'a Object,
    pub namespace: String,
    pub labels: BTreeMap<String, String>,
    /// `(name, port, protocol)` of the interfaces' declared ports.
    pub ports: Vec<(Option<String>, u16, String)>,
    /// Where its VMI spec is in the object (`spec.template.spec` of a VM,
    /// `spec` of a VMI): domain, volumes, networks.
    pub spec: palisade_value::Path,
}

/// `VirtualMachine`s and the `VirtualMachineInstance`s no VM of the input
/// owns (`kubevirt.io`).
pub fn virtual_machines(model: &Model) -> Vec<VirtualMachine<'_>> {
    use palisade_value::Path;
    let mut out = Vec::new();
    for o in model.objects() {
        if !o.api_version.starts_with("kubevirt.io/") {
            continue;
        }
        let (labels_at, spec_at) = match o.kind.as_str() {
            "VirtualMachine" => (
                Path::root()
                    .key("spec")
                    .key("template")
                    .key("metadata")
                    .key("labels"),
                Path::root().key("spec").key("template").key("spec"),
            ),
            "VirtualMachineInstance" => {
                let owned = o.owners().any(|r| {
                    r.kind == "VirtualMachine"
                        && model
                            .get("VirtualMachine", o.namespace.as_deref(), r.name)
                            .is_some()
                });
                if owned {
                    continue;
                }
                (
                    Path::root().key("metadata").key("labels"),
                    Path::root().key("spec"),
                )
            }
            _ => continue,
        };
        let Some(namespace) = o.namespace.clone() else {
            continue;
        };
        let mut labels = BTreeMap::new();
        if let Some(m) = o.raw.at(&labels_at).and_then(|l| l.as_map()) {
            for (k, v) in m.iter() {
                if let Some(v) = v.as_str() {
                    labels.insert(k.to_string(), v.to_string());
                }
            }
        }
        let mut ports = Vec::new();
        let interfaces = spec_at
            .clone()
            .key("domain")
            .key("devices")
            .key("interfaces");
        for i in o
            .raw
            .at(&interfaces)
            .and_then(|v| v.as_seq())
            .unwrap_or(&[])
        {
            for p in i.get("ports").and_then(|v| v.as_seq()).unwrap_or(&[]) {
                let Some(port) = p
                    .get("port")
                    .and_then(|v| v.as_i64())
                    .and_then(|n| u16::try_from(n).ok())
                else {
                    continue;
                };
                ports.push((
                    p.get_str("name").map(str::to_string),
                    port,
                    p.get_str("protocol").unwrap_or("TCP").to_string(),
                ));
            }
        }
        out.push(VirtualMachine {
            object: o,
            namespace,
            labels,
            ports,
            spec: spec_at,
        });
    }
    out
}

#[cfg(test)]
mod vm_tests {
    use super::tests::model_of;
    use super::*;

    #[test]
    fn kubevirt_machines_are_workloads() {
        let yaml = "apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata: {name: db-vm, namespace: vms}\nspec:\n  template:\n    metadata:\n      labels: {app: db}\n    spec:\n      domain:\n        devices:\n          interfaces:\n          - name: default\n            masquerade: {}\n            ports: [{name: pg, port: 5432}]\n---\napiVersion: kubevirt.io/v1\nkind: VirtualMachineInstance\nmetadata:\n  name: db-vm\n  namespace: vms\n  labels: {app: db}\n  ownerReferences: [{kind: VirtualMachine, name: db-vm, apiVersion: kubevirt.io/v1, uid: x}]\nspec: {domain: {devices: {}}}\n---\napiVersion: kubevirt.io/v1\nkind: VirtualMachineInstance\nmetadata: {name: lone, namespace: vms, labels: {app: lone}}\nspec: {domain: {devices: {}}}\n";
        let model = model_of(yaml);
        let vms = virtual_machines(&model);
        let names: Vec<&str> = vms.iter().map(|v| v.object.name.as_str()).collect();
        // the VMI its VM owns is that VM
        assert_eq!(names, ["db-vm", "lone"]);
        assert_eq!(vms[0].labels["app"], "db");
        assert_eq!(
            vms[0].ports,
            [(Some("pg".to_string()), 5432, "TCP".to_string())]
        );
        assert_eq!(vms[1].object.kind, "VirtualMachineInstance");
    }
}
