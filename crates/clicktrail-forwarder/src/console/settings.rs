//! The configuration as the console shows it: every setting, every secret masked.

use std::time::Duration;

use crate::config::{Config, Secret};

/// `(key, value)` rows, secrets shown as `set` / `unset` and never their value.
pub fn rows(config: &Config) -> Vec<(&'static str, String)> {
    let secret = |_: &Secret| "set (not shown)".to_owned();
    let dur = |d: Duration| humantime::format_duration(d).to_string();
    let opt = |v: Option<String>| v.unwrap_or_else(|| "unset".to_owned());
    let impact = &config.impact;
    let rules = &config.rules;
    let worker = &config.worker;
    let mut rows = vec![
        ("listen", config.listen.to_string()),
        ("admin_listen", config.admin_listen.to_string()),
        (
            "admin.token",
            config
                .admin
                .token
                .as_ref()
                .map_or_else(|| "unset: loopback only".to_owned(), secret),
        ),
        ("database_url", config.database_url.redacted()),
        ("webhook_path", config.webhook_path.as_str().to_owned()),
        ("impact.account_sid", impact.account_sid.as_str().to_owned()),
        ("impact.auth_token", secret(&impact.auth_token)),
        ("impact.campaign_id", impact.campaign_id.as_str().to_owned()),
        (
            "impact.event_type_id",
            impact.event_type_id.as_str().to_owned(),
        ),
        (
            "impact.recurring_event_type_id",
            impact.recurring_event_type_id.as_str().to_owned(),
        ),
        (
            "impact.one_time_event_type_id",
            opt(impact
                .one_time_event_type_id
                .as_ref()
                .map(|v| v.as_str().to_owned())),
        ),
        (
            "impact.upgrade_event_type_id",
            opt(impact
                .upgrade_event_type_id
                .as_ref()
                .map(|v| v.as_str().to_owned())),
        ),
        ("impact.api_base", impact.api_base.as_str().to_owned()),
        ("rules.refund_delay", dur(rules.refund_delay)),
        ("rules.trial", format!("{:?}", rules.trial)),
        (
            "rules.refund_reason",
            rules.refund_reason.as_str().to_owned(),
        ),
        (
            "rules.refund_disposition",
            rules.refund_disposition.as_str().to_owned(),
        ),
        (
            "rules.dispute_disposition",
            rules.dispute_disposition.as_str().to_owned(),
        ),
        (
            "rules.hash_customer_email",
            rules.hash_customer_email.to_string(),
        ),
        (
            "rules.click_id_keys",
            rules.click_id_keys.iter().collect::<Vec<_>>().join(", "),
        ),
        ("rules.click_id_wait", dur(rules.click_id_wait)),
        ("rules.click_id_max_age", dur(rules.click_id_max_age)),
    ];
    match &config.stripe {
        Some(stripe) => {
            rows.push(("stripe.api_key", secret(&stripe.api_key)));
            rows.push((
                "stripe.webhook_secrets",
                format!("{} configured (not shown)", stripe.webhook_secrets.len()),
            ));
            rows.push(("stripe.api_base", stripe.api_base.as_str().to_owned()));
        }
        None => rows.push(("stripe", "unset".to_owned())),
    }
    rows.extend([
        ("worker.concurrency", worker.concurrency.to_string()),
        (
            "worker.retry_schedule",
            worker
                .retry_schedule
                .iter()
                .map(|d| dur(*d))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        (
            "worker.max_requests_per_hour",
            worker.max_requests_per_hour.to_string(),
        ),
        ("worker.request_timeout", dur(worker.request_timeout)),
        ("reconcile.interval", dur(config.reconcile.interval)),
        ("reconcile.window", dur(config.reconcile.window)),
    ]);
    rows
}
