//! [`StackConfig`] and [`Stack`]: the emulators, the forwarder and the shop as processes, started
//! in order, each waited for, stopped in reverse order.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::{Child, forwarder_config, http_get, wait_until};

/// The Stripe emulator's default secret key.
pub const STRIPE_SECRET_KEY: &str = clicktrail_test_support::SANDBOX_SECRET_KEY;
/// The impact.com emulator's default Account SID.
pub const IMPACT_ACCOUNT_SID: &str = clicktrail_test_support::SANDBOX_ACCOUNT_SID;
/// The impact.com emulator's default Auth Token.
pub const IMPACT_AUTH_TOKEN: &str = clicktrail_test_support::SANDBOX_AUTH_TOKEN;

/// How long each part may take to answer its health check.
const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// How long each part gets to stop after SIGINT before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(10);

/// The loopback ports of the stack's parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ports {
    /// The Stripe emulator.
    pub stripe: u16,
    /// The impact.com emulator.
    pub impact: u16,
    /// `clicktrail serve`.
    pub forwarder: u16,
    /// `clicktrail serve`'s operator console (`admin_listen`).
    pub console: u16,
    /// The sample shop.
    pub shop: u16,
}

/// What to start and how.
#[derive(Debug, Clone)]
pub struct StackConfig {
    /// The workspace root (the shop serves `{root}/www`).
    pub root: PathBuf,
    /// Where the built binaries are (`clicktrail-sandbox`, `clicktrail`, `sample-shop`).
    pub bin_dir: PathBuf,
    /// A folder for the forwarder's configuration, its SQLite database and the logs.
    pub work_dir: PathBuf,
    /// The ports.
    pub ports: Ports,
    /// The forwarder's `refund_delay` (`"30s"` for the demo, the default is an hour).
    pub refund_delay: String,
    /// The forwarder's `trial` rule: `"signup"` or `"first-payment"`.
    pub trial: String,
    /// How long the impact.com emulator takes to turn a conversion into an action.
    pub impact_processing_delay: String,
    /// Print every part's output on this process's standard output, prefixed with its name.
    pub echo: bool,
    /// The console's token (`[admin] token`).
    pub console_token: String,
}

impl StackConfig {
    /// The demo's ports (Stripe 12111, impact.com 12112, forwarder 8088, its console 8089, shop
    /// 8080), a console token new on each run, the
    /// workspace's `target/debug` binaries, a 30 s refund hold, output echoed.
    pub fn on_fixed_ports(work_dir: PathBuf) -> Self {
        let root = workspace_root();
        Self {
            bin_dir: target_dir(&root).join("debug"),
            root,
            work_dir,
            ports: Ports {
                stripe: 12111,
                impact: 12112,
                forwarder: 8088,
                console: 8089,
                shop: 8080,
            },
            console_token: console_token(),
            refund_delay: "30s".to_owned(),
            trial: "signup".to_owned(),
            impact_processing_delay: "2s".to_owned(),
            echo: true,
        }
    }

    /// Like [`on_fixed_ports`](Self::on_fixed_ports) but on free ports, output only in the
    /// logs: for tests. The emulators and the shop listen on port 0 and the stack reads the
    /// port each holds from the line it prints when it starts; the forwarder's port is chosen
    /// here, because its webhook URL must be registered (`clicktrail setup --url`) before
    /// `clicktrail serve` starts and reads the endpoint's signing secret.
    pub fn on_free_ports(work_dir: PathBuf) -> Result<Self, String> {
        let mut config = Self::on_fixed_ports(work_dir);
        config.ports = Ports {
            stripe: 0,
            impact: 0,
            forwarder: crate::free_ports(1)?[0],
            console: 0,
            shop: 0,
        };
        config.echo = false;
        Ok(config)
    }
}

/// The running stack. Dropping it stops every process.
#[derive(Debug)]
pub struct Stack {
    config: StackConfig,
    config_file: PathBuf,
    /// In start order; stopped in reverse.
    children: Vec<Child>,
}

impl Stack {
    /// Starts the emulators, writes the forwarder's configuration, registers the forwarder's
    /// webhook with `clicktrail setup --url`, starts `clicktrail serve` and the shop, and waits
    /// for each to answer. On failure everything started so far is stopped and the error quotes
    /// the end of the failing part's log.
    pub fn start(config: StackConfig) -> Result<Self, String> {
        std::fs::create_dir_all(&config.work_dir)
            .map_err(|e| format!("creating {}: {e}", config.work_dir.display()))?;
        for (name, port) in [
            ("the Stripe emulator", config.ports.stripe),
            ("the impact.com emulator", config.ports.impact),
            ("the forwarder", config.ports.forwarder),
            ("the shop", config.ports.shop),
        ] {
            if port != 0 && std::net::TcpListener::bind(("127.0.0.1", port)).is_err() {
                return Err(format!(
                    "port {port} (for {name}) is in use: is another demo running? Stop it first."
                ));
            }
        }
        for bin in ["clicktrail-sandbox", "clicktrail", "sample-shop"] {
            let path = config.bin_dir.join(bin);
            if !path.exists() {
                return Err(format!(
                    "{} is missing: build it with `cargo build -p clicktrail-sandbox -p clicktrail-forwarder -p sample-shop`",
                    path.display()
                ));
            }
        }
        let config_file = config.work_dir.join("clicktrail.toml");
        let mut stack = Self {
            config,
            config_file,
            children: Vec::new(),
        };
        stack.start_sandbox()?;
        // Written once the emulators' ports are known.
        std::fs::write(&stack.config_file, forwarder_config(&stack.config))
            .map_err(|e| format!("writing {}: {e}", stack.config_file.display()))?;
        // `setup` first: it keeps the endpoint's signing secret in the database, where `serve`
        // reads it at start. Stripe retries what it could not deliver in between.
        stack.register_webhook()?;
        stack.start_forwarder()?;
        stack.start_shop()?;
        Ok(stack)
    }

    fn start_sandbox(&mut self) -> Result<(), String> {
        let ports = self.config.ports;
        let mut cmd = self.command("clicktrail-sandbox");
        cmd.arg("--stripe-addr")
            .arg(format!("127.0.0.1:{}", ports.stripe))
            .arg("--impact-addr")
            .arg(format!("127.0.0.1:{}", ports.impact))
            .arg("--impact-processing-delay")
            .arg(&self.config.impact_processing_delay)
            // Failed webhook deliveries are retried within seconds rather than hours.
            .args(["--delivery-retry-scale", "0.01"]);
        self.spawn("sandbox", cmd)?;
        self.config.ports.stripe =
            self.announced_port("sandbox", "Stripe emulator:", ports.stripe)?;
        self.config.ports.impact =
            self.announced_port("sandbox", "impact.com emulator:", ports.impact)?;
        let ports = self.config.ports;
        self.wait_for("sandbox", addr(ports.stripe), "/_sandbox/deliveries")?;
        self.wait_for("sandbox", addr(ports.impact), "/_sandbox/records")
    }

    /// `asked`, or when it is 0 the port `name` printed after `prefix` (`http://127.0.0.1:PORT`).
    fn announced_port(&mut self, name: &str, prefix: &str, asked: u16) -> Result<u16, String> {
        if asked != 0 {
            return Ok(asked);
        }
        let child = self
            .children
            .iter_mut()
            .find(|c| c.name() == name)
            .ok_or_else(|| format!("{name} was not started"))?;
        let line = child.announced(prefix, READY_TIMEOUT)?;
        port_of_url(&line).ok_or_else(|| format!("{name} printed {prefix}{line}: no port in it"))
    }

    fn start_forwarder(&mut self) -> Result<(), String> {
        let mut cmd = self.clicktrail();
        cmd.arg("serve").arg("--config").arg(&self.config_file);
        self.spawn("forwarder", cmd)?;
        self.wait_for("forwarder", addr(self.config.ports.forwarder), "/readyz")?;
        self.config.ports.console =
            self.announced_port("forwarder", "console on ", self.config.ports.console)?;
        Ok(())
    }

    /// `clicktrail setup --url http://127.0.0.1:PORT/webhooks/stripe`: the forwarder creates its
    /// webhook endpoint on the Stripe emulator and keeps the signing secret in its database.
    fn register_webhook(&mut self) -> Result<(), String> {
        let url = format!("{}/webhooks/stripe", self.forwarder_url());
        let mut cmd = self.clicktrail();
        cmd.arg("setup")
            .arg("--config")
            .arg(&self.config_file)
            .arg("--url")
            .arg(&url);
        let out = cmd
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run clicktrail setup: {e}"))?;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let _ = std::fs::write(self.config.work_dir.join("setup.log"), &text);
        if self.config.echo {
            for line in text.lines() {
                println!("[setup] {line}");
            }
        }
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "clicktrail setup --url {url} failed ({}):\n{text}",
                out.status
            ))
        }
    }

    fn start_shop(&mut self) -> Result<(), String> {
        let ports = self.config.ports;
        let mut cmd = self.command("sample-shop");
        cmd.arg("--listen")
            .arg(format!("127.0.0.1:{}", ports.shop))
            .arg("--stripe-api-base")
            .arg(self.stripe_url())
            .arg("--impact-url")
            .arg(self.impact_url())
            .arg("--www-dir")
            .arg(self.config.root.join("www"))
            .arg("--console-url")
            .arg(self.console_url())
            .env("STRIPE_API_KEY", STRIPE_SECRET_KEY);
        self.spawn("shop", cmd)?;
        self.config.ports.shop = self.announced_port("shop", "sample shop:", ports.shop)?;
        self.wait_for("shop", addr(self.config.ports.shop), "/healthz")
    }

    /// A `clicktrail` command (add `--config` with [`config_file`](Self::config_file)).
    pub fn clicktrail(&self) -> Command {
        self.command("clicktrail")
    }

    fn command(&self, bin: &str) -> Command {
        let mut cmd = Command::new(self.config.bin_dir.join(bin));
        cmd.current_dir(&self.config.work_dir)
            .env("RUST_LOG", "info");
        // The stack's own configuration file decides, not the caller's environment.
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("CLICKTRAIL_")
                && key.to_string_lossy().contains("__")
            {
                cmd.env_remove(key);
            }
        }
        cmd
    }

    fn spawn(&mut self, name: &str, cmd: Command) -> Result<(), String> {
        let child = Child::spawn(name, cmd, &self.config.work_dir, self.config.echo)?;
        self.children.push(child);
        Ok(())
    }

    /// Polls `GET path` until it answers 200; fails early when the process has exited.
    fn wait_for(&mut self, name: &str, addr: SocketAddr, path: &str) -> Result<(), String> {
        let child = self
            .children
            .iter_mut()
            .find(|c| c.name() == name)
            .ok_or_else(|| format!("{name} was not started"))?;
        let ready = wait_until(
            &format!("{name} to answer 200 on http://{addr}{path}"),
            READY_TIMEOUT,
            || {
                if let Some(status) = child.exited() {
                    return Err(format!("{name} exited ({status})"));
                }
                Ok(matches!(http_get(addr, path), Ok((200, _))).then_some(()))
            },
        );
        ready.map_err(|e| {
            format!(
                "{e}\n--- last lines of {} ---\n{}",
                child.log_path().display(),
                child.log_tail(30)
            )
        })
    }

    /// The first part that has exited, with how it ended.
    pub fn exited(&mut self) -> Option<(String, std::process::ExitStatus)> {
        self.children
            .iter_mut()
            .find_map(|c| c.exited().map(|s| (c.name().to_owned(), s)))
    }

    /// Stops the shop, then the forwarder, then the emulators (SIGINT, then a kill after a
    /// grace period), and says how each ended.
    pub fn stop(&mut self) -> Vec<(String, String)> {
        let mut ended = Vec::new();
        while let Some(mut child) = self.children.pop() {
            let status = child.stop(STOP_GRACE);
            ended.push((
                child.name().to_owned(),
                status.map_or_else(|| "unknown".to_owned(), |s| s.to_string()),
            ));
        }
        ended
    }

    /// The stack's settings.
    pub fn config(&self) -> &StackConfig {
        &self.config
    }

    /// The forwarder's configuration file.
    pub fn config_file(&self) -> &Path {
        &self.config_file
    }

    /// The shop, `http://127.0.0.1:PORT`.
    pub fn shop_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.config.ports.shop)
    }

    /// The Stripe emulator.
    pub fn stripe_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.config.ports.stripe)
    }

    /// The impact.com emulator.
    pub fn impact_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.config.ports.impact)
    }

    /// The forwarder.
    pub fn forwarder_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.config.ports.forwarder)
    }

    /// The forwarder's operator console.
    pub fn console_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.config.ports.console)
    }

    /// The console's token (`[admin] token` in the forwarder's configuration).
    pub fn console_token(&self) -> &str {
        &self.config.console_token
    }

    /// Every part's log file, with `setup.log` and the forwarder's configuration.
    pub fn log_files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = self
            .children
            .iter()
            .map(|c| c.log_path().to_path_buf())
            .collect();
        files.push(self.config.work_dir.join("setup.log"));
        files.push(self.config_file.clone());
        files
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The port of the first `http://host:PORT` in `text`.
fn port_of_url(text: &str) -> Option<u16> {
    let rest = &text[text.find("http://")? + "http://".len()..];
    let authority = rest.split(['/', ' ']).next()?;
    authority.rsplit_once(':')?.1.parse().ok()
}

fn addr(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// The workspace root: this crate's parent folder.
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// `CARGO_TARGET_DIR` when set (relative to the root), else `{root}/target`.
fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => root.join(dir),
        _ => root.join("target"),
    }
}

/// A console token new on each run: 32 hex digits from the standard library's randomly seeded
/// hasher (no randomness crate for a demo token).
fn console_token() -> String {
    use std::hash::{BuildHasher, Hasher};
    let half = || {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        hasher.finish()
    };
    format!("console-{:016x}{:016x}", half(), half())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_port_is_read_from_the_line_a_part_prints() {
        let sandbox = "     http://127.0.0.1:40123   (secret key: sk_test_x)";
        assert_eq!(port_of_url(sandbox), Some(40123));
        assert_eq!(port_of_url(" http://127.0.0.1:8080"), Some(8080));
        assert_eq!(port_of_url(" http://127.0.0.1:8080/shop"), Some(8080));
        assert_eq!(port_of_url(" http://localhost/"), None);
        assert_eq!(port_of_url("no url here"), None);
    }
}
