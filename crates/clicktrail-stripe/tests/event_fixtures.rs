//! Every payload in `fixtures/stripe-events/` parses, and the typed views return the values the
//! files hold. Files that hold only an event's `data` hash, or a bare object, are wrapped into an
//! envelope first (see `fixtures/stripe-events/sources.md`).

use std::path::{Path, PathBuf};

use clicktrail_stripe::{Event, Invoice, metadata_value};
use serde_json::{Value, json};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/stripe-events");

fn read_json(name: &str) -> Value {
    let path = Path::new(DIR).join(name);
    let text = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Loads a fixture as an [`Event`], wrapping data-only and bare-object files.
fn event(name: &str) -> Event {
    let value = read_json(name);
    let value = if value.get("type").is_some() {
        value
    } else {
        let data = if value.get("object").is_some_and(Value::is_object) {
            value // the `data` hash: {"object": {...}, "previous_attributes": ...}
        } else {
            json!({ "object": value }) // a bare object
        };
        json!({"id": "evt_wrapped", "object": "event", "type": "wrapped", "created": 0, "data": data})
    };
    Event::from_value(value).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn fixture_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(DIR)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_fixture_parses_into_its_typed_view() {
    let files = fixture_files();
    assert_eq!(
        files.len(),
        15,
        "a fixture was added or removed: cover it here"
    );
    for path in files {
        let name = path.file_name().unwrap().to_str().unwrap();
        let event = event(name);
        // One file (a hand-edited charge) has no `object`: its name says what it is.
        let kind = event.object_kind().or(name.split(['.', '_']).next());
        let parsed = match kind {
            Some("invoice") => event.invoice().map(|v| v.id),
            Some("checkout.session") => event.checkout_session().map(|v| v.id),
            Some("charge") => event.charge().map(|v| v.id),
            Some("refund") => event.refund().map(|v| v.id),
            Some("invoice_payment") => event.invoice_payment().map(|v| v.id),
            other => panic!("{name}: no view for {other:?}"),
        };
        let id = parsed.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(Some(id.as_str()), event.object_id(), "{name}");
    }
}

#[test]
fn invoice_paid_subscription_cycle_legacy_zero_amount() {
    let event = event("invoice.paid__subscription_cycle__stripe-sync-engine.json");
    assert_eq!(event.id, "evt_1KJrGtJDPojXS6LN15fcthM3");
    assert_eq!(event.event_type, "invoice.paid");
    assert_eq!(event.created, 1642649111);
    assert_eq!(event.api_version.as_deref(), Some("2020-03-02"));
    assert!(!event.livemode);
    let invoice = event.invoice().unwrap();
    assert_eq!(invoice.id, "in_1KJqKBJDPojXS6LNJbvLUgEy");
    assert_eq!(
        invoice.billing_reason.as_deref(),
        Some("subscription_cycle")
    );
    assert_eq!(invoice.subscription.as_deref(), Some("sub_JsuPyCPhXWfZar"));
    assert_eq!(invoice.customer.as_deref(), Some("cus_JsuO3bmrj0QlAw"));
    assert_eq!(invoice.amount_paid, Some(0));
    assert_eq!(
        (invoice.payment_intent.as_deref(), invoice.charge.as_deref()),
        (None, None)
    );
    assert_eq!(invoice.paid_at, Some(1642649110));
    assert_eq!(invoice.paid, Some(true));
    assert_eq!(
        invoice.tax,
        Some(0),
        "`tax: null` falls back to the empty total_tax_amounts"
    );
    assert_eq!(invoice.lines.len(), 1);
    let line = &invoice.lines[0];
    assert_eq!(line.id.as_deref(), Some("il_1KJqKBJDPojXS6LND42vdxtT"));
    assert_eq!(
        line.price.as_deref(),
        Some("price_1IDQm5JDPojXS6LNM31hxKzp")
    );
    assert_eq!(line.product.as_deref(), Some("prod_Ip4vqwv3EJ7Mi0"));
    assert_eq!(
        line.description.as_deref(),
        Some("1 × Free tier (at $0.00 / month)")
    );
    assert!(invoice.lines_complete());
}

#[test]
fn invoice_paid_and_payment_succeeded_manual_read_the_same_invoice() {
    let paid = event("invoice.paid__manual__stripe-ruby-mock.json");
    let succeeded = event("invoice.payment_succeeded__manual__stripe-ruby-mock.json");
    assert_eq!(paid.event_type, "invoice.paid");
    assert_eq!(succeeded.event_type, "invoice.payment_succeeded");
    let invoice = paid.invoice().unwrap();
    assert_eq!(invoice, succeeded.invoice().unwrap());
    assert_eq!(invoice.billing_reason.as_deref(), Some("manual"));
    assert_eq!(invoice.subscription, None);
    assert_eq!(invoice.subscription_metadata, None);
    assert_eq!(invoice.amount_paid, Some(2000));
    assert_eq!(
        invoice
            .amount_paid_money()
            .unwrap()
            .to_decimal_string()
            .as_deref(),
        Some("20.00")
    );
    assert_eq!(
        invoice.payment_intent.as_deref(),
        Some("pi_000000000000000000000000")
    );
    assert_eq!(
        invoice.charge.as_deref(),
        Some("ch_000000000000000000000000")
    );
    assert_eq!(invoice.status.as_deref(), Some("paid"));
    assert_eq!(invoice.paid_at, Some(1648320013));
    assert_eq!(
        invoice.lines[0].description.as_deref(),
        Some("(created by Stripe CLI)")
    );
    assert_eq!(
        invoice.lines[0].price.as_deref(),
        Some("price_000000000000000000000000")
    );
}

#[test]
fn invoice_created_draft_subscription_create() {
    let invoice = event("invoice.created__subscription_create__stripe-ruby-mock.json")
        .invoice()
        .unwrap();
    assert_eq!(
        invoice.billing_reason.as_deref(),
        Some("subscription_create")
    );
    assert_eq!(invoice.status.as_deref(), Some("draft"));
    assert_eq!(
        invoice.subscription.as_deref(),
        Some("sub_000000000000000000000000")
    );
    assert_eq!(
        (invoice.amount_paid, invoice.amount_due),
        (Some(0), Some(1500))
    );
    assert_eq!(invoice.paid_at, None);
    assert_eq!(invoice.lines[0].amount, Some(1500));
    assert!(!invoice.lines[0].proration);
}

#[test]
fn invoice_basil_payment_failed_reads_parent_subscription_details() {
    let event = event("invoice.payment_failed__subscription_cycle_basil__pay.json");
    assert_eq!(event.previous_attributes, None);
    let invoice = event.invoice().unwrap();
    assert_eq!(invoice.id, "in_1234");
    assert_eq!(
        invoice.billing_reason.as_deref(),
        Some("subscription_cycle")
    );
    assert_eq!(invoice.subscription.as_deref(), Some("sub_1234"));
    let metadata = invoice.subscription_metadata.as_ref().unwrap();
    assert_eq!(metadata_value(metadata, &["license_id"]), Some("0"));
    assert_eq!(
        invoice.customer_email.as_deref(),
        Some("customer@example.org")
    );
    assert_eq!(
        (invoice.amount_paid, invoice.amount_due),
        (Some(0), Some(24900))
    );
    assert_eq!(invoice.total_excluding_tax, Some(24900));
    assert_eq!(invoice.tax, Some(0));
    assert_eq!(invoice.paid, None, "`paid` is gone in basil");
    assert_eq!(
        (invoice.payment_intent.as_deref(), invoice.charge.as_deref()),
        (None, None)
    );
    let line = &invoice.lines[0];
    assert_eq!(line.price.as_deref(), Some("price_1234"));
    assert_eq!(line.product.as_deref(), Some("prod_1234"));
    assert!(!line.proration);
    assert_eq!(line.metadata["license_id"], "0");
}

#[test]
fn invoice_manual_mixed_shape_with_discounts_and_tax() {
    let invoice = event("invoice__manual__pay.json").invoice().unwrap();
    assert_eq!(invoice.id, "in_1RFFohKXBGcbgpbZk9MxzDMc");
    assert_eq!(invoice.billing_reason.as_deref(), Some("manual"));
    assert_eq!(invoice.amount_paid, Some(24512));
    assert_eq!(invoice.subtotal, Some(25230));
    assert_eq!(invoice.total_excluding_tax, Some(22707));
    assert_eq!(invoice.tax, Some(1805));
    assert_eq!(invoice.total_discount_amount, Some(2523 + 870));
    assert_eq!(invoice.subscription, None);
    assert_eq!(
        invoice.subscription_metadata, None,
        "`subscription_details.metadata: null`"
    );
    assert_eq!(
        invoice.payment_intent.as_deref(),
        Some("pi_3RFFrjKXBGcbgpbZ0mAQxeI1")
    );
    assert_eq!(
        invoice.charge.as_deref(),
        Some("ch_3RFFrjKXBGcbgpbZ0g57Qovb")
    );
    // Amount paid minus tax is what the lines add up to after their discounts.
    let net: i64 = invoice
        .lines
        .iter()
        .map(|l| l.amount.unwrap() - l.discount_amount)
        .sum();
    assert_eq!(net, invoice.amount_paid.unwrap() - invoice.tax.unwrap());
    let lines: Vec<_> = invoice
        .lines
        .iter()
        .map(|l| (l.quantity, l.amount, l.discount_amount, l.tax_amount))
        .collect();
    assert_eq!(
        lines,
        [
            (Some(6), Some(17400), 1740, 1245),
            (Some(3), Some(8700), 870 + 783, 560)
        ]
    );
    assert_eq!(
        invoice.lines[0].price.as_deref(),
        Some("price_1KOpJJKXBGcbgpbZyDoF66XQ")
    );
}

#[test]
fn invoice_subscription_create_dj_stripe() {
    let invoice = event("invoice__subscription_create__dj-stripe.json")
        .invoice()
        .unwrap();
    assert_eq!(
        invoice.billing_reason.as_deref(),
        Some("subscription_create")
    );
    assert_eq!(
        invoice.subscription.as_deref(),
        Some("sub_fakefakefakefakefake0001")
    );
    assert_eq!(
        invoice.metadata["djstripe_test_fake_id"],
        "in_fakefakefakefakefake0001"
    );
    assert_eq!(
        invoice.customer_email.as_deref(),
        Some("michael.smith@example.com")
    );
    assert_eq!(invoice.tax, Some(261));
    assert_eq!(invoice.amount_paid, Some(2000));
    assert_eq!(invoice.paid_at, Some(1593225983));
    assert!(invoice.lines.is_empty(), "`lines: {{}}` holds no data");
}

#[test]
fn basil_and_pre_basil_fixtures_agree_on_subscription_id_and_metadata() {
    // The same subscription invoice, as the basil fixture holds it and rewritten in the older
    // shape (top-level `subscription`, `subscription_details`, no `parent`).
    let basil =
        read_json("invoice.payment_failed__subscription_cycle_basil__pay.json")["object"].clone();
    let mut legacy = basil.clone();
    let legacy_map = legacy.as_object_mut().unwrap();
    let parent = legacy_map.remove("parent").unwrap();
    legacy_map.insert(
        "subscription".into(),
        parent["subscription_details"]["subscription"].clone(),
    );
    legacy_map.insert(
        "subscription_details".into(),
        json!({"metadata": parent["subscription_details"]["metadata"].clone()}),
    );
    let a = Invoice::from_value(&basil).unwrap();
    let b = Invoice::from_value(&legacy).unwrap();
    assert_eq!(a.subscription.as_deref(), Some("sub_1234"));
    assert_eq!(a.subscription, b.subscription);
    assert_eq!(a.subscription_metadata, b.subscription_metadata);
    assert!(a.subscription_metadata.is_some());
}

#[test]
fn checkout_session_completed_payment_mode() {
    let event = event("checkout.session.completed__payment__stripe-sync-engine.json");
    assert!(event.livemode);
    let session = event.checkout_session().unwrap();
    assert_eq!(session.mode.as_deref(), Some("payment"));
    assert_eq!(session.payment_status.as_deref(), Some("paid"));
    assert_eq!(session.amount_total, Some(999));
    assert_eq!(session.amount_tax, Some(65));
    assert_eq!(session.amount_discount, Some(0));
    assert_eq!(session.currency.unwrap().code_upper(), "EUR");
    assert_eq!(
        session.payment_intent.as_deref(),
        Some("pi_1IqxJOJDPojXS6LN9uOebAea")
    );
    assert_eq!(
        session.invoice.as_deref(),
        Some("in_1KJqKBJDPojXS6LNJbvLUgEy")
    );
    assert_eq!(session.email(), Some("billz@supabase.io"));
    assert_eq!(session.customer.as_deref(), Some("cus_IhGfebO16cMIGN"));
    assert_eq!(session.line_items, None);

    let mock = event_named_session("checkout.session.completed__payment__stripe-ruby-mock.json");
    assert_eq!(
        (mock.amount_total, mock.amount_subtotal, mock.amount_tax),
        (Some(3000), Some(3000), Some(0))
    );
    assert_eq!(mock.email(), Some("stripe@example.com"));
    assert_eq!(mock.status.as_deref(), Some("complete"));
}

fn event_named_session(name: &str) -> clicktrail_stripe::CheckoutSession {
    event(name).checkout_session().unwrap()
}

#[test]
fn checkout_session_completed_subscription_mode() {
    let session = event_named_session("checkout.session.completed__subscription__pay.json");
    assert_eq!(session.mode.as_deref(), Some("subscription"));
    assert_eq!(
        session.subscription.as_deref(),
        Some("sub_1LNkeSKXBGcbgpbZ7jMqOPSi")
    );
    assert_eq!(session.payment_intent, None);
    assert_eq!(session.amount_total, Some(1900));
    assert_eq!(session.client_reference_id, None);
    assert_eq!(session.email(), Some("chris@gorails.com"));
}

#[test]
fn charge_refunded_full_and_partial() {
    let event_full = event("charge.refunded__full__stripe-sync-engine.json");
    assert!(event_full.previous_attributes.is_some());
    let full = event_full.charge().unwrap();
    assert_eq!(
        (full.amount, full.amount_refunded, full.refunded),
        (Some(2500), Some(2500), Some(true))
    );
    assert_eq!(full.amount_remaining(), Some(0));
    assert_eq!(full.invoice.as_deref(), Some("in_1KJdKkJDPojXS6LNSwSWkZSN"));
    assert_eq!(
        full.payment_intent.as_deref(),
        Some("pi_3Kl36gJDPojXS6LN02fQVtKR")
    );
    assert_eq!(full.customer.as_deref(), Some("cus_J7Mkgr8mvbl1eK"));

    let mock = event("charge.refunded__full__stripe-ruby-mock.json")
        .charge()
        .unwrap();
    assert_eq!(
        (mock.amount, mock.amount_refunded, mock.refunded),
        (Some(100), Some(100), Some(true))
    );

    let partial = event("charge.refunded__partial__pay.json")
        .charge()
        .unwrap();
    assert_eq!(partial.id, "ch_chargeid");
    assert_eq!(
        (partial.amount, partial.amount_refunded, partial.refunded),
        (Some(1500), Some(500), Some(false))
    );
    assert_eq!(partial.amount_remaining(), Some(1000));
    assert_eq!(partial.created, Some(1351497305));
}

#[test]
fn refund_created_and_invoice_payment_paid() {
    let refund = event("refund.created__docs-sample__stripe-sync-engine.json")
        .refund()
        .unwrap();
    assert_eq!(refund.id, "re_1Nispe2eZvKYlo2Cd31jOCgZ");
    assert_eq!(refund.amount, Some(1000));
    assert_eq!(
        refund.charge.as_deref(),
        Some("ch_1NirD82eZvKYlo2CIvbtLWuY")
    );
    assert_eq!(refund.status.as_deref(), Some("succeeded"));

    let payment = event("invoice_payment.paid__basil-object__stripe-sync-engine.json")
        .invoice_payment()
        .unwrap();
    assert_eq!(
        payment.invoice.as_deref(),
        Some("in_103Q0w2eZvKYlo2C5PYwf6Wf")
    );
    assert_eq!(
        payment.payment_intent.as_deref(),
        Some("pi_103Q0w2eZvKYlo2C364X582Z")
    );
    assert_eq!(payment.amount_paid, Some(2000));
    assert_eq!(payment.paid_at, Some(1391288554));
    assert_eq!(payment.status.as_deref(), Some("paid"));
}
