//! The browser kit as a merchant gets it: the npm tarball `cargo xtask web` writes to `dist/`,
//! installed with `npm install ./clicktrail-web-<version>.tgz` into a scratch project, resolved by
//! Node through the package's `exports`, and both of its builds (the ES module through an import
//! map, the classic script through `window.clicktrail`) filling a form in headless Chromium.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::browser::Browser;

/// The tarball `cargo xtask web` makes (the kit's version is the workspace's).
pub fn tarball(workspace_root: &Path) -> PathBuf {
    workspace_root.join(format!(
        "dist/clicktrail-web-{}.tgz",
        env!("CARGO_PKG_VERSION")
    ))
}

/// Installs the tarball into a scratch npm project, checks what Node sees, then loads both
/// builds from `node_modules` in the browser.
pub async fn installs_and_both_builds_fill_the_field(
    workspace_root: &Path,
    browser: &mut Browser,
    click_id: impl Fn(&str) -> String,
) -> Result<(), String> {
    let tarball = tarball(workspace_root);
    if !tarball.exists() {
        return Err(format!(
            "{} is missing: `cargo xtask web` makes it",
            tarball.display()
        ));
    }
    let scratch = tempfile::tempdir().map_err(|e| format!("scratch folder: {e}"))?;
    let dir = scratch.path();
    write(
        &dir.join("package.json"),
        r#"{ "name": "scratch-storefront", "private": true, "type": "module" }"#,
    )?;
    run(
        Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--silent"])
            .arg(&tarball)
            .current_dir(dir),
        "npm install of the kit's tarball",
    )?;

    // Node resolves both entry points through `exports`, and the module has the kit's API.
    let resolved = run(
        Command::new("node")
            .args(["--input-type=module", "-e", NODE_CHECK])
            .current_dir(dir),
        "node importing clicktrail-web",
    )?;
    let lines: Vec<&str> = resolved.lines().collect();
    if lines
        != [
            "default:function init:function clickId:function",
            "classic:clicktrail.classic.js",
        ]
    {
        return Err(format!("node saw the package as:\n{resolved}"));
    }
    let installed = dir.join("node_modules/clicktrail-web");
    let types = std::fs::read_to_string(installed.join("clicktrail_web.d.ts"))
        .map_err(|e| format!("the package's types: {e}"))?;
    if !types.contains("export function init(") || !types.contains("export function clickId(") {
        return Err(format!(
            "clicktrail_web.d.ts lacks init or clickId:\n{types}"
        ));
    }
    let readme = std::fs::read_to_string(installed.join("README.md"))
        .map_err(|e| format!("the package's README: {e}"))?;
    for section in ["npm install", "## Options", "clicktrail.ready"] {
        if !readme.contains(section) {
            return Err(format!("the package's README lacks {section:?}"));
        }
    }

    write(&dir.join("esm.html"), ESM_PAGE)?;
    write(&dir.join("classic.html"), CLASSIC_PAGE)?;
    let server = StaticServer::start(dir).await?;

    let esm_id = click_id("ESM");
    browser
        .goto(&format!("{}/esm.html?irclickid={esm_id}", server.url))
        .await?;
    browser
        .wait_field("input[name=impact_ClickId]", |v| v == esm_id)
        .await?;
    let cookie = browser.cookie("impact_click_id").await;
    if cookie.as_ref().map(|c| c.value()) != Some(esm_id.as_str()) {
        return Err(format!("the module build kept {cookie:?}, not {esm_id}"));
    }

    let classic_id = click_id("CLS");
    browser
        .goto(&format!(
            "{}/classic.html?irclickid={classic_id}",
            server.url
        ))
        .await?;
    browser
        .wait_field("input[name=impact_ClickId]", |v| v == classic_id)
        .await?;
    let global = browser
        .client()
        .execute(
            "return [typeof window.clicktrail.init, window.clicktrail.clickId()];",
            vec![],
        )
        .await
        .map_err(|e| format!("reading window.clicktrail: {e}"))?;
    if global != serde_json::json!(["function", classic_id]) {
        return Err(format!(
            "window.clicktrail answered {global}, not init and {classic_id}"
        ));
    }
    Ok(())
}

/// What Node sees of the installed package: the module's exports and where `./classic` resolves.
const NODE_CHECK: &str = r#"
import * as kit from "clicktrail-web";
console.log(`default:${typeof kit.default} init:${typeof kit.init} clickId:${typeof kit.clickId}`);
const classic = import.meta.resolve("clicktrail-web/classic");
console.log(`classic:${classic.slice(classic.lastIndexOf("/") + 1)}`);
"#;

/// A storefront page loading the ES module by its package name (an import map, as a page
/// without a bundler would).
const ESM_PAGE: &str = r#"<!doctype html>
<meta charset="utf-8">
<script type="importmap">
  { "imports": { "clicktrail-web": "/node_modules/clicktrail-web/clicktrail_web.js" } }
</script>
<form><input type="hidden" name="impact_ClickId"></form>
<script type="module">
  import load, { init } from "clicktrail-web";
  await load();
  init();
</script>
"#;

/// A storefront page without modules: the classic script and `window.clicktrail`.
const CLASSIC_PAGE: &str = r#"<!doctype html>
<meta charset="utf-8">
<form><input type="hidden" name="impact_ClickId"></form>
<script src="/node_modules/clicktrail-web/clicktrail.classic.js"></script>
<script>
  clicktrail.ready.then(function (kit) { kit.init(); });
</script>
"#;

/// A static file server over the scratch project on a loopback port the listener holds.
struct StaticServer {
    url: String,
    task: tokio::task::JoinHandle<()>,
}

impl StaticServer {
    async fn start(dir: &Path) -> Result<Self, String> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| format!("binding the static server: {e}"))?;
        let addr = listener
            .local_addr()
            .map_err(|e| format!("the static server's address: {e}"))?;
        let app = axum::Router::new().fallback_service(tower_http::services::ServeDir::new(dir));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self {
            url: format!("http://{addr}"),
            task,
        })
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("writing {}: {e}", path.display()))
}

/// Runs `cmd`, returning its stdout, or an error with its stderr.
fn run(cmd: &mut Command, what: &str) -> Result<String, String> {
    let out = cmd.output().map_err(|e| format!("{what}: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "{what} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}
