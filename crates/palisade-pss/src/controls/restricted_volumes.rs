//! `restrictedVolumes` (restricted, v1.0+, overrides `hostPathVolumes`):
//! only volume types that cannot reach the node or network storage
//! directly are allowed.

use crate::ctx::{join_quote, pluralize, sorted_set};
use crate::{Control, Failure, Level, Pod, Remedy};
use k8s_openapi::api::core::v1::Volume;
use palisade_findings::{CheckMeta, Framework, Severity};

pub static META: CheckMeta = CheckMeta {
    id: "pss-restricted-volumes",
    title: "Volume types outside the restricted set",
    severity: Severity::Low,
    action: 7,
    category: "pod-security",
    frameworks: &[
        Framework::Pss("restricted/restrictedVolumes"),
        Framework::Nsa("pod-security"),
    ],
    risk: "Volume types other than configMap, csi, downwardAPI, emptyDir, ephemeral, image, \
persistentVolumeClaim, projected and secret mount node paths or network storage directly from the \
pod spec, bypassing the PersistentVolume permission model.",
    fix: "Use a PersistentVolumeClaim (backed by a PersistentVolume an administrator defines) or \
one of the allowed types instead.",
};

pub static CONTROL: Control = Control {
    id: "restrictedVolumes",
    level: Level::Restricted,
    versions: &[(0, restricted_volumes_1_0)],
    overrides: &["hostPathVolumes"],
    meta: &META,
    remedy: Remedy::None,
    cel,
};

/// The name of the restricted source a volume uses, `None` when allowed.
/// A volume without any source is an `emptyDir` after API defaulting.
fn restricted_type(v: &Volume) -> Option<&'static str> {
    let allowed = v.config_map.is_some()
        || v.csi.is_some()
        || v.downward_api.is_some()
        || v.empty_dir.is_some()
        || v.ephemeral.is_some()
        || v.image.is_some()
        || v.persistent_volume_claim.is_some()
        || v.projected.is_some()
        || v.secret.is_some();
    if allowed {
        return None;
    }
    let sources: [(&'static str, bool); 21] = [
        ("awsElasticBlockStore", v.aws_elastic_block_store.is_some()),
        ("azureDisk", v.azure_disk.is_some()),
        ("azureFile", v.azure_file.is_some()),
        ("cephfs", v.cephfs.is_some()),
        ("cinder", v.cinder.is_some()),
        ("fc", v.fc.is_some()),
        ("flexVolume", v.flex_volume.is_some()),
        ("flocker", v.flocker.is_some()),
        ("gcePersistentDisk", v.gce_persistent_disk.is_some()),
        ("gitRepo", v.git_repo.is_some()),
        ("glusterfs", v.glusterfs.is_some()),
        ("hostPath", v.host_path.is_some()),
        ("iscsi", v.iscsi.is_some()),
        ("nfs", v.nfs.is_some()),
        ("photonPersistentDisk", v.photon_persistent_disk.is_some()),
        ("portworxVolume", v.portworx_volume.is_some()),
        ("quobyte", v.quobyte.is_some()),
        ("rbd", v.rbd.is_some()),
        ("scaleIO", v.scale_io.is_some()),
        ("storageos", v.storageos.is_some()),
        ("vsphereVolume", v.vsphere_volume.is_some()),
    ];
    // no source at all: defaulted to emptyDir
    sources.iter().find(|(_, set)| *set).map(|(name, _)| *name)
}

fn restricted_volumes_1_0(pod: &Pod<'_>) -> Option<Failure> {
    let mut names = Vec::new();
    let mut types = Vec::new();
    let mut fields = Vec::new();
    for (i, v) in pod.volumes().iter().enumerate() {
        if let Some(t) = restricted_type(v) {
            names.push(v.name.as_str());
            types.push(t.to_string());
            fields.push(Pod::spec_path(&["volumes"]).index(i).key(t));
        }
    }
    if names.is_empty() {
        return None;
    }
    let types = sorted_set(types);
    Some(Failure {
        reason: "restricted volume types".into(),
        detail: format!(
            "{} {} {} restricted volume {} {}",
            pluralize("volume", "volumes", names.len()),
            join_quote(&names),
            pluralize("uses", "use", names.len()),
            pluralize("type", "types", types.len()),
            join_quote(&types)
        ),
        fields,
    })
}

/// The control as a CEL expression over the admission-policy variables
/// (`crate::cel`): true when the pod is allowed; `None` before the
/// control exists.
fn cel(minor: u32) -> Option<String> {
    let _ = minor;
    let allowed = [
        "configMap",
        "csi",
        "downwardAPI",
        "emptyDir",
        "ephemeral",
        "image",
        "persistentVolumeClaim",
        "projected",
        "secret",
    ];
    let forbidden = [
        "awsElasticBlockStore",
        "azureDisk",
        "azureFile",
        "cephfs",
        "cinder",
        "fc",
        "flexVolume",
        "flocker",
        "gcePersistentDisk",
        "gitRepo",
        "glusterfs",
        "hostPath",
        "iscsi",
        "nfs",
        "photonPersistentDisk",
        "portworxVolume",
        "quobyte",
        "rbd",
        "scaleIO",
        "storageos",
        "vsphereVolume",
    ];
    let has = |names: &[&str]| {
        names
            .iter()
            .map(|n| format!("has(v.{n})"))
            .collect::<Vec<_>>()
            .join(" || ")
    };
    Some(format!(
        "!has(variables.spec.volumes) || variables.spec.volumes.all(v, {} || !({}))",
        has(&allowed),
        has(&forbidden)
    ))
}
