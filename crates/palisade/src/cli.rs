use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Kubernetes hardening for small teams: finds what is wrong, explains why
/// it matters, and says precisely what to change.
#[derive(Parser, Debug)]
#[command(name = "palisade", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Scan manifests (YAML, JSON, List objects, kubectl dumps) for Pod
    /// Security, hardening, namespace and quota problems.
    Scan(ScanArgs),
    /// Evaluate pods and pod templates against a Pod Security Standards
    /// level and version, exactly as the admission plugin does.
    Pss(PssArgs),
    /// The check catalogue.
    Checks(ChecksArgs),
}

#[derive(Copy, Clone, Debug, ValueEnum, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Options shared by commands that read manifests.
#[derive(Args, Debug, Clone)]
pub struct InputArgs {
    /// Files, directories (walked recursively) or `-` for stdin.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
    /// Namespace for namespaced objects that set none (like `kubectl -n`).
    #[arg(short = 'n', long, default_value = "default")]
    pub namespace: String,
    /// Largest file to read, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = 64)]
    pub max_file_size: u64,
    /// Also read files that .gitignore excludes, and hidden files.
    #[arg(long)]
    pub no_ignore: bool,
}

#[derive(Args, Debug)]
pub struct ScanArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format.
    #[arg(short, long, default_value = "table", value_parser = ["table", "json", "sarif", "markdown"])]
    pub format: String,
    /// Write the report to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Hide findings below this severity (critical, high, medium, low, info).
    #[arg(long, value_name = "SEVERITY")]
    pub min_severity: Option<String>,
    /// Exit 1 when a finding is at or above this severity (or `none`).
    /// Default: high, or `failOn` from the configuration file.
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<String>,
    /// Configuration file (default: .palisade.yaml in the current
    /// directory, else in the first scanned directory).
    #[arg(short, long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Run only these checks (repeatable, comma-separated).
    #[arg(long = "check", value_name = "ID", value_delimiter = ',')]
    pub checks: Vec<String>,
    /// Skip these checks (repeatable, comma-separated).
    #[arg(long = "skip", value_name = "ID", value_delimiter = ',')]
    pub skip: Vec<String>,
    /// Pod Security level for namespaces without an enforce label
    /// (default: restricted).
    #[arg(long, value_name = "LEVEL")]
    pub pss_level: Option<String>,
    /// Pod Security version for namespaces without an enforce label.
    #[arg(long, value_name = "VERSION")]
    pub pss_version: Option<String>,
    /// Also list suppressed findings in the table.
    #[arg(long)]
    pub show_suppressed: bool,
    /// Colour the table.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
}

#[derive(Args, Debug)]
pub struct PssArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Pod Security Standards level.
    #[arg(long, value_parser = ["baseline", "restricted", "privileged"])]
    pub level: String,
    /// Policy version: v1.0 … v1.37, or latest.
    #[arg(long, default_value = "latest")]
    pub version: String,
    /// Output format.
    #[arg(short, long, default_value = "table", value_parser = ["table", "json"])]
    pub format: String,
    /// Write the result to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ChecksArgs {
    #[command(subcommand)]
    pub command: ChecksCommand,
}

#[derive(Subcommand, Debug)]
pub enum ChecksCommand {
    /// List every check: id, severity, seed action, title, frameworks.
    List {
        #[arg(short, long, default_value = "table", value_parser = ["table", "json", "markdown"])]
        format: String,
    },
    /// Explain one check: why it matters and how to fix it.
    Explain {
        /// Check id, e.g. pss-privileged.
        id: String,
    },
}
