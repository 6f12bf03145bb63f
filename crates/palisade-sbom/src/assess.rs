//! Minimal-image assessment (action 7 of the seed: distroless images shrink
//! the attack surface). Tools an attacker who gets code execution in the
//! container would reach for: shells, package managers, compilers,
//! debuggers, network tools; and whether the image runs as root by default.

use palisade_imagefs::{ImageInfo, Tree};
use serde::Serialize;

/// One assessment result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub id: &'static str,
    pub severity: &'static str,
    pub title: &'static str,
    /// Why it matters.
    pub why: &'static str,
    /// What to change.
    pub fix: &'static str,
    /// The paths (or config field) that show it.
    pub evidence: Vec<String>,
}

struct Tools {
    id: &'static str,
    severity: &'static str,
    title: &'static str,
    why: &'static str,
    fix: &'static str,
    names: &'static [&'static str],
}

const BIN_DIRS: &[&str] = &[
    "bin",
    "usr/bin",
    "sbin",
    "usr/sbin",
    "usr/local/bin",
    "usr/local/sbin",
];

const TOOLS: &[Tools] = &[
    Tools {
        id: "IMG-SHELL",
        severity: "medium",
        title: "image ships a shell",
        why: "A shell turns any code-execution bug into an interactive foothold and lets `kubectl exec` run arbitrary commands.",
        fix: "Build the final stage FROM a distroless or scratch base and copy only the application into it.",
        names: &[
            "sh", "bash", "dash", "ash", "zsh", "ksh", "csh", "tcsh", "fish", "busybox",
        ],
    },
    Tools {
        id: "IMG-PACKAGE-MANAGER",
        severity: "medium",
        title: "image ships a package manager",
        why: "An attacker in the container can install any tool they need; the image also carries the manager's own vulnerabilities.",
        fix: "Install packages in a build stage and copy the results into a final stage without apt/apk/dnf/pip/npm.",
        names: &[
            "apt", "apt-get", "dpkg", "apk", "yum", "dnf", "microdnf", "rpm", "zypper", "pip",
            "pip3", "npm", "gem",
        ],
    },
    Tools {
        id: "IMG-COMPILER",
        severity: "medium",
        title: "image ships a compiler or build tool",
        why: "Compilers let an intruder build exploits and tools inside the container.",
        fix: "Compile in a build stage (multi-stage build); ship only the artefacts.",
        names: &[
            "gcc", "cc", "g++", "c++", "clang", "go", "rustc", "cargo", "javac", "make", "as", "ld",
        ],
    },
    Tools {
        id: "IMG-DEBUGGER",
        severity: "low",
        title: "image ships a debugger or tracer",
        why: "Debuggers can read and alter other processes' memory, including secrets.",
        fix: "Debug with `kubectl debug` and an ephemeral container instead of shipping gdb/strace.",
        names: &["gdb", "strace", "ltrace", "lldb", "perf"],
    },
    Tools {
        id: "IMG-NETWORK-TOOL",
        severity: "low",
        title: "image ships network tools",
        why: "Downloaders and raw socket tools help an intruder fetch payloads, move laterally and exfiltrate data.",
        fix: "Drop curl/wget/netcat and friends from the final image; use the application's own HTTP client for health checks.",
        names: &[
            "curl", "wget", "nc", "netcat", "ncat", "socat", "ssh", "scp", "telnet", "nmap",
            "tcpdump", "ftp",
        ],
    },
];

/// Assesses the tree (and the image config, when there is one).
pub fn assess(tree: &Tree, image: Option<&ImageInfo>) -> Vec<Finding> {
    let mut out = Vec::new();
    for t in TOOLS {
        let mut evidence = Vec::new();
        for name in t.names {
            for dir in BIN_DIRS {
                let path = format!("{dir}/{name}");
                if tree.get(&path).is_none() {
                    continue;
                }
                if let Some((real, node)) = tree.lookup(&path)
                    && node.is_executable()
                    && !evidence
                        .iter()
                        .any(|e: &String| e.ends_with(&format!(" -> {real}")) || *e == real)
                {
                    evidence.push(if real == path {
                        path
                    } else {
                        format!("{path} -> {real}")
                    });
                }
            }
        }
        if !evidence.is_empty() {
            out.push(Finding {
                id: t.id,
                severity: t.severity,
                title: t.title,
                why: t.why,
                fix: t.fix,
                evidence,
            });
        }
    }
    if let Some(img) = image {
        let user = img.config.user.trim();
        let who = user.split(':').next().unwrap_or_default();
        if who.is_empty() || who == "0" || who == "root" {
            out.push(Finding {
                id: "IMG-RUNS-AS-ROOT",
                severity: "high",
                title: "image runs as root by default",
                why: "Without a securityContext.runAsUser, containers of this image run as UID 0; a container escape then starts as root on the node.",
                fix: "Add `USER 10001` (a numeric non-root UID) to the Dockerfile, and set runAsNonRoot: true in the pod.",
                evidence: vec![format!("config.User = {user:?}")],
            });
        }
    }
    out
}
