//! `cargo xtask docs`: writes the generated documents. Today one: `docs/config.md`, the
//! configuration reference, rendered from `clicktrail_forwarder::config::reference` (a forwarder
//! test fails when the committed file is stale).

use std::process::Command;

use crate::flags::Flags;
use crate::workspace;

/// Regenerates `docs/config.md`.
pub fn run(args: &[String]) -> Result<(), String> {
    Flags::parse("docs", args, &[])?;
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
    cmd.args([
        "run",
        "--quiet",
        "-p",
        "clicktrail-forwarder",
        "--example",
        "config_reference",
    ])
    .current_dir(workspace::root());
    let out = cmd.output().map_err(|e| format!("cannot run cargo: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "cargo run --example config_reference failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let text = String::from_utf8(out.stdout).map_err(|e| format!("not UTF-8: {e}"))?;
    let path = workspace::root().join("docs/config.md");
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(())
}
