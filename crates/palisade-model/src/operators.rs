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

    #[test]
    fn prometheus_operator_resources_become_labelled_pods() {
        let yaml = "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: k8s, namespace: monitoring}\nspec:\n  podMetadata:\n    labels: {team: sre}\n---\napiVersion: monitoring.coreos.com/v1\nkind: Alertmanager\nmetadata: {name: main, namespace: monitoring}\nspec: {}\n---\napiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata: {name: x, namespace: monitoring}\nspec: {}\n";
        let file: Arc<str> = Arc::from("in.yaml");
        let objects = palisade_yaml::parse_stream(yaml, &palisade_yaml::Limits::default())
            .documents
            .into_iter()
            .flat_map(|d| objects_from_document(d.root, &file, &ObjectOptions::default()))
            .map(|r| r.unwrap())
            .collect();
        let model = Model::new(objects);
        let got = managed_pods(&model);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].labels["app.kubernetes.io/name"], "prometheus");
        assert_eq!(got[0].labels["prometheus"], "k8s");
        assert_eq!(got[0].labels["team"], "sre");
        assert_eq!(got[1].labels["alertmanager"], "main");
        assert_eq!(got[1].namespace, "monitoring");
    }
}
