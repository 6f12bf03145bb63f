//! Opt-in safe defaults (`/mutate`): seccomp `RuntimeDefault`,
//! `allowPrivilegeEscalation: false`, `capabilities.drop: [ALL]`, and
//! `runAsNonRoot: true` where the pod already names a non-root user.
//!
//! A default is only added where the field is unset, never where the API
//! server would then reject the pod (privileged containers, `SYS_ADMIN`,
//! Windows pods), and every change that could stop a container from
//! starting is named in a warning.

use serde_json::{Value as Json, json};

/// What mutation adds.
#[derive(Debug, Clone, Default)]
pub struct Mutation {
    /// RFC 6902 operations against the object as sent.
    pub patch: json_patch::Patch,
    /// One line per change, for `kubectl` warnings.
    pub warnings: Vec<String>,
}

fn obj<'a>(v: &'a mut Json, key: &str) -> Option<&'a mut serde_json::Map<String, Json>> {
    let m = v.as_object_mut()?;
    let e = m.entry(key).or_insert_with(|| json!({}));
    if e.is_null() {
        *e = json!({});
    }
    e.as_object_mut()
}

fn user(sc: Option<&Json>) -> Option<i64> {
    sc?.get("runAsUser")?.as_i64()
}

/// Safe defaults for the pod spec at `pointer` in `object` (the model's
/// `PodTemplate::spec_pointer`); `None` when nothing is to change.
pub fn safe_defaults(pointer: &str, object: &Json) -> Option<Mutation> {
    let mut mutated = object.clone();
    let spec = mutated.pointer_mut(pointer)?;
    if !spec.is_object() {
        return None;
    }
    let mut warnings = Vec::new();
    if spec.pointer("/os/name").and_then(Json::as_str) == Some("windows") {
        return None;
    }
    let pod_user = user(spec.get("securityContext"));
    let containers_set_seccomp = ["containers", "initContainers"].iter().any(|k| {
        spec.get(*k).and_then(Json::as_array).is_some_and(|cs| {
            cs.iter()
                .any(|c| c.pointer("/securityContext/seccompProfile").is_some())
        })
    });
    if spec.pointer("/securityContext/seccompProfile").is_none() && !containers_set_seccomp {
        if let Some(sc) = obj(spec, "securityContext") {
            sc.insert("seccompProfile".into(), json!({"type": "RuntimeDefault"}));
        }
        warnings.push(
            "palisade set securityContext.seccompProfile.type=RuntimeDefault (the container runtime's default syscall filter)".to_string(),
        );
    }
    for list in ["initContainers", "containers"] {
        let Some(cs) = spec.get_mut(list).and_then(Json::as_array_mut) else {
            continue;
        };
        for (i, c) in cs.iter_mut().enumerate() {
            let name = c
                .get("name")
                .and_then(Json::as_str)
                .unwrap_or("")
                .to_string();
            let sc = c.get("securityContext");
            if sc.and_then(|s| s.get("privileged")).and_then(Json::as_bool) == Some(true) {
                continue;
            }
            let adds: Vec<String> = sc
                .and_then(|s| s.pointer("/capabilities/add"))
                .and_then(Json::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(str::to_uppercase))
                        .collect()
                })
                .unwrap_or_default();
            let sys_admin = adds
                .iter()
                .any(|a| a == "SYS_ADMIN" || a == "CAP_SYS_ADMIN");
            let container_user = user(sc);
            let mut changes = Vec::new();
            let Some(sc) = obj(c, "securityContext") else {
                continue;
            };
            if !sc.contains_key("allowPrivilegeEscalation") && !sys_admin {
                sc.insert("allowPrivilegeEscalation".into(), json!(false));
                changes.push("allowPrivilegeEscalation=false");
            }
            let caps = sc.entry("capabilities").or_insert_with(|| json!({}));
            if caps.is_object() {
                let drop = caps
                    .as_object_mut()
                    .map(|m| m.entry("drop").or_insert_with(|| json!([])));
                if let Some(Json::Array(d)) = drop
                    && !d
                        .iter()
                        .any(|x| x.as_str().is_some_and(|s| s.eq_ignore_ascii_case("ALL")))
                {
                    d.push(json!("ALL"));
                    changes.push("capabilities.drop+=[ALL]");
                }
            }
            if !sc.contains_key("runAsNonRoot") {
                match container_user.or(pod_user) {
                    Some(u) if u != 0 => {
                        sc.insert("runAsNonRoot".into(), json!(true));
                        changes.push("runAsNonRoot=true");
                    }
                    Some(_) => {}
                    None => warnings.push(format!(
                        "palisade left runAsNonRoot unset on {list}[{i}] {name:?}: it cannot see whether the image runs as root; set runAsUser to a non-zero UID and runAsNonRoot: true"
                    )),
                }
            }
            if !changes.is_empty() {
                warnings.push(format!(
                    "palisade set {} on {list}[{i}] {name:?}; if it needs a capability or a setuid binary, set them explicitly",
                    changes.join(", ")
                ));
            }
        }
    }
    let patch = json_patch::diff(object, &mutated);
    if patch.0.is_empty() {
        return None;
    }
    Some(Mutation { patch, warnings })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_only_unset_safe_fields() {
        let d = json!({"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"spec": {
        "securityContext": {"runAsUser": 1000},
        "containers": [
            {"name": "app", "image": "a"},
            {"name": "priv", "image": "b", "securityContext": {"privileged": true}},
            {"name": "caps", "image": "c", "securityContext": {"capabilities": {"add": ["NET_ADMIN"], "drop": ["ALL"]}, "allowPrivilegeEscalation": true}}
        ]}}}});
        let m = safe_defaults("/spec/template/spec", &d).unwrap();
        let mut patched = d.clone();
        json_patch::patch(&mut patched, &m.patch).unwrap();
        let spec = &patched["spec"]["template"]["spec"];
        assert_eq!(
            spec["securityContext"]["seccompProfile"]["type"],
            "RuntimeDefault"
        );
        assert_eq!(
            spec["containers"][0]["securityContext"]["allowPrivilegeEscalation"],
            false
        );
        assert_eq!(
            spec["containers"][0]["securityContext"]["capabilities"]["drop"],
            json!(["ALL"])
        );
        assert_eq!(
            spec["containers"][0]["securityContext"]["runAsNonRoot"],
            true
        );
        // privileged: untouched (allowPrivilegeEscalation=false would be rejected)
        assert_eq!(
            spec["containers"][1],
            d["spec"]["template"]["spec"]["containers"][1]
        );
        // explicit choices are kept
        assert_eq!(
            spec["containers"][2]["securityContext"]["allowPrivilegeEscalation"],
            true
        );
        assert!(m.warnings.iter().any(|w| w.contains("\"app\"")));
    }

    #[test]
    fn leaves_windows_pods_and_root_users_alone() {
        let w = json!({"kind": "Pod", "spec": {"os": {"name": "windows"}, "containers": [{"name": "a"}]}});
        assert!(safe_defaults("/spec", &w).is_none());
        let p = json!({"kind": "Pod", "spec": {"containers": [{"name": "a"}]}});
        let m = safe_defaults("/spec", &p).unwrap();
        assert!(m.warnings.iter().any(|w| w.contains("runAsNonRoot unset")));
        let mut patched = p.clone();
        json_patch::patch(&mut patched, &m.patch).unwrap();
        assert!(
            patched["spec"]["containers"][0]["securityContext"]
                .get("runAsNonRoot")
                .is_none()
        );
    }
}
