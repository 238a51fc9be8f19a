//! `cargo xtask web`: builds the browser kit into `www/pkg/` (wasm-bindgen `--target web`, then
//! `wasm-opt -Oz` from npm's binaryen), measures it the way the budget counts it, and makes its
//! classic-script build and npm tarball (`package`).
//!
//! It needs only what building takes (the wasm target, wasm-bindgen-cli and the npm tools), never
//! chromium, which only the tests use: a merchant's engineer on any machine can build the kit.

use std::fmt;
use std::path::Path;
use std::process::Command;

use crate::process::run_checked;
use crate::{package, setup, workspace};

/// The sizes of the built kit.
#[derive(Debug, Clone)]
pub struct SizeReport {
    /// The optimised `.wasm`, raw.
    pub wasm_raw: u64,
    /// The optimised `.wasm`, `gzip -9`.
    pub wasm_gzip: u64,
    /// The JS glue, raw.
    pub js_raw: u64,
    /// The JS glue, `gzip -9`.
    pub js_gzip: u64,
    /// The classic-script build (`clicktrail.classic.js`, glue and snippets in one IIFE), `gzip -9`.
    pub classic_gzip: u64,
    /// The npm package tarball.
    pub tarball: std::path::PathBuf,
}

impl SizeReport {
    /// What the budget counts: both files gzipped, together.
    pub fn total_gzip(&self) -> u64 {
        self.wasm_gzip + self.js_gzip
    }
}

impl fmt::Display for SizeReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "browser kit: {} B gzip (wasm {} B, {} B raw; js {} B, {} B raw); \
             classic script {} B gzip + the same wasm; npm package {}",
            self.total_gzip(),
            self.wasm_gzip,
            self.wasm_raw,
            self.js_gzip,
            self.js_raw,
            self.classic_gzip,
            self.tarball.display()
        )
    }
}

/// Builds `www/pkg/`, the classic script and the npm tarball, and returns the sizes.
pub fn run() -> Result<SizeReport, String> {
    if !setup::present(setup::Purpose::Build) {
        setup::run(setup::Purpose::Build)?;
    }
    let root = workspace::root();
    let out_dir = root.join("www/pkg");

    let mut build = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
    build
        .args([
            "build",
            "--profile",
            "wasm-release",
            "--target",
            "wasm32-unknown-unknown",
        ])
        .args(["-p", "clicktrail-web", "--features", "bundle"])
        .current_dir(&root);
    run_checked(build)?;

    let built =
        workspace::target_dir().join("wasm32-unknown-unknown/wasm-release/clicktrail_web.wasm");
    let mut bindgen = Command::new("wasm-bindgen");
    bindgen
        .args([
            "--target",
            "web",
            "--remove-name-section",
            "--remove-producers-section",
        ])
        .arg("--out-dir")
        .arg(&out_dir)
        .arg(&built);
    run_checked(bindgen)?;

    let wasm = out_dir.join("clicktrail_web_bg.wasm");
    let mut opt = Command::new(workspace::peers_dir().join("node/node_modules/.bin/wasm-opt"));
    // `--low-memory-unused` and `--zero-filled-memory` state facts of a Rust cdylib (its data
    // starts at 1 MiB, past the stack; its memory is its own, so zeroed) that let binaryen fold
    // addresses and drop zero-filled data; the target features section is metadata browsers
    // ignore. Together about 180 B gzipped.
    opt.arg("-Oz")
        .arg("--converge")
        .arg("--low-memory-unused")
        .arg("--zero-filled-memory")
        .arg("--strip-target-features")
        .arg("--enable-bulk-memory")
        .arg("--enable-nontrapping-float-to-int")
        .arg("--enable-sign-ext")
        .arg("--enable-mutable-globals")
        .arg("--enable-reference-types")
        .arg(&wasm)
        .arg("-o")
        .arg(&wasm);
    run_checked(opt)?;

    // A classic build from an earlier run is remade by `package` from the fresh module.
    let _ = std::fs::remove_file(out_dir.join("clicktrail.classic.js"));
    // The glue and its snippet (`snippets/**/sys.js`) ship as written: minify them.
    let scripts = js_files(&out_dir)?;
    for script in &scripts {
        let mut terser = Command::new(workspace::peers_dir().join("node/node_modules/.bin/terser"));
        terser
            .arg(script)
            .args(["--module", "--compress", "--mangle", "--output"])
            .arg(script);
        run_checked(terser)?;
    }

    let mut js_raw = 0;
    let mut js_gzip = 0;
    for script in &scripts {
        js_raw += file_len(script)?;
        js_gzip += gzip_len(script)?;
    }
    let package = package::build(&out_dir)?;
    Ok(SizeReport {
        wasm_raw: file_len(&wasm)?,
        wasm_gzip: gzip_len(&wasm)?,
        js_raw,
        js_gzip,
        classic_gzip: gzip_len(&package.classic)?,
        tarball: package.tarball,
    })
}

/// Every `.js` file under `dir`, recursively (the glue and the snippets it imports).
fn js_files(dir: &Path) -> Result<Vec<std::path::PathBuf>, String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries {
            let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "js") {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

fn file_len(path: &Path) -> Result<u64, String> {
    std::fs::metadata(path)
        .map(|m| m.len())
        .map_err(|e| format!("{}: {e}", path.display()))
}

fn gzip_len(path: &Path) -> Result<u64, String> {
    let out = Command::new("gzip")
        .args(["-9", "-c", "-n"])
        .arg(path)
        .output()
        .map_err(|e| format!("cannot run gzip: {e}"))?;
    if !out.status.success() {
        return Err(format!("gzip failed on {}", path.display()));
    }
    Ok(out.stdout.len() as u64)
}
