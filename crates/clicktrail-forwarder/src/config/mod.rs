//! The configuration file (TOML): `[impact]`, `[rules]` and `[stripe]`.
//!
//! The key names are a public contract (docs and scripts use them); see
//! `clicktrail.example.toml` next to this crate's `Cargo.toml` for every key with its default.
//!
//! Loading goes through [figment]: [`Config::figment`] gives the file as a provider stack to which
//! the service adds `CLICKTRAIL_<SECTION>__<KEY>` environment overrides
//! ([`Config::with_env`]), and [`Config::from_figment`] extracts and validates. Unknown keys are
//! refused; every error names the key, what was found (never the value of a secret) and what is
//! allowed.
//!
//! ```
//! use clicktrail_forwarder::config::{Config, Trial};
//!
//! let config = Config::from_toml_str(r#"
//!     [impact]
//!     account_sid = "IRabc123"
//!     auth_token = "token"
//!     campaign_id = "1000"
//!     event_type_id = "2000"
//!     recurring_event_type_id = "2001"
//!
//!     [rules]
//!     trial = "first-payment"
//! "#)?;
//! assert_eq!(config.rules.trial, Trial::FirstPayment);
//! assert_eq!(config.rules.refund_delay.as_secs(), 3600);
//! assert!(config.stripe.is_none());
//! # Ok::<(), clicktrail_forwarder::Error>(())
//! ```

mod admin;
mod env;
mod reconcile;
pub mod reference;
mod secret;
mod service;
mod values;

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use serde::Deserialize;

pub use admin::{AdminConfig, MIN_TOKEN_LEN};
pub use reconcile::{ReconcileConfig, STRIPE_EVENT_RETENTION};
pub use secret::Secret;
pub use service::{
    DEFAULT_RETRY_SCHEDULE, DatabaseUrl, IntakeConfig, Synchronous, WebhookPath, WorkerConfig,
};
pub use values::{AccountSid, ApiBase, ClickIdKeys, Code, NumericId};

use crate::Error;

/// The prefix of environment overrides: `CLICKTRAIL_IMPACT__AUTH_TOKEN` sets `impact.auth_token`.
pub const ENV_PREFIX: &str = "CLICKTRAIL_";

/// The whole configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The impact.com account, program and trackers.
    pub impact: ImpactConfig,
    /// The mapping choices; every key has a default.
    #[serde(default)]
    pub rules: Rules,
    /// The Stripe account; optional for `clicktrail explain`, required by the service.
    #[serde(default)]
    pub stripe: Option<StripeConfig>,
    /// Where `clicktrail serve` listens for Stripe (default `127.0.0.1:8088`): the webhook path,
    /// `/healthz` and `/readyz`.
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// Where `clicktrail serve` serves the operator console and `/metrics` (default
    /// `127.0.0.1:8089`): keep it private (an SSH tunnel, or a TLS reverse proxy).
    #[serde(default = "admin::default_admin_listen")]
    pub admin_listen: SocketAddr,
    /// `[admin]`: the console's token.
    #[serde(default)]
    pub admin: AdminConfig,
    /// The store: `sqlite://FILE` (default `sqlite://clicktrail.db`) or `postgres://...`.
    #[serde(default)]
    pub database_url: DatabaseUrl,
    /// SQLite only: `PRAGMA synchronous` (default `full`: an acknowledged event is on disk).
    #[serde(default)]
    pub sqlite_synchronous: Synchronous,
    /// The path Stripe posts webhooks to (default `/webhooks/stripe`).
    #[serde(default)]
    pub webhook_path: WebhookPath,
    /// `[intake]`: the webhook endpoint's limits.
    #[serde(default)]
    pub intake: IntakeConfig,
    /// `[worker]`: delivery, retries and rate cap.
    #[serde(default)]
    pub worker: WorkerConfig,
    /// `[reconcile]`: the periodic recovery of undelivered events (needs `[stripe]`).
    #[serde(default)]
    pub reconcile: ReconcileConfig,
}

/// The top-level keys and sections; other `CLICKTRAIL_*` variables (such as test settings)
/// are not configuration and are left alone.
const KNOWN_KEYS: [&str; 12] = [
    "impact",
    "rules",
    "stripe",
    "listen",
    "admin_listen",
    "admin",
    "database_url",
    "sqlite_synchronous",
    "webhook_path",
    "intake",
    "worker",
    "reconcile",
];

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8088))
}

/// `[impact]`: where conversions go and on which trackers.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImpactConfig {
    /// Account SID, the HTTP Basic user name.
    pub account_sid: AccountSid,
    /// Auth Token, the HTTP Basic password. Pass it as `CLICKTRAIL_IMPACT__AUTH_TOKEN` rather
    /// than in the file.
    pub auth_token: Secret,
    /// The Program Id (`CampaignId`).
    pub campaign_id: NumericId,
    /// The tracker of first subscription payments, and of one-time payments unless
    /// `one_time_event_type_id` is set.
    pub event_type_id: NumericId,
    /// The tracker of renewals (`billing_reason = subscription_cycle`).
    pub recurring_event_type_id: NumericId,
    /// The tracker of one-time payments (Checkout in payment mode), when they are tracked apart.
    #[serde(default)]
    pub one_time_event_type_id: Option<NumericId>,
    /// The tracker of plan changes (`billing_reason = subscription_update`); unset, those
    /// invoices are skipped.
    #[serde(default)]
    pub upgrade_event_type_id: Option<NumericId>,
    /// The API's base URL.
    #[serde(default = "default_impact_api_base")]
    pub api_base: ApiBase,
}

/// `[rules]`: the choices that decide what partners are paid.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Rules {
    /// How long a refund is held before it is sent, so that impact.com has turned the conversion
    /// into an action by then (default one hour, as impact.com's own integration).
    #[serde(deserialize_with = "values::duration")]
    pub refund_delay: Duration,
    /// How trial sign-ups are credited.
    pub trial: Trial,
    /// `Reason` of modifications (partial refunds).
    pub refund_reason: Code,
    /// `DispositionCode` of reversals (full refunds).
    pub refund_disposition: Code,
    /// Send `CustomerEmail` as the SHA-1 of the trimmed, lower-cased address; `false` sends no
    /// email at all (never the address in clear).
    pub hash_customer_email: bool,
    /// Metadata keys that may hold the click id, matched case-insensitively.
    pub click_id_keys: ClickIdKeys,
    /// When a new subscription's first invoice has no click id anywhere, how long to wait for the
    /// Checkout event (or a metadata update) before giving up. `"0s"` gives up at once.
    #[serde(deserialize_with = "values::duration")]
    pub click_id_wait: Duration,
    /// How long a click id learned from a Checkout Session or found on the customer keeps
    /// crediting: only subscriptions and payments started within this age of when it was recorded
    /// (default 90 days). `"0"` turns the limit off. A click id on the subscription's own
    /// metadata is that purchase's and always counts.
    #[serde(deserialize_with = "values::duration")]
    pub click_id_max_age: Duration,
    /// `DispositionCode` of the reversal a lost dispute sends (default `CONS_FRAUD`).
    pub dispute_disposition: Code,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            refund_delay: Duration::from_secs(3600),
            trial: Trial::Signup,
            refund_reason: Code::new("ITEM_RETURNED").expect("valid code"),
            refund_disposition: Code::new("ITEM_RETURNED").expect("valid code"),
            hash_customer_email: true,
            click_id_keys: ClickIdKeys::default(),
            click_id_wait: Duration::from_secs(600),
            click_id_max_age: Duration::from_secs(90 * 86_400),
            dispute_disposition: Code::new("CONS_FRAUD").expect("valid code"),
        }
    }
}

/// How a subscription that starts with a free trial is credited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Trial {
    /// Send the $0 `subscription_create` invoice to the first-subscription tracker, as
    /// impact.com's own integration does (CPA programs credit the sign-up).
    #[default]
    Signup,
    /// Skip $0 invoices; the first paid invoice of the subscription goes to the
    /// first-subscription tracker, even though Stripe calls it `subscription_cycle`.
    FirstPayment,
}

/// `[stripe]`: the account the forwarder reads from.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StripeConfig {
    /// A restricted (`rk_...`) or secret (`sk_...`) API key; read access is enough except for
    /// `clicktrail setup`.
    #[serde(deserialize_with = "stripe_api_key")]
    pub api_key: Secret,
    /// Webhook signing secrets (`whsec_...`); several while a secret is rolled.
    #[serde(default, deserialize_with = "webhook_secrets")]
    pub webhook_secrets: Vec<Secret>,
    /// The API's base URL.
    #[serde(default = "default_stripe_api_base")]
    pub api_base: ApiBase,
}

fn default_impact_api_base() -> ApiBase {
    ApiBase::new("https://api.impact.com").expect("valid URL")
}

fn default_stripe_api_base() -> ApiBase {
    ApiBase::new("https://api.stripe.com").expect("valid URL")
}

fn stripe_api_key<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
    let key = Secret::deserialize(d)?;
    let prefixes = ["sk_live_", "sk_test_", "rk_live_", "rk_test_"];
    if prefixes.iter().any(|p| key.expose().starts_with(p)) {
        Ok(key)
    } else {
        Err(serde::de::Error::custom(
            "expected a Stripe API key starting with rk_live_, rk_test_, sk_live_ or sk_test_ (the value is not shown)",
        ))
    }
}

fn webhook_secrets<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Secret>, D::Error> {
    let secrets = Vec::<Secret>::deserialize(d)?;
    match secrets
        .iter()
        .position(|s| !s.expose().starts_with("whsec_"))
    {
        None => Ok(secrets),
        Some(i) => Err(serde::de::Error::custom(format!(
            "item {i}: expected a webhook signing secret starting with whsec_ (the value is not shown)"
        ))),
    }
}

impl Config {
    /// The provider stack for `path`: the TOML file alone. The file must exist.
    pub fn figment(path: &Path) -> Result<Figment, Error> {
        if !path.is_file() {
            return Err(Error::ConfigFile {
                path: path.display().to_string(),
                reason: "no such file".to_owned(),
            });
        }
        Ok(Figment::from(Toml::file_exact(path)))
    }

    /// Adds the environment overrides on top of `figment`: `CLICKTRAIL_<SECTION>__<KEY>`, e.g.
    /// `CLICKTRAIL_IMPACT__AUTH_TOKEN` or `CLICKTRAIL_RULES__REFUND_DELAY=2s`.
    pub fn with_env(figment: Figment) -> Figment {
        let env = Env::prefixed(ENV_PREFIX).split("__").filter(|key| {
            let key = key.as_str().to_ascii_lowercase();
            let first = key.split('.').next().unwrap_or_default();
            KNOWN_KEYS.contains(&first)
        });
        env::overrides(env)
            .into_iter()
            .fold(figment, |figment, variable| figment.merge(variable))
    }

    /// Reads `path`, then the environment overrides, and validates.
    pub fn load(path: &Path) -> Result<Self, Error> {
        Self::from_figment(&Self::with_env(Self::figment(path)?))
    }

    /// Parses and validates TOML text (no environment).
    pub fn from_toml_str(text: &str) -> Result<Self, Error> {
        Self::from_figment(&Figment::from(Toml::string(text)))
    }

    /// Extracts and validates a configuration from any provider stack.
    pub fn from_figment(figment: &Figment) -> Result<Self, Error> {
        let config: Self = figment.extract().map_err(config_error)?;
        config.validate()?;
        Ok(config)
    }

    /// Checks what no single value can check alone.
    fn validate(&self) -> Result<(), Error> {
        let bad = |key: &str, problem: &str| Error::Config {
            key: key.to_owned(),
            origin: None,
            problem: problem.to_owned(),
        };
        if self.worker.concurrency == 0 || self.worker.concurrency > 1024 {
            return Err(bad("worker.concurrency", "expected 1 to 1024"));
        }
        if self.worker.lease < Duration::from_secs(1) {
            return Err(bad("worker.lease", "expected at least \"1s\""));
        }
        if self.worker.poll_interval.is_zero() {
            return Err(bad("worker.poll_interval", "expected more than \"0s\""));
        }
        if self.worker.request_timeout.is_zero() {
            return Err(bad("worker.request_timeout", "expected more than \"0s\""));
        }
        // Heartbeats extend a lease while its job runs, but a stalled process (CPU starvation, a
        // busy connection pool) must still never have its lease expire mid-send: another replica
        // would take the job over and send it again.
        if self.worker.lease <= self.worker.request_timeout {
            return Err(bad(
                "worker.lease",
                &format!(
                    "expected longer than worker.request_timeout ({}), so that a request in flight \
                     never outlives its lease",
                    humantime::format_duration(self.worker.request_timeout)
                ),
            ));
        }
        if self.intake.body_limit < 1024 {
            return Err(bad("intake.body_limit", "expected at least 1024 bytes"));
        }
        if self.intake.batch_max == 0 {
            return Err(bad("intake.batch_max", "expected at least 1"));
        }
        if self.intake.signature_tolerance < Duration::from_secs(1) {
            return Err(bad(
                "intake.signature_tolerance",
                "expected at least \"1s\"",
            ));
        }
        self.reconcile.validate()?;
        self.admin.validate()?;
        // Port 0 asks for a free port each: two listeners, never the same one.
        if self.admin_listen == self.listen && self.listen.port() != 0 {
            return Err(bad(
                "admin_listen",
                "expected another address than `listen`: the console must not share the public listener",
            ));
        }
        Ok(())
    }
}

/// Turns figment's first error into ours: the key (as the provider spells it, e.g. the variable
/// name for an environment override), where it came from, and the problem.
fn config_error(error: figment::Error) -> Error {
    let problem = match &error.kind {
        figment::error::Kind::UnknownField(found, allowed) => {
            let found = if found.is_empty() { "\"\"" } else { found };
            format!(
                "unknown key `{found}`; allowed keys: {}",
                allowed.join(", ")
            )
        }
        figment::error::Kind::MissingField(name) => format!("missing key `{name}`"),
        figment::error::Kind::UnknownVariant(found, allowed) => {
            let allowed: Vec<String> = allowed.iter().map(|v| format!("\"{v}\"")).collect();
            format!("found \"{found}\", expected one of {}", allowed.join(", "))
        }
        kind => kind.to_string(),
    };
    let mut path = error.path.clone();
    if let figment::error::Kind::MissingField(name) = &error.kind {
        path.push(name.to_string());
    }
    // An empty key (`"" = 1`, `["".a]` in TOML) is shown quoted, so that the error still names it.
    let shown = |segment: &String| {
        if segment.is_empty() {
            "\"\"".to_owned()
        } else {
            segment.clone()
        }
    };
    let key = if path.is_empty() {
        "(top level)".to_owned()
    } else {
        path.iter().map(shown).collect::<Vec<_>>().join(".")
    };
    let origin = error.metadata.as_ref().and_then(|m| match &m.source {
        Some(figment::Source::File(file)) => Some(format!("file {}", file.display())),
        _ if m.name.contains("environment") => {
            let upper: Vec<String> = error.path.iter().map(|p| p.to_uppercase()).collect();
            Some(format!(
                "environment variable {ENV_PREFIX}{}",
                upper.join("__")
            ))
        }
        _ => None,
    });
    Error::Config {
        key,
        origin,
        problem,
    }
}

#[cfg(test)]
mod tests;
