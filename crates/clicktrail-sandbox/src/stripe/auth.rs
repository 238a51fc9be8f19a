//! API keys: secret keys (`sk_test_...`, every permission) and restricted keys (`rk_test_...`) with
//! a permission set per resource, as in Stripe's dashboard (None / Read / Write; Write implies Read).
//!
//! Keys arrive as `Authorization: Bearer KEY` or as HTTP Basic with the key as user name (what
//! `curl -u sk_test_...:` sends). A missing or unknown key answers 401; a restricted key without the
//! permission answers 403 with Stripe's message naming it
//! (`Having the 'rak_subscription_read' permission would allow this request to continue.`).
//!
//! Permission names follow Stripe's `rak_<resource in the singular>_<read|write>` pattern; only
//! `rak_subscription_read` is confirmed by a public Stripe answer, the others use the same pattern.

use std::collections::HashMap;
use std::fmt;

use base64::Engine;

use super::error::ApiError;
use crate::Error;

/// A resource a restricted key can be given access to (names as in Stripe's permission list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resource {
    /// `customers`
    Customers,
    /// `subscriptions`
    Subscriptions,
    /// `invoices`
    Invoices,
    /// `invoice_payments`
    InvoicePayments,
    /// `charges`
    Charges,
    /// `payment_intents`
    PaymentIntents,
    /// `refunds`
    Refunds,
    /// `disputes`
    Disputes,
    /// `checkout_sessions`
    CheckoutSessions,
    /// `events`
    Events,
    /// `webhook_endpoints`
    WebhookEndpoints,
    /// `products`
    Products,
    /// `prices`
    Prices,
    /// `coupons`
    Coupons,
    /// `promotion_codes`
    PromotionCodes,
}

const RESOURCES: [(Resource, &str, &str); 15] = [
    (Resource::Customers, "customers", "customer"),
    (Resource::Subscriptions, "subscriptions", "subscription"),
    (Resource::Invoices, "invoices", "invoice"),
    (
        Resource::InvoicePayments,
        "invoice_payments",
        "invoice_payment",
    ),
    (Resource::Charges, "charges", "charge"),
    (
        Resource::PaymentIntents,
        "payment_intents",
        "payment_intent",
    ),
    (Resource::Refunds, "refunds", "refund"),
    (Resource::Disputes, "disputes", "dispute"),
    (
        Resource::CheckoutSessions,
        "checkout_sessions",
        "checkout_session",
    ),
    (Resource::Events, "events", "event"),
    (
        Resource::WebhookEndpoints,
        "webhook_endpoints",
        "webhook_endpoint",
    ),
    (Resource::Products, "products", "product"),
    (Resource::Prices, "prices", "price"),
    (Resource::Coupons, "coupons", "coupon"),
    (
        Resource::PromotionCodes,
        "promotion_codes",
        "promotion_code",
    ),
];

impl Resource {
    fn parse(name: &str) -> Option<Self> {
        RESOURCES
            .iter()
            .find(|(_, n, _)| *n == name)
            .map(|(r, _, _)| *r)
    }

    fn singular(self) -> &'static str {
        RESOURCES
            .iter()
            .find(|(r, _, _)| *r == self)
            .map(|(_, _, s)| *s)
            .unwrap_or("unknown")
    }
}

/// The access a request needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Access {
    /// Retrieve and list.
    Read,
    /// Create, update, delete (implies read).
    Write,
}

/// A restricted key and what it may do.
#[derive(Clone, PartialEq)]
pub struct RestrictedKey {
    /// The key (`rk_test_...`).
    pub key: String,
    /// The highest access granted per resource.
    pub permissions: HashMap<Resource, Access>,
}

impl fmt::Debug for RestrictedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RestrictedKey")
            .field("key", &redact(&self.key))
            .field("permissions", &self.permissions)
            .finish()
    }
}

impl std::str::FromStr for RestrictedKey {
    type Err = Error;

    /// Parses `rk_test_x=subscriptions:read,customers:write`.
    fn from_str(spec: &str) -> Result<Self, Error> {
        let bad = |reason: &str| Error::RestrictedKey {
            spec: spec.to_owned(),
            reason: reason.to_owned(),
        };
        let (key, perms) = spec
            .split_once('=')
            .ok_or_else(|| bad("expected KEY=resource:read|write,..."))?;
        if !(key.starts_with("rk_test_") || key.starts_with("rk_live_")) || key.len() <= 8 {
            return Err(bad("the key must start with rk_test_ or rk_live_"));
        }
        let mut permissions = HashMap::new();
        for perm in perms.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (resource, access) = perm
                .split_once(':')
                .ok_or_else(|| bad("each permission is resource:read or resource:write"))?;
            let resource = Resource::parse(resource)
                .ok_or_else(|| bad(&format!("unknown resource {resource:?}")))?;
            let access = match access {
                "read" => Access::Read,
                "write" => Access::Write,
                other => return Err(bad(&format!("unknown access {other:?} (read or write)"))),
            };
            let entry = permissions.entry(resource).or_insert(access);
            *entry = (*entry).max(access);
        }
        Ok(Self {
            key: key.to_owned(),
            permissions,
        })
    }
}

/// Who is calling: a secret key (everything allowed) or a restricted key.
#[derive(Clone, PartialEq)]
pub enum Caller {
    /// A secret key.
    Secret(String),
    /// A restricted key with its permissions.
    Restricted(RestrictedKey),
}

impl fmt::Debug for Caller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Secret(k) => f.debug_tuple("Secret").field(&redact(k)).finish(),
            Self::Restricted(k) => f.debug_tuple("Restricted").field(k).finish(),
        }
    }
}

impl Caller {
    /// The key as sent, for idempotency scoping.
    pub fn key(&self) -> &str {
        match self {
            Self::Secret(k) => k,
            Self::Restricted(k) => &k.key,
        }
    }

    /// Allows the request, or answers Stripe's 403 naming the missing permission.
    pub fn require(
        &self,
        resource: Resource,
        access: Access,
        account: &str,
    ) -> Result<(), ApiError> {
        let Self::Restricted(key) = self else {
            return Ok(());
        };
        if key
            .permissions
            .get(&resource)
            .is_some_and(|granted| *granted >= access)
        {
            return Ok(());
        }
        let access = match access {
            Access::Read => "read",
            Access::Write => "write",
        };
        Err(ApiError::forbidden(format!(
            "The provided key '{}' does not have the required permissions for this endpoint on account '{account}'. Having the 'rak_{}_{access}' permission would allow this request to continue.",
            redact(&key.key),
            resource.singular()
        )))
    }
}

/// The keys the emulator accepts.
#[derive(Clone, Default)]
pub struct Keys {
    secret: Vec<String>,
    restricted: HashMap<String, RestrictedKey>,
}

impl fmt::Debug for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keys")
            .field(
                "secret",
                &self.secret.iter().map(|k| redact(k)).collect::<Vec<_>>(),
            )
            .field("restricted", &self.restricted.values().collect::<Vec<_>>())
            .finish()
    }
}

impl Keys {
    /// Secret keys plus restricted keys.
    pub fn new(secret: Vec<String>, restricted: Vec<RestrictedKey>) -> Self {
        Self {
            secret,
            restricted: restricted.into_iter().map(|k| (k.key.clone(), k)).collect(),
        }
    }

    /// Authenticates an `Authorization` header value.
    pub fn authenticate(&self, authorization: Option<&str>) -> Result<Caller, ApiError> {
        let key = authorization.and_then(key_from_header).ok_or_else(|| {
            ApiError::unauthorized(
                "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
            )
        })?;
        if self.secret.contains(&key) {
            return Ok(Caller::Secret(key));
        }
        if let Some(restricted) = self.restricted.get(&key) {
            return Ok(Caller::Restricted(restricted.clone()));
        }
        Err(ApiError::unauthorized(format!(
            "Invalid API Key provided: {}",
            redact(&key)
        )))
    }
}

fn key_from_header(value: &str) -> Option<String> {
    let (scheme, rest) = value.trim().split_once(' ')?;
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("bearer") {
        return (!rest.is_empty()).then(|| rest.to_owned());
    }
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(rest)
            .ok()?;
        let decoded = String::from_utf8(decoded).ok()?;
        let user = decoded.split_once(':').map_or(decoded.as_str(), |(u, _)| u);
        return (!user.is_empty()).then(|| user.to_owned());
    }
    None
}

/// A key as Stripe shows it in messages: the `xx_test_` prefix, stars, and the last six characters.
pub fn redact(key: &str) -> String {
    let prefix_len = key.match_indices('_').nth(1).map_or(0, |(i, _)| i + 1);
    let visible = 6.min(key.len().saturating_sub(prefix_len) / 2);
    let stars = key.len() - prefix_len - visible;
    format!(
        "{}{}{}",
        &key[..prefix_len],
        "*".repeat(stars),
        &key[key.len() - visible..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Keys {
        Keys::new(
            vec!["sk_test_sandbox".into()],
            vec![
                "rk_test_reader123456=subscriptions:read,webhook_endpoints:write"
                    .parse()
                    .unwrap(),
            ],
        )
    }

    #[test]
    fn bearer_and_basic_are_accepted() {
        assert!(matches!(
            keys().authenticate(Some("Bearer sk_test_sandbox")),
            Ok(Caller::Secret(_))
        ));
        let basic = base64::engine::general_purpose::STANDARD.encode("sk_test_sandbox:");
        assert!(matches!(
            keys().authenticate(Some(&format!("Basic {basic}"))),
            Ok(Caller::Secret(_))
        ));
    }

    #[test]
    fn missing_and_unknown_keys_are_401() {
        assert_eq!(keys().authenticate(None).unwrap_err().status.as_u16(), 401);
        let e = keys()
            .authenticate(Some("Bearer sk_test_wrong_key_abcdef"))
            .unwrap_err();
        assert_eq!(e.status.as_u16(), 401);
        assert!(e.message.starts_with("Invalid API Key provided: sk_test_"));
        assert!(!e.message.contains("wrong_key"));
    }

    #[test]
    fn write_implies_read_and_missing_permission_is_named() {
        let caller = keys()
            .authenticate(Some("Bearer rk_test_reader123456"))
            .unwrap();
        assert!(
            caller
                .require(Resource::Subscriptions, Access::Read, "acct_1")
                .is_ok()
        );
        assert!(
            caller
                .require(Resource::WebhookEndpoints, Access::Read, "acct_1")
                .is_ok()
        );
        let e = caller
            .require(Resource::Subscriptions, Access::Write, "acct_1")
            .unwrap_err();
        assert_eq!(e.status.as_u16(), 403);
        assert!(
            e.message.contains("'rak_subscription_write'"),
            "{}",
            e.message
        );
        let e = caller
            .require(Resource::Customers, Access::Read, "acct_1")
            .unwrap_err();
        assert_eq!(
            e.message,
            "The provided key 'rk_test_******123456' does not have the required permissions for this endpoint on account 'acct_1'. Having the 'rak_customer_read' permission would allow this request to continue."
        );
    }

    #[test]
    fn restricted_key_specs_are_validated() {
        assert!("sk_test_x=customers:read".parse::<RestrictedKey>().is_err());
        assert!("rk_test_x=customers".parse::<RestrictedKey>().is_err());
        assert!("rk_test_x=unicorns:read".parse::<RestrictedKey>().is_err());
        assert!(
            "rk_test_x=customers:admin"
                .parse::<RestrictedKey>()
                .is_err()
        );
        let k: RestrictedKey = "rk_test_x=customers:read,customers:write".parse().unwrap();
        assert_eq!(k.permissions[&Resource::Customers], Access::Write);
    }

    #[test]
    fn debug_redacts_keys() {
        let shown = format!("{:?}", keys());
        assert!(!shown.contains("sk_test_sandbox"));
        assert!(!shown.contains("rk_test_reader123456"));
    }
}
