//! The reference of every configuration key: its default, its environment variable, an example
//! and what it does. `docs/config.md` is rendered from it ([`markdown`], written by
//! `cargo xtask docs`), and the tests hold it to the loader: every key the loader accepts is here
//! and nothing else, each default here is the loader's default, and each example loads.

use super::ENV_PREFIX;

/// One configuration key.
#[derive(Debug, Clone, Copy)]
pub struct KeyDoc {
    /// The section (`"rules"`), or `""` for a top-level key.
    pub section: &'static str,
    /// The key within its section (`"refund_delay"`).
    pub name: &'static str,
    /// The default as TOML (`"\"1h\""`); `None` when the key must be given, or has no value
    /// unless given (see [`required`](Self::required)).
    pub default: Option<&'static str>,
    /// Whether a configuration without this key is refused (for `[stripe]` keys: when the
    /// section is present).
    pub required: bool,
    /// Whether the value is a secret: better passed through its environment variable.
    pub secret: bool,
    /// An example value as TOML.
    pub example: &'static str,
    /// What it does.
    pub about: &'static str,
}

impl KeyDoc {
    /// The dotted key: `rules.refund_delay`, `listen`.
    pub fn dotted(&self) -> String {
        if self.section.is_empty() {
            self.name.to_owned()
        } else {
            format!("{}.{}", self.section, self.name)
        }
    }

    /// The environment variable that overrides it: `CLICKTRAIL_RULES__REFUND_DELAY`.
    pub fn env_var(&self) -> String {
        let key = if self.section.is_empty() {
            self.name.to_owned()
        } else {
            format!("{}__{}", self.section, self.name)
        };
        format!("{ENV_PREFIX}{}", key.to_ascii_uppercase())
    }
}

/// The sections in the order the reference lists them, with one line on each.
pub const SECTIONS: &[(&str, &str)] = &[
    (
        "",
        "Top-level keys: where the service listens and what it stores in.",
    ),
    (
        "impact",
        "The impact.com account, program and trackers. Required by every command.",
    ),
    (
        "rules",
        "The mapping choices that decide what partners are paid. Every key has a default.",
    ),
    (
        "stripe",
        "The Stripe account the forwarder reads from. Optional for `clicktrail explain`, required by the service.",
    ),
    (
        "admin",
        "The operator console on `admin_listen`: who may use it.",
    ),
    ("intake", "The webhook endpoint's limits."),
    (
        "worker",
        "Delivery to impact.com: concurrency, retries, rate cap, leases.",
    ),
    (
        "reconcile",
        "The periodic read-back of events Stripe could not deliver (needs `[stripe]`).",
    ),
];

/// Every key, section by section.
pub const KEYS: &[KeyDoc] = &[
    key(
        "",
        "listen",
        Some("\"127.0.0.1:8088\""),
        "\"0.0.0.0:8088\"",
        "Where `clicktrail serve` listens for Stripe: the webhook endpoint, `/healthz` and `/readyz`.",
    ),
    key(
        "",
        "admin_listen",
        Some("\"127.0.0.1:8089\""),
        "\"127.0.0.1:9089\"",
        "Where `clicktrail serve` serves the operator console (`/`), its JSON API and `/metrics`. Keep it private: reach it through an SSH tunnel, or a reverse proxy with TLS in front of it. Must differ from `listen`.",
    ),
    KeyDoc {
        secret: true,
        ..key(
            "",
            "database_url",
            Some("\"sqlite://clicktrail.db\""),
            "\"postgres://clicktrail@db.internal:5432/clicktrail\"",
            "The store: `sqlite://FILE` (one process; the file is created) or `postgres://...` (several replicas).",
        )
    },
    key(
        "",
        "sqlite_synchronous",
        Some("\"full\""),
        "\"normal\"",
        "SQLite only: `full` syncs every commit, so an acknowledged event survives a power cut; `normal` survives a crash of the process only; `off` is for benchmarks.",
    ),
    key(
        "",
        "webhook_path",
        Some("\"/webhooks/stripe\""),
        "\"/hooks/stripe\"",
        "The path Stripe posts to; the endpoint URL is `https://YOUR-HOST<webhook_path>`. Not `/healthz`, `/readyz` or `/metrics`.",
    ),
    required(
        "impact",
        "account_sid",
        false,
        "\"IRxxxxxxxx\"",
        "The Account SID (impact.com > Settings > API), the HTTP Basic user name.",
    ),
    required(
        "impact",
        "auth_token",
        true,
        "\"...\"",
        "The Auth Token, the HTTP Basic password.",
    ),
    required(
        "impact",
        "campaign_id",
        false,
        "\"1000\"",
        "The Program Id (`CampaignId`).",
    ),
    required(
        "impact",
        "event_type_id",
        false,
        "\"2000\"",
        "The event type (action tracker) of first subscription payments, and of one-time payments unless `one_time_event_type_id` is set.",
    ),
    required(
        "impact",
        "recurring_event_type_id",
        false,
        "\"2001\"",
        "The event type of renewals (`billing_reason = subscription_cycle`).",
    ),
    key(
        "impact",
        "one_time_event_type_id",
        None,
        "\"2002\"",
        "The event type of one-time payments (Checkout in payment mode), when they are tracked apart from first subscription payments. Unset: `event_type_id`.",
    ),
    key(
        "impact",
        "upgrade_event_type_id",
        None,
        "\"2003\"",
        "The event type of plan changes (`billing_reason = subscription_update`). Unset, those invoices are skipped, as impact.com's own integration does.",
    ),
    key(
        "impact",
        "api_base",
        Some("\"https://api.impact.com\""),
        "\"http://127.0.0.1:12112\"",
        "The API's base URL (https, or plain http to loopback only).",
    ),
    key(
        "rules",
        "refund_delay",
        Some("\"1h\""),
        "\"30m\"",
        "How long a refund is held before it is sent, so that impact.com has turned the conversion into an action by then. Durations: `\"90s\"`, `\"15m\"`, `\"1h 30m\"`.",
    ),
    key(
        "rules",
        "trial",
        Some("\"signup\""),
        "\"first-payment\"",
        "`signup`: credit the $0 sign-up invoice of a trial, as impact.com does (CPA programs). `first-payment`: skip $0 invoices; the first paid invoice goes to `event_type_id`.",
    ),
    key(
        "rules",
        "refund_reason",
        Some("\"ITEM_RETURNED\""),
        "\"ORDER_UPDATE\"",
        "The `Reason` of the modification a partial refund sends.",
    ),
    key(
        "rules",
        "refund_disposition",
        Some("\"ITEM_RETURNED\""),
        "\"RETURNED\"",
        "The `DispositionCode` of the reversal a full refund sends.",
    ),
    key(
        "rules",
        "hash_customer_email",
        Some("true"),
        "false",
        "Send `CustomerEmail` as the SHA-1 of the trimmed, lower-cased address; `false` sends no email at all (never the address in clear).",
    ),
    key(
        "rules",
        "click_id_keys",
        Some("[\"impact_click_id\", \"impact_clickid\", \"irclickid\", \"im_ref\"]"),
        "[\"impact_click_id\", \"partner_click\"]",
        "Metadata keys that may hold the click id, matched case-insensitively, in this order.",
    ),
    key(
        "rules",
        "click_id_wait",
        Some("\"10m\""),
        "\"0s\"",
        "When a new subscription's first invoice has no click id anywhere, how long to wait for its Checkout event (or a metadata update) before skipping it. `\"0s\"` skips at once.",
    ),
    key(
        "rules",
        "click_id_max_age",
        Some("\"90d\""),
        "\"30d\"",
        "A click id learned from a Checkout Session or found on the customer credits only subscriptions and payments started within this age of when it was recorded; `\"0\"` turns the limit off. A click id on the subscription's own metadata always counts.",
    ),
    key(
        "rules",
        "dispute_disposition",
        Some("\"CONS_FRAUD\""),
        "\"CHARGEBACK\"",
        "The `DispositionCode` of the reversal a lost dispute (`charge.dispute.closed`, status `lost`) sends.",
    ),
    required(
        "stripe",
        "api_key",
        true,
        "\"rk_live_...\"",
        "A restricted key with read access (`rk_live_...`) to subscriptions, customers, invoices, invoice payments, charges, checkout sessions, events and webhook endpoints, or a secret key; `clicktrail check` lists what is missing. `clicktrail setup` also needs write access to webhook endpoints. Required when `[stripe]` is present.",
    ),
    KeyDoc {
        secret: true,
        ..key(
            "stripe",
            "webhook_secrets",
            Some("[]"),
            "[\"whsec_...\"]",
            "Webhook signing secrets (`whsec_...`); list two while rolling a secret. Not needed for the endpoint `clicktrail setup` made: its secret is kept in the database.",
        )
    },
    key(
        "stripe",
        "api_base",
        Some("\"https://api.stripe.com\""),
        "\"http://127.0.0.1:12111\"",
        "The API's base URL (https, or plain http to loopback only).",
    ),
    key(
        "intake",
        "body_limit",
        Some("1048576"),
        "262144",
        "Larger webhook bodies are refused with 413 (Stripe's events are a few KB). At least 1024.",
    ),
    key(
        "intake",
        "signature_tolerance",
        Some("\"5m\""),
        "\"10m\"",
        "How far a `Stripe-Signature` timestamp may be from now (Stripe's own default: 5 minutes).",
    ),
    key(
        "intake",
        "batch_max",
        Some("256"),
        "1",
        "Group commit: at most this many events are written in one transaction; each is acknowledged only after its transaction committed. 1 turns batching off.",
    ),
    key(
        "worker",
        "concurrency",
        Some("16"),
        "64",
        "Jobs handled at once (Stripe look-ups and impact.com requests in flight), 1 to 1024.",
    ),
    key(
        "worker",
        "retry_schedule",
        Some("[\"5s\", \"1m\", \"5m\", \"30m\", \"2h\", \"5h\", \"10h\", \"10h\", \"12h\"]"),
        "[\"10s\", \"1m\", \"10m\"]",
        "The waits after each transient failure (network, 408, 5xx), each +-20 %; after the last one the job is a dead letter. A 429 waits for `X-RateLimit-Reset` instead; other 4xx answers are dead letters at once.",
    ),
    key(
        "worker",
        "max_requests_per_hour",
        Some("0"),
        "2000",
        "Cap on requests to impact.com per hour from this process (sends and the reads of their verdicts), evenly spaced; 0 = no cap.",
    ),
    key(
        "worker",
        "poll_interval",
        Some("\"1s\""),
        "\"250ms\"",
        "How often to look for due jobs when nothing new arrived.",
    ),
    key(
        "worker",
        "lease",
        Some("\"60s\""),
        "\"2m\"",
        "A claimed job is reserved this long without a heartbeat; after that another replica takes it. Must be longer than `request_timeout`.",
    ),
    key(
        "worker",
        "shutdown_grace",
        Some("\"10s\""),
        "\"30s\"",
        "On SIGTERM or ctrl-c: how long jobs in flight may finish before they are released.",
    ),
    key(
        "worker",
        "request_timeout",
        Some("\"30s\""),
        "\"10s\"",
        "Time allowed for one request to impact.com.",
    ),
    KeyDoc {
        secret: true,
        ..key(
            "admin",
            "token",
            None,
            "\"a-long-random-console-token\"",
            "The console's token, at least 16 characters: sent as `Authorization: Bearer <token>`, or typed once into the console's login form (which sets an `HttpOnly`, `SameSite=Strict` session cookie). Unset, the console answers only requests from loopback to a loopback `Host`, and says so. Never accepted in a query string.",
        )
    },
    key(
        "reconcile",
        "interval",
        Some("\"15m\""),
        "\"0s\"",
        "How often `clicktrail serve` reads back, from Stripe's Events API, handled events that Stripe reports as not delivered, and queues those not stored yet. The first run is at start. `\"0s\"` turns it off.",
    ),
    key(
        "reconcile",
        "window",
        Some("\"3d\""),
        "\"1d\"",
        "How far back each run looks: Stripe retries a failed delivery for up to three days; at most `\"30d\"`, what Stripe keeps.",
    ),
];

const fn key(
    section: &'static str,
    name: &'static str,
    default: Option<&'static str>,
    example: &'static str,
    about: &'static str,
) -> KeyDoc {
    KeyDoc {
        section,
        name,
        default,
        required: false,
        secret: false,
        example,
        about,
    }
}

const fn required(
    section: &'static str,
    name: &'static str,
    secret: bool,
    example: &'static str,
    about: &'static str,
) -> KeyDoc {
    KeyDoc {
        required: true,
        secret,
        ..key(section, name, None, example, about)
    }
}

/// The reference as Markdown: what `docs/config.md` holds.
pub fn markdown() -> String {
    let mut out = String::from(
        "# Configuration reference\n\n\
         <!-- Generated by `cargo xtask docs` from \
         crates/clicktrail-forwarder/src/config/reference.rs; a test fails when it is stale. -->\n\n\
         `clicktrail` reads one TOML file (`--config FILE`); every key can be overridden by an \
         environment variable, `CLICKTRAIL_<SECTION>__<KEY>` (top-level keys: \
         `CLICKTRAIL_<KEY>`). Pass secrets that way rather than writing them in the file. \
         Unknown keys are refused, and every error names the key and where its value came from \
         (never the value of a secret). A commented example of the whole file: \
         [`clicktrail.example.toml`](../crates/clicktrail-forwarder/clicktrail.example.toml).\n",
    );
    for (section, about) in SECTIONS {
        let heading = if section.is_empty() {
            "Top level".to_owned()
        } else {
            format!("`[{section}]`")
        };
        out.push_str(&format!("\n## {heading}\n\n{about}\n"));
        for doc in KEYS.iter().filter(|k| k.section == *section) {
            let default = match (doc.default, doc.required) {
                (Some(value), _) => format!("`{value}`"),
                (None, true) => "required".to_owned(),
                (None, false) => "unset".to_owned(),
            };
            let secret = if doc.secret {
                " Holds a secret (in a URL: its password): logs, errors and `Debug` output never show it; \
                 pass it through the environment variable."
            } else {
                ""
            };
            out.push_str(&format!(
                "\n### `{}`\n\n{}{secret}\n\n\
                 - default: {default}\n- environment: `{}`\n- example: `{} = {}`\n",
                doc.dotted(),
                doc.about,
                doc.env_var(),
                doc.name,
                doc.example,
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_variables_follow_the_loader_naming() {
        let find = |dotted: &str| KEYS.iter().find(|k| k.dotted() == dotted).unwrap();
        assert_eq!(
            find("impact.auth_token").env_var(),
            "CLICKTRAIL_IMPACT__AUTH_TOKEN"
        );
        assert_eq!(find("database_url").env_var(), "CLICKTRAIL_DATABASE_URL");
    }

    #[test]
    fn every_key_is_listed_once_under_a_known_section() {
        let mut seen = std::collections::HashSet::new();
        for doc in KEYS {
            assert!(seen.insert(doc.dotted()), "{} listed twice", doc.dotted());
            assert!(
                SECTIONS.iter().any(|(s, _)| *s == doc.section),
                "{} is in no section",
                doc.dotted()
            );
        }
    }
}
