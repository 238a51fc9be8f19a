//! [`ShopConfig`]: where the shop listens, which Stripe it talks to, where its pages are.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use clicktrail_stripe::client::ApiKey;

/// The key the Stripe emulator accepts by default (`clicktrail-sandbox` prints it at start).
pub const SANDBOX_KEY: &str = "sk_test_sandbox";

/// The sample shop's settings, from flags or environment variables (`--help` lists them).
#[derive(Debug, Clone, Parser)]
#[command(name = "sample-shop", version, about)]
pub struct ShopConfig {
    /// Where the shop listens.
    #[arg(long, env = "SHOP_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// The shop's address as browsers reach it (Checkout returns there); `http://LISTEN` when
    /// unset.
    #[arg(long, env = "SHOP_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Stripe's API base: the emulator, or `https://api.stripe.com` with a test-mode key.
    #[arg(
        long,
        env = "STRIPE_API_BASE",
        default_value = "http://127.0.0.1:12111"
    )]
    pub stripe_api_base: String,
    /// A Stripe secret key (`sk_test_...`); the emulator's by default.
    #[arg(long, env = "STRIPE_API_KEY", default_value = SANDBOX_KEY, value_parser = parse_key, hide_default_value = true)]
    pub stripe_api_key: ApiKey,
    /// The impact.com emulator, whose records the "impact.com view" page shows.
    #[arg(
        long,
        env = "IMPACT_SANDBOX_URL",
        default_value = "http://127.0.0.1:12112"
    )]
    pub impact_url: String,
    /// The clicktrail forwarder's operator console: the "impact.com view" links each order to
    /// its page there. Unset: no links.
    #[arg(long, env = "SHOP_CONSOLE_URL")]
    pub console_url: Option<String>,
    /// The folder of the shop's pages and of the browser kit (`pkg/`, built by `cargo xtask web`).
    #[arg(long, env = "SHOP_WWW_DIR", default_value = default_www_dir())]
    pub www_dir: PathBuf,
}

impl Default for ShopConfig {
    /// Everything on this machine: the emulators on their default ports, the shop on 8080.
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            stripe_api_base: "http://127.0.0.1:12111".to_owned(),
            stripe_api_key: ApiKey::new(SANDBOX_KEY).expect("the sandbox key is a valid key"),
            impact_url: "http://127.0.0.1:12112".to_owned(),
            console_url: None,
            www_dir: PathBuf::from(default_www_dir()),
        }
    }
}

impl ShopConfig {
    /// The shop's public base URL, without a trailing `/`.
    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.listen),
        }
    }

    /// Whether Stripe is the emulator on this machine (plain http to loopback): then the
    /// account page offers the emulator's helpers, such as billing the next period now.
    pub fn stripe_is_sandbox(&self) -> bool {
        is_loopback_http(&self.stripe_api_base)
    }
}

/// `www/` at the workspace root.
fn default_www_dir() -> &'static str {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../www")
}

fn parse_key(value: &str) -> Result<ApiKey, String> {
    ApiKey::new(value).map_err(|e| e.to_string())
}

/// Whether `url` is plain `http://` to `127.0.0.1`, `localhost` or `[::1]`.
pub(crate) fn is_loopback_http(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let host = rest.split(['/', '?']).next().unwrap_or_default();
    let host = match host.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => host,
    };
    matches!(host, "127.0.0.1" | "localhost" | "[::1]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_http_to_loopback_is_the_sandbox() {
        assert!(is_loopback_http("http://127.0.0.1:12111"));
        assert!(is_loopback_http("http://localhost:12111/"));
        assert!(is_loopback_http("http://[::1]:9"));
        assert!(!is_loopback_http("https://api.stripe.com"));
        assert!(!is_loopback_http("http://127.0.0.1.evil.example"));
        assert!(!is_loopback_http("http://example.com/127.0.0.1"));
    }

    #[test]
    fn flags_override_defaults_and_the_key_is_checked() {
        let config = ShopConfig::try_parse_from([
            "sample-shop",
            "--listen",
            "127.0.0.1:9000",
            "--public-url",
            "http://shop.test/",
        ])
        .unwrap();
        assert_eq!(config.public_url(), "http://shop.test");
        assert_eq!(ShopConfig::default().public_url(), "http://127.0.0.1:8080");
        let bad = ShopConfig::try_parse_from(["sample-shop", "--stripe-api-key", "pk_test_x"]);
        assert!(bad.is_err());
    }
}
