use super::*;
use k8s_openapi::api::core::v1::{Container, PodSecurityContext, PodSpec, SecurityContext};

fn lv(level: Level, v: &str) -> LevelVersion {
    LevelVersion {
        level,
        version: v.parse().unwrap(),
    }
}

fn pod(containers: Vec<Container>) -> PodSpec {
    PodSpec {
        containers,
        ..Default::default()
    }
}

fn container(name: &str, sc: Option<SecurityContext>) -> Container {
    Container {
        name: name.into(),
        image: Some("x".into()),
        security_context: sc,
        ..Default::default()
    }
}

fn hardened() -> SecurityContext {
    SecurityContext {
        allow_privilege_escalation: Some(false),
        capabilities: Some(k8s_openapi::api::core::v1::Capabilities {
            drop: Some(vec!["ALL".into()]),
            add: None,
        }),
        ..Default::default()
    }
}

fn restricted_pod() -> PodSpec {
    let mut p = pod(vec![container("app", Some(hardened()))]);
    p.security_context = Some(PodSecurityContext {
        run_as_non_root: Some(true),
        seccomp_profile: Some(k8s_openapi::api::core::v1::SeccompProfile {
            type_: "RuntimeDefault".into(),
            localhost_profile: None,
        }),
        ..Default::default()
    });
    p
}

#[test]
fn versions_parse_and_clamp() {
    assert_eq!("v1.30".parse::<Version>().unwrap(), Version::Minor(30));
    assert_eq!("1.30".parse::<Version>().unwrap(), Version::Minor(30));
    assert_eq!("latest".parse::<Version>().unwrap(), Version::Latest);
    assert!("v2.0".parse::<Version>().is_err());
    assert!("v1.".parse::<Version>().is_err());
    assert_eq!(Version::Minor(99).effective_minor(), Version::MAX_MINOR);
    assert_eq!(Version::Latest.effective_minor(), Version::MAX_MINOR);
}

#[test]
fn restricted_pod_is_allowed_everywhere() {
    let spec = restricted_pod();
    for v in ["v1.0", "v1.22", "v1.35", "latest"] {
        let out = evaluate(lv(Level::Restricted, v), None, &spec);
        assert!(allowed(&out), "{v}: {out:?}");
    }
}

#[test]
fn privileged_level_allows_anything() {
    let mut spec = pod(vec![container(
        "x",
        Some(SecurityContext {
            privileged: Some(true),
            ..Default::default()
        }),
    )]);
    spec.host_pid = Some(true);
    assert!(evaluate(lv(Level::Privileged, "latest"), None, &spec).is_empty());
    let out = evaluate(lv(Level::Baseline, "latest"), None, &spec);
    let ids: Vec<_> = out.iter().map(|v| v.check).collect();
    assert_eq!(ids, ["hostNamespaces", "privileged"]);
    assert_eq!(
        out[1].message(),
        "privileged (container \"x\" must not set securityContext.privileged=true)"
    );
    assert_eq!(
        out[1].fields[0].to_string(),
        "spec.containers[0].securityContext.privileged"
    );
}

#[test]
fn restricted_override_names_the_baseline_check_too() {
    let mut spec = restricted_pod();
    spec.containers[0]
        .security_context
        .as_mut()
        .unwrap()
        .capabilities
        .as_mut()
        .unwrap()
        .add = Some(vec!["NET_RAW".into()]);
    let out = evaluate(lv(Level::Restricted, "latest"), None, &spec);
    assert!(!allowed(&out));
    let ids: Vec<_> = out.iter().map(|v| (v.check, v.overridden_by)).collect();
    assert_eq!(
        ids,
        [
            ("capabilities_restricted", None),
            ("capabilities_baseline", Some("capabilities_restricted"))
        ]
    );
    let msg = forbidden_message(lv(Level::Restricted, "latest"), &out);
    assert_eq!(
        msg,
        "violates PodSecurity \"restricted:latest\": unrestricted capabilities (container \"app\" \
must not include \"NET_RAW\" in securityContext.capabilities.add)"
    );
}

#[test]
fn windows_pods_skip_linux_only_restricted_checks_from_1_25() {
    let mut spec = pod(vec![container("w", None)]);
    spec.os = Some(k8s_openapi::api::core::v1::PodOS {
        name: "windows".into(),
    });
    spec.security_context = Some(PodSecurityContext {
        run_as_non_root: Some(true),
        ..Default::default()
    });
    assert!(allowed(&evaluate(
        lv(Level::Restricted, "v1.25"),
        None,
        &spec
    )));
    let old: Vec<_> = evaluate(lv(Level::Restricted, "v1.24"), None, &spec)
        .into_iter()
        .map(|v| v.check)
        .collect();
    assert_eq!(
        old,
        [
            "allowPrivilegeEscalation",
            "seccompProfile_restricted",
            "capabilities_restricted"
        ]
    );
}

#[test]
fn user_namespaces_relax_from_1_35_only() {
    let mut spec = pod(vec![container("c", Some(hardened()))]);
    spec.host_users = Some(false);
    spec.security_context = Some(PodSecurityContext {
        run_as_user: Some(0),
        seccomp_profile: Some(k8s_openapi::api::core::v1::SeccompProfile {
            type_: "RuntimeDefault".into(),
            localhost_profile: None,
        }),
        ..Default::default()
    });
    assert!(allowed(&evaluate(
        lv(Level::Restricted, "v1.35"),
        None,
        &spec
    )));
    let ids: Vec<_> = evaluate(lv(Level::Restricted, "v1.34"), None, &spec)
        .into_iter()
        .map(|v| v.check)
        .collect();
    assert_eq!(ids, ["runAsNonRoot", "runAsUser"]);
}

#[test]
fn volume_without_source_is_empty_dir() {
    let mut spec = restricted_pod();
    spec.volumes = Some(vec![k8s_openapi::api::core::v1::Volume {
        name: "scratch".into(),
        ..Default::default()
    }]);
    assert!(allowed(&evaluate(
        lv(Level::Restricted, "latest"),
        None,
        &spec
    )));
}

#[test]
fn namespace_labels() {
    let mut labels = std::collections::BTreeMap::new();
    assert_eq!(namespace_policy(&labels, "enforce").unwrap(), None);
    labels.insert(
        "pod-security.kubernetes.io/enforce".to_string(),
        "baseline".to_string(),
    );
    assert_eq!(
        namespace_policy(&labels, "enforce").unwrap(),
        Some(lv(Level::Baseline, "latest"))
    );
    labels.insert(
        "pod-security.kubernetes.io/enforce-version".to_string(),
        "v1.29".to_string(),
    );
    assert_eq!(
        namespace_policy(&labels, "enforce").unwrap(),
        Some(lv(Level::Baseline, "v1.29"))
    );
    labels.insert(
        "pod-security.kubernetes.io/enforce".to_string(),
        "strict".to_string(),
    );
    assert!(namespace_policy(&labels, "enforce").is_err());
}

#[test]
fn every_control_has_catalogue_metadata() {
    for c in controls::ALL {
        assert!(c.meta.id.starts_with("pss-"), "{}", c.meta.id);
        assert!(!c.versions.is_empty());
        assert!(c.versions.windows(2).all(|w| w[0].0 < w[1].0));
        for o in c.overrides {
            assert!(controls::by_id(o).is_some(), "{o}");
        }
    }
}
