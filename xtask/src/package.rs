//! The kit's two other shapes, made from the ES-module build in `www/pkg/`:
//!
//! - a classic-script build, `clicktrail.classic.js` (esbuild bundles the glue and its snippets
//!   into an IIFE that sets `window.clicktrail`), written beside the module in `www/pkg/`;
//! - an npm package tarball, `dist/clicktrail-web-<version>.tgz` (`npm pack` over a staging
//!   folder holding both builds, the wasm, the `.d.ts` files, `package.json` and a README), that
//!   a Node storefront installs with `npm install ./clicktrail-web-<version>.tgz`.
//!
//! The package's files are templates in `crates/clicktrail-web/npm/`; the version comes from
//! `Cargo.lock`, so the package and the crate never disagree.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::process::run_checked;
use crate::workspace;

/// The version placeholder in `crates/clicktrail-web/npm/package.json`.
const VERSION_PLACEHOLDER: &str = "\"version\": \"0.0.0-workspace\"";

/// What [`build`] made.
#[derive(Debug)]
pub struct Package {
    /// `www/pkg/clicktrail.classic.js`.
    pub classic: PathBuf,
    /// `dist/clicktrail-web-<version>.tgz`.
    pub tarball: PathBuf,
}

/// Makes the classic script and the npm tarball from the module build in `pkg` (`www/pkg/`).
pub fn build(pkg: &Path) -> Result<Package, String> {
    let root = workspace::root();
    let templates = root.join("crates/clicktrail-web/npm");
    let version = workspace::locked_version("clicktrail-web")?
        .ok_or_else(|| "clicktrail-web is not in Cargo.lock".to_owned())?;

    let staging = workspace::target_dir().join("clicktrail-web-npm/package");
    if staging.exists() {
        std::fs::remove_dir_all(&staging)
            .map_err(|e| format!("clearing {}: {e}", staging.display()))?;
    }
    copy_tree(pkg, &staging)?;
    // A classic build from an earlier run is rebuilt below, not packed twice.
    let _ = std::fs::remove_file(staging.join("clicktrail.classic.js"));

    // The classic script: bundled next to the glue it imports.
    let entry = staging.join("classic-entry.js");
    copy(&templates.join("classic-entry.js"), &entry)?;
    let classic_staged = staging.join("clicktrail.classic.js");
    let mut esbuild = Command::new(workspace::peers_dir().join("node/node_modules/.bin/esbuild"));
    esbuild
        .arg(&entry)
        .args([
            "--bundle",
            "--format=iife",
            "--global-name=clicktrail",
            "--minify",
            "--target=es2020",
            "--log-level=warning",
            // The glue's default wasm address uses `import.meta.url`, which a classic script does
            // not have; the entry always passes the address, so the fallback is never reached.
            "--log-override:empty-import-meta=silent",
            // wasm-bindgen lists the snippet module under the same key once per import.
            "--log-override:duplicate-object-key=silent",
        ])
        .arg(format!("--outfile={}", classic_staged.display()));
    run_checked(esbuild)?;
    std::fs::remove_file(&entry).map_err(|e| format!("removing {}: {e}", entry.display()))?;
    let classic = pkg.join("clicktrail.classic.js");
    copy(&classic_staged, &classic)?;

    // package.json with the workspace version, the classic build's types, and the README.
    let manifest = read(&templates.join("package.json"))?;
    if !manifest.contains(VERSION_PLACEHOLDER) {
        return Err(format!(
            "crates/clicktrail-web/npm/package.json must hold {VERSION_PLACEHOLDER}"
        ));
    }
    let manifest = manifest.replace(VERSION_PLACEHOLDER, &format!("\"version\": \"{version}\""));
    write(&staging.join("package.json"), &manifest)?;
    copy(
        &templates.join("clicktrail.classic.d.ts"),
        &staging.join("clicktrail.classic.d.ts"),
    )?;
    let readme = package_readme(
        &read(&templates.join("README.md"))?,
        &read(&root.join("crates/clicktrail-web/README.md"))?,
    );
    write(&staging.join("README.md"), &readme)?;

    let dist = root.join("dist");
    std::fs::create_dir_all(&dist).map_err(|e| format!("creating {}: {e}", dist.display()))?;
    let tarball = dist.join(format!("clicktrail-web-{version}.tgz"));
    let _ = std::fs::remove_file(&tarball);
    let mut pack = Command::new("npm");
    pack.args(["pack", "--silent", "--pack-destination"])
        .arg(&dist)
        .current_dir(&staging);
    run_checked(pack)?;
    if !tarball.exists() {
        return Err(format!("npm pack did not write {}", tarball.display()));
    }
    Ok(Package { classic, tarball })
}

/// The package's README: its own install and loading notes, then the crate README's reference
/// part (from `## API` on), so the options are written once.
fn package_readme(intro: &str, crate_readme: &str) -> String {
    let reference = crate_readme
        .find("\n## API")
        .map_or("", |at| &crate_readme[at + 1..]);
    format!("{}\n\n{}", intro.trim_end(), reference)
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| format!("creating {}: {e}", to.display()))?;
    let entries = std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))?;
    for entry in entries {
        let path = entry
            .map_err(|e| format!("{}: {e}", from.display()))?
            .path();
        let target = to.join(path.file_name().unwrap_or_default());
        if path.is_dir() {
            copy_tree(&path, &target)?;
        } else {
            copy(&path, &target)?;
        }
    }
    Ok(())
}

fn copy(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::copy(from, to)
        .map(|_| ())
        .map_err(|e| format!("copying {} to {}: {e}", from.display(), to.display()))
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("reading {}: {e}", path.display()))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("writing {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_package_readme_keeps_the_intro_and_the_crate_reference() {
        let intro = "# pkg\n\nnpm install it\n\n";
        let crate_readme = "# crate\n\nbuild with cargo\n\n## API\n\n| init |\n\n## Options\n\nx\n";
        let readme = package_readme(intro, crate_readme);
        assert_eq!(
            readme,
            "# pkg\n\nnpm install it\n\n## API\n\n| init |\n\n## Options\n\nx\n"
        );
        assert!(!readme.contains("build with cargo"));
    }

    #[test]
    fn the_manifest_template_carries_the_version_placeholder_and_both_entry_points() {
        let manifest = read(&workspace::root().join("crates/clicktrail-web/npm/package.json"))
            .expect("the template is in the repository");
        assert!(manifest.contains(VERSION_PLACEHOLDER));
        for entry in [
            "\"./classic\"",
            "\"types\": \"./clicktrail_web.d.ts\"",
            "\"clicktrail.classic.js\"",
        ] {
            assert!(manifest.contains(entry), "package.json lacks {entry}");
        }
    }
}
