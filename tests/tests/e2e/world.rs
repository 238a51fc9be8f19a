//! The stack the test runs against, and what the test reads from it directly: the Stripe
//! emulator (with its key) and the impact.com emulator's records, polled with a deadline.

use std::time::Duration;

use clicktrail_e2e::{STRIPE_SECRET_KEY, Stack};
use clicktrail_test_support::try_eventually;
use serde_json::Value;

/// How long the forwarder may take to get an event to impact.com (the refund hold included).
pub const DELIVERY: Duration = Duration::from_secs(40);

/// HTTP access to the emulators.
pub struct World {
    pub stack: Stack,
    http: reqwest::Client,
}

impl World {
    pub fn new(stack: Stack) -> Self {
        Self {
            stack,
            http: reqwest::Client::new(),
        }
    }

    /// `GET url` as JSON, with `bearer` when given; errors name the URL.
    async fn get_json(&self, url: &str, bearer: Option<&str>) -> Result<Value, String> {
        let mut request = self.http.get(url);
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        request
            .send()
            .await
            .map_err(|e| format!("{url}: {e}"))?
            .json()
            .await
            .map_err(|e| format!("{url}: {e}"))
    }

    /// `GET` on the Stripe emulator.
    pub async fn stripe(&self, path: &str) -> Result<Value, String> {
        let url = format!("{}{path}", self.stack.stripe_url());
        self.get_json(&url, Some(STRIPE_SECRET_KEY)).await
    }

    /// The invoices of a subscription, oldest first.
    pub async fn invoices(&self, subscription: &str) -> Result<Vec<Value>, String> {
        let list = self
            .stripe(&format!(
                "/v1/invoices?subscription={subscription}&limit=100"
            ))
            .await?;
        let mut invoices = list["data"].as_array().cloned().unwrap_or_default();
        invoices.reverse();
        Ok(invoices)
    }

    /// Arms a fault on the impact.com emulator (`/_sandbox/faults`): the next request meets it.
    pub async fn impact_fault(&self, fault: Value) -> Result<(), String> {
        let url = format!("{}/_sandbox/faults", self.stack.impact_url());
        let r = self
            .http
            .post(&url)
            .json(&fault)
            .send()
            .await
            .map_err(|e| format!("{url}: {e}"))?;
        if r.status().is_success() {
            Ok(())
        } else {
            Err(format!("{url} answered {} to {fault}", r.status()))
        }
    }

    /// `GET` on the forwarder's console with its token (what an operator's script does).
    pub async fn console(&self, path: &str) -> Result<Value, String> {
        let url = format!("{}{path}", self.stack.console_url());
        self.get_json(&url, Some(self.stack.console_token())).await
    }

    /// The id of a subscription's first invoice.
    pub async fn first_invoice(&self, subscription: &str) -> Result<String, String> {
        self.invoices(subscription)
            .await?
            .first()
            .and_then(|i| i["id"].as_str().map(str::to_owned))
            .ok_or_else(|| format!("subscription {subscription} has no invoice"))
    }

    /// Every request the impact.com emulator accepted, in order.
    pub async fn records(&self) -> Result<Vec<Value>, String> {
        let url = format!("{}/_sandbox/records", self.stack.impact_url());
        let value = self.get_json(&url, None).await?;
        Ok(value.as_array().cloned().unwrap_or_default())
    }

    /// The first record of `kind` for `order`, once the emulator has it.
    pub async fn wait_record(&self, kind: &str, order: &str) -> Result<Value, String> {
        self.wait_record_within(kind, order, DELIVERY).await
    }

    /// The first record of `kind` for `order`, if the emulator has it within `timeout`.
    pub async fn wait_record_within(
        &self,
        kind: &str,
        order: &str,
        timeout: Duration,
    ) -> Result<Value, String> {
        let what = format!("a {kind} for {order} at the impact.com emulator");
        let found = try_eventually(&what, timeout, async || {
            Ok::<_, String>(
                self.records()
                    .await?
                    .into_iter()
                    .find(|r| r["kind"] == kind && r["params"]["OrderId"] == order),
            )
        })
        .await;
        match found {
            Ok(record) => Ok(record),
            Err(e) => Err(format!(
                "{e} (records: {})",
                serde_json::to_string(&self.records().await.unwrap_or_default())
                    .unwrap_or_default()
            )),
        }
    }

    /// The action of `order`, once `ok` holds for it.
    pub async fn wait_action(
        &self,
        order: &str,
        ok: impl Fn(&Value) -> bool,
    ) -> Result<Value, String> {
        let url = format!("{}/_sandbox/actions", self.stack.impact_url());
        let mut last = None;
        let what = format!("the action of {order} to be as expected");
        let found = try_eventually(&what, DELIVERY, async || {
            let actions = self.get_json(&url, None).await?;
            last = actions
                .as_array()
                .and_then(|a| a.iter().find(|a| a["OrderId"] == order))
                .cloned();
            Ok::<_, String>(last.clone().filter(|action| ok(action)))
        })
        .await;
        found.map_err(|e| format!("{e}: the action of {order} is {last:?}"))
    }

    /// `clicktrail jobs --config FILE` (the forwarder's own view of its queue).
    pub fn jobs(&self) -> Result<String, String> {
        self.clicktrail(&["jobs", "--limit", "500"])
    }

    /// `clicktrail ARGS... --config FILE`: its standard output, or an error with both outputs.
    pub fn clicktrail(&self, args: &[&str]) -> Result<String, String> {
        let out = self
            .stack
            .clicktrail()
            .args(args)
            .arg("--config")
            .arg(self.stack.config_file())
            .output()
            .map_err(|e| format!("clicktrail {args:?}: {e}"))?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        if out.status.success() {
            Ok(text)
        } else {
            Err(format!(
                "clicktrail {args:?} failed ({}): {}{}",
                out.status,
                text,
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }
}

/// The sale amount impact.com computes for a conversion, in cents: the sum of `ItemSubTotal{n}`
/// minus `OrderDiscount`.
pub fn sale_amount_cents(params: &Value) -> i64 {
    let cents = |v: &Value| -> i64 {
        let text = v.as_str().unwrap_or("0");
        let (whole, fraction) = text.split_once('.').unwrap_or((text, "0"));
        let fraction = format!("{fraction:0<2}");
        whole.parse::<i64>().unwrap_or(0) * 100 + fraction[..2].parse::<i64>().unwrap_or(0)
    };
    let items: i64 = (1..)
        .map_while(|n| params.get(format!("ItemSubTotal{n}")))
        .map(cents)
        .sum();
    items - params.get("OrderDiscount").map_or(0, cents)
}

/// Seconds since the Unix epoch of an RFC 3339 time (`2026-11-27T01:53:04.090748Z`).
pub fn unix_seconds(rfc3339: &str) -> Result<f64, String> {
    let parsed =
        time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
            .map_err(|e| format!("{rfc3339:?}: {e}"))?;
    Ok(parsed.unix_timestamp_nanos() as f64 / 1e9)
}
