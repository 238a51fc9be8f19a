//! [`EventHead`]: the few envelope fields an intake needs, read without building the event's
//! JSON tree.
//!
//! Storing an event needs its id, type, creation time, `data.object.id` and the customer it is
//! about ([`Event::customer_id`]); [`Event::from_slice`]
//! builds a `serde_json::Value` of the whole ~3 KB payload for that, which is most of an intake's
//! CPU. `EventHead` deserializes those fields straight from the bytes (borrowed where the JSON has
//! no escapes) and skips the rest. It accepts exactly what [`Event::from_slice`] accepts: every
//! envelope field `Event` checks is checked here with the same type, and when the fast read fails
//! for any reason, the full parser runs to give its error (or, for the rare payload only it
//! accepts, such as one with a duplicated key, its result).

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::Event;
use crate::Error;

/// The envelope of an event: what storing and deduplicating it need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventHead<'a> {
    /// The event id (`evt_...`).
    pub id: Cow<'a, str>,
    /// The event type (`type` on the wire).
    pub event_type: Cow<'a, str>,
    /// When the event was created, unix seconds.
    pub created: i64,
    /// `data.object.id`, when it is there.
    pub object_id: Option<Cow<'a, str>>,
    /// The customer the event is about, as [`Event::customer_id`] reads it: `data.object.customer`
    /// (an id, or an expanded customer's id), or `data.object.id` when the object is a customer.
    pub customer: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Wire<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(rename = "type", borrow)]
    event_type: Cow<'a, str>,
    created: i64,
    #[serde(default, borrow)]
    object: Option<Cow<'a, str>>,
    // Checked like `Event` checks them, then dropped.
    #[serde(default, borrow)]
    #[allow(dead_code)]
    api_version: Option<Cow<'a, str>>,
    #[serde(default)]
    #[allow(dead_code)]
    livemode: Option<bool>,
    #[serde(default, borrow)]
    #[allow(dead_code)]
    account: Option<Cow<'a, str>>,
    #[serde(borrow)]
    data: Data<'a>,
}

#[derive(Deserialize)]
struct Data<'a> {
    /// Kept raw: checked to be a JSON object, then only its `id` is read.
    #[serde(borrow)]
    object: &'a RawValue,
}

#[derive(Deserialize)]
struct Object<'a> {
    #[serde(default, borrow)]
    id: Option<Cow<'a, str>>,
    /// `"customer"` on a customer object.
    #[serde(default, borrow)]
    object: Option<Cow<'a, str>>,
    /// An id, an expanded object or null: kept raw, read below.
    #[serde(default, borrow)]
    customer: Option<&'a RawValue>,
}

/// An expanded `customer`: only its id is read.
#[derive(Deserialize)]
struct Expanded<'a> {
    #[serde(default, borrow)]
    id: Option<Cow<'a, str>>,
}

impl<'a> EventHead<'a> {
    /// Reads the envelope of `body`; fails exactly when [`Event::from_slice`] fails, with its
    /// error.
    ///
    /// ```
    /// use clicktrail_stripe::EventHead;
    ///
    /// let head = EventHead::parse(br#"{"id":"evt_1","object":"event","type":"invoice.paid",
    ///     "created":1700000000,"data":{"object":{"id":"in_1","object":"invoice","lines":{}}}}"#)?;
    /// assert_eq!((&*head.id, &*head.event_type, head.created), ("evt_1", "invoice.paid", 1700000000));
    /// assert_eq!(head.object_id.as_deref(), Some("in_1"));
    /// let err = EventHead::parse(br#"{"id":"evt_1","type":"x"}"#).unwrap_err();
    /// assert_eq!(err.to_string(), "missing field `created`");
    /// # Ok::<(), clicktrail_stripe::Error>(())
    /// ```
    pub fn parse(body: &'a [u8]) -> Result<Self, Error> {
        match Self::fast(body) {
            Some(head) => Ok(head),
            None => {
                let event = Event::from_slice(body)?;
                Ok(Self {
                    object_id: event.object_id().map(|id| Cow::Owned(id.to_owned())),
                    customer: event.customer_id().map(|id| Cow::Owned(id.to_owned())),
                    id: Cow::Owned(event.id),
                    event_type: Cow::Owned(event.event_type),
                    created: event.created,
                })
            }
        }
    }
}

impl<'a> EventHead<'a> {
    /// The read without a JSON tree; `None` whenever anything is off (the caller then lets the
    /// full parser decide). Serde's derive would also read a struct from a JSON array, so both
    /// objects are checked to be `{...}` first.
    fn fast(body: &'a [u8]) -> Option<Self> {
        let is_object = |text: &[u8]| text.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
        if !is_object(body) {
            return None;
        }
        let wire = serde_json::from_slice::<Wire<'a>>(body).ok()?;
        if wire.object.as_deref().is_some_and(|o| o != "event") {
            return None;
        }
        let raw = wire.data.object.get();
        if !is_object(raw.as_bytes()) {
            return None;
        }
        let object = serde_json::from_str::<Object<'a>>(raw).ok()?;
        let customer = if object.object.as_deref() == Some("customer") {
            object.id.clone()
        } else {
            match object
                .customer
                .map(|c| (c.get(), c.get().as_bytes().first()))
            {
                Some((text, Some(b'"'))) => Some(serde_json::from_str::<Cow<'a, str>>(text).ok()?),
                Some((text, Some(b'{'))) => serde_json::from_str::<Expanded<'a>>(text).ok()?.id,
                // null, a number, ...: no customer, as the full read says.
                _ => None,
            }
        };
        Some(Self {
            id: wire.id,
            event_type: wire.event_type,
            created: wire.created,
            object_id: object.id,
            customer,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast read and the full parser agree on every payload: same fields, or both refuse
    /// with the same error.
    fn agree(body: &str) {
        let full = Event::from_slice(body.as_bytes());
        let head = EventHead::parse(body.as_bytes());
        match (full, head) {
            (Ok(event), Ok(head)) => {
                assert_eq!(head.id, event.id, "{body}");
                assert_eq!(head.event_type, event.event_type, "{body}");
                assert_eq!(head.created, event.created, "{body}");
                assert_eq!(head.object_id.as_deref(), event.object_id(), "{body}");
                assert_eq!(head.customer.as_deref(), event.customer_id(), "{body}");
            }
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{body}"),
            (full, head) => panic!("{body}: full {full:?}, head {head:?}"),
        }
    }

    #[test]
    fn the_customer_is_the_objects_customer_or_the_customer_itself() {
        let head = |object: &str| {
            let body =
                format!(r#"{{"id":"evt_1","type":"x","created":1,"data":{{"object":{object}}}}}"#);
            EventHead::parse(body.as_bytes())
                .unwrap()
                .customer
                .map(Cow::into_owned)
        };
        assert_eq!(
            head(r#"{"id":"in_1","customer":"cus_1"}"#).as_deref(),
            Some("cus_1")
        );
        assert_eq!(
            head(r#"{"customer":{"id":"cus_2"}}"#).as_deref(),
            Some("cus_2")
        );
        assert_eq!(
            head(r#"{"id":"cus_3","object":"customer"}"#).as_deref(),
            Some("cus_3")
        );
        assert_eq!(head(r#"{"id":"re_1","charge":"ch_1"}"#), None);
        assert_eq!(head(r#"{"customer":null}"#), None);
    }

    #[test]
    fn the_fast_read_accepts_and_refuses_what_the_full_parser_does() {
        let good = r#"{"id":"evt_1","object":"event","type":"invoice.paid","created":1700000000,"api_version":"2025-03-31.basil","livemode":false,"data":{"object":{"id":"in_1","object":"invoice","lines":{"data":[1,2,{"x":null}]}},"previous_attributes":null}}"#;
        agree(good);
        for body in [
            good,
            r#"{"id":"evt_\u0031","type":"a\"b","created":1,"data":{"object":{}}}"#,
            r#"{"id":"evt_1","type":"x","created":1,"data":{"object":{"id":null}}}"#,
            r#"{"id":"evt_1","type":"x","created":1,"data":{"object":{"id":"in_1","customer":"cus_1"}}}"#,
            r#"{"id":"evt_1","type":"x","created":1,"data":{"object":{"customer":"cus_\u0031"}}}"#,
            r#"{"id":"evt_1","type":"x","created":1,"data":{"object":{"customer":{"id":"cus_1","object":"customer"}}}}"#,
            r#"{"id":"evt_1","type":"x","created":1,"data":{"object":{"customer":{"id":7}}}}"#,
            r#"{"id":"evt_1","type":"x","created":1,"data":{"object":{"customer":null}}}"#,
            r#"{"id":"evt_1","type":"x","created":1,"data":{"object":{"customer":7}}}"#,
            r#"{"id":"evt_1","type":"x","created":1,"data":{"object":{"customer":[]}}}"#,
            r#"{"id":"evt_1","type":"x","created":1,"data":{"object":{"id":"cus_9","object":"customer","customer":"cus_8"}}}"#,
            r#"{"id":"evt_1","type":"x","created":1,"data":{"object":{"id":"cus_9","object":7}}}"#,
            r#"{"id":"evt_1","type":"x","created":1,"data":{"object":{"id":7}}}"#,
            r#"{"id":"evt_1","type":"x","created":1,"data":{"object":null}}"#,
            r#"{"id":"evt_1","type":"x","created":1,"data":{"object":[]}}"#,
            r#"{"id":"evt_1","type":"x","created":1,"data":{}}"#,
            r#"{"id":"evt_1","type":"x","created":1}"#,
            r#"{"id":"evt_1","type":"x","created":1.5,"data":{"object":{}}}"#,
            r#"{"id":"evt_1","type":"x","created":"1","data":{"object":{}}}"#,
            r#"{"id":"evt_1","type":"x"}"#,
            r#"{"id":7,"type":"x","created":1,"data":{"object":{}}}"#,
            r#"{"type":"x","created":1,"data":{"object":{}}}"#,
            r#"{"id":"evt_1","object":"invoice","type":"x","created":1,"data":{"object":{}}}"#,
            r#"{"id":"evt_1","type":"x","created":1,"livemode":"no","data":{"object":{}}}"#,
            r#"{"id":"evt_1","type":"x","created":1,"api_version":5,"data":{"object":{}}}"#,
            r#"{"id":"evt_1","type":"x","created":1,"account":null,"data":{"object":{}}}"#,
            r#"{"id":"evt_1","id":"evt_2","type":"x","created":1,"data":{"object":{}}}"#,
            r#"[]"#,
            r#"{"id": "ev"#,
            "",
        ] {
            agree(body);
        }
    }
}
