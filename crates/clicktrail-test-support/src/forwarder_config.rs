//! [`ForwarderConfig`]: the forwarder's `clicktrail.toml` as a builder, so that tests, the
//! benchmarks and the demo launcher set the keys they care about and never copy a template.
//! Pure: [`ForwarderConfig::to_toml`] gives the text, [`ForwarderConfig::write`] the file.

use std::fmt;
use std::path::Path;

/// The Stripe emulator's default secret key (public: the emulator accepts it on every machine).
pub const SANDBOX_SECRET_KEY: &str = "sk_test_sandbox";
/// The impact.com emulator's default Account SID.
pub const SANDBOX_ACCOUNT_SID: &str = "IRsandbox0000000000000000000000001";
/// The impact.com emulator's default Auth Token (public, like the key).
pub const SANDBOX_AUTH_TOKEN: &str = "sandbox-token";

/// Sections in the order the file lists them (top-level keys first); a section set with
/// [`ForwarderConfig::set`] and not listed here follows, in the order first set.
const SECTION_ORDER: [&str; 8] = [
    "",
    "impact",
    "rules",
    "stripe",
    "admin",
    "intake",
    "worker",
    "reconcile",
];

/// Keys whose values are secrets: `Debug` shows them as `<redacted>`.
const SECRET_KEYS: [&str; 3] = ["auth_token", "api_key", "webhook_secrets"];

/// One `key = value` line, with the comment lines written above it.
#[derive(Clone, PartialEq, Eq)]
struct Entry {
    section: String,
    key: String,
    /// Already TOML (a quoted string, a number, an array).
    value: String,
    comments: Vec<String>,
}

/// A forwarder configuration file, built key by key.
///
/// [`ForwarderConfig::new`] holds what every run needs against the sandbox's emulators: the
/// impact.com Account SID, Auth Token and event type ids, and the Stripe key, all the
/// emulators' public defaults. Each method sets one key (setting it again replaces the value);
/// [`ForwarderConfig::set`] sets any other key.
///
/// ```
/// use clicktrail_test_support::ForwarderConfig;
///
/// let toml = ForwarderConfig::new()
///     .listen("127.0.0.1:0")
///     .database_url("sqlite:///tmp/clicktrail.db")
///     .refund_delay("0s")
///     .retry_schedule(["100ms"; 3])
///     .to_toml();
/// assert!(toml.contains("listen = \"127.0.0.1:0\"\n"));
/// assert!(toml.contains("[worker]\nretry_schedule = [\"100ms\", \"100ms\", \"100ms\"]\n"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ForwarderConfig {
    /// Comment lines at the top of the file.
    header: Vec<String>,
    entries: Vec<Entry>,
    /// Comment lines for the next key set.
    pending: Vec<String>,
}

impl Default for ForwarderConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl ForwarderConfig {
    /// The required keys, pointed at the emulators' default account (no `api_base` yet: set
    /// [`impact_api_base`](Self::impact_api_base) and [`stripe_api_base`](Self::stripe_api_base)),
    /// and the console on a free loopback port (`admin_listen = "127.0.0.1:0"`), so that services
    /// started side by side never contend for the default one.
    pub fn new() -> Self {
        Self {
            header: Vec::new(),
            entries: Vec::new(),
            pending: Vec::new(),
        }
        .admin_listen("127.0.0.1:0")
        .impact_account_sid(SANDBOX_ACCOUNT_SID)
        .impact_auth_token(SANDBOX_AUTH_TOKEN)
        .set("impact", "campaign_id", string("1000"))
        .set("impact", "event_type_id", string("2000"))
        .set("impact", "recurring_event_type_id", string("2001"))
        .stripe_api_key(SANDBOX_SECRET_KEY)
    }

    /// Adds a comment line at the top of the file (`# ` is added).
    pub fn header(mut self, line: &str) -> Self {
        self.header.push(line.to_owned());
        self
    }

    /// Adds a comment line above the next key set (`# ` is added).
    pub fn comment(mut self, line: &str) -> Self {
        self.pending.push(line.to_owned());
        self
    }

    /// Sets `key` of `section` (`""` for the top level) to `value`, which is TOML already
    /// (quote strings with [`string`]).
    pub fn set(mut self, section: &str, key: &str, value: impl Into<String>) -> Self {
        let value = value.into();
        let comments = std::mem::take(&mut self.pending);
        match self
            .entries
            .iter_mut()
            .find(|e| e.section == section && e.key == key)
        {
            Some(entry) => {
                entry.value = value;
                entry.comments.extend(comments);
            }
            None => self.entries.push(Entry {
                section: section.to_owned(),
                key: key.to_owned(),
                value,
                comments,
            }),
        }
        self
    }

    /// `listen`: the address to serve on (`127.0.0.1:0` picks a free port, which `serve`
    /// prints as `listening on http://ADDR`).
    pub fn listen(self, addr: impl fmt::Display) -> Self {
        self.set("", "listen", string(&addr.to_string()))
    }

    /// `admin_listen`: where the operator console and `/metrics` are served (`127.0.0.1:0`
    /// picks a free port, which `serve` prints as `console on http://ADDR`).
    pub fn admin_listen(self, addr: impl fmt::Display) -> Self {
        self.set("", "admin_listen", string(&addr.to_string()))
    }

    /// `[admin] token`: the console's token (at least 16 characters).
    pub fn admin_token(self, token: &str) -> Self {
        self.set("admin", "token", string(token))
    }

    /// `database_url`: `sqlite://PATH` or `postgres://...`.
    pub fn database_url(self, url: &str) -> Self {
        self.set("", "database_url", string(url))
    }

    /// `database_url = "sqlite://PATH"`.
    pub fn sqlite_file(self, path: &Path) -> Self {
        self.database_url(&format!("sqlite://{}", path.display()))
    }

    /// `sqlite_synchronous`: `full`, `normal` or `off`.
    pub fn sqlite_synchronous(self, mode: &str) -> Self {
        self.set("", "sqlite_synchronous", string(mode))
    }

    /// `impact.account_sid`.
    pub fn impact_account_sid(self, sid: &str) -> Self {
        self.set("impact", "account_sid", string(sid))
    }

    /// `impact.auth_token` (a secret: redacted in `Debug`).
    pub fn impact_auth_token(self, token: &str) -> Self {
        self.set("impact", "auth_token", string(token))
    }

    /// `impact.one_time_event_type_id`.
    pub fn one_time_event_type_id(self, id: &str) -> Self {
        self.set("impact", "one_time_event_type_id", string(id))
    }

    /// `impact.api_base`: the impact.com emulator's URL.
    pub fn impact_api_base(self, url: &str) -> Self {
        self.set("impact", "api_base", string(url))
    }

    /// `rules.refund_delay` (`"0s"`: refunds are decided at once).
    pub fn refund_delay(self, delay: &str) -> Self {
        self.set("rules", "refund_delay", string(delay))
    }

    /// `rules.trial`: `signup` or `first-payment`.
    pub fn trial(self, rule: &str) -> Self {
        self.set("rules", "trial", string(rule))
    }

    /// `rules.click_id_wait` (`"0s"`: no waiting for a click id to arrive later).
    pub fn click_id_wait(self, wait: &str) -> Self {
        self.set("rules", "click_id_wait", string(wait))
    }

    /// `stripe.api_key` (a secret: redacted in `Debug`).
    pub fn stripe_api_key(self, key: &str) -> Self {
        self.set("stripe", "api_key", string(key))
    }

    /// `stripe.webhook_secrets` (secrets: redacted in `Debug`).
    pub fn webhook_secrets<S: AsRef<str>>(self, secrets: impl IntoIterator<Item = S>) -> Self {
        self.set("stripe", "webhook_secrets", strings(secrets))
    }

    /// `stripe.api_base`: the Stripe emulator's URL.
    pub fn stripe_api_base(self, url: &str) -> Self {
        self.set("stripe", "api_base", string(url))
    }

    /// `worker.concurrency`.
    pub fn worker_concurrency(self, n: usize) -> Self {
        self.set("worker", "concurrency", n.to_string())
    }

    /// `worker.max_requests_per_hour` (0: no cap).
    pub fn max_requests_per_hour(self, n: u32) -> Self {
        self.set("worker", "max_requests_per_hour", n.to_string())
    }

    /// `worker.poll_interval`.
    pub fn poll_interval(self, interval: &str) -> Self {
        self.set("worker", "poll_interval", string(interval))
    }

    /// `worker.lease`.
    pub fn lease(self, lease: &str) -> Self {
        self.set("worker", "lease", string(lease))
    }

    /// `worker.shutdown_grace`.
    pub fn shutdown_grace(self, grace: &str) -> Self {
        self.set("worker", "shutdown_grace", string(grace))
    }

    /// `worker.request_timeout`.
    pub fn request_timeout(self, timeout: &str) -> Self {
        self.set("worker", "request_timeout", string(timeout))
    }

    /// `worker.retry_schedule`: one wait per retry.
    pub fn retry_schedule<S: AsRef<str>>(self, waits: impl IntoIterator<Item = S>) -> Self {
        self.set("worker", "retry_schedule", strings(waits))
    }

    /// `reconcile.interval`.
    pub fn reconcile_interval(self, interval: &str) -> Self {
        self.set("reconcile", "interval", string(interval))
    }

    /// The file's text.
    pub fn to_toml(&self) -> String {
        let mut out = String::new();
        for line in &self.header {
            out.push_str(&comment(line));
        }
        for section in self.sections() {
            // Top-level keys follow the header directly; a section opens after a blank line.
            if !section.is_empty() {
                if !out.is_empty() {
                    out.push('\n');
                }
                out.push_str(&format!("[{section}]\n"));
            }
            for entry in self.entries.iter().filter(|e| e.section == section) {
                for line in &entry.comments {
                    out.push_str(&comment(line));
                }
                out.push_str(&format!("{} = {}\n", entry.key, entry.value));
            }
        }
        out
    }

    /// Writes the file's text to `path`.
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        std::fs::write(path, self.to_toml())
    }

    /// The sections that have keys, in file order.
    fn sections(&self) -> Vec<&str> {
        let mut sections: Vec<&str> = SECTION_ORDER
            .iter()
            .copied()
            .filter(|s| self.entries.iter().any(|e| e.section == *s))
            .collect();
        for entry in &self.entries {
            if !sections.contains(&entry.section.as_str()) {
                sections.push(&entry.section);
            }
        }
        sections
    }
}

impl fmt::Debug for ForwarderConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for entry in &self.entries {
            let name = if entry.section.is_empty() {
                entry.key.clone()
            } else {
                format!("{}.{}", entry.section, entry.key)
            };
            if SECRET_KEYS.contains(&entry.key.as_str()) {
                map.entry(&name, &format_args!("<redacted>"));
            } else {
                map.entry(&name, &format_args!("{}", entry.value));
            }
        }
        map.finish()
    }
}

/// `value` as a TOML basic string: quoted, with `\`, `"` and control characters escaped.
pub fn string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `values` as a TOML array of strings.
fn strings<S: AsRef<str>>(values: impl IntoIterator<Item = S>) -> String {
    let items: Vec<String> = values.into_iter().map(|v| string(v.as_ref())).collect();
    format!("[{}]", items.join(", "))
}

/// `# line`, or `#` alone for an empty line.
fn comment(line: &str) -> String {
    if line.is_empty() {
        "#\n".to_owned()
    } else {
        format!("# {line}\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_quoted_and_escaped() {
        assert_eq!(string("plain"), r#""plain""#);
        assert_eq!(string(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(string("line\nnext\ttab"), r#""line\nnext\ttab""#);
        assert_eq!(string("\u{1}"), r#""\u0001""#);
        assert_eq!(strings(["a", "b"]), r#"["a", "b"]"#);
        assert_eq!(strings(Vec::<&str>::new()), "[]");
    }

    #[test]
    fn sections_come_in_file_order_with_top_level_keys_first() {
        let text = ForwarderConfig::new()
            .poll_interval("1s")
            .refund_delay("0s")
            .listen("127.0.0.1:0")
            .set("extra", "x", "1")
            .reconcile_interval("5m")
            .to_toml();
        let headers: Vec<&str> = text.lines().filter(|l| l.starts_with('[')).collect();
        assert_eq!(
            headers,
            [
                "[impact]",
                "[rules]",
                "[stripe]",
                "[worker]",
                "[reconcile]",
                "[extra]"
            ]
        );
        assert!(
            text.starts_with(
                "admin_listen = \"127.0.0.1:0\"\nlisten = \"127.0.0.1:0\"\n\n[impact]\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn setting_a_key_again_replaces_its_value() {
        let text = ForwarderConfig::new()
            .refund_delay("1h")
            .refund_delay("0s")
            .to_toml();
        assert_eq!(text.matches("refund_delay").count(), 1, "{text}");
        assert!(text.contains("refund_delay = \"0s\"\n"), "{text}");
    }

    #[test]
    fn comments_go_above_the_file_and_above_the_next_key() {
        let text = ForwarderConfig::new()
            .header("Written by a test.")
            .header("")
            .comment("Shortened for the demo.")
            .refund_delay("30s")
            .click_id_wait("0s")
            .to_toml();
        assert!(text.starts_with("# Written by a test.\n#\n"), "{text}");
        assert!(
            text.contains("[rules]\n# Shortened for the demo.\nrefund_delay = \"30s\"\nclick_id_wait = \"0s\"\n"),
            "{text}"
        );
    }

    #[test]
    fn debug_redacts_every_secret() {
        let config = ForwarderConfig::new()
            .impact_auth_token("tok-Secret1")
            .stripe_api_key("sk_test_Secret2")
            .webhook_secrets(["whsec_Secret3"])
            .refund_delay("5s");
        let shown = format!("{config:?} {config:#?}");
        for secret in ["tok-Secret1", "sk_test_Secret2", "whsec_Secret3"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("rules.refund_delay"), "{shown}");
        assert!(shown.contains("<redacted>"), "{shown}");
    }
}
