//! One file per upstream check, each with its catalogue entry.

use crate::Control;

mod allow_privilege_escalation;
mod apparmor;
mod capabilities_baseline;
mod capabilities_restricted;
mod host_namespaces;
mod host_path_volumes;
mod host_ports;
mod host_probes;
mod privileged;
mod proc_mount;
mod proc_mount_restricted;
mod restricted_volumes;
mod run_as_non_root;
mod run_as_user;
mod seccomp_baseline;
mod seccomp_restricted;
mod selinux;
mod sysctls;
mod windows_host_process;

/// Every check, baseline first (the upstream registry order within a level
/// does not change the decision).
pub static ALL: &[&Control] = &[
    &host_namespaces::CONTROL,
    &privileged::CONTROL,
    &capabilities_baseline::CONTROL,
    &host_path_volumes::CONTROL,
    &host_ports::CONTROL,
    &apparmor::CONTROL,
    &selinux::CONTROL,
    &proc_mount::CONTROL,
    &seccomp_baseline::CONTROL,
    &sysctls::CONTROL,
    &windows_host_process::CONTROL,
    &host_probes::CONTROL,
    &restricted_volumes::CONTROL,
    &allow_privilege_escalation::CONTROL,
    &run_as_non_root::CONTROL,
    &run_as_user::CONTROL,
    &seccomp_restricted::CONTROL,
    &capabilities_restricted::CONTROL,
    &proc_mount_restricted::CONTROL,
];

/// The check with upstream id `id`.
pub fn by_id(id: &str) -> Option<&'static Control> {
    ALL.iter().copied().find(|c| c.id == id)
}
