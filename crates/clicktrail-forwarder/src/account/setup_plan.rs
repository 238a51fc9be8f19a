//! What `clicktrail setup` does, decided from the account's webhook endpoints alone: pure.
//!
//! [`WebhookUrl::parse`] checks the URL Stripe will post to; [`plan`] looks at every endpoint the
//! account has and answers one [`SetupPlan`]: nothing to do, add events to (or enable) the
//! endpoint already at that URL, create one endpoint, or refuse because the account already
//! holds Stripe's maximum of 16.

use clicktrail_stripe::client::{API_VERSION, NewWebhookEndpoint, WebhookEndpoint};

use crate::mapping::HANDLED_EVENT_TYPES;

/// The most webhook endpoints a Stripe account may hold.
pub const MAX_ENDPOINTS: usize = 16;

/// The metadata key and value that mark an endpoint as clicktrail's.
pub const MANAGED_BY: (&str, &str) = ("managed_by", "clicktrail");

/// The description of the endpoint `setup` creates, shown in Stripe's Dashboard.
pub const DESCRIPTION: &str = "clicktrail forwarder: credits impact.com partners for Stripe payments (created by `clicktrail setup`)";

/// A validated webhook URL: `https://...`, or plain `http://` to a loopback host (the demo).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl(String);

impl WebhookUrl {
    /// Validates `text`; the error says what is wrong and what is allowed.
    ///
    /// ```
    /// use clicktrail_forwarder::account::WebhookUrl;
    ///
    /// assert!(WebhookUrl::parse("https://shop.example/webhooks/stripe").is_ok());
    /// assert!(WebhookUrl::parse("http://127.0.0.1:8088/webhooks/stripe").is_ok());
    /// let err = WebhookUrl::parse("http://shop.example/webhooks/stripe").unwrap_err();
    /// assert!(err.contains("https://"));
    /// ```
    pub fn parse(text: &str) -> Result<Self, String> {
        let (secure, rest) = if let Some(rest) = text.strip_prefix("https://") {
            (true, rest)
        } else if let Some(rest) = text.strip_prefix("http://") {
            (false, rest)
        } else {
            return Err(format!(
                "{text:?} is not a webhook URL: expected https://HOST/PATH, e.g. https://shop.example/webhooks/stripe"
            ));
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if authority.is_empty()
            || authority.contains('@')
            || text.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(format!(
                "{text:?} is not a webhook URL: expected https://HOST/PATH without credentials or spaces"
            ));
        }
        if !secure && !clicktrail_http::is_loopback_host(host_of(authority)) {
            return Err(format!(
                "{text:?} uses plain http: Stripe must reach the forwarder over https://. \
                 Plain http is allowed only to 127.0.0.1, [::1] or localhost (the local demo)."
            ));
        }
        Ok(Self(text.to_owned()))
    }

    /// The URL.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The host of `authority` (`host[:port]`, `[v6][:port]`).
fn host_of(authority: &str) -> &str {
    match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    }
}

/// One endpoint, as `setup` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointSummary {
    /// `we_...`.
    pub id: String,
    /// Where it delivers.
    pub url: String,
    /// Its enabled events.
    pub enabled_events: Vec<String>,
    /// `enabled` or `disabled`, when Stripe says.
    pub status: Option<String>,
}

impl From<&WebhookEndpoint> for EndpointSummary {
    fn from(e: &WebhookEndpoint) -> Self {
        Self {
            id: e.id.clone(),
            url: e.url.clone(),
            enabled_events: e.enabled_events.clone(),
            status: e.status.clone(),
        }
    }
}

/// What `setup` will do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetupPlan {
    /// The endpoint at this URL already delivers every event the forwarder needs.
    Unchanged {
        /// The endpoint.
        endpoint: EndpointSummary,
        /// Remarks for the operator (another pinned API version, another endpoint at the URL).
        notes: Vec<String>,
    },
    /// The endpoint at this URL lacks events, or is disabled: update it.
    Update {
        /// The endpoint as it is.
        endpoint: EndpointSummary,
        /// The events to add (the others it has are kept).
        add: Vec<&'static str>,
        /// The whole list to send: what it had, then `add`.
        enabled_events: Vec<String>,
        /// Whether to enable it.
        enable: bool,
        /// Remarks for the operator.
        notes: Vec<String>,
    },
    /// No endpoint has this URL and there is room: create one.
    Create(NewWebhookEndpoint),
    /// No endpoint has this URL and the account holds [`MAX_ENDPOINTS`]: one must be deleted
    /// first.
    Full {
        /// Every endpoint of the account.
        endpoints: Vec<EndpointSummary>,
    },
}

/// Decides what `setup` does for `url`, given every webhook endpoint of the account.
///
/// An endpoint with exactly this URL is kept (the one clicktrail created, when several match):
/// events it lacks are added to those it has, a disabled one is enabled. Otherwise one endpoint
/// with all of [`HANDLED_EVENT_TYPES`] is created, pinned to [`API_VERSION`], unless the account
/// is full.
///
/// ```
/// use clicktrail_forwarder::account::{plan, SetupPlan, WebhookUrl};
///
/// let url = WebhookUrl::parse("https://shop.example/webhooks/stripe").unwrap();
/// let SetupPlan::Create(new) = plan(&url, &[]) else { panic!() };
/// assert_eq!(new.enabled_events.len(), 5);
/// ```
pub fn plan(url: &WebhookUrl, endpoints: &[WebhookEndpoint]) -> SetupPlan {
    let same_url: Vec<&WebhookEndpoint> =
        endpoints.iter().filter(|e| e.url == url.as_str()).collect();
    let chosen = same_url
        .iter()
        .find(|e| is_managed(e))
        .or_else(|| same_url.first())
        .copied();
    let Some(endpoint) = chosen else {
        if endpoints.len() >= MAX_ENDPOINTS {
            return SetupPlan::Full {
                endpoints: endpoints.iter().map(EndpointSummary::from).collect(),
            };
        }
        return SetupPlan::Create(NewWebhookEndpoint {
            url: url.as_str().to_owned(),
            enabled_events: HANDLED_EVENT_TYPES
                .iter()
                .map(|t| (*t).to_owned())
                .collect(),
            api_version: Some(API_VERSION.to_owned()),
            description: Some(DESCRIPTION.to_owned()),
            metadata: [(MANAGED_BY.0.to_owned(), MANAGED_BY.1.to_owned())].into(),
        });
    };
    let mut notes = Vec::new();
    if same_url.len() > 1 {
        let others: Vec<&str> = same_url
            .iter()
            .filter(|e| e.id != endpoint.id)
            .map(|e| e.id.as_str())
            .collect();
        notes.push(format!(
            "other endpoints also deliver to this URL ({}): Stripe sends each event once per endpoint; the forwarder drops the duplicates, but one endpoint is enough",
            others.join(", ")
        ));
    }
    match endpoint.api_version.as_deref() {
        Some(v) if v != API_VERSION => notes.push(format!(
            "{} is pinned to API version {v}, not {API_VERSION}; the forwarder reads both shapes, and Stripe cannot change an endpoint's version (delete it and run setup again to re-create it)",
            endpoint.id
        )),
        None => notes.push(format!(
            "{} uses the account's default API version; the forwarder reads both the pre-basil and basil shapes",
            endpoint.id
        )),
        Some(_) => {}
    }
    let add = endpoint.missing_events(&HANDLED_EVENT_TYPES);
    let enable = endpoint.status.as_deref() == Some("disabled");
    let summary = EndpointSummary::from(endpoint);
    if add.is_empty() && !enable {
        return SetupPlan::Unchanged {
            endpoint: summary,
            notes,
        };
    }
    let mut enabled_events = endpoint.enabled_events.clone();
    enabled_events.extend(add.iter().map(|e| (*e).to_owned()));
    SetupPlan::Update {
        endpoint: summary,
        add,
        enabled_events,
        enable,
        notes,
    }
}

/// Whether clicktrail created this endpoint (its metadata says so).
fn is_managed(endpoint: &WebhookEndpoint) -> bool {
    endpoint.metadata.get(MANAGED_BY.0).map(String::as_str) == Some(MANAGED_BY.1)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const URL: &str = "https://shop.example/webhooks/stripe";

    fn endpoint(id: &str, url: &str, events: &[&str]) -> WebhookEndpoint {
        WebhookEndpoint::from_value(&json!({
            "id": id, "url": url, "enabled_events": events, "status": "enabled",
            "api_version": API_VERSION, "metadata": {}
        }))
        .unwrap()
    }

    fn url() -> WebhookUrl {
        WebhookUrl::parse(URL).unwrap()
    }

    fn others(n: usize) -> Vec<WebhookEndpoint> {
        (0..n)
            .map(|i| {
                endpoint(
                    &format!("we_{i}"),
                    &format!("https://other{i}.example/h"),
                    &["*"],
                )
            })
            .collect()
    }

    #[test]
    fn creates_one_endpoint_with_every_handled_event_pinned_and_marked() {
        let SetupPlan::Create(new) = plan(&url(), &others(15)) else {
            panic!("expected a creation");
        };
        assert_eq!(new.url, URL);
        assert_eq!(new.enabled_events, HANDLED_EVENT_TYPES.map(str::to_owned));
        assert_eq!(new.api_version.as_deref(), Some(API_VERSION));
        assert_eq!(
            new.metadata.get("managed_by").map(String::as_str),
            Some("clicktrail")
        );
        assert!(new.description.unwrap().contains("clicktrail"));
    }

    #[test]
    fn a_full_account_is_refused_with_every_endpoint_listed() {
        let SetupPlan::Full { endpoints } = plan(&url(), &others(16)) else {
            panic!("expected a refusal");
        };
        let ids: Vec<&str> = endpoints.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids.len(), 16);
        assert_eq!(ids[0], "we_0");
        assert_eq!(ids[15], "we_15");
    }

    #[test]
    fn a_full_account_with_our_url_is_still_updated() {
        let mut all = others(15);
        all.push(endpoint("we_ours", URL, &["invoice.paid"]));
        let SetupPlan::Update {
            endpoint,
            add,
            enabled_events,
            enable,
            ..
        } = plan(&url(), &all)
        else {
            panic!("expected an update");
        };
        assert_eq!(endpoint.id, "we_ours");
        assert_eq!(
            add,
            [
                "checkout.session.completed",
                "checkout.session.async_payment_succeeded",
                "charge.refunded",
                "charge.dispute.closed"
            ]
        );
        assert_eq!(enabled_events[0], "invoice.paid");
        assert_eq!(enabled_events.len(), 5);
        assert!(!enable);
    }

    #[test]
    fn missing_events_are_added_and_other_events_kept() {
        let existing = endpoint(
            "we_1",
            URL,
            &["customer.created", "invoice.paid", "charge.refunded"],
        );
        let SetupPlan::Update {
            add,
            enabled_events,
            ..
        } = plan(&url(), &[existing])
        else {
            panic!("expected an update");
        };
        assert_eq!(
            add,
            [
                "checkout.session.completed",
                "checkout.session.async_payment_succeeded",
                "charge.dispute.closed"
            ]
        );
        assert_eq!(
            enabled_events,
            [
                "customer.created",
                "invoice.paid",
                "charge.refunded",
                "checkout.session.completed",
                "checkout.session.async_payment_succeeded",
                "charge.dispute.closed"
            ]
        );
    }

    #[test]
    fn complete_endpoints_are_left_alone() {
        for events in [&HANDLED_EVENT_TYPES[..], &["*"]] {
            let plan = plan(&url(), &[endpoint("we_1", URL, events)]);
            assert!(
                matches!(&plan, SetupPlan::Unchanged { endpoint, notes } if endpoint.id == "we_1" && notes.is_empty()),
                "{plan:?}"
            );
        }
    }

    #[test]
    fn a_disabled_endpoint_is_enabled() {
        let mut existing = endpoint("we_1", URL, &HANDLED_EVENT_TYPES);
        existing.status = Some("disabled".into());
        let SetupPlan::Update { add, enable, .. } = plan(&url(), &[existing]) else {
            panic!("expected an update");
        };
        assert!(add.is_empty());
        assert!(enable);
    }

    #[test]
    fn among_several_at_the_url_ours_is_chosen_and_the_others_noted() {
        let foreign = endpoint("we_foreign", URL, &["invoice.paid"]);
        let mut ours = endpoint("we_ours", URL, &HANDLED_EVENT_TYPES);
        ours.metadata
            .insert("managed_by".into(), "clicktrail".into());
        let SetupPlan::Unchanged { endpoint, notes } = plan(&url(), &[foreign, ours]) else {
            panic!("expected no change");
        };
        assert_eq!(endpoint.id, "we_ours");
        assert!(notes[0].contains("we_foreign"), "{notes:?}");
    }

    #[test]
    fn another_api_version_is_noted_not_changed() {
        let mut old = endpoint("we_1", URL, &HANDLED_EVENT_TYPES);
        old.api_version = Some("2024-06-20".into());
        let SetupPlan::Unchanged { notes, .. } = plan(&url(), &[old]) else {
            panic!("expected no change");
        };
        assert!(
            notes[0].contains("2024-06-20") && notes[0].contains(API_VERSION),
            "{notes:?}"
        );
    }

    #[test]
    fn the_url_must_be_https_except_to_loopback() {
        for ok in [
            URL,
            "https://shop.example:8443/hooks",
            "http://127.0.0.1:8088/webhooks/stripe",
            "http://127.0.0.5/x",
            "http://localhost:8088/webhooks/stripe",
            "http://[::1]:8088/webhooks/stripe",
        ] {
            assert_eq!(
                WebhookUrl::parse(ok).map(|u| u.as_str().to_owned()),
                Ok(ok.to_owned())
            );
        }
        for bad in [
            "http://shop.example/webhooks/stripe",
            "http://127.0.0.1.evil.example/x",
            "http://10.0.0.1/x",
            "ftp://shop.example/x",
            "shop.example/webhooks",
            "https:///x",
            "https://user:pw@shop.example/x",
            "https://shop.example/a b",
        ] {
            assert!(WebhookUrl::parse(bad).is_err(), "{bad}");
        }
        let err = WebhookUrl::parse("http://shop.example/h").unwrap_err();
        assert!(
            err.contains("plain http") && err.contains("127.0.0.1"),
            "{err}"
        );
    }
}
