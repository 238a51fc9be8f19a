//! Property tests of the event parser: arbitrary JSON, arbitrary bytes, and the real fixtures of
//! `fixtures/stripe-events/` mutated (fields deleted, replaced, retyped). Whatever comes in, the
//! parser and every typed view answer `Ok` or a typed error that names the field; none panics.

use std::path::Path;

use clicktrail_stripe::{Error, Event, EventHead};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/stripe-events");

/// Every fixture as a full event (data-only and bare-object files wrapped, as in
/// `event_fixtures.rs`), with its type kept when it has one.
fn fixtures() -> Vec<Value> {
    let mut files: Vec<_> = std::fs::read_dir(DIR)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "fixtures missing in {DIR}");
    files
        .iter()
        .map(|path| {
            let value: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
            wrap(value, path)
        })
        .collect()
}

fn wrap(value: Value, path: &Path) -> Value {
    if value.get("type").is_some() {
        return value;
    }
    let data = if value.get("object").is_some_and(Value::is_object) {
        value
    } else {
        json!({ "object": value })
    };
    let name = path.file_name().unwrap().to_string_lossy();
    let event_type = name.split("__").next().unwrap_or("wrapped").to_owned();
    json!({"id": "evt_fuzz", "object": "event", "type": event_type, "created": 1, "data": data})
}

/// Arbitrary JSON values, a few levels deep, with Stripe-ish keys so that objects sometimes hit
/// the fields the parser reads.
fn any_json() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("id".to_owned()),
        Just("object".to_owned()),
        Just("type".to_owned()),
        Just("created".to_owned()),
        Just("data".to_owned()),
        Just("currency".to_owned()),
        Just("amount_paid".to_owned()),
        Just("metadata".to_owned()),
        Just("lines".to_owned()),
        "[a-z_]{1,12}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        any::<u64>().prop_map(Value::from),
        ".{0,20}".prop_map(Value::String),
        prop_oneof![
            Just("invoice"),
            Just("charge"),
            Just("checkout.session"),
            Just("usd"),
            Just("event")
        ]
        .prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(4, 64, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..8)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Every path (JSON pointer) inside `value`, the root excluded.
fn paths(value: &Value, prefix: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let p = format!("{prefix}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push(p.clone());
                paths(v, &p, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                let p = format!("{prefix}/{i}");
                out.push(p.clone());
                paths(v, &p, out);
            }
        }
        _ => {}
    }
}

/// One change to a document.
#[derive(Debug, Clone)]
enum Mutation {
    /// Remove the field (or array item).
    Delete,
    /// Put an arbitrary value in its place.
    Replace(Value),
    /// Same information, another JSON type (number <-> string, scalar -> array, ...).
    Retype,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        Just(Mutation::Delete),
        any_json().prop_map(Mutation::Replace),
        Just(Mutation::Retype),
    ]
}

fn retype(value: &Value) -> Value {
    match value {
        Value::Null => json!(0),
        Value::Bool(b) => json!(b.to_string()),
        Value::Number(n) => json!(n.to_string()),
        Value::String(s) => s.parse::<i64>().map_or_else(|_| json!([s]), Value::from),
        Value::Array(items) => items.first().cloned().unwrap_or(Value::Null),
        Value::Object(_) => json!(value.to_string()),
    }
}

fn apply(doc: &mut Value, pick: usize, mutation: &Mutation) {
    let mut all = Vec::new();
    paths(doc, "", &mut all);
    if all.is_empty() {
        return;
    }
    let path = &all[pick % all.len()];
    match mutation {
        Mutation::Delete => {
            let (parent, last) = path.rsplit_once('/').expect("pointers start with /");
            let last = last.replace("~1", "/").replace("~0", "~");
            match doc.pointer_mut(parent) {
                Some(Value::Object(map)) => {
                    map.remove(&last);
                }
                Some(Value::Array(items)) => {
                    if let Ok(i) = last.parse::<usize>()
                        && i < items.len()
                    {
                        items.remove(i);
                    }
                }
                _ => {}
            }
        }
        Mutation::Replace(new) => {
            if let Some(slot) = doc.pointer_mut(path) {
                *slot = new.clone();
            }
        }
        Mutation::Retype => {
            if let Some(slot) = doc.pointer_mut(path) {
                *slot = retype(slot);
            }
        }
    }
}

/// Parses `value` and runs every typed view; checks that each error is one the event parser
/// may give, and names a field when it is about one.
fn parse_everything(value: Value) {
    let text = value.to_string();
    let from_value = Event::from_value(value);
    let from_slice = Event::from_slice(text.as_bytes());
    assert_eq!(
        from_value
            .as_ref()
            .map(|e| &e.id)
            .map_err(ToString::to_string),
        from_slice
            .as_ref()
            .map(|e| &e.id)
            .map_err(ToString::to_string),
        "from_value and from_slice agree"
    );
    let event = match from_value {
        Ok(event) => event,
        Err(e) => return check_error(&e),
    };
    let _ = (event.object_kind(), event.object_id());
    let views: [Result<(), Error>; 7] = [
        event.invoice().map(|v| {
            let _ = (v.lines_complete(), v.amount_paid_money());
        }),
        event.invoice_payment().map(drop),
        event.checkout_session().map(|v| {
            let _ = v.email();
        }),
        event.charge().map(|v| {
            let _ = (v.amount_remaining(), v.email());
        }),
        event.refund().map(drop),
        event.subscription().map(drop),
        event.customer().map(drop),
    ];
    for view in views {
        if let Err(e) = view {
            check_error(&e);
        }
    }
}

fn check_error(e: &Error) {
    match e {
        Error::MissingField { field } | Error::WrongType { field, .. } => {
            assert!(!field.is_empty(), "an error about a field names it: {e:?}");
        }
        Error::InvalidJson(_) | Error::InvalidCurrency | Error::WrongObject { .. } => {}
        other => panic!("the event parser gave an unrelated error: {other:?}"),
    }
    assert!(!e.to_string().is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_json_never_panics(value in any_json()) {
        parse_everything(value);
    }

    #[test]
    fn arbitrary_json_inside_an_envelope_never_panics(object in any_json(), kind in prop_oneof![
        Just("invoice"), Just("charge"), Just("checkout.session"), Just("refund"),
        Just("subscription"), Just("customer"), Just("invoice_payment")
    ]) {
        let mut object = object;
        if let Value::Object(map) = &mut object {
            map.insert("object".into(), json!(kind));
        }
        parse_everything(json!({
            "id": "evt_1", "object": "event", "type": "invoice.paid", "created": 1,
            "data": {"object": object}
        }));
    }

    /// The intake's fast envelope read accepts and refuses exactly what the full parser does,
    /// with the same fields or the same error, whatever the envelope holds.
    #[test]
    fn the_envelope_head_agrees_with_the_full_parser(
        id in any_json(), event_type in any_json(), created in any_json(), data in any_json(),
        object in any_json(), extra in any_json(), keep in proptest::collection::vec(any::<bool>(), 6),
    ) {
        let mut envelope = Map::new();
        for (on, (key, value)) in keep.iter().zip([
            ("id", id), ("type", event_type), ("created", created), ("data", data),
            ("object", object), ("livemode", extra),
        ]) {
            if *on {
                envelope.insert(key.into(), value);
            }
        }
        let body = Value::Object(envelope).to_string();
        match (Event::from_slice(body.as_bytes()), EventHead::parse(body.as_bytes())) {
            (Ok(event), Ok(head)) => {
                prop_assert_eq!(&head.id, &event.id);
                prop_assert_eq!(&head.event_type, &event.event_type);
                prop_assert_eq!(head.created, event.created);
                prop_assert_eq!(head.object_id.as_deref(), event.object_id());
                prop_assert_eq!(head.customer.as_deref(), event.customer_id());
            }
            (Err(a), Err(b)) => prop_assert_eq!(a.to_string(), b.to_string()),
            (full, head) => prop_assert!(false, "{}: full {:?}, head {:?}", body, full, head),
        }
    }

    #[test]
    fn the_envelope_head_agrees_on_well_formed_envelopes(object in any_json(), created in any::<i64>()) {
        let body = json!({
            "id": "evt_1", "object": "event", "type": "charge.refunded", "created": created,
            "api_version": "2025-03-31.basil", "livemode": false, "data": {"object": object}
        })
        .to_string();
        let full = Event::from_slice(body.as_bytes());
        let head = EventHead::parse(body.as_bytes());
        prop_assert_eq!(full.is_ok(), head.is_ok(), "{}", body);
        if let (Ok(event), Ok(head)) = (full, head) {
            prop_assert_eq!(head.object_id.as_deref(), event.object_id());
            prop_assert_eq!(head.customer.as_deref(), event.customer_id());
        }
    }

    #[test]
    fn arbitrary_bytes_are_refused_as_invalid_json(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        if let Err(e) = Event::from_slice(&bytes) {
            check_error(&e);
        }
    }

    #[test]
    fn mutated_fixtures_never_panic(
        index in any::<usize>(),
        changes in prop::collection::vec((any::<usize>(), mutation()), 1..5),
    ) {
        let all = fixtures();
        let mut doc = all[index % all.len()].clone();
        for (pick, change) in &changes {
            apply(&mut doc, *pick, change);
        }
        parse_everything(doc);
    }
}

#[test]
fn a_deleted_required_field_is_named() {
    for (pointer, field) in [
        ("/id", "id"),
        ("/created", "created"),
        ("/data/object", "data.object"),
    ] {
        let mut doc = fixtures().remove(0);
        let (parent, last) = pointer.rsplit_once('/').unwrap();
        doc.pointer_mut(parent)
            .unwrap()
            .as_object_mut()
            .unwrap()
            .remove(last);
        let err = Event::from_value(doc).unwrap_err();
        assert_eq!(
            err,
            Error::MissingField {
                field: field.into()
            },
            "{pointer}"
        );
    }
}

#[test]
fn a_retyped_field_is_named_with_its_expected_type() {
    let mut doc = fixtures().remove(0);
    doc["created"] = retype(&doc["created"]);
    let err = Event::from_value(doc).unwrap_err();
    assert!(
        matches!(&err, Error::WrongType { field, .. } if field == "created"),
        "{err:?}"
    );
}
