//! [`Settings`]: the part of the configuration the rules read (no secrets).

use std::time::Duration;

use crate::config::{Config, NumericId, Rules};

/// What the rules need from the configuration: the program, the trackers and the `[rules]`.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The Account SID, for request paths.
    pub account_sid: String,
    /// `CampaignId`.
    pub campaign_id: NumericId,
    /// First subscription payments (and one-time payments unless overridden).
    pub event_type_id: NumericId,
    /// Renewals.
    pub recurring_event_type_id: NumericId,
    /// One-time payments, when tracked apart.
    pub one_time_event_type_id: Option<NumericId>,
    /// Plan changes; unset, `subscription_update` invoices are skipped.
    pub upgrade_event_type_id: Option<NumericId>,
    /// `[rules]`.
    pub rules: Rules,
}

impl Settings {
    /// The built-in demo settings `clicktrail explain` uses without `--config`: SID `IRsandbox`,
    /// campaign `1000`, trackers `2000` (first payments) and `2001` (renewals), default rules.
    pub fn demo() -> Self {
        let id = |v: &str| NumericId::new(v).expect("valid demo id");
        Self {
            account_sid: "IRsandbox".to_owned(),
            campaign_id: id("1000"),
            event_type_id: id("2000"),
            recurring_event_type_id: id("2001"),
            one_time_event_type_id: None,
            upgrade_event_type_id: None,
            rules: Rules::default(),
        }
    }

    /// The tracker of one-time payments: `one_time_event_type_id`, else `event_type_id`.
    pub fn one_time_tracker(&self) -> &NumericId {
        self.one_time_event_type_id
            .as_ref()
            .unwrap_or(&self.event_type_id)
    }

    /// `refund_delay` in whole seconds (saturating).
    pub fn refund_delay_secs(&self) -> i64 {
        secs(self.rules.refund_delay)
    }

    /// `click_id_wait` in whole seconds (saturating).
    pub fn click_id_wait_secs(&self) -> i64 {
        secs(self.rules.click_id_wait)
    }
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

impl From<&Config> for Settings {
    fn from(config: &Config) -> Self {
        let impact = &config.impact;
        Self {
            account_sid: impact.account_sid.as_str().to_owned(),
            campaign_id: impact.campaign_id.clone(),
            event_type_id: impact.event_type_id.clone(),
            recurring_event_type_id: impact.recurring_event_type_id.clone(),
            one_time_event_type_id: impact.one_time_event_type_id.clone(),
            upgrade_event_type_id: impact.upgrade_event_type_id.clone(),
            rules: config.rules.clone(),
        }
    }
}
