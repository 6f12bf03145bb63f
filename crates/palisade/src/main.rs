//! `palisade`: the command line. Thin: parse arguments, call sources,
//! analyzers and reporters, choose the exit code.

mod admission_cmd;
mod audit_analyze;
mod audit_cmd;
mod audit_sink;
mod checks_cmd;
mod cli;
mod drift_cmd;
mod fix_cmd;
mod generate_cmd;
mod history_cmd;
mod monitor_cmd;
mod netpol_cmd;
mod output;
mod policy_cmd;
mod pss_cmd;
mod rbac_cmd;
mod report_cmd;
mod sbom_cmd;
mod scan;
mod secrets_cmd;
mod threat_cmd;
mod vap_cmd;
mod vuln_cmd;

use clap::Parser;
use std::process::ExitCode;

/// Scans allocate and free millions of small tree nodes; mimalloc does
/// that markedly faster than the system allocator, on several threads.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit codes shared by every command.
pub mod exit {
    /// Nothing at or above the failure threshold.
    pub const OK: u8 = 0;
    /// Findings (or denied pods) at or above the threshold.
    pub const FINDINGS: u8 = 1;
    /// Some input could not be read, or the command was misused.
    pub const INPUT_ERROR: u8 = 2;
}

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    output::set_force(cli.force);
    let code = match cli.command {
        cli::Command::Scan(args) => scan::run(args),
        cli::Command::Pss(args) => pss_cmd::run(args),
        cli::Command::Checks(args) => checks_cmd::run(args),
        cli::Command::Rbac(args) => rbac_cmd::run(args),
        cli::Command::Drift(args) => drift_cmd::run(args),
        cli::Command::Netpol(args) => netpol_cmd::run(args),
        cli::Command::Admission(args) => admission_cmd::run(args),
        cli::Command::Policy(args) => policy_cmd::run(args),
        cli::Command::Audit(args) => audit_cmd::run(args),
        cli::Command::Fix(args) => fix_cmd::run(args),
        cli::Command::Generate(args) => generate_cmd::run(args),
        cli::Command::Inventory(args) => generate_cmd::inventory(args),
        cli::Command::ThreatModel(args) => threat_cmd::run(args),
        cli::Command::Sbom(args) => sbom_cmd::run(args),
        cli::Command::Db(args) => vuln_cmd::db(args),
        cli::Command::Vuln(args) => vuln_cmd::vuln(args),
        cli::Command::Secrets(args) => secrets_cmd::run(args),
        cli::Command::Monitor(args) => monitor_cmd::run(args),
        cli::Command::Report(args) => report_cmd::run(args),
        cli::Command::History(args) => history_cmd::run(args),
    };
    ExitCode::from(code)
}
