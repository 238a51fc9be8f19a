//! Shared test helpers: a running sandbox and small clients for both emulators.

#![allow(dead_code)]

use std::future::Future;
use std::time::{Duration, Instant};

use clicktrail_sandbox::{Sandbox, SandboxConfig, start};
use serde_json::Value;

/// A sandbox on free ports with test settings.
pub async fn sandbox() -> Sandbox {
    sandbox_with(SandboxConfig::ephemeral()).await
}

/// A sandbox with a custom configuration.
pub async fn sandbox_with(config: SandboxConfig) -> Sandbox {
    start(config).await.expect("sandbox starts")
}

/// A Stripe API client for tests: form bodies, Bearer key, JSON answers.
#[derive(Debug, Clone)]
pub struct Stripe {
    pub base: String,
    pub key: String,
    pub version: Option<String>,
    client: reqwest::Client,
}

impl Stripe {
    pub fn new(sandbox: &Sandbox) -> Self {
        Self {
            base: sandbox.stripe_url(),
            key: sandbox.secret_key().to_owned(),
            version: None,
            client: reqwest::Client::new(),
        }
    }

    pub fn with_key(&self, key: &str) -> Self {
        Self {
            key: key.to_owned(),
            ..self.clone()
        }
    }

    pub fn with_version(&self, version: &str) -> Self {
        Self {
            version: Some(version.to_owned()),
            ..self.clone()
        }
    }

    fn prepare(&self, builder: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        let builder = builder.bearer_auth(&self.key);
        match &self.version {
            Some(v) => builder.header("stripe-version", v),
            None => builder,
        }
    }

    async fn send(builder: reqwest::RequestBuilder) -> (u16, Value) {
        let response = builder.send().await.expect("request sent");
        let status = response.status().as_u16();
        let body = response.json().await.expect("JSON body");
        (status, body)
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
        Self::send(
            self.prepare(self.client.post(format!("{}{path}", self.base)))
                .form(form),
        )
        .await
    }

    pub async fn post_idempotent(
        &self,
        path: &str,
        key: &str,
        form: &[(&str, &str)],
    ) -> (u16, Value, bool) {
        let response = self
            .prepare(self.client.post(format!("{}{path}", self.base)))
            .header("idempotency-key", key)
            .form(form)
            .send()
            .await
            .expect("request sent");
        let replayed = response.headers().get("idempotent-replayed").is_some();
        (
            response.status().as_u16(),
            response.json().await.expect("JSON"),
            replayed,
        )
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        Self::send(self.prepare(self.client.get(format!("{}{path}", self.base)))).await
    }

    pub async fn delete(&self, path: &str) -> (u16, Value) {
        Self::send(self.prepare(self.client.delete(format!("{}{path}", self.base)))).await
    }

    /// POST that must succeed.
    pub async fn ok(&self, path: &str, form: &[(&str, &str)]) -> Value {
        let (status, body) = self.post(path, form).await;
        assert_eq!(status, 200, "POST {path}: {body}");
        body
    }

    /// GET that must succeed.
    pub async fn fetch(&self, path: &str) -> Value {
        let (status, body) = self.get(path).await;
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    /// A one-time price of `amount` minor units in `currency`, with an inline product `name`.
    pub async fn price(&self, currency: &str, amount: i64, name: &str) -> Value {
        self.create_price(currency, amount, name, None).await
    }

    /// A monthly recurring price of `amount` minor units in `currency`, with an inline product `name`.
    pub async fn monthly_price(&self, currency: &str, amount: i64, name: &str) -> Value {
        self.create_price(currency, amount, name, Some("month"))
            .await
    }

    async fn create_price(
        &self,
        currency: &str,
        amount: i64,
        name: &str,
        interval: Option<&str>,
    ) -> Value {
        let amount = amount.to_string();
        let mut form = vec![("currency", currency), ("unit_amount", &amount)];
        if let Some(interval) = interval {
            form.push(("recurring[interval]", interval));
        }
        form.push(("product_data[name]", name));
        self.ok("/v1/prices", &form).await
    }

    /// The `data` array of a list GET that must succeed.
    pub async fn list(&self, path: &str) -> Vec<Value> {
        let page = self.fetch(path).await;
        page["data"].as_array().expect("a list").clone()
    }

    /// How many objects a list GET (that must succeed) returns.
    pub async fn count(&self, path: &str) -> usize {
        self.list(path).await.len()
    }

    /// The subscription's (or checkout session's) `latest_invoice`, fetched.
    pub async fn latest_invoice(&self, sub: &Value) -> Value {
        let invoice = sub["latest_invoice"].as_str().expect("latest_invoice id");
        self.fetch(&format!("/v1/invoices/{invoice}")).await
    }

    /// A checkout session in `mode` for one unit of `price`, with `extra` form fields appended.
    pub async fn checkout(&self, mode: &str, price: &Value, extra: &[(&str, &str)]) -> Value {
        let mut form = vec![
            ("mode", mode),
            (
                "line_items[0][price]",
                price["id"].as_str().expect("price id"),
            ),
            ("line_items[0][quantity]", "1"),
        ];
        form.extend_from_slice(extra);
        self.ok("/v1/checkout/sessions", &form).await
    }

    /// Completes checkout session `id` through the sandbox helper (which must succeed).
    pub async fn complete_checkout(&self, id: &str, form: &[(&str, &str)]) -> Value {
        self.ok(&format!("/_sandbox/checkout/sessions/{id}/complete"), form)
            .await
    }

    /// The `status` of subscription `id`, fetched.
    pub async fn subscription_status(&self, id: &str) -> Value {
        self.fetch(&format!("/v1/subscriptions/{id}")).await["status"].clone()
    }

    /// Bills the next period of subscription `id` through the sandbox helper (which must
    /// succeed); answers the new invoice.
    pub async fn advance(&self, id: &str, form: &[(&str, &str)]) -> Value {
        self.ok(&format!("/_sandbox/subscriptions/{id}/advance"), form)
            .await
    }

    /// Whether an event of type `kind` was recorded.
    pub async fn has_event(&self, kind: &str) -> bool {
        self.event_types().await.iter().any(|t| t == kind)
    }

    /// A customer, a monthly price of `amount` cents, and a subscription with `metadata[impact_click_id]`.
    pub async fn subscribe(&self, amount: i64, extra: &[(&str, &str)]) -> (Value, Value, Value) {
        let customer = self
            .ok("/v1/customers", &[("email", "jenny@example.com")])
            .await;
        let price = self.monthly_price("usd", amount, "Pro").await;
        let mut form = vec![
            ("customer", customer["id"].as_str().unwrap()),
            ("items[0][price]", price["id"].as_str().unwrap()),
            ("metadata[impact_click_id]", "click-123"),
        ];
        form.extend_from_slice(extra);
        let sub = self.ok("/v1/subscriptions", &form).await;
        (customer, price, sub)
    }

    /// Event types in creation order (oldest first), optionally filtered by `types[]`.
    pub async fn event_types(&self) -> Vec<String> {
        let events = self.fetch("/v1/events?limit=100").await;
        let mut types: Vec<String> = events["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["type"].as_str().unwrap().to_owned())
            .collect();
        types.reverse();
        types
    }
}

/// Polls `probe` until it returns `Some`, or panics after `deadline`.
pub async fn eventually<T, F, Fut>(deadline: Duration, what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(v) = probe().await {
            return v;
        }
        assert!(start.elapsed() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
