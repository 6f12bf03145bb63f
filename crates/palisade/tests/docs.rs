//! `docs/cli.md` is generated from the program's own help, so the command
//! reference cannot drift from the binary: this test regenerates it and
//! fails when the committed file differs. `PALISADE_UPDATE_DOCS=1` rewrites
//! it instead.

use std::path::PathBuf;
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn help(path: &[String]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_palisade"))
        .args(path)
        .arg("--help")
        .env("COLUMNS", "100")
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "palisade {} --help failed",
        path.join(" ")
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The subcommands a help text lists under `Commands:`.
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect()
}

fn walk(path: Vec<String>, out: &mut String, commands: &mut Vec<(Vec<String>, String)>) {
    let text = help(&path);
    for sub in subcommands(&text) {
        let mut p = path.clone();
        p.push(sub);
        commands.push((p.clone(), String::new()));
        walk(p, out, commands);
    }
    let name = std::iter::once("palisade".to_string())
        .chain(path.iter().cloned())
        .collect::<Vec<_>>()
        .join(" ");
    if let Some(slot) = commands.iter_mut().find(|(p, _)| *p == path) {
        slot.1 = format!("## `{name}`\n\n```text\n{}\n```\n\n", text.trim_end());
    } else {
        out.push_str(&format!("```text\n{}\n```\n\n", text.trim_end()));
    }
}

fn generate() -> String {
    let mut top = String::new();
    let mut commands = Vec::new();
    walk(Vec::new(), &mut top, &mut commands);
    let mut s = String::from(
        "# Command reference\n\n\
         Generated from `palisade --help` and the help of every subcommand; do not edit by hand \
         (`PALISADE_UPDATE_DOCS=1 cargo test -p palisade --test docs` rewrites it).\n\n",
    );
    for (path, _) in &commands {
        let depth = path.len();
        let name = path.join(" ");
        let anchor = format!("palisade-{}", path.join("-"));
        s.push_str(&format!(
            "{}- [`palisade {name}`](#{anchor})\n",
            "  ".repeat(depth - 1)
        ));
    }
    s.push_str("\n## `palisade`\n\n");
    s.push_str(&top);
    for (_, text) in commands {
        s.push_str(&text);
    }
    s.trim_end().to_string() + "\n"
}

#[test]
fn cli_reference_is_current() {
    let generated = generate();
    let path = repo().join("docs/cli.md");
    if std::env::var_os("PALISADE_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/cli.md is stale: run `PALISADE_UPDATE_DOCS=1 cargo test -p palisade --test docs`"
    );
}

/// Every command's help ends with examples.
#[test]
fn every_command_has_examples() {
    let mut top = String::new();
    let mut commands = Vec::new();
    walk(Vec::new(), &mut top, &mut commands);
    let missing: Vec<String> = commands
        .iter()
        .filter(|(_, text)| !text.contains("\nExamples:\n"))
        .map(|(p, _)| p.join(" "))
        .collect();
    assert!(
        missing.is_empty(),
        "no examples in the help of: {missing:?}"
    );
}
