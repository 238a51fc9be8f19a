//! Webhook delivery: a background task takes (event, endpoint) pairs queued by state changes and
//! posts each event, rendered in the endpoint's pinned API version, signed with a fresh
//! `Stripe-Signature` (clicktrail-stripe's signer) at every attempt. Any 2xx is success; anything
//! else (redirects included: the client does not follow them) and transport errors are retried
//! on a backoff schedule compressed by `delivery_retry_scale`. Each attempt is recorded; an event's
//! `pending_webhooks` counts the endpoints not yet delivered to. API calls never wait for this.

use std::time::Duration;

use clicktrail_stripe::webhook::{WebhookSecret, sign};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::StripeApp;
use super::render::{self, Shape};
use super::state::DeliveryAttempt;

/// Waits before each retry at Stripe's test-mode pace (three retries over a few hours): after the
/// 1st failed attempt 5 minutes, after the 2nd 30 minutes, after the 3rd 2 hours; then it gives up.
const SCHEDULE: [Duration; 3] = [
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(2 * 3600),
];

/// The wait after failed attempt number `attempt` (1-based), scaled; `None` when retries are over.
pub fn retry_delay(attempt: u32, scale: f64) -> Option<Duration> {
    let base = SCHEDULE.get(attempt.checked_sub(1)? as usize)?;
    Some(base.mul_f64(scale.max(0.0)))
}

/// Runs until `shutdown`: starts one task per queued delivery.
pub async fn run(
    app: StripeApp,
    mut queue: mpsc::UnboundedReceiver<(String, String)>,
    client: reqwest::Client,
    shutdown: CancellationToken,
    tracker: TaskTracker,
) {
    loop {
        let job = tokio::select! {
            () = shutdown.cancelled() => break,
            job = queue.recv() => match job { Some(job) => job, None => break },
        };
        let (app, client, shutdown) = (app.clone(), client.clone(), shutdown.clone());
        tracker.spawn(async move {
            tokio::select! {
                () = shutdown.cancelled() => {}
                () = deliver(app, client, job.0, job.1) => {}
            }
        });
    }
}

struct Prepared {
    url: String,
    secret: String,
    payload: Vec<u8>,
    event_type: String,
}

fn prepare(app: &StripeApp, event_id: &str, endpoint_id: &str) -> Option<Prepared> {
    app.read(|store| {
        let endpoint = store
            .webhook_endpoints
            .get(endpoint_id)
            .filter(|w| w.status == "enabled")?;
        let event = store.events.get(event_id)?;
        let version = endpoint
            .api_version
            .clone()
            .unwrap_or_else(|| app.config().default_api_version.clone());
        let body = render::event(event, Shape::of(&version), &version);
        Some(Prepared {
            url: endpoint.url.clone(),
            secret: endpoint.secret.clone(),
            payload: serde_json::to_vec_pretty(&body).ok()?,
            event_type: event.kind.clone(),
        })
    })
}

async fn deliver(app: StripeApp, client: reqwest::Client, event_id: String, endpoint_id: String) {
    let mut attempt = 1;
    loop {
        let Some(job) = prepare(&app, &event_id, &endpoint_id) else {
            mark(&app, &event_id, &endpoint_id, false, true);
            return;
        };
        // Stripe signs each delivery attempt at the moment it is sent, in real time: a moved
        // sandbox clock (a billed "next period") dates the objects and events, never the signature.
        let now = wall_clock_now();
        let header = match WebhookSecret::new(job.secret.clone()) {
            Ok(secret) => sign(&job.payload, &secret, now),
            Err(error) => {
                tracing::warn!(%error, endpoint = endpoint_id, "unusable webhook secret");
                return;
            }
        };
        let result = client
            .post(&job.url)
            .header("content-type", "application/json; charset=utf-8")
            .header("stripe-signature", header)
            .header(
                "user-agent",
                "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            )
            .body(job.payload)
            .send()
            .await;
        let (status, error) = match &result {
            Ok(r) => (Some(r.status().as_u16()), None),
            Err(e) => (None, Some(e.to_string())),
        };
        let success = status.is_some_and(|s| (200..300).contains(&s));
        tracing::info!(
            target: "clicktrail_sandbox",
            api = "stripe",
            event = event_id,
            event_type = job.event_type,
            endpoint = endpoint_id,
            attempt,
            status,
            success,
            "webhook delivery"
        );
        app.write(|store| {
            store.deliveries.push(DeliveryAttempt {
                event: event_id.clone(),
                event_type: job.event_type.clone(),
                endpoint: endpoint_id.clone(),
                url: job.url.clone(),
                attempt,
                at: now,
                status,
                error,
                success,
            });
        });
        let delay = if success {
            None
        } else {
            retry_delay(attempt, app.config().delivery_retry_scale)
        };
        match delay {
            Some(delay) => {
                tokio::time::sleep(delay).await;
                attempt += 1;
            }
            None => {
                mark(&app, &event_id, &endpoint_id, success, !success);
                return;
            }
        }
    }
}

fn mark(app: &StripeApp, event_id: &str, endpoint_id: &str, delivered: bool, failed: bool) {
    app.write(|store| {
        if let Some(event) = store.events.get_mut(event_id) {
            for target in event
                .targets
                .iter_mut()
                .filter(|t| t.endpoint == endpoint_id)
            {
                target.delivered |= delivered;
                target.failed = failed && !target.delivered;
            }
        }
    });
}

/// Redelivers an event to one endpoint now (the `/_sandbox` resend helper).
pub fn resend(app: &StripeApp, event_id: &str, endpoint_id: &str) {
    app.queue((event_id.to_owned(), endpoint_id.to_owned()));
}

/// The system's Unix time in seconds, without the sandbox clock's offset.
fn wall_clock_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_scales_and_ends() {
        assert_eq!(retry_delay(1, 1.0), Some(Duration::from_secs(300)));
        assert_eq!(retry_delay(3, 1.0), Some(Duration::from_secs(7200)));
        assert_eq!(retry_delay(4, 1.0), None);
        assert_eq!(retry_delay(0, 1.0), None);
        assert_eq!(retry_delay(1, 0.001), Some(Duration::from_millis(300)));
        assert_eq!(retry_delay(2, 0.0), Some(Duration::ZERO));
    }
}
