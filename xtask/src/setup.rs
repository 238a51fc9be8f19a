//! `cargo xtask setup`: installs, only when missing, everything the project needs on a fresh
//! machine of this kind, and says what it did and how long it took.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use crate::process::{output_of, run_checked};
use crate::workspace;

/// The PyPI `stripe` version the tests use as an independent peer (pinned with its
/// dependencies in `xtask/peers/requirements.txt`).
const PY_STRIPE: &str = "16.1.0";
/// npm peers pinned in `xtask/peers/package.json` and its lock file.
const NPM_PEERS: &[(&str, &str)] = &[
    ("stripe", "23.1.0"),
    ("binaryen", "132.0.0"),
    ("terser", "5.51.4"),
    ("esbuild", "0.28.2"),
];

/// What a command needs installed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Building the browser kit and its package (`cargo xtask web`): the wasm target,
    /// wasm-bindgen-cli and the npm tools. Never chromium, which only the tests use.
    Build,
    /// Everything: building, and the browser tests and SDK cross-checks (`setup`, `test`, `demo`).
    Everything,
}

/// One thing the project needs, how to tell it is there, and how to install it.
struct Requirement {
    name: &'static str,
    /// Whether building the kit needs it (otherwise only the tests do).
    build: bool,
    present: fn() -> Result<bool, String>,
    install: fn() -> Result<(), String>,
}

const REQUIREMENTS: &[Requirement] = &[
    Requirement {
        name: "rust target wasm32-unknown-unknown",
        build: true,
        present: wasm_target_present,
        install: install_wasm_target,
    },
    Requirement {
        name: "wasm-bindgen-cli (Cargo.lock version)",
        build: true,
        present: wasm_bindgen_present,
        install: install_wasm_bindgen,
    },
    Requirement {
        name: "chromium + chromium-driver (Debian)",
        build: false,
        present: chromium_present,
        install: install_chromium,
    },
    Requirement {
        name: "PyPI stripe peer (.peers/venv)",
        build: false,
        present: py_peers_present,
        install: install_py_peers,
    },
    Requirement {
        name: "npm peers: stripe, binaryen, terser, esbuild (.peers/node)",
        build: true,
        present: npm_peers_present,
        install: install_npm_peers,
    },
];

/// The requirements `purpose` needs.
fn needed_for(purpose: Purpose) -> impl Iterator<Item = &'static Requirement> {
    REQUIREMENTS
        .iter()
        .filter(move |r| purpose == Purpose::Everything || r.build)
}

/// Whether everything `purpose` needs is already there (used by `test` and `web` to decide
/// whether to run setup).
pub fn present(purpose: Purpose) -> bool {
    needed_for(purpose).all(|r| (r.present)().unwrap_or(false))
}

/// Installs what `purpose` needs and is missing, printing one line per requirement.
pub fn run(purpose: Purpose) -> Result<(), String> {
    let start = Instant::now();
    let mut installed = 0;
    let needed: Vec<_> = needed_for(purpose).collect();
    for requirement in &needed {
        if (requirement.present)()? {
            println!("setup: {:<52} ok", requirement.name);
            continue;
        }
        println!("setup: {:<52} missing, installing", requirement.name);
        let step = Instant::now();
        (requirement.install)().map_err(|e| format!("installing {}: {e}", requirement.name))?;
        if !(requirement.present)()? {
            return Err(format!(
                "{} still missing after its install step",
                requirement.name
            ));
        }
        installed += 1;
        println!(
            "setup: {:<52} installed in {:.1?}",
            requirement.name,
            step.elapsed()
        );
    }
    println!(
        "setup: {installed} installed, {} already present, {:.1?} in all",
        needed.len() - installed,
        start.elapsed()
    );
    Ok(())
}

fn wasm_target_present() -> Result<bool, String> {
    let mut cmd = Command::new("rustup");
    cmd.args(["target", "list", "--installed"]);
    Ok(output_of(cmd).is_some_and(|out| out.lines().any(|l| l.trim() == "wasm32-unknown-unknown")))
}

fn install_wasm_target() -> Result<(), String> {
    let mut cmd = Command::new("rustup");
    cmd.args(["target", "add", "wasm32-unknown-unknown"]);
    run_checked(cmd)
}

fn wanted_wasm_bindgen() -> Result<String, String> {
    workspace::locked_version("wasm-bindgen")?
        .ok_or_else(|| "wasm-bindgen is not in Cargo.lock".to_owned())
}

fn wasm_bindgen_present() -> Result<bool, String> {
    let wanted = wanted_wasm_bindgen()?;
    let installed = |bin: &str| {
        let mut cmd = Command::new(bin);
        cmd.arg("--version");
        output_of(cmd).is_some_and(|out| out.split_whitespace().nth(1) == Some(wanted.as_str()))
    };
    Ok(installed("wasm-bindgen") && installed("wasm-bindgen-test-runner"))
}

fn install_wasm_bindgen() -> Result<(), String> {
    let wanted = wanted_wasm_bindgen()?;
    let mut cmd = Command::new("cargo");
    // Not `--locked`: the lock file wasm-bindgen-cli ships pins a webpki-roots release that this
    // machine's registry does not serve; resolving afresh works and the CLI version is still exact.
    cmd.args(["install", "--force", "wasm-bindgen-cli", "--version"])
        .arg(format!("={wanted}"));
    // Its own target dir, so the install neither locks nor dirties the workspace build.
    cmd.env(
        "CARGO_TARGET_DIR",
        workspace::target_dir().join("wasm-bindgen-cli"),
    );
    run_checked(cmd)
}

fn chromium_present() -> Result<bool, String> {
    Ok(Path::new("/usr/bin/chromium").exists() && Path::new("/usr/bin/chromedriver").exists())
}

fn install_chromium() -> Result<(), String> {
    let apt = |args: &[&str]| {
        let mut cmd = if is_root() {
            Command::new("apt-get")
        } else {
            let mut sudo = Command::new("sudo");
            sudo.arg("apt-get");
            sudo
        };
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        run_checked(cmd)
    };
    apt(&["update", "-qq"])?;
    apt(&["install", "-y", "-qq", "chromium", "chromium-driver"])
}

fn is_root() -> bool {
    output_of({
        let mut cmd = Command::new("id");
        cmd.arg("-u");
        cmd
    })
    .is_some_and(|uid| uid.trim() == "0")
}

fn venv_python() -> std::path::PathBuf {
    workspace::peers_dir().join("venv/bin/python")
}

fn py_peers_present() -> Result<bool, String> {
    let mut cmd = Command::new(venv_python());
    cmd.args(["-c", "import stripe; print(stripe.VERSION)"]);
    Ok(output_of(cmd).is_some_and(|v| v.trim() == PY_STRIPE))
}

fn install_py_peers() -> Result<(), String> {
    let venv = workspace::peers_dir().join("venv");
    if !venv_python().exists() {
        let mut cmd = Command::new("python3");
        cmd.args(["-m", "venv"]).arg(&venv);
        run_checked(cmd)?;
    }
    let mut cmd = Command::new(venv.join("bin/pip"));
    cmd.args(["install", "--quiet", "--requirement"])
        .arg(workspace::root().join("xtask/peers/requirements.txt"));
    run_checked(cmd)
}

fn npm_peers_present() -> Result<bool, String> {
    let modules = workspace::peers_dir().join("node/node_modules");
    Ok(NPM_PEERS.iter().all(|(name, version)| {
        std::fs::read_to_string(modules.join(name).join("package.json"))
            .is_ok_and(|json| json.contains(&format!("\"version\": \"{version}\"")))
    }))
}

fn install_npm_peers() -> Result<(), String> {
    let dir = workspace::peers_dir().join("node");
    std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    for file in ["package.json", "package-lock.json"] {
        let from = workspace::root().join("xtask/peers").join(file);
        std::fs::copy(&from, dir.join(file))
            .map_err(|e| format!("copying {}: {e}", from.display()))?;
    }
    let mut cmd = Command::new("npm");
    cmd.args(["ci", "--silent", "--no-audit", "--no-fund", "--prefix"])
        .arg(&dir);
    run_checked(cmd)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn building_the_kit_needs_no_browser_and_no_python() {
        let build: Vec<_> = needed_for(Purpose::Build).map(|r| r.name).collect();
        assert!(build.iter().any(|name| name.contains("wasm32")));
        assert!(build.iter().any(|name| name.contains("wasm-bindgen-cli")));
        assert!(build.iter().any(|name| name.contains("esbuild")));
        assert!(
            !build.iter().any(|name| name.contains("chromium")),
            "{build:?}"
        );
        assert!(!build.iter().any(|name| name.contains("PyPI")), "{build:?}");
        assert_eq!(needed_for(Purpose::Everything).count(), REQUIREMENTS.len());
    }
}
