//! [`StripeClient`]: the transport. Bearer key, pinned version, idempotency keys, retries,
//! bounded reads, no redirects.
//!
//! This is the only file of the client that does I/O; what an answer means is decided by the
//! pure [`classify_error`] and [`should_retry`].

use std::fmt;
use std::time::Duration;

use clicktrail_http::error_chain as chain;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue, LOCATION, RETRY_AFTER};
use reqwest::{Method, Response};
use serde_json::Value;

use super::config::{validate_api_base, validate_api_version};
use super::retry::{retry_after, should_retry};
use super::{Form, RetryPolicy, StripeConfig, classify_error};
use crate::Error;
use crate::client::ApiKey;

/// The most of an answer's body read into memory, in bytes. A page of 100 events with their
/// invoices is a few megabytes at most; a larger answer is refused rather than truncated.
pub const MAX_BODY: usize = 16 * 1024 * 1024;

const USER_AGENT: &str = concat!("clicktrail-stripe/", env!("CARGO_PKG_VERSION"));

/// A client for Stripe's REST API.
///
/// It authenticates with `Authorization: Bearer`, pins `Stripe-Version` on every request, sends
/// form bodies with an `Idempotency-Key` on every POST (the same key on each retry), retries
/// connection failures, 409, 429 and 5xx with backoff (see [`RetryPolicy`]), never follows a
/// redirect, and refuses at construction a plain `http://` base that is not loopback. Cloning is
/// cheap and shares the connection pool. Resource calls (webhook endpoints, events,
/// subscriptions, ...) are methods too; [`get`](Self::get), [`post`](Self::post) and
/// [`delete`](Self::delete) reach the rest of the API.
///
/// ```no_run
/// use clicktrail_stripe::client::{ApiKey, Form, StripeClient, StripeConfig};
///
/// # async fn run() -> Result<(), clicktrail_stripe::Error> {
/// let key = ApiKey::new(std::env::var("STRIPE_KEY").unwrap_or_default())?;
/// let stripe = StripeClient::new(StripeConfig::new(key))?;
/// let subscription = stripe.subscription("sub_123").await?;
/// println!("{:?}", subscription.metadata);
/// let coupon = stripe.post("/v1/coupons", &Form::new().push("percent_off", "20")).await?;
/// println!("{}", coupon["id"]);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct StripeClient {
    http: reqwest::Client,
    /// The validated base, without a trailing `/`.
    api_base: String,
    api_key: ApiKey,
    api_version: HeaderValue,
    retry: RetryPolicy,
    connect_timeout: Duration,
    timeout: Duration,
}

impl fmt::Debug for StripeClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StripeClient")
            .field("api_base", &self.api_base)
            .field("api_key", &self.api_key)
            .field("api_version", &self.api_version)
            .field("retry", &self.retry)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl StripeClient {
    /// Builds a client. Fails on an unusable `api_base` (see
    /// [`validate_api_base`](super::validate_api_base)) or API version.
    pub fn new(config: StripeConfig) -> Result<Self, Error> {
        let api_base = validate_api_base(&config.api_base)?;
        validate_api_version(&config.api_version)?;
        let api_version = HeaderValue::from_str(&config.api_version)
            .map_err(|_| Error::InvalidApiVersion(config.api_version.clone()))?;
        let http = clicktrail_http::client(
            &api_base,
            config.connect_timeout,
            config.timeout,
            USER_AGENT,
        )
        .map_err(|e| Error::Client(chain(&e)))?;
        Ok(Self {
            http,
            api_base,
            api_key: config.api_key,
            api_version,
            retry: config.retry,
            connect_timeout: config.connect_timeout,
            timeout: config.timeout,
        })
    }

    /// The API base in use, without a trailing `/`.
    pub fn api_base(&self) -> &str {
        &self.api_base
    }

    /// The pinned `Stripe-Version`.
    pub fn api_version(&self) -> &str {
        self.api_version.to_str().unwrap_or_default()
    }

    /// The key in use (its `Debug` is redacted).
    pub fn api_key(&self) -> &ApiKey {
        &self.api_key
    }

    /// `GET {api_base}{path}?{query}`; the parsed JSON answer.
    pub async fn get(&self, path: &str, query: &Form) -> Result<Value, Error> {
        self.send(Method::GET, path, query, None).await
    }

    /// `POST {api_base}{path}` with a form body and a fresh random `Idempotency-Key` (kept across
    /// this call's retries).
    pub async fn post(&self, path: &str, form: &Form) -> Result<Value, Error> {
        self.send(Method::POST, path, form, Some(&new_idempotency_key()))
            .await
    }

    /// `POST` with the caller's `Idempotency-Key`, for a change that must happen once even across
    /// runs (Stripe keeps keys for at least 24 hours and replays the first answer).
    pub async fn post_idempotent(
        &self,
        path: &str,
        form: &Form,
        idempotency_key: &str,
    ) -> Result<Value, Error> {
        if idempotency_key.is_empty()
            || idempotency_key.len() > 255
            || HeaderValue::from_str(idempotency_key).is_err()
        {
            return Err(Error::InvalidParam("Idempotency-Key".to_owned()));
        }
        self.send(Method::POST, path, form, Some(idempotency_key))
            .await
    }

    /// `DELETE {api_base}{path}`.
    pub async fn delete(&self, path: &str) -> Result<Value, Error> {
        self.send(Method::DELETE, path, &Form::new(), None).await
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        form: &Form,
        idempotency_key: Option<&str>,
    ) -> Result<Value, Error> {
        if let Some(key) = form.invalid_key() {
            return Err(Error::InvalidParam(key.to_owned()));
        }
        if !path.starts_with('/') {
            return Err(Error::InvalidParam(format!("path {path:?}")));
        }
        let encoded = form.encode();
        let mut url = format!("{}{path}", self.api_base);
        let body = if method == Method::POST {
            Some(encoded)
        } else {
            if !encoded.is_empty() {
                url.push(if path.contains('?') { '&' } else { '?' });
                url.push_str(&encoded);
            }
            None
        };
        let mut retry = 0;
        loop {
            let mut request = self
                .http
                .request(method.clone(), &url)
                .header(
                    AUTHORIZATION,
                    format!("Bearer {}", self.api_key.expose_secret()),
                )
                .header("Stripe-Version", self.api_version.clone());
            if let Some(key) = idempotency_key {
                request = request.header("Idempotency-Key", key);
            }
            if let Some(body) = &body {
                request = request
                    .header(
                        CONTENT_TYPE,
                        HeaderValue::from_static("application/x-www-form-urlencoded"),
                    )
                    .body(body.clone());
            }
            let attempt = match request.send().await {
                Ok(response) => self.read(response).await,
                Err(e) => Attempt::Failed(self.transport_reason(&e)),
            };
            let (can_retry, wait_hint, error) = match attempt {
                Attempt::Done(value) => return Ok(value),
                Attempt::Answered {
                    status,
                    headers,
                    body,
                } => {
                    let request_id = header(&headers, "request-id").map(str::to_owned);
                    if (300..400).contains(&status) {
                        let location = header(&headers, LOCATION.as_str()).unwrap_or("nowhere");
                        return Err(Error::Api {
                            status,
                            kind: "api_error".to_owned(),
                            code: None,
                            message: format!("redirect to {location} not followed"),
                            param: None,
                            request_id,
                        });
                    }
                    (
                        should_retry(status, header(&headers, "stripe-should-retry")),
                        retry_after(header(&headers, RETRY_AFTER.as_str())),
                        classify_error(status, &body, request_id),
                    )
                }
                Attempt::Failed(reason) => (true, None, Error::Transport(reason)),
                Attempt::Unreadable(error) => return Err(error),
            };
            if !can_retry || retry >= self.retry.max_retries {
                return Err(error);
            }
            retry += 1;
            let wait = self.retry.delay(retry, wait_hint, rand::random::<f64>());
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
        }
    }

    async fn read(&self, response: Response) -> Attempt {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = match read_body(response).await {
            Ok(Some(body)) => body,
            Ok(None) => {
                return Attempt::Unreadable(Error::Decode(format!(
                    "the answer is larger than {MAX_BODY} bytes"
                )));
            }
            Err(e) => {
                return Attempt::Failed(format!(
                    "the answer's body could not be read: {}",
                    self.transport_reason(&e)
                ));
            }
        };
        if (200..300).contains(&status) {
            match serde_json::from_slice(&body) {
                Ok(value) => Attempt::Done(value),
                Err(e) => Attempt::Unreadable(Error::Decode(format!(
                    "HTTP {status} body is not JSON: {e}"
                ))),
            }
        } else {
            Attempt::Answered {
                status,
                headers,
                body,
            }
        }
    }

    fn transport_reason(&self, e: &reqwest::Error) -> String {
        if e.is_timeout() {
            format!(
                "timed out (connect {:?}, total {:?})",
                self.connect_timeout, self.timeout
            )
        } else if e.is_connect() {
            format!("could not connect: {}", chain(e))
        } else {
            chain(e)
        }
    }
}

/// What one attempt gave.
enum Attempt {
    /// A 2xx with a JSON body.
    Done(Value),
    /// Any other status, with what is needed to classify it.
    Answered {
        status: u16,
        headers: HeaderMap,
        body: Vec<u8>,
    },
    /// No complete answer (connect, timeout, dropped connection): worth a retry.
    Failed(String),
    /// A complete answer that cannot be read: retrying would read the same.
    Unreadable(Error),
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Reads the body, or `None` when it exceeds [`MAX_BODY`] (refused rather than truncated).
async fn read_body(response: Response) -> Result<Option<Vec<u8>>, reqwest::Error> {
    if response
        .content_length()
        .is_some_and(|n| n > MAX_BODY as u64)
    {
        return Ok(None);
    }
    let body = clicktrail_http::read_limited(response, MAX_BODY).await?;
    Ok((!body.exceeded).then_some(body.bytes))
}

/// A random version-4 UUID, the form the official SDKs use for idempotency keys.
pub(crate) fn new_idempotency_key() -> String {
    let n = rand::random::<u128>();
    // Set the version (4) and the RFC 4122 variant bits.
    let n = (n & !(0xf << 76) | (0x4 << 76)) & !(0x3 << 62) | (0x2 << 62);
    let h = format!("{n:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idempotency_keys_are_distinct_v4_uuids() {
        let a = new_idempotency_key();
        let b = new_idempotency_key();
        assert_ne!(a, b);
        for key in [a, b] {
            let groups: Vec<&str> = key.split('-').collect();
            assert_eq!(
                groups.iter().map(|g| g.len()).collect::<Vec<_>>(),
                [8, 4, 4, 4, 12],
                "{key}"
            );
            assert!(groups[2].starts_with('4'), "{key}");
            assert!(
                matches!(groups[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'),
                "{key}"
            );
            assert!(key.bytes().all(|b| b == b'-' || b.is_ascii_hexdigit()));
        }
    }
}
