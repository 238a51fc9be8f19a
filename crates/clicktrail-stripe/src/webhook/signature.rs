//! The signature itself: HMAC-SHA256 over `"{t}.{body}"`, and [`sign`] for tests and emulators.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::WebhookSecret;

type HmacSha256 = Hmac<Sha256>;

/// An HMAC state that has absorbed `"{timestamp}.{payload}"` under `secret`, ready to be
/// finalized or compared.
pub(crate) fn signed_payload_mac(
    payload: &[u8],
    secret: &WebhookSecret,
    timestamp: i64,
) -> HmacSha256 {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = HmacSha256::new_from_slice(secret.expose().as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    mac
}

/// Signs `payload` the way Stripe does and returns the whole `Stripe-Signature` header value,
/// `t={timestamp},v1={hex}`.
///
/// Used by tests and by the sandbox's webhook delivery.
///
/// ```
/// use clicktrail_stripe::webhook::{sign, WebhookSecret};
///
/// let secret = WebhookSecret::new("whsec_test_secret").unwrap();
/// let header = sign(br#"{"id":"evt_test_webhook","object":"event"}"#, &secret, 1492774577);
/// assert_eq!(
///     header,
///     "t=1492774577,v1=88a022085c6bdb887b02cb26ff76dd681234d9675c0f22844059f55552a8883a"
/// );
/// ```
pub fn sign(payload: &[u8], secret: &WebhookSecret, timestamp: i64) -> String {
    let tag = signed_payload_mac(payload, secret, timestamp)
        .finalize()
        .into_bytes();
    format!("t={timestamp},v1={}", hex::encode(tag))
}
