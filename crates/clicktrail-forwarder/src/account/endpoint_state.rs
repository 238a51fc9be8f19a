//! The webhook endpoints' state at Stripe, as reconcile reads it for the console: whether each
//! endpoint that delivers to the forwarder is enabled and subscribed to every handled event.
//! Stripe disables an endpoint whose deliveries kept failing; the console says so.

use clicktrail_stripe::client::WebhookEndpoint;

use crate::mapping::HANDLED_EVENT_TYPES;

/// One line per endpoint that delivers handled events (or that `clicktrail setup` created,
/// `ours`): its id, URL, status and what it lacks. Nothing when none does.
pub fn summarize(endpoints: &[WebhookEndpoint], ours: &[String]) -> Vec<String> {
    endpoints
        .iter()
        .filter(|e| {
            ours.contains(&e.id)
                || e.enabled_events
                    .iter()
                    .any(|t| t == "*" || HANDLED_EVENT_TYPES.contains(&t.as_str()))
        })
        .map(|e| {
            let status = e.status.as_deref().unwrap_or("unknown");
            let missing: Vec<&str> = HANDLED_EVENT_TYPES
                .iter()
                .copied()
                .filter(|t| !e.enabled_events.iter().any(|on| on == "*" || on == t))
                .collect();
            let mut line = format!("{} → {}: {status}", e.id, e.url);
            if status != "enabled" {
                line.push_str(" (Stripe delivers nothing to it: enable it in the Dashboard, or run `clicktrail setup`)");
            }
            if !missing.is_empty() {
                line.push_str(&format!("; not subscribed to {}", missing.join(", ")));
            }
            line
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(id: &str, status: &str, events: &[&str]) -> WebhookEndpoint {
        WebhookEndpoint::from_value(&serde_json::json!({
            "id": id, "object": "webhook_endpoint", "url": format!("https://shop.example/{id}"),
            "status": status, "enabled_events": events, "metadata": {}
        }))
        .unwrap()
    }

    #[test]
    fn says_which_endpoints_deliver_and_what_they_lack() {
        let all: Vec<&str> = HANDLED_EVENT_TYPES.to_vec();
        let lines = summarize(
            &[
                endpoint("we_ok", "enabled", &all),
                endpoint("we_off", "disabled", &["*"]),
                endpoint("we_part", "enabled", &["invoice.paid"]),
                endpoint("we_other", "enabled", &["customer.created"]),
            ],
            &[],
        );
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert_eq!(lines[0], "we_ok → https://shop.example/we_ok: enabled");
        assert!(lines[1].contains("disabled") && lines[1].contains("delivers nothing"));
        assert!(lines[2].contains("not subscribed to checkout.session.completed"));
        let ours = summarize(
            &[endpoint("we_other", "enabled", &["customer.created"])],
            &["we_other".into()],
        );
        assert!(
            ours[0].contains("not subscribed to invoice.paid"),
            "{ours:?}"
        );
    }
}
