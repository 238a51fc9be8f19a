//! `[reconcile]`: the periodic recovery, inside `clicktrail serve`, of events Stripe failed to
//! deliver.

use std::time::Duration;

use serde::Deserialize;

use super::values;
use crate::Error;

/// How far back Stripe's Events API reaches: 30 days.
pub const STRIPE_EVENT_RETENTION: Duration = Duration::from_secs(30 * 24 * 3600);

/// `[reconcile]`: every `interval`, list the handled events of the last `window` that Stripe
/// reports as not delivered (`delivery_success=false`) and ingest those not stored yet. Needs
/// `[stripe] api_key`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReconcileConfig {
    /// How often (default 15 minutes); `"0s"` turns reconcile off. The first run is at start, so
    /// a forwarder that was down catches up at once.
    #[serde(deserialize_with = "values::duration")]
    pub interval: Duration,
    /// How far back each run looks (default 3 days, Stripe's live-mode retry horizon; at most
    /// 30 days, what Stripe keeps).
    #[serde(deserialize_with = "values::duration")]
    pub window: Duration,
}

impl Default for ReconcileConfig {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(15 * 60),
            window: Duration::from_secs(3 * 24 * 3600),
        }
    }
}

impl ReconcileConfig {
    /// Whether reconcile runs at all.
    pub fn enabled(&self) -> bool {
        !self.interval.is_zero()
    }

    /// Checks the window against Stripe's retention.
    pub(crate) fn validate(&self) -> Result<(), Error> {
        if self.window < Duration::from_secs(60) || self.window > STRIPE_EVENT_RETENTION {
            return Err(Error::Config {
                key: "reconcile.window".into(),
                origin: None,
                problem: format!(
                    "found {:?}, expected \"1m\" to \"30d\" (Stripe keeps events for 30 days)",
                    humantime::format_duration(self.window).to_string()
                ),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::config::Config;

    const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/clicktrail.example.toml");

    #[test]
    #[allow(clippy::result_large_err)] // figment::Jail's own signature
    fn the_example_shows_the_defaults_and_the_environment_overrides_them() {
        figment::Jail::expect_with(|jail| {
            let example = Config::load(Path::new(EXAMPLE)).expect("the example loads");
            assert_eq!(example.reconcile, ReconcileConfig::default());
            jail.set_env("CLICKTRAIL_RECONCILE__INTERVAL", "0s");
            jail.set_env("CLICKTRAIL_RECONCILE__WINDOW", "12h");
            let config = Config::load(Path::new(EXAMPLE)).expect("overrides load");
            assert!(!config.reconcile.enabled());
            assert_eq!(config.reconcile.window, Duration::from_secs(12 * 3600));
            jail.set_env("CLICKTRAIL_RECONCILE__WINDOW", "45d");
            let err = Config::load(Path::new(EXAMPLE)).unwrap_err().to_string();
            assert!(err.contains("reconcile.window"), "{err}");
            jail.set_env("CLICKTRAIL_RECONCILE__WINDOW", "3d");
            jail.set_env("CLICKTRAIL_RECONCILE__EVERY", "1m");
            let err = Config::load(Path::new(EXAMPLE)).unwrap_err().to_string();
            assert!(err.contains("every"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn defaults_and_bounds() {
        let config = ReconcileConfig::default();
        assert!(config.enabled());
        assert_eq!(config.interval, Duration::from_secs(900));
        assert!(config.validate().is_ok());
        let off = ReconcileConfig {
            interval: Duration::ZERO,
            ..ReconcileConfig::default()
        };
        assert!(!off.enabled());
        let too_far = ReconcileConfig {
            window: Duration::from_secs(31 * 24 * 3600),
            ..ReconcileConfig::default()
        };
        let err = too_far.validate().unwrap_err().to_string();
        assert!(
            err.contains("reconcile.window") && err.contains("30 days"),
            "{err}"
        );
    }
}
