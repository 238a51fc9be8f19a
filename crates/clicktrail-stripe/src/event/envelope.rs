//! [`Event`]: the envelope Stripe delivers, with `data.object` kept raw and read through views.

use serde_json::Value;

use super::read::Obj;
use super::{
    Charge, CheckoutSession, Customer, Dispute, Invoice, InvoicePayment, Refund, Subscription,
};
use crate::Error;

/// A Stripe event as delivered to a webhook endpoint or listed by `GET /v1/events`.
///
/// `data.object` is kept as raw JSON, exactly as received, because its shape depends on the API
/// version it was rendered in; the typed views ([`Event::invoice`], [`Event::charge`], ...) read
/// it tolerantly, in both the pre-basil and the basil+ shapes.
///
/// ```
/// use clicktrail_stripe::Event;
///
/// let event = Event::from_slice(br#"{
///     "id": "evt_1", "object": "event", "type": "customer.created", "created": 1700000000,
///     "api_version": "2025-03-31.basil", "livemode": false,
///     "data": {"object": {"id": "cus_1", "object": "customer", "email": "a@example.com"}}
/// }"#).unwrap();
/// assert_eq!(event.event_type, "customer.created");
/// assert_eq!(event.customer().unwrap().email.as_deref(), Some("a@example.com"));
///
/// let err = Event::from_slice(br#"{"type": "x", "created": 1, "data": {"object": {}}}"#).unwrap_err();
/// assert_eq!(err.to_string(), "missing field `id`");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The event id (`evt_...`), the first deduplication key.
    pub id: String,
    /// The event type, e.g. `invoice.paid` (`type` on the wire).
    pub event_type: String,
    /// When the event was created, unix seconds.
    pub created: i64,
    /// The API version `data.object` was rendered in; absent on some old or hand-made payloads.
    pub api_version: Option<String>,
    /// Whether the event comes from live mode; `false` when the field is absent.
    pub livemode: bool,
    /// The connected account the event belongs to (Connect), if any.
    pub account: Option<String>,
    /// `data.object`, raw.
    pub object: Value,
    /// `data.previous_attributes`, raw: the changed fields' old values on `*.updated` events.
    pub previous_attributes: Option<Value>,
}

impl Event {
    /// Parses an event from the raw body bytes (after the signature was verified).
    pub fn from_slice(body: &[u8]) -> Result<Self, Error> {
        let value: Value =
            serde_json::from_slice(body).map_err(|e| Error::InvalidJson(e.to_string()))?;
        Self::from_value(value)
    }

    /// Parses an event from an already parsed JSON value.
    pub fn from_value(mut value: Value) -> Result<Self, Error> {
        let root = Obj::new(&value, "")?;
        root.expect_object("event")?;
        let id = root.required_string("id")?;
        let event_type = root.required_string("type")?;
        let created = root.i64("created")?.ok_or_else(|| Error::MissingField {
            field: "created".into(),
        })?;
        let api_version = root.string("api_version")?;
        let livemode = root.bool("livemode")?.unwrap_or(false);
        let account = root.string("account")?;
        let data = root.obj("data")?.ok_or_else(|| Error::MissingField {
            field: "data".into(),
        })?;
        let object = data.get("object").ok_or_else(|| Error::MissingField {
            field: "data.object".into(),
        })?;
        Obj::new(object, "data.object")?;
        // Checked above: `data` is an object holding a non-null object. Move it out, no copy.
        let data = value.get_mut("data").and_then(Value::as_object_mut);
        let (object, previous_attributes) = match data {
            Some(data) => (
                data.remove("object").unwrap_or_default(),
                data.remove("previous_attributes").filter(|v| !v.is_null()),
            ),
            None => (Value::Null, None),
        };
        Ok(Self {
            id,
            event_type,
            created,
            api_version,
            livemode,
            account,
            object,
            previous_attributes,
        })
    }

    /// `data.object.object`: what kind of object the event carries (`invoice`, `charge`, ...).
    pub fn object_kind(&self) -> Option<&str> {
        self.object.get("object").and_then(Value::as_str)
    }

    /// `data.object.id`.
    pub fn object_id(&self) -> Option<&str> {
        self.object.get("id").and_then(Value::as_str)
    }

    /// The customer the event is about: `data.object.customer` (an id, or an expanded customer's
    /// `id`), or `data.object.id` when the object is itself a customer (`customer.*` events).
    /// `None` when the object names none (refunds, disputes and invoice payments name a charge or
    /// an invoice instead).
    ///
    /// ```
    /// # use clicktrail_stripe::Event;
    /// let paid = Event::from_slice(br#"{"id":"evt_1","type":"invoice.paid","created":1,
    ///     "data":{"object":{"id":"in_1","object":"invoice","customer":"cus_1"}}}"#)?;
    /// assert_eq!(paid.customer_id(), Some("cus_1"));
    /// let created = Event::from_slice(br#"{"id":"evt_2","type":"customer.created","created":1,
    ///     "data":{"object":{"id":"cus_2","object":"customer"}}}"#)?;
    /// assert_eq!(created.customer_id(), Some("cus_2"));
    /// # Ok::<(), clicktrail_stripe::Error>(())
    /// ```
    pub fn customer_id(&self) -> Option<&str> {
        if self.object_kind() == Some("customer") {
            return self.object_id();
        }
        match self.object.get("customer")? {
            Value::String(id) => Some(id),
            Value::Object(expanded) => expanded.get("id").and_then(Value::as_str),
            _ => None,
        }
    }

    /// `data.object` read as an [`Invoice`] (`invoice.*` events).
    pub fn invoice(&self) -> Result<Invoice, Error> {
        Invoice::read(&self.object, "data.object")
    }

    /// `data.object` read as an [`InvoicePayment`] (`invoice_payment.*` events).
    pub fn invoice_payment(&self) -> Result<InvoicePayment, Error> {
        InvoicePayment::read(&self.object, "data.object")
    }

    /// `data.object` read as a [`CheckoutSession`] (`checkout.session.*` events).
    pub fn checkout_session(&self) -> Result<CheckoutSession, Error> {
        CheckoutSession::read(&self.object, "data.object")
    }

    /// `data.object` read as a [`Charge`] (`charge.*` events).
    pub fn charge(&self) -> Result<Charge, Error> {
        Charge::read(&self.object, "data.object")
    }

    /// `data.object` read as a [`Dispute`] (`charge.dispute.*` events).
    pub fn dispute(&self) -> Result<Dispute, Error> {
        Dispute::read(&self.object, "data.object")
    }

    /// `data.object` read as a [`Refund`] (`refund.*` and `charge.refund.*` events).
    pub fn refund(&self) -> Result<Refund, Error> {
        Refund::read(&self.object, "data.object")
    }

    /// `data.object` read as a [`Subscription`] (`customer.subscription.*` events).
    pub fn subscription(&self) -> Result<Subscription, Error> {
        Subscription::read(&self.object, "data.object")
    }

    /// `data.object` read as a [`Customer`] (`customer.*` events).
    pub fn customer(&self) -> Result<Customer, Error> {
        Customer::read(&self.object, "data.object")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_problem() {
        let cases: [(&[u8], &str); 8] = [
            (b"not json", "body is not valid JSON"),
            (b"[]", "field `(root)` is not an object"),
            (
                br#"{"id":"e","type":"t","data":{"object":{}}}"#,
                "missing field `created`",
            ),
            (
                br#"{"id":"e","type":"t","created":"1","data":{"object":{}}}"#,
                "field `created` is not an integer",
            ),
            (
                br#"{"id":"e","type":"t","created":1.5,"data":{"object":{}}}"#,
                "field `created` is not an integer",
            ),
            (
                br#"{"id":"e","type":"t","created":1}"#,
                "missing field `data`",
            ),
            (
                br#"{"id":"e","type":"t","created":1,"data":{"object":null}}"#,
                "missing field `data.object`",
            ),
            (
                br#"{"id":"e","type":"t","created":1,"data":{"object":[]}}"#,
                "field `data.object` is not an object",
            ),
        ];
        for (body, expected) in cases {
            let err = Event::from_slice(body).unwrap_err().to_string();
            assert!(err.starts_with(expected), "{err:?} vs {expected:?}");
        }
    }

    #[test]
    fn envelope_fields_are_read_and_unknown_ones_ignored() {
        let event = Event::from_slice(
            br#"{"id":"evt_1","object":"event","type":"charge.refunded","created":7,
                 "account":"acct_1","livemode":true,"pending_webhooks":2,"request":{"id":null},
                 "data":{"object":{"id":"ch_1","object":"charge"},"previous_attributes":{"refunded":false}}}"#,
        )
        .unwrap();
        assert_eq!(event.id, "evt_1");
        assert_eq!(event.created, 7);
        assert_eq!(event.account.as_deref(), Some("acct_1"));
        assert!(event.livemode);
        assert_eq!(event.api_version, None);
        assert_eq!(event.object_kind(), Some("charge"));
        assert_eq!(event.object_id(), Some("ch_1"));
        assert_eq!(
            event.previous_attributes,
            Some(serde_json::json!({"refunded": false}))
        );
        assert_eq!(
            event.invoice().unwrap_err(),
            Error::WrongObject {
                expected: "invoice",
                found: "charge".into()
            }
        );
    }
}
