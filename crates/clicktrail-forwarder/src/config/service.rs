//! The service's keys: where it listens, its database, `[intake]` and `[worker]`.

use std::time::Duration;

use serde::Deserialize;
use serde::de::{self, Deserializer};

use super::values;

/// `database_url`: `sqlite://FILE` (created when missing) or `postgres://...`.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    /// Validates `value`: a `sqlite:` or `postgres:` / `postgresql:` URL.
    pub fn new(value: &str) -> Result<Self, String> {
        let ok = ["sqlite:", "postgres://", "postgresql://"]
            .iter()
            .any(|p| value.starts_with(p));
        if ok && value.len() > "sqlite:".len() {
            Ok(Self(value.to_owned()))
        } else {
            Err(
                "expected \"sqlite://FILE\" or \"postgres://USER@HOST:PORT/DB\" (the value is not shown: it may hold a password)"
                    .to_owned(),
            )
        }
    }

    /// The URL (may hold a password: do not log it).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether this is a PostgreSQL URL.
    pub fn is_postgres(&self) -> bool {
        self.0.starts_with("postgres")
    }

    /// The URL with any password replaced by `***`, for logs.
    pub fn redacted(&self) -> String {
        match (self.0.find("://"), self.0.rfind('@')) {
            (Some(scheme), Some(at)) if at > scheme => {
                let userinfo = &self.0[scheme + 3..at];
                match userinfo.split_once(':') {
                    Some((user, _)) => {
                        format!("{}{user}:***{}", &self.0[..scheme + 3], &self.0[at..])
                    }
                    None => self.0.clone(),
                }
            }
            _ => self.0.clone(),
        }
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("DatabaseUrl")
            .field(&self.redacted())
            .finish()
    }
}

impl Default for DatabaseUrl {
    fn default() -> Self {
        Self("sqlite://clicktrail.db".to_owned())
    }
}

impl<'de> Deserialize<'de> for DatabaseUrl {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::new(&text).map_err(de::Error::custom)
    }
}

/// `sqlite_synchronous`: SQLite's `PRAGMA synchronous`. `full` (the default) makes every
/// acknowledged event durable across a power cut; `normal` survives a crash of the process only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Synchronous {
    /// `OFF`: no syncing at all (benchmarks only).
    Off,
    /// `NORMAL`.
    Normal,
    /// `FULL`.
    #[default]
    Full,
    /// `EXTRA`.
    Extra,
}

impl Synchronous {
    /// The pragma statement.
    pub fn pragma(self) -> &'static str {
        match self {
            Self::Off => "PRAGMA synchronous = OFF",
            Self::Normal => "PRAGMA synchronous = NORMAL",
            Self::Full => "PRAGMA synchronous = FULL",
            Self::Extra => "PRAGMA synchronous = EXTRA",
        }
    }
}

/// `webhook_path`: where Stripe posts (default `/webhooks/stripe`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookPath(String);

impl WebhookPath {
    /// Validates `value`: starts with `/`, no query, no spaces, not one of the service's own paths.
    pub fn new(value: &str) -> Result<Self, String> {
        let reserved = ["/healthz", "/readyz", "/metrics"];
        if value.len() > 1
            && value.starts_with('/')
            && !value.contains(['?', '#', ' ', '{', '}', '*'])
            && !reserved.contains(&value)
        {
            Ok(Self(value.to_owned()))
        } else {
            Err(format!(
                "found {value:?}, expected a path such as \"/webhooks/stripe\" (not /healthz, /readyz or /metrics)"
            ))
        }
    }

    /// The path.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for WebhookPath {
    fn default() -> Self {
        Self("/webhooks/stripe".to_owned())
    }
}

impl<'de> Deserialize<'de> for WebhookPath {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::new(&text).map_err(de::Error::custom)
    }
}

/// `[intake]`: the webhook endpoint.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IntakeConfig {
    /// The largest body accepted, in bytes (default 1 MiB); larger answers 413.
    pub body_limit: usize,
    /// How far a signature's timestamp may be from now (default 5 minutes, Stripe's).
    #[serde(deserialize_with = "values::duration")]
    pub signature_tolerance: Duration,
    /// The most events written in one transaction (group commit); 1 turns batching off.
    pub batch_max: usize,
}

impl Default for IntakeConfig {
    fn default() -> Self {
        Self {
            body_limit: 1024 * 1024,
            signature_tolerance: Duration::from_secs(300),
            batch_max: 256,
        }
    }
}

/// `[worker]`: delivery to impact.com.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkerConfig {
    /// Jobs handled at once (look-ups and requests in flight).
    pub concurrency: usize,
    /// Waits after each transient failure; after the last one the job is a dead letter.
    /// Each wait gets +-20 % jitter.
    #[serde(deserialize_with = "durations")]
    pub retry_schedule: Vec<Duration>,
    /// The most requests sent to impact.com per hour by this process (sends and submission
    /// reads); 0 means no cap.
    pub max_requests_per_hour: u32,
    /// How often to look for due jobs when nothing wakes the worker.
    #[serde(deserialize_with = "values::duration")]
    pub poll_interval: Duration,
    /// How long a claimed job stays reserved to this process without a heartbeat (another
    /// replica takes it over after that, e.g. when this one was killed).
    #[serde(deserialize_with = "values::duration")]
    pub lease: Duration,
    /// How long shutdown waits for jobs in flight before releasing them.
    #[serde(deserialize_with = "values::duration")]
    pub shutdown_grace: Duration,
    /// Time allowed for one request to impact.com.
    #[serde(deserialize_with = "values::duration")]
    pub request_timeout: Duration,
}

/// The delivery retry schedule: 5 s, 1 min, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, 12 h (about
/// two days), then dead letter.
pub const DEFAULT_RETRY_SCHEDULE: [u64; 9] = [5, 60, 300, 1800, 7200, 18000, 36000, 36000, 43200];

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            concurrency: 16,
            retry_schedule: DEFAULT_RETRY_SCHEDULE
                .iter()
                .map(|s| Duration::from_secs(*s))
                .collect(),
            max_requests_per_hour: 0,
            poll_interval: Duration::from_secs(1),
            lease: Duration::from_secs(60),
            shutdown_grace: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
        }
    }
}

fn durations<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<Duration>, D::Error> {
    let texts = Vec::<String>::deserialize(deserializer)?;
    texts
        .iter()
        .enumerate()
        .map(|(i, text)| {
            humantime::parse_duration(text).map_err(|e| {
                de::Error::custom(format!(
                    "item {i}: found {text:?} ({e}), expected durations such as [\"5s\", \"1m\", \"2h\"]"
                ))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_hide_passwords() {
        let url = DatabaseUrl::new("postgres://app:hunter2@db:5432/ct").unwrap();
        assert!(url.is_postgres());
        assert_eq!(url.redacted(), "postgres://app:***@db:5432/ct");
        assert!(!format!("{url:?}").contains("hunter2"));
        assert_eq!(
            DatabaseUrl::new("postgres://postgres@127.0.0.1/test")
                .unwrap()
                .redacted(),
            "postgres://postgres@127.0.0.1/test"
        );
        assert!(!DatabaseUrl::default().is_postgres());
        let err = DatabaseUrl::new("mysql://u:secret@x/db").unwrap_err();
        assert!(!err.contains("secret"), "{err}");
    }

    #[test]
    fn webhook_paths() {
        assert!(WebhookPath::new("/hooks/stripe").is_ok());
        for bad in ["", "/", "hooks", "/a?b", "/metrics"] {
            assert!(WebhookPath::new(bad).is_err(), "{bad}");
        }
    }
}
