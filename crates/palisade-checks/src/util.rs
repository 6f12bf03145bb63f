//! Effective settings: a container's `securityContext` wins over the pod's.

use crate::context::Workload;
use palisade_model::ContainerRef;

pub fn run_as_user(w: &Workload<'_>, c: &ContainerRef<'_>) -> Option<i64> {
    c.security_context
        .and_then(|sc| sc.run_as_user)
        .or_else(|| w.spec().security_context.as_ref()?.run_as_user)
}

pub fn run_as_group(w: &Workload<'_>, c: &ContainerRef<'_>) -> Option<i64> {
    c.security_context
        .and_then(|sc| sc.run_as_group)
        .or_else(|| w.spec().security_context.as_ref()?.run_as_group)
}

pub fn run_as_non_root(w: &Workload<'_>, c: &ContainerRef<'_>) -> Option<bool> {
    c.security_context
        .and_then(|sc| sc.run_as_non_root)
        .or_else(|| w.spec().security_context.as_ref()?.run_as_non_root)
}

pub fn seccomp_type<'a>(w: &'a Workload<'_>, c: &ContainerRef<'a>) -> Option<&'a str> {
    c.security_context
        .and_then(|sc| sc.seccomp_profile.as_ref())
        .or_else(|| w.spec().security_context.as_ref()?.seccomp_profile.as_ref())
        .map(|p| p.type_.as_str())
}

/// Containers that run for the pod's life: regular containers and
/// sidecars (init containers with `restartPolicy: Always`).
pub fn long_lived<'a, 'b>(w: &'b Workload<'a>) -> impl Iterator<Item = &'b ContainerRef<'a>> {
    w.containers
        .iter()
        .filter(|c| c.kind == palisade_model::ContainerKind::App || c.is_sidecar())
}

/// Regular and init containers (not ephemeral debug containers).
pub fn declared<'a, 'b>(w: &'b Workload<'a>) -> impl Iterator<Item = &'b ContainerRef<'a>> {
    w.containers
        .iter()
        .filter(|c| c.kind != palisade_model::ContainerKind::Ephemeral)
}
