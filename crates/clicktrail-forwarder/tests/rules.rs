//! The mapping rules of the architecture document, one or more cases each, in both API shapes.
//! Every rule has a test here that fails when the rule is broken.

mod common;

use clicktrail_clickid::ClickId;
use clicktrail_forwarder::config::{ClickIdKeys, NumericId, Trial};
use clicktrail_forwarder::knowledge::{Knowledge, Owner, Record, TrialState};
use clicktrail_forwarder::mapping::amounts::unknown_currency;
use clicktrail_forwarder::mapping::{Decision, Fetched, Need, Settings, SubscriptionPurpose};
use clicktrail_impact::{ImpactRequest, hash_email};
use clicktrail_stripe::{Customer, Subscription};
use common::*;
use serde_json::json;

const T0: i64 = 1_795_741_500;

fn paid(id: &str, shape: Shape, spec: &Inv) -> clicktrail_stripe::Event {
    event(id, "invoice.paid", T0, invoice(shape, spec))
}

fn settings(edit: impl FnOnce(&mut Settings)) -> Settings {
    let mut s = Settings::demo();
    edit(&mut s);
    s
}

fn id(v: &str) -> NumericId {
    NumericId::new(v).unwrap()
}

// ---------------------------------------------------------------- billing reasons and trackers

#[test]
fn billing_reasons_choose_the_tracker() {
    for shape in SHAPES {
        let cases = [
            ("subscription_create", Some("2000")),
            ("subscription_cycle", Some("2001")),
            ("subscription_update", None),
            ("manual", None),
            ("subscription_threshold", None),
            ("subscription", None),
            ("upcoming", None),
        ];
        for (reason, tracker) in cases {
            let mut run = Run::new();
            let d = run.decide(&paid(
                "evt_1",
                shape,
                &Inv {
                    reason,
                    ..Inv::default()
                },
            ));
            match tracker {
                Some(t) => {
                    let (request, not_before) = sent(&d);
                    assert_eq!(
                        param(request, "EventTypeId").as_deref(),
                        Some(t),
                        "{shape:?} {reason}"
                    );
                    assert_eq!(not_before, T0, "conversions are sent at once");
                }
                None => assert!(skipped(&d).contains(reason), "{shape:?} {reason}: {d:?}"),
            }
        }
    }
}

#[test]
fn subscription_update_goes_to_the_upgrade_tracker_when_set() {
    for shape in SHAPES {
        let spec = Inv {
            reason: "subscription_update",
            ..Inv::default()
        };
        let without = Run::new().decide(&paid("evt_1", shape, &spec));
        assert!(
            skipped(&without).contains("upgrade_event_type_id"),
            "{without:?}"
        );
        let mut run = Run::with(settings(|s| s.upgrade_event_type_id = Some(id("2003"))));
        let with = run.decide(&paid("evt_1", shape, &spec));
        assert_eq!(param(sent(&with).0, "EventTypeId").as_deref(), Some("2003"));
    }
}

#[test]
fn every_skip_is_recorded_with_its_reason() {
    let mut run = Run::new();
    let e = paid(
        "evt_manual",
        Shape::Basil,
        &Inv {
            reason: "manual",
            ..Inv::default()
        },
    );
    let d = run.decide(&e);
    assert!(!skipped(&d).is_empty());
    assert!(
        matches!(d.records().first(), Some(Record::EventHandled { event_id, .. }) if event_id == "evt_manual")
    );
    assert!(run.knowledge.event_seen("evt_manual"));
}

// ---------------------------------------------------------------- the conversion's fields

#[test]
fn conversion_fields_follow_the_contract() {
    for shape in SHAPES {
        let d = Run::new().decide(&paid("evt_1", shape, &Inv::default()));
        let (request, _) = sent(&d);
        assert_eq!(
            request.path("IRsandbox"),
            "/Advertisers/IRsandbox/Conversions"
        );
        assert_eq!(request.method().as_str(), "POST");
        let p = |k| param(request, k);
        assert_eq!(p("CampaignId").as_deref(), Some("1000"));
        assert_eq!(p("OrderId").as_deref(), Some("in_1"));
        assert_eq!(p("ClickId").as_deref(), Some("CLICK1"));
        assert_eq!(
            p("EventDate").as_deref(),
            Some("2026-11-27T00:56:40Z"),
            "status_transitions.paid_at"
        );
        assert_eq!(p("CustomerId").as_deref(), Some("cus_1"));
        assert_eq!(p("CustomerEmail"), Some(hash_email("buyer@example.com")));
        assert_eq!(p("CurrencyCode").as_deref(), Some("USD"));
        assert_eq!(p("ItemSku1").as_deref(), Some("price_pro"));
        assert_eq!(
            p("ItemName1").as_deref(),
            Some("1 × Pro (at $29.00 / month)")
        );
        assert_eq!(p("ItemQuantity1").as_deref(), Some("1"));
        assert_eq!(p("ItemSubTotal1").as_deref(), Some("29.00"));
        assert_eq!(p("OrderDiscount"), None);
        assert_eq!(sale_amount(request, 2), 2900);
    }
}

#[test]
fn the_email_hash_is_sha1_of_the_trimmed_lower_cased_address() {
    // Independent value: `printf 'buyer@example.com' | sha1sum`.
    assert_eq!(
        hash_email("buyer@example.com"),
        "4ebd64f8975b89f564a6d25938addc1bd1decfe6"
    );
    let d = Run::new().decide(&paid("evt_1", Shape::Basil, &Inv::default()));
    assert_eq!(
        param(sent(&d).0, "CustomerEmail").as_deref(),
        Some("4ebd64f8975b89f564a6d25938addc1bd1decfe6")
    );
}

#[test]
fn hash_customer_email_false_sends_no_email_at_all() {
    let mut run = Run::with(settings(|s| s.rules.hash_customer_email = false));
    let d = run.decide(&paid("evt_1", Shape::Basil, &Inv::default()));
    assert!(
        sent(&d)
            .0
            .params()
            .iter()
            .all(|(k, v)| k != "CustomerEmail" && !v.contains("xample"))
    );
}

#[test]
fn event_date_falls_back_to_the_event_time() {
    for shape in SHAPES {
        let d = Run::new().decide(&paid(
            "evt_1",
            shape,
            &Inv {
                paid_at: None,
                ..Inv::default()
            },
        ));
        assert_eq!(
            param(sent(&d).0, "EventDate").as_deref(),
            Some("2026-11-27T01:05:00Z")
        );
    }
}

// ---------------------------------------------------------------- amounts and items

#[test]
fn tax_is_not_credited() {
    for shape in SHAPES {
        let spec = Inv {
            amount_paid: 3190,
            tax: 290,
            lines: vec![L(2900, 1, "Pro", "price_pro")],
            ..Inv::default()
        };
        let d = Run::new().decide(&paid("evt_1", shape, &spec));
        assert_eq!(sale_amount(sent(&d).0, 2), 2900, "{shape:?}");
    }
}

#[test]
fn discounts_and_credits_reduce_the_credit() {
    for shape in SHAPES {
        // 50 % coupon: line 29.00, paid 14.50.
        let spec = Inv {
            amount_paid: 1450,
            ..Inv::default()
        };
        let d = Run::new().decide(&paid("evt_1", shape, &spec));
        let (r, _) = sent(&d);
        assert_eq!(param(r, "ItemSubTotal1").as_deref(), Some("29.00"));
        assert_eq!(param(r, "OrderDiscount").as_deref(), Some("14.50"));
        assert_eq!(sale_amount(r, 2), 1450);
    }
}

#[test]
fn negative_proration_lines_never_reach_impact() {
    for shape in SHAPES {
        let spec = Inv {
            reason: "subscription_update",
            amount_paid: 1500,
            lines: vec![
                L(-1000, 1, "Unused time on Basic", "price_basic"),
                L(2500, 1, "Remaining time on Pro", "price_pro"),
            ],
            ..Inv::default()
        };
        let mut run = Run::with(settings(|s| s.upgrade_event_type_id = Some(id("2003"))));
        let d = run.decide(&paid("evt_1", shape, &spec));
        let (r, _) = sent(&d);
        assert_eq!(param(r, "ItemSku1").as_deref(), Some("price_pro"));
        assert_eq!(param(r, "ItemSubTotal2"), None);
        assert_eq!(param(r, "OrderDiscount").as_deref(), Some("10.00"));
        assert_eq!(sale_amount(r, 2), 1500);
    }
}

#[test]
fn currency_exponents_are_the_real_ones_and_at_most_two_decimals_are_sent() {
    // 2900 minor units: 2900 yen, 29.00 dollars, 2.900 dinars sent as 2.90 (impact.com takes two
    // decimals at most).
    for (currency, exponent, text) in [
        ("jpy", 0, "2900"),
        ("usd", 2, "29.00"),
        ("kwd", 3, "2.90"),
        ("bhd", 3, "2.90"),
        ("krw", 0, "2900"),
    ] {
        for shape in SHAPES {
            let spec = Inv {
                currency,
                ..Inv::default()
            };
            let d = Run::new().decide(&paid("evt_1", shape, &spec));
            let (r, _) = sent(&d);
            assert_eq!(
                param(r, "ItemSubTotal1").as_deref(),
                Some(text),
                "{currency}"
            );
            assert_eq!(param(r, "CurrencyCode"), Some(currency.to_uppercase()));
            let (expected, decimals) = on_the_wire(2900, exponent);
            assert_eq!(sale_amount(r, decimals), expected);
        }
    }
}

#[test]
fn a_currency_whose_decimals_are_unknown_is_skipped_and_recorded_not_guessed() {
    // "xyz" is three letters but on none of Stripe's currency lists: its 2900 minor units could
    // be 2900, 29.00 or 2.900, so nothing is sent (before, it went out as 29.00).
    let xyz = clicktrail_stripe::Currency::new("xyz").unwrap();
    let reason = unknown_currency(xyz);
    assert!(reason.contains("XYZ") && reason.contains("no known number of decimals"));
    let not_credited = |d: &Decision| {
        let records = d.records();
        assert!(
            records
                .iter()
                .any(|r| matches!(r, Record::EventHandled { .. })),
            "{d:?}"
        );
        assert!(
            records
                .iter()
                .any(|r| matches!(r, Record::PaymentDecided { order_id: None, .. })),
            "a refund waiting for this payment learns it has no conversion: {d:?}"
        );
        assert!(
            !records
                .iter()
                .any(|r| matches!(r, Record::ConversionSent(_))),
            "{d:?}"
        );
    };
    for shape in SHAPES {
        let spec = Inv {
            currency: "xyz",
            ..Inv::default()
        };
        let d = Run::new().decide(&paid("evt_1", shape, &spec));
        assert_eq!(skipped(&d), format!("invoice in_1: {reason}"));
        not_credited(&d);
    }
    let object = session(
        "payment",
        "paid",
        json!({"currency": "xyz", "metadata": {"impact_click_id": "CHECKOUT"}}),
    );
    let d = Run::new().decide(&checkout("evt_cs", "checkout.session.completed", object));
    assert_eq!(skipped(&d), format!("Checkout Session cs_test_1: {reason}"));
    not_credited(&d);
}

#[test]
fn three_decimal_amounts_round_half_up_and_the_items_still_add_up() {
    // 12.345 KWD paid, no tax: 12.35 credited; lines 7.004 + 5.341 = 12.345 round to 7.00 + 5.34
    // = 12.34, one fils short: the first largest item carries it, no negative discount.
    for shape in SHAPES {
        let spec = Inv {
            currency: "kwd",
            amount_paid: 12_345,
            lines: vec![L(7_004, 1, "A", "price_a"), L(5_341, 1, "B", "price_b")],
            ..Inv::default()
        };
        let d = Run::new().decide(&paid("evt_1", shape, &spec));
        let (r, _) = sent(&d);
        assert_eq!(param(r, "ItemSubTotal1").as_deref(), Some("7.01"));
        assert_eq!(param(r, "ItemSubTotal2").as_deref(), Some("5.34"));
        assert_eq!(param(r, "OrderDiscount"), None);
        assert_eq!(sale_amount(r, 2), 1235);
    }
    // A refund of a 3-decimal charge: 12.345 x (12.345 - 5.000) / 12.345 = 7.345 -> 7.35.
    let mut run = Run::new();
    run.decide(&paid(
        "evt_in",
        Shape::PreBasil,
        &Inv {
            currency: "kwd",
            amount_paid: 12_345,
            lines: vec![L(12_345, 1, "A", "price_a")],
            ..Inv::default()
        },
    ));
    let mut refund = ch_1(12_345, 5_000);
    refund["currency"] = json!("kwd");
    let d = run.decide(&refunded("evt_r", T0, refund));
    assert_eq!(param(sent(&d).0, "Amount").as_deref(), Some("7.35"));
}

#[test]
fn lines_the_payload_does_not_carry_are_fetched() {
    for shape in SHAPES {
        let spec = Inv {
            has_more: true,
            amount_paid: 3900,
            ..Inv::default()
        };
        let e = paid("evt_1", shape, &spec);
        let mut run = Run::new();
        let d = run.decide(&e);
        assert_eq!(
            d,
            Decision::Lookup {
                needs: Need::InvoiceLines {
                    invoice: "in_1".into()
                }
            }
        );
        assert!(
            d.records().is_empty() && !run.knowledge.event_seen("evt_1"),
            "a lookup records nothing"
        );

        // What `GET /v1/invoices/in_1/lines` returns, read by the same tolerant view.
        let full = Inv {
            lines: vec![
                L(2900, 1, "Pro", "price_pro"),
                L(1000, 2, "Seats", "price_seat"),
            ],
            ..spec.clone()
        };
        let all = clicktrail_stripe::Invoice::from_value(&invoice(shape, &full))
            .unwrap()
            .lines;
        let mut fetched = Fetched::default();
        fetched.invoice_lines("in_1", all);
        let d = run.decide_with(&e, &fetched, T0);
        let (r, _) = sent(&d);
        assert_eq!(param(r, "ItemSku2").as_deref(), Some("price_seat"));
        assert_eq!(param(r, "ItemQuantity2").as_deref(), Some("2"));
        assert_eq!(sale_amount(r, 2), 3900);
    }
}

// ---------------------------------------------------------------- trials

#[test]
fn trial_signup_sends_the_zero_sign_up_invoice() {
    for shape in SHAPES {
        let spec = Inv {
            amount_paid: 0,
            lines: vec![L(0, 1, "Trial period for Pro", "price_pro")],
            ..Inv::default()
        };
        let d = Run::new().decide(&paid("evt_1", shape, &spec));
        let (r, _) = sent(&d);
        assert_eq!(param(r, "EventTypeId").as_deref(), Some("2000"));
        assert_eq!(param(r, "ItemSubTotal1").as_deref(), Some("0.00"));
        assert_eq!(sale_amount(r, 2), 0);
    }
}

#[test]
fn trial_first_payment_credits_the_first_paid_invoice_on_the_first_tracker() {
    for shape in SHAPES {
        let mut run = Run::with(settings(|s| s.rules.trial = Trial::FirstPayment));
        let signup = Inv {
            id: "in_0",
            amount_paid: 0,
            lines: vec![L(0, 1, "Trial", "price_pro")],
            ..Inv::default()
        };
        let d = run.decide(&paid("evt_0", shape, &signup));
        assert!(skipped(&d).contains("first-payment"), "{d:?}");
        assert_eq!(
            run.knowledge.trial_state("sub_1"),
            Some(TrialState::AwaitingFirstPayment)
        );

        let first = Inv {
            id: "in_1",
            reason: "subscription_cycle",
            ..Inv::default()
        };
        let d = run.decide(&paid("evt_1", shape, &first));
        assert_eq!(
            param(sent(&d).0, "EventTypeId").as_deref(),
            Some("2000"),
            "first paid invoice"
        );

        let second = Inv {
            id: "in_2",
            reason: "subscription_cycle",
            ..Inv::default()
        };
        let d = run.decide(&paid("evt_2", shape, &second));
        assert_eq!(
            param(sent(&d).0, "EventTypeId").as_deref(),
            Some("2001"),
            "then renewals"
        );
    }
}

#[test]
fn trial_first_payment_without_a_trial_is_a_normal_sign_up() {
    let mut run = Run::with(settings(|s| s.rules.trial = Trial::FirstPayment));
    let d = run.decide(&paid("evt_1", Shape::Basil, &Inv::default()));
    assert_eq!(param(sent(&d).0, "EventTypeId").as_deref(), Some("2000"));
    let cycle = Inv {
        id: "in_2",
        reason: "subscription_cycle",
        ..Inv::default()
    };
    let d = run.decide(&paid("evt_2", Shape::Basil, &cycle));
    assert_eq!(param(sent(&d).0, "EventTypeId").as_deref(), Some("2001"));
}

#[test]
fn trial_first_payment_skipped_for_lack_of_click_id_does_not_credit_the_next_renewal_as_first() {
    let mut run = Run::with(settings(|s| {
        s.rules.trial = Trial::FirstPayment;
        s.rules.click_id_wait = std::time::Duration::ZERO;
    }));
    let signup = Inv {
        id: "in_0",
        amount_paid: 0,
        ..Inv::default()
    };
    run.decide(&paid("evt_0", Shape::Basil, &signup));
    let first = Inv {
        id: "in_1",
        reason: "subscription_cycle",
        sub_metadata: Some(json!({})),
        ..Inv::default()
    };
    let mut fetched = Fetched::default();
    fetched.subscription("sub_1", None).customer("cus_1", None);
    let d = run.decide_with(&paid("evt_1", Shape::Basil, &first), &fetched, T0);
    assert!(skipped(&d).contains("no click id"));
    assert_eq!(
        run.knowledge.trial_state("sub_1"),
        Some(TrialState::FirstPaymentHandled)
    );
    let second = Inv {
        id: "in_2",
        reason: "subscription_cycle",
        ..Inv::default()
    };
    let d = run.decide(&paid("evt_2", Shape::Basil, &second));
    assert_eq!(param(sent(&d).0, "EventTypeId").as_deref(), Some("2001"));
}

#[test]
fn zero_renewals_are_not_credited() {
    // The real $0 subscription_cycle payload (free tier), pre-basil.
    let e = clicktrail_stripe::Event::from_value(fixture(
        "invoice.paid__subscription_cycle__stripe-sync-engine.json",
    ))
    .unwrap();
    let d = Run::new().decide(&e);
    assert!(skipped(&d).contains("$0"), "{d:?}");
}

// ---------------------------------------------------------------- click ids

#[test]
fn click_id_comes_from_the_subscription_snapshot_in_both_shapes() {
    for shape in SHAPES {
        let spec = Inv {
            sub_metadata: Some(json!({"IRCLICKID": "SNAP"})),
            metadata: json!({"impact_click_id": "INVOICE"}),
            ..Inv::default()
        };
        let d = Run::new().decide(&paid("evt_1", shape, &spec));
        assert_eq!(
            param(sent(&d).0, "ClickId").as_deref(),
            Some("SNAP"),
            "{shape:?}: the snapshot wins over invoice metadata"
        );
    }
}

#[test]
fn click_id_lookup_order_across_every_source() {
    let learned = |run: &mut Run, owner: Owner, value: &str| {
        run.knowledge.apply(&[Record::ClickIdLearned {
            owner,
            click_id: ClickId::new(value).unwrap(),
            session: "cs_x".into(),
            recorded_at: T0 - 3600,
        }]);
    };
    let subscription = |value: &str| {
        Subscription::from_value(&json!({"id": "sub_1", "object": "subscription", "created": T0 - 7200, "metadata": {"impact_click_id": value}})).unwrap()
    };
    let customer = |value: &str| {
        Customer::from_value(
            &json!({"id": "cus_1", "object": "customer", "metadata": {"im_ref": value}}),
        )
        .unwrap()
    };

    for shape in SHAPES {
        let bare = Inv {
            sub_metadata: None,
            ..Inv::default()
        };

        // Invoice metadata when there is no snapshot.
        let spec = Inv {
            metadata: json!({"Impact_ClickId": "INVOICE"}),
            ..bare.clone()
        };
        assert_eq!(
            param(
                sent(&Run::new().decide(&paid("e", shape, &spec))).0,
                "ClickId"
            )
            .as_deref(),
            Some("INVOICE")
        );

        // Learned from the subscription's Checkout Session beats everything Stripe would be asked.
        let mut run = Run::new();
        learned(&mut run, Owner::Subscription("sub_1".into()), "LEARNED_SUB");
        learned(&mut run, Owner::Customer("cus_1".into()), "LEARNED_CUS");
        assert_eq!(
            param(sent(&run.decide(&paid("e", shape, &bare))).0, "ClickId").as_deref(),
            Some("LEARNED_SUB")
        );

        // Then the subscription fetched from Stripe, before what we learned about the customer.
        let mut run = Run::new();
        learned(&mut run, Owner::Customer("cus_1".into()), "LEARNED_CUS");
        let e = paid("e", shape, &bare);
        assert_eq!(
            run.decide(&e),
            Decision::Lookup {
                needs: Need::Subscription {
                    id: "sub_1".into(),
                    purpose: SubscriptionPurpose::ClickId
                }
            }
        );
        let mut fetched = Fetched::default();
        fetched.subscription("sub_1", Some(subscription("FETCHED_SUB")));
        assert_eq!(
            param(sent(&run.decide_with(&e, &fetched, T0)).0, "ClickId").as_deref(),
            Some("FETCHED_SUB")
        );

        // Then the customer: learned first, then fetched.
        let mut run = Run::new();
        learned(&mut run, Owner::Customer("cus_1".into()), "LEARNED_CUS");
        let mut fetched = Fetched::default();
        fetched.subscription("sub_1", Some(subscription("")));
        assert_eq!(
            param(sent(&run.decide_with(&e, &fetched, T0)).0, "ClickId").as_deref(),
            Some("LEARNED_CUS")
        );

        let mut run = Run::new();
        let d = run.decide_with(&e, &fetched, T0);
        assert_eq!(
            d,
            Decision::Lookup {
                needs: Need::Customer { id: "cus_1".into() }
            }
        );
        fetched.customer("cus_1", Some(customer("FETCHED_CUS")));
        assert_eq!(
            param(sent(&run.decide_with(&e, &fetched, T0)).0, "ClickId").as_deref(),
            Some("FETCHED_CUS")
        );
    }
}

#[test]
fn no_click_id_waits_for_a_new_subscription_then_skips() {
    for shape in SHAPES {
        let spec = Inv {
            sub_metadata: Some(json!({})),
            created: T0 - 60,
            ..Inv::default()
        };
        let e = paid("evt_1", shape, &spec);
        let mut fetched = Fetched::default();
        fetched.subscription("sub_1", None).customer("cus_1", None);
        let mut run = Run::new();
        match run.decide_with(&e, &fetched, T0) {
            Decision::Wait { until, reason } => {
                assert_eq!(until, T0 - 60 + 600, "created + click_id_wait");
                assert!(reason.contains("sub_1"));
            }
            other => panic!("{other:?}"),
        }
        assert!(!run.knowledge.event_seen("evt_1"), "a wait records nothing");
        let d = run.decide_with(&e, &fetched, T0 + 600);
        assert!(skipped(&d).contains("no click id"), "{d:?}");

        // An old subscription's renewal without a click id is skipped at once.
        let renewal = Inv {
            reason: "subscription_cycle",
            sub_metadata: Some(json!({})),
            created: T0 - 60,
            ..Inv::default()
        };
        let d = Run::new().decide_with(&paid("evt_2", shape, &renewal), &fetched, T0);
        assert!(skipped(&d).contains("no click id"), "{d:?}");
    }
}

#[test]
fn click_id_keys_are_configurable_and_case_insensitive_and_values_validated() {
    let spec = Inv {
        sub_metadata: Some(json!({"impact_click_id": "DEFAULTKEY", "My_Ref": "CUSTOM"})),
        ..Inv::default()
    };
    let mut run = Run::with(settings(|s| {
        s.rules.click_id_keys = ClickIdKeys::new(&["my_ref"]).unwrap()
    }));
    assert_eq!(
        param(
            sent(&run.decide(&paid("e", Shape::Basil, &spec))).0,
            "ClickId"
        )
        .as_deref(),
        Some("CUSTOM")
    );

    // An invalid value (a space) is passed over for the next source, and named if nothing is found.
    let spec = Inv {
        sub_metadata: Some(json!({"irclickid": "not valid"})),
        metadata: json!({"im_ref": "OK123"}),
        ..Inv::default()
    };
    assert_eq!(
        param(
            sent(&Run::new().decide(&paid("e", Shape::PreBasil, &spec))).0,
            "ClickId"
        )
        .as_deref(),
        Some("OK123")
    );
    let spec = Inv {
        sub_metadata: Some(json!({"irclickid": "x".repeat(65)})),
        reason: "subscription_cycle",
        ..Inv::default()
    };
    let mut fetched = Fetched::default();
    fetched.subscription("sub_1", None).customer("cus_1", None);
    let d = Run::new().decide_with(&paid("e", Shape::Basil, &spec), &fetched, T0);
    assert!(skipped(&d).contains("ignored: "), "{d:?}");
}

// ---------------------------------------------------------------- Checkout

fn checkout(id: &str, event_type: &str, object: serde_json::Value) -> clicktrail_stripe::Event {
    event(id, event_type, T0, object)
}

#[test]
fn paid_one_time_checkout_is_a_one_time_conversion() {
    let object = session(
        "payment",
        "paid",
        json!({
            "metadata": {"impact_click_id": "CHECKOUT"},
            "customer_details": {"email": "Buyer@Example.com"},
            "line_items": {"object": "list", "has_more": false, "data": [
                {"id": "li_1", "object": "item", "description": "Ebook", "quantity": 2, "amount_subtotal": 5000, "amount_total": 5400, "amount_tax": 400, "amount_discount": 0, "currency": "usd", "price": {"id": "price_ebook", "product": "prod_ebook"}}
            ]}
        }),
    );
    let d = Run::new().decide(&checkout(
        "evt_cs",
        "checkout.session.completed",
        object.clone(),
    ));
    let (r, not_before) = sent(&d);
    assert_eq!(not_before, T0);
    assert_eq!(param(r, "EventTypeId").as_deref(), Some("2000"));
    assert_eq!(param(r, "OrderId").as_deref(), Some("pi_checkout"));
    assert_eq!(param(r, "ClickId").as_deref(), Some("CHECKOUT"));
    assert_eq!(param(r, "ItemSku1").as_deref(), Some("price_ebook"));
    assert_eq!(param(r, "ItemQuantity1").as_deref(), Some("2"));
    assert_eq!(
        param(r, "CustomerEmail"),
        Some(hash_email("buyer@example.com"))
    );
    assert_eq!(sale_amount(r, 2), 5000, "amount_total minus amount_tax");

    let mut run = Run::with(settings(|s| s.one_time_event_type_id = Some(id("2002"))));
    let d = run.decide(&checkout("evt_cs", "checkout.session.completed", object));
    assert_eq!(param(sent(&d).0, "EventTypeId").as_deref(), Some("2002"));
}

#[test]
fn one_time_checkout_without_payment_intent_uses_the_session_id() {
    let object = session(
        "payment",
        "paid",
        json!({"payment_intent": null, "metadata": {"irclickid": "X1"}}),
    );
    let d = Run::new().decide(&checkout("evt_cs", "checkout.session.completed", object));
    assert_eq!(param(sent(&d).0, "OrderId").as_deref(), Some("cs_test_1"));
}

#[test]
fn unpaid_checkout_waits_for_async_payment_succeeded() {
    let mut run = Run::new();
    let unpaid = session(
        "payment",
        "unpaid",
        json!({"metadata": {"irclickid": "X1"}}),
    );
    let d = run.decide(&checkout("evt_1", "checkout.session.completed", unpaid));
    assert!(skipped(&d).contains("async_payment_succeeded"), "{d:?}");
    let paid = session("payment", "paid", json!({"metadata": {"irclickid": "X1"}}));
    let d = run.decide(&checkout(
        "evt_2",
        "checkout.session.async_payment_succeeded",
        paid.clone(),
    ));
    assert_eq!(param(sent(&d).0, "OrderId").as_deref(), Some("pi_checkout"));
    // The completed event delivered again is a duplicate by business key.
    let again = session(
        "payment",
        "unpaid",
        json!({"metadata": {"irclickid": "X1"}}),
    );
    assert!(
        skipped(&run.decide(&checkout("evt_3", "checkout.session.completed", again)))
            .contains("same change")
    );
    // A conversion per OrderId is sent once, even when another object names the same payment.
    let mut other = paid;
    other["id"] = json!("cs_test_2");
    let d = run.decide(&checkout("evt_4", "checkout.session.completed", other));
    assert!(skipped(&d).contains("already sent"), "{d:?}");
    assert_eq!(run.knowledge.conversions().len(), 1);
}

#[test]
fn client_reference_id_carries_the_click_id_only_in_the_irc_encoding() {
    let click = ClickId::new("Qx9:abc").unwrap();
    let object = session(
        "payment",
        "paid",
        json!({"client_reference_id": click.to_client_reference_id()}),
    );
    let d = Run::new().decide(&checkout("evt_1", "checkout.session.completed", object));
    assert_eq!(param(sent(&d).0, "ClickId").as_deref(), Some("Qx9:abc"));

    // A merchant's own reference is not a click id.
    let object = session(
        "payment",
        "paid",
        json!({"client_reference_id": "user_42", "customer": null}),
    );
    let d = Run::new().decide(&checkout("evt_1", "checkout.session.completed", object));
    assert!(skipped(&d).contains("no click id"), "{d:?}");
}

#[test]
fn subscription_mode_teaches_the_click_id_to_the_invoice() {
    for shape in SHAPES {
        let mut run = Run::new();
        let object = session(
            "subscription",
            "paid",
            json!({"metadata": {"impact_click_id": "FROM_CHECKOUT"}}),
        );
        let d = run.decide(&checkout("evt_cs", "checkout.session.completed", object));
        assert!(
            skipped(&d).contains("invoice.paid carries the money"),
            "{d:?}"
        );
        assert_eq!(
            run.knowledge
                .learned_click_id(&Owner::Subscription("sub_1".into()))
                .unwrap()
                .click_id
                .as_str(),
            "FROM_CHECKOUT"
        );
        assert_eq!(
            run.knowledge
                .learned_click_id(&Owner::Customer("cus_1".into()))
                .unwrap()
                .click_id
                .as_str(),
            "FROM_CHECKOUT"
        );

        let spec = Inv {
            sub_metadata: Some(json!({})),
            ..Inv::default()
        };
        let d = run.decide(&paid("evt_in", shape, &spec));
        assert_eq!(
            param(sent(&d).0, "ClickId").as_deref(),
            Some("FROM_CHECKOUT")
        );
    }
}

#[test]
fn real_checkout_payloads_are_read() {
    // Pre-basil, EUR, with tax: 9.99 total, 0.65 tax.
    let mut value = fixture("checkout.session.completed__payment__stripe-sync-engine.json");
    value["data"]["object"]["metadata"] = json!({"irclickid": "REAL1"});
    let e = clicktrail_stripe::Event::from_value(value).unwrap();
    let mut run = Run::new();
    let session = "cs_live_9RBjcHiy2i5p99Tf1MYM90c3SHK1grU0E6Ae6pKWR2KPA4ZiuKiB2X1Y3X";
    let Decision::Lookup { needs } = run.decide(&e) else {
        panic!("a real payload carries no line items: they are fetched")
    };
    assert_eq!(
        needs,
        Need::CheckoutLineItems {
            session: session.into()
        }
    );
    let mut fetched = Fetched::default();
    fetched.checkout_line_items(session, Ok(vec![line_item("price_sticker", 1, 999)]));
    let d = run.decide_with(&e, &fetched, e.created);
    let (r, _) = sent(&d);
    assert_eq!(param(r, "ItemSku1").as_deref(), Some("price_sticker"));
    // 9.99 of items, 0.65 of it tax: 0.65 goes out as the order discount.
    assert_eq!(param(r, "ItemSubTotal1").as_deref(), Some("9.99"));
    assert_eq!(param(r, "OrderDiscount").as_deref(), Some("0.65"));
    assert_eq!(param(r, "CurrencyCode").as_deref(), Some("EUR"));
    assert_eq!(
        param(r, "OrderId").as_deref(),
        Some("pi_1IqxJOJDPojXS6LN9uOebAea")
    );
    assert_eq!(sale_amount(r, 2), 934);

    // Subscription mode, data-only payload from pay.
    let object = fixture("checkout.session.completed__subscription__pay.json")["object"].clone();
    let mut object = object;
    object["client_reference_id"] = json!(ClickId::new("PAY1").unwrap().to_client_reference_id());
    let mut run = Run::new();
    run.decide(&checkout("evt_pay", "checkout.session.completed", object));
    assert_eq!(
        run.knowledge
            .learned_click_id(&Owner::Subscription("sub_1LNkeSKXBGcbgpbZ7jMqOPSi".into()))
            .unwrap()
            .click_id
            .as_str(),
        "PAY1"
    );
}

/// A Checkout line item as `GET /v1/checkout/sessions/{id}/line_items` gives it.
fn line_item(price: &str, quantity: i64, subtotal: i64) -> clicktrail_stripe::CheckoutLineItem {
    clicktrail_stripe::CheckoutLineItem::from_value(&json!({
        "id": format!("li_{price}"), "object": "item", "description": format!("{price} name"),
        "quantity": quantity, "amount_subtotal": subtotal, "amount_total": subtotal,
        "currency": "usd", "price": {"id": price, "product": format!("prod_{price}")}
    }))
    .unwrap()
}

/// A one-time session as its event carries it: no line items.
fn bare_session(patch: serde_json::Value) -> clicktrail_stripe::Event {
    let mut object = session(
        "payment",
        "paid",
        json!({"metadata": {"irclickid": "ITEMS"}}),
    );
    object["line_items"] = serde_json::Value::Null;
    for (k, v) in patch.as_object().unwrap() {
        object[k] = v.clone();
    }
    checkout("evt_items", "checkout.session.completed", object)
}

#[test]
fn one_time_checkout_is_itemised_from_the_line_items_stripe_gives() {
    let e = bare_session(json!({}));
    let d = Run::new().decide(&e);
    let Decision::Lookup { needs } = &d else {
        panic!("{d:?}")
    };
    assert_eq!(
        needs,
        &Need::CheckoutLineItems {
            session: "cs_test_1".into()
        }
    );
    assert!(
        needs
            .to_string()
            .starts_with("GET /v1/checkout/sessions/cs_test_1/line_items")
    );

    // 2 x 15.00 + 20.00 = 50.00 of items; 54.00 paid with 4.00 tax: 50.00 credited.
    let mut fetched = Fetched::default();
    fetched.checkout_line_items(
        "cs_test_1",
        Ok(vec![
            line_item("price_a", 2, 3000),
            line_item("price_b", 1, 2000),
        ]),
    );
    let d = Run::new().decide_with(&e, &fetched, T0);
    let r = sent(&d).0;
    assert_eq!(note(&d), None);
    let expect = [
        ("ItemSku1", "price_a"),
        ("ItemName1", "price_a name"),
        ("ItemQuantity1", "2"),
        ("ItemSubTotal1", "30.00"),
        ("ItemSku2", "price_b"),
        ("ItemQuantity2", "1"),
        ("ItemSubTotal2", "20.00"),
    ];
    for (key, value) in expect {
        assert_eq!(param(r, key).as_deref(), Some(value), "{key}");
    }
    assert_eq!(param(r, "OrderDiscount"), None);
    assert_eq!(sale_amount(r, 2), 3000 + 2000);

    // A 10.00 discount on the same items: 44.00 paid, 4.00 of it tax.
    let e = bare_session(json!({"amount_total": 4400,
        "total_details": {"amount_discount": 1000, "amount_shipping": 0, "amount_tax": 400}}));
    let d = Run::new().decide_with(&e, &fetched, T0);
    let r = sent(&d).0;
    assert_eq!(param(r, "OrderDiscount").as_deref(), Some("10.00"));
    assert_eq!(sale_amount(r, 2), 3000 + 2000 - 1000);

    // A payload with part of the items (expanded, has_more) asks for all of them.
    let partial = bare_session(json!({"line_items": {"object": "list", "has_more": true,
        "data": [{"id": "li_1", "object": "item", "quantity": 1, "amount_subtotal": 3000}]}}));
    assert!(matches!(
        Run::new().decide(&partial),
        Decision::Lookup {
            needs: Need::CheckoutLineItems { .. }
        }
    ));
}

#[test]
fn line_items_stripe_withholds_make_one_item_and_the_decision_says_why() {
    let e = bare_session(json!({}));
    let mut fetched = Fetched::default();
    fetched.checkout_line_items(
        "cs_test_1",
        Err("Stripe refused (403): rak_checkout_session_read".into()),
    );
    let d = Run::new().decide_with(&e, &fetched, T0);
    let r = sent(&d).0;
    assert_eq!(param(r, "ItemName1").as_deref(), Some("Order pi_checkout"));
    assert_eq!(param(r, "ItemSubTotal1").as_deref(), Some("50.00"));
    assert_eq!(param(r, "ItemSku2"), None);
    let note = note(&d).unwrap();
    assert!(
        note.contains("one item") && note.contains("cs_test_1") && note.contains("403"),
        "{note}"
    );
}

#[test]
fn a_promotion_code_stripe_names_goes_out_as_order_promo_code() {
    // Expanded in the payload: its code is right there.
    let mut fetched = Fetched::default();
    fetched.checkout_line_items("cs_test_1", Ok(vec![line_item("price_a", 1, 5000)]));
    let spelled = json!({"discounts": [{"coupon": "C1", "promotion_code":
        {"id": "promo_1", "object": "promotion_code", "code": "SPRING"}}]});
    let d = Run::new().decide_with(&bare_session(spelled), &fetched, T0);
    assert_eq!(
        param(sent(&d).0, "OrderPromoCode").as_deref(),
        Some("SPRING")
    );

    // Named by id only: its code is fetched; one Stripe will not show is left out.
    let by_id = bare_session(json!({"discounts": [{"coupon": "C1", "promotion_code": "promo_2"}]}));
    let d = Run::new().decide_with(&by_id, &fetched, T0);
    let Decision::Lookup { needs } = &d else {
        panic!("{d:?}")
    };
    assert_eq!(
        needs,
        &Need::PromotionCode {
            id: "promo_2".into()
        }
    );
    let mut answered = fetched.clone();
    answered.promotion_code("promo_2", Some("WELCOME".into()));
    let d = Run::new().decide_with(&by_id, &answered, T0);
    assert_eq!(
        param(sent(&d).0, "OrderPromoCode").as_deref(),
        Some("WELCOME")
    );
    let mut withheld = fetched.clone();
    withheld.promotion_code("promo_2", None);
    let d = Run::new().decide_with(&by_id, &withheld, T0);
    let r = sent(&d).0;
    assert_eq!(param(r, "OrderPromoCode"), None);
    assert_eq!(sale_amount(r, 2), 5000, "the code changes no amount");

    // No discount: no OrderPromoCode, no look-up.
    let d = Run::new().decide_with(&bare_session(json!({})), &fetched, T0);
    assert_eq!(param(sent(&d).0, "OrderPromoCode"), None);
}

#[test]
fn an_invoice_promotion_code_goes_out_when_its_discount_is_expanded() {
    for shape in SHAPES {
        let mut object = invoice(shape, &Inv::default());
        object["discounts"] = json!([{"id": "di_1", "object": "discount", "coupon": {"id": "C1"},
            "promotion_code": {"id": "promo_9", "object": "promotion_code", "code": "INV10"}}]);
        let d = Run::new().decide(&event("evt_p", "invoice.paid", T0, object.clone()));
        assert_eq!(
            param(sent(&d).0, "OrderPromoCode").as_deref(),
            Some("INV10")
        );
        // Discount ids name no promotion code: nothing is fetched, nothing is sent.
        object["discounts"] = json!(["di_1"]);
        let d = Run::new().decide(&event("evt_p", "invoice.paid", T0, object.clone()));
        assert_eq!(param(sent(&d).0, "OrderPromoCode"), None);
        // The older single `discount` object.
        object["discounts"] = json!([]);
        object["discount"] =
            json!({"id": "di_2", "object": "discount", "promotion_code": "promo_8"});
        let d = Run::new().decide(&event("evt_p", "invoice.paid", T0, object));
        assert_eq!(
            d,
            Decision::Lookup {
                needs: Need::PromotionCode {
                    id: "promo_8".into()
                }
            }
        );
    }
}

// ---------------------------------------------------------------- refunds

/// The pre-basil charge `ch_1` of invoice `in_1` (payment intent `pi_1`): `amount` charged,
/// `refunded` in all so far.
fn ch_1(amount: i64, refunded: i64) -> serde_json::Value {
    charge(
        Shape::PreBasil,
        "ch_1",
        amount,
        refunded,
        Some("pi_1"),
        Some("in_1"),
    )
}

fn refunded(id: &str, created: i64, object: serde_json::Value) -> clicktrail_stripe::Event {
    event(id, "charge.refunded", created, object)
}

#[test]
fn partial_refunds_modify_and_full_refunds_reverse_after_the_hold() {
    for shape in SHAPES {
        let mut run = Run::new();
        run.decide(&paid("evt_in", shape, &Inv::default()));
        let mut fetched = Fetched::default();
        fetched.invoice_of_payment_intent("pi_1", Some("in_1".into()));

        let d = run.decide_with(
            &refunded(
                "evt_r1",
                T0 + 100,
                charge(shape, "ch_1", 2900, 900, Some("pi_1"), Some("in_1")),
            ),
            &fetched,
            T0 + 100,
        );
        let (r, not_before) = sent(&d);
        assert_eq!(not_before, T0 + 100 + 3600, "held for refund_delay");
        assert_eq!(r.method().as_str(), "PUT");
        assert_eq!(r.path("IRsandbox"), "/Advertisers/IRsandbox/Actions");
        assert_eq!(
            r.params(),
            vec![
                ("ActionTrackerId".into(), "2000".into()),
                ("OrderId".into(), "in_1".into()),
                ("Amount".into(), "20.00".into()),
                ("Reason".into(), "ITEM_RETURNED".into()),
            ]
        );

        let d = run.decide_with(
            &refunded(
                "evt_r2",
                T0 + 200,
                charge(shape, "ch_1", 2900, 2900, Some("pi_1"), Some("in_1")),
            ),
            &fetched,
            T0 + 200,
        );
        let (r, _) = sent(&d);
        assert_eq!(r.method().as_str(), "DELETE");
        assert!(matches!(r, ImpactRequest::Reversal(_)));
        assert_eq!(
            param(r, "DispositionCode").as_deref(),
            Some("ITEM_RETURNED")
        );
        assert_eq!(param(r, "ActionTrackerId").as_deref(), Some("2000"));
        assert_eq!(param(r, "OrderId").as_deref(), Some("in_1"));
    }
}

#[test]
fn refund_codes_and_delay_are_configurable() {
    let mut run = Run::with(settings(|s| {
        s.rules.refund_delay = std::time::Duration::from_secs(2);
        s.rules.refund_reason = clicktrail_forwarder::config::Code::new("ORDER_UPDATE").unwrap();
        s.rules.refund_disposition = clicktrail_forwarder::config::Code::new("CONS_ERROR").unwrap();
    }));
    run.decide(&paid("evt_in", Shape::PreBasil, &Inv::default()));
    let d = run.decide(&refunded("evt_r1", T0, ch_1(2900, 100)));
    assert_eq!(sent(&d).1, T0 + 2);
    assert_eq!(param(sent(&d).0, "Reason").as_deref(), Some("ORDER_UPDATE"));
    let d = run.decide(&refunded("evt_r2", T0, ch_1(2900, 2900)));
    assert_eq!(
        param(sent(&d).0, "DispositionCode").as_deref(),
        Some("CONS_ERROR")
    );
}

#[test]
fn basil_refunds_ask_stripe_which_invoice_was_paid() {
    let mut run = Run::new();
    run.decide(&paid("evt_in", Shape::Basil, &Inv::default()));
    let e = refunded(
        "evt_r",
        T0,
        charge(Shape::Basil, "ch_9", 2900, 900, Some("pi_9"), None),
    );
    assert_eq!(
        run.decide(&e),
        Decision::Lookup {
            needs: Need::InvoiceOfPaymentIntent {
                payment_intent: "pi_9".into()
            }
        }
    );
    let mut fetched = Fetched::default();
    fetched.invoice_of_payment_intent("pi_9", Some("in_1".into()));
    assert_eq!(
        param(sent(&run.decide_with(&e, &fetched, T0)).0, "Amount").as_deref(),
        Some("20.00")
    );

    // A payment whose event was never decided: the refund waits for it, at most three days.
    let mut fetched = Fetched::default();
    fetched.invoice_of_payment_intent("pi_9", None);
    match Run::new().decide_with(&e, &fetched, T0) {
        Decision::AwaitConversion { refs, until, .. } => {
            assert_eq!(refs, ["ch_9", "pi_9"]);
            assert_eq!(until, T0 + 3 * 86_400);
        }
        other => panic!("{other:?}"),
    }
    let late = T0 + 3 * 86_400 + 1;
    assert!(skipped(&Run::new().decide_with(&e, &fetched, late)).contains("within 3 days"));
    fetched.invoice_of_payment_intent("pi_9", Some("in_404".into()));
    assert!(skipped(&Run::new().decide_with(&e, &fetched, late)).contains("in_404"));
}

#[test]
fn refunds_without_a_matching_conversion_wait_for_it_then_are_skipped() {
    for name in [
        "charge.refunded__full__stripe-sync-engine.json",
        "charge.refunded__full__stripe-ruby-mock.json",
    ] {
        let e = clicktrail_stripe::Event::from_value(fixture(name)).unwrap();
        let mut fetched = Fetched::default();
        fetched.invoice_of_payment_intent("pi_3Kl36gJDPojXS6LN02fQVtKR", None);
        let d = Run::new().decide_with(&e, &fetched, e.created);
        assert_eq!(d.kind(), "await_conversion", "{name}: {d:?}");
        assert!(d.records().is_empty(), "nothing is recorded while waiting");
        let late = e.created + 3 * 86_400;
        assert!(
            skipped(&Run::new().decide_with(&e, &fetched, late)).contains("no conversion"),
            "{name}"
        );
    }
}

#[test]
fn a_refund_of_a_payment_decided_without_a_conversion_is_skipped_at_once() {
    // The invoice was skipped (no click id anywhere): no conversion will ever come.
    let mut run = Run::new();
    let spec = Inv {
        sub_metadata: Some(json!({})),
        ..Inv::default()
    };
    let mut fetched = Fetched::default();
    fetched.subscription("sub_1", None).customer("cus_1", None);
    let d = run.decide_with(
        &paid("evt_in", Shape::PreBasil, &spec),
        &fetched,
        T0 + 86_400,
    );
    assert!(skipped(&d).contains("no click id"), "{d:?}");
    let d = run.decide(&refunded("evt_r", T0, ch_1(2900, 900)));
    assert!(skipped(&d).contains("decided without one"), "{d:?}");
}

#[test]
fn a_refund_before_its_invoice_waits_and_is_decided_again_after_it() {
    for shape in SHAPES {
        let mut run = Run::new();
        let mut fetched = Fetched::default();
        fetched.invoice_of_payment_intent("pi_1", Some("in_1".into()));
        let refund = refunded(
            "evt_r",
            T0 + 60,
            charge(shape, "ch_1", 2900, 900, Some("pi_1"), Some("in_1")),
        );
        let first = run.decide_with(&refund, &fetched, T0 + 60);
        let Decision::AwaitConversion { refs, reason, .. } = &first else {
            panic!("{first:?}");
        };
        assert!(refs.contains(&"in_1".to_owned()), "{refs:?}");
        assert!(reason.starts_with("waiting for its conversion"), "{reason}");
        // The late invoice.paid: the conversion, and the refund decided again is a modification.
        sent(&run.decide(&paid("evt_in", shape, &Inv::default())));
        let again = run.decide_with(&refund, &fetched, T0 + 120);
        assert_eq!(param(sent(&again).0, "Amount").as_deref(), Some("20.00"));
    }
}

#[test]
fn a_real_pre_basil_refund_matches_its_invoice() {
    let mut run = Run::new();
    let spec = Inv {
        id: "in_1KJdKkJDPojXS6LNSwSWkZSN",
        amount_paid: 2500,
        payment_intent: None,
        charge: None,
        lines: vec![L(2500, 1, "Plan", "price_1")],
        ..Inv::default()
    };
    run.decide(&paid("evt_in", Shape::PreBasil, &spec));
    let e = clicktrail_stripe::Event::from_value(fixture(
        "charge.refunded__full__stripe-sync-engine.json",
    ))
    .unwrap();
    let d = run.decide(&e);
    let (r, not_before) = sent(&d);
    assert!(matches!(r, ImpactRequest::Reversal(_)));
    assert_eq!(
        param(r, "OrderId").as_deref(),
        Some("in_1KJdKkJDPojXS6LNSwSWkZSN")
    );
    assert_eq!(not_before, e.created + 3600);
}

#[test]
fn a_one_time_checkout_refund_matches_by_payment_intent() {
    for shape in SHAPES {
        let mut run = Run::new();
        run.decide(&checkout(
            "evt_cs",
            "checkout.session.completed",
            session("payment", "paid", json!({"metadata": {"irclickid": "X1"}})),
        ));
        let d = run.decide(&refunded(
            "evt_r",
            T0,
            charge(shape, "ch_cs", 5400, 2700, Some("pi_checkout"), None),
        ));
        let (r, _) = sent(&d);
        assert_eq!(param(r, "OrderId").as_deref(), Some("pi_checkout"));
        // 50.00 credited of a 54.00 charge (4.00 tax), 27.00 refunded: 50 x 27 / 54 = 25.00.
        assert_eq!(param(r, "Amount").as_deref(), Some("25.00"));
    }
}

#[test]
fn refunds_never_move_the_amount_back_up() {
    let mut run = Run::new();
    run.decide(&paid("evt_in", Shape::PreBasil, &Inv::default()));
    let newer = run.decide(&refunded("evt_new", T0 + 20, ch_1(2900, 1500)));
    assert_eq!(param(sent(&newer).0, "Amount").as_deref(), Some("14.00"));
    // The older refund (500 refunded in total) arrives late.
    let older = run.decide(&refunded("evt_old", T0 + 10, ch_1(2900, 500)));
    assert!(skipped(&older).contains("never moved back up"), "{older:?}");
    // After a reversal nothing else is sent.
    run.decide(&refunded("evt_full", T0 + 30, ch_1(2900, 2900)));
    let after = run.decide(&refunded("evt_more", T0 + 40, ch_1(2900, 2950)));
    assert!(skipped(&after).contains("reversed"), "{after:?}");
}

#[test]
fn refunds_shrink_the_credit_in_proportion_to_what_is_left_of_the_charge() {
    // Paid 31.90 including 2.90 tax; credited 29.00. A refund of 1.00 leaves 30.90 of 31.90:
    // 29.00 x 30.90 / 31.90 = 28.0909... -> 28.09. 10.00 refunded in all leaves 21.90:
    // 29.00 x 21.90 / 31.90 = 19.909... -> 19.91 (the seed's gross 21.90 over-credits).
    let mut run = Run::new();
    run.decide(&paid(
        "evt_in",
        Shape::PreBasil,
        &Inv {
            amount_paid: 3190,
            tax: 290,
            ..Inv::default()
        },
    ));
    let d = run.decide(&refunded("evt_r1", T0, ch_1(3190, 100)));
    assert_eq!(param(sent(&d).0, "Amount").as_deref(), Some("28.09"));
    let d = run.decide(&refunded("evt_r2", T0, ch_1(3190, 1000)));
    assert_eq!(param(sent(&d).0, "Amount").as_deref(), Some("19.91"));
}

// ---------------------------------------------------------------- duplicates

#[test]
fn duplicates_are_skipped_by_event_id_and_by_business_key() {
    for shape in SHAPES {
        let mut run = Run::new();
        let e = paid("evt_1", shape, &Inv::default());
        sent(&run.decide(&e));
        assert!(skipped(&run.decide(&e)).contains("duplicate delivery"));
        // Another event id for the same invoice and type.
        let twin = paid("evt_twin", shape, &Inv::default());
        assert!(skipped(&run.decide(&twin)).contains("same change"));
        assert!(
            run.knowledge.event_seen("evt_twin"),
            "the twin is remembered too"
        );
        assert_eq!(run.knowledge.conversions().len(), 1);
    }
}

#[test]
fn each_partial_refund_of_one_charge_is_its_own_business_key() {
    let mut run = Run::new();
    run.decide(&paid("evt_in", Shape::PreBasil, &Inv::default()));
    let first = run.decide(&refunded("evt_a", T0, ch_1(2900, 500)));
    let second = run.decide(&refunded("evt_b", T0, ch_1(2900, 1000)));
    assert_eq!(param(sent(&first).0, "Amount").as_deref(), Some("24.00"));
    assert_eq!(param(sent(&second).0, "Amount").as_deref(), Some("19.00"));
    // A second event for the second refund (same charge, same cumulative amount): duplicate.
    let again = run.decide(&refunded("evt_c", T0, ch_1(2900, 1000)));
    assert!(skipped(&again).contains("same change"), "{again:?}");
}

#[test]
fn unhandled_event_types_are_skipped_with_the_type() {
    let e = clicktrail_stripe::Event::from_value(fixture(
        "invoice.created__subscription_create__stripe-ruby-mock.json",
    ))
    .unwrap();
    assert!(skipped(&Run::new().decide(&e)).contains("invoice.created"));
}

#[test]
fn real_invoice_payloads_of_both_shapes_are_credited() {
    // Stripe's own basil fixture (a manual invoice) turned into a subscription_create invoice.
    let mut basil = openapi("invoice");
    basil["billing_reason"] = json!("subscription_create");
    basil["status"] = json!("paid");
    basil["amount_paid"] = json!(1000);
    basil["parent"]["subscription_details"] =
        json!({"subscription": "sub_x", "metadata": {"impact_click_id": "BASIL"}});
    let d = Run::new().decide(&event("evt_b", "invoice.paid", T0, basil));
    let (r, _) = sent(&d);
    assert_eq!(param(r, "ClickId").as_deref(), Some("BASIL"));
    assert_eq!(
        param(r, "ItemName1").as_deref(),
        Some("My First Invoice Item (created for API docs)")
    );
    assert_eq!(sale_amount(r, 2), 1000);

    // dj-stripe's pre-basil subscription_create invoice: 20.00 paid, 2.61 tax, no lines.
    let mut old = fixture("invoice__subscription_create__dj-stripe.json");
    old["metadata"] = json!({"irclickid": "DJ"});
    let d = Run::new().decide(&event("evt_d", "invoice.paid", T0, old));
    let (r, _) = sent(&d);
    assert_eq!(
        param(r, "OrderId").as_deref(),
        Some("in_fakefakefakefakefake0001")
    );
    assert_eq!(param(r, "EventTypeId").as_deref(), Some("2000"));
    assert_eq!(sale_amount(r, 2), 1739);
    assert_eq!(
        param(r, "CustomerEmail"),
        Some(hash_email("michael.smith@example.com"))
    );
}

#[test]
fn one_time_checkout_falls_back_to_the_customer() {
    let object = session("payment", "paid", json!({}));
    let e = checkout("evt_1", "checkout.session.completed", object);
    let mut run = Run::new();
    assert_eq!(
        run.decide(&e),
        Decision::Lookup {
            needs: Need::Customer { id: "cus_1".into() }
        }
    );
    let mut fetched = Fetched::default();
    fetched.customer("cus_1", Some(Customer::from_value(&json!({"id": "cus_1", "object": "customer", "metadata": {"IMPACT_CLICK_ID": "CUS1"}})).unwrap()));
    assert_eq!(
        param(sent(&run.decide_with(&e, &fetched, T0)).0, "ClickId").as_deref(),
        Some("CUS1")
    );
    fetched.customer("cus_1", None);
    assert!(skipped(&Run::new().decide_with(&e, &fetched, T0)).contains("no click id"));
}

#[test]
fn setup_mode_checkout_is_skipped() {
    let d = Run::new().decide(&checkout(
        "evt_1",
        "checkout.session.completed",
        session(
            "setup",
            "no_payment_required",
            json!({"metadata": {"irclickid": "X"}}),
        ),
    ));
    assert!(skipped(&d).contains("mode setup"), "{d:?}");
}

#[test]
fn trial_first_payment_asks_stripe_when_the_sign_up_was_never_seen() {
    let subscription = |trial_end: Option<i64>| {
        Subscription::from_value(&json!({"id": "sub_1", "object": "subscription", "created": T0 - 30 * 86400, "trial_end": trial_end, "metadata": {}})).unwrap()
    };
    for shape in SHAPES {
        let first = Inv {
            reason: "subscription_cycle",
            created: T0,
            ..Inv::default()
        };
        let e = paid("evt_1", shape, &first);
        let mut run = Run::with(settings(|s| s.rules.trial = Trial::FirstPayment));
        assert_eq!(
            run.decide(&e),
            Decision::Lookup {
                needs: Need::Subscription {
                    id: "sub_1".into(),
                    purpose: SubscriptionPurpose::FirstPayment
                }
            }
        );

        // The trial ended an hour before this invoice: it is the first payment.
        let mut fetched = Fetched::default();
        fetched.subscription("sub_1", Some(subscription(Some(T0 - 3600))));
        let d = run.decide_with(&e, &fetched, T0);
        assert_eq!(param(sent(&d).0, "EventTypeId").as_deref(), Some("2000"));
        assert_eq!(
            run.knowledge.trial_state("sub_1"),
            Some(TrialState::FirstPaymentHandled)
        );

        // The next renewal is decided from what was recorded, without asking again.
        let next = Inv {
            id: "in_2",
            reason: "subscription_cycle",
            created: T0 + 30 * 86400,
            ..Inv::default()
        };
        let d = run.decide(&paid("evt_2", shape, &next));
        assert_eq!(param(sent(&d).0, "EventTypeId").as_deref(), Some("2001"));

        // A trial that ended long ago, or none: a renewal.
        for trial_end in [Some(T0 - 20 * 86400), None] {
            let mut run = Run::with(settings(|s| s.rules.trial = Trial::FirstPayment));
            let mut fetched = Fetched::default();
            fetched.subscription("sub_1", Some(subscription(trial_end)));
            let d = run.decide_with(&e, &fetched, T0);
            assert_eq!(
                param(sent(&d).0, "EventTypeId").as_deref(),
                Some("2001"),
                "{trial_end:?}"
            );
        }
    }
}

// ---------------------------------------------------------------- disputes

/// A `charge.dispute.closed` event at `at` for a dispute of `charge` / `pi` closed as `status`.
fn dispute_closed(
    event_id: &str,
    at: i64,
    status: &str,
    charge: &str,
    pi: Option<&str>,
) -> clicktrail_stripe::Event {
    event(
        event_id,
        "charge.dispute.closed",
        at,
        json!({
            "id": "dp_1", "object": "dispute", "amount": 2900, "currency": "usd",
            "charge": charge, "payment_intent": pi, "reason": "fraudulent",
            "status": status, "created": T0
        }),
    )
}

/// A run in which the pre-basil invoice `in_1` (charge `ch_1`, payment intent `pi_1`, 29.00)
/// was credited.
fn credited_invoice(edit: impl FnOnce(&mut Settings)) -> Run {
    let mut run = Run::with(settings(edit));
    sent(&run.decide(&paid("evt_in", Shape::PreBasil, &Inv::default())));
    run
}

#[test]
fn a_lost_dispute_reverses_the_conversion_after_the_hold() {
    let mut run = credited_invoice(|_| {});
    // The dispute was opened at T0 and closes 30 days later: the hold counts from the closing
    // event (refund_delay, 3600 s by default), like a refund's.
    let closed_at = T0 + 30 * 86_400;
    let d = run.decide(&dispute_closed(
        "evt_dp",
        closed_at,
        "lost",
        "ch_1",
        Some("pi_1"),
    ));
    let (r, not_before) = sent(&d);
    assert!(matches!(r, ImpactRequest::Reversal(_)), "{r:?}");
    assert_eq!(r.method().as_str(), "DELETE");
    assert_eq!(r.path("IRsandbox"), "/Advertisers/IRsandbox/Actions");
    assert_eq!(
        r.params(),
        vec![
            ("ActionTrackerId".into(), "2000".into()),
            ("OrderId".into(), "in_1".into()),
            ("DispositionCode".into(), "CONS_FRAUD".into()),
        ]
    );
    assert_eq!(not_before, closed_at + 3600, "held for refund_delay");
    assert!(run.knowledge.conversions()[0].reversed);

    // A refund that arrives afterwards changes nothing.
    let d = run.decide(&refunded("evt_r", closed_at + 10, ch_1(2900, 900)));
    assert!(skipped(&d).contains("already reversed"), "{d:?}");
}

#[test]
fn a_lost_dispute_after_a_partial_refund_still_reverses_the_whole_action() {
    let mut run = credited_invoice(|_| {});
    // 9.00 of 29.00 refunded: 29.00 x 20.00 / 29.00 = 20.00 stays credited.
    let d = run.decide(&refunded("evt_r", T0 + 10, ch_1(2900, 900)));
    assert_eq!(param(sent(&d).0, "Amount").as_deref(), Some("20.00"));
    let d = run.decide(&dispute_closed(
        "evt_dp",
        T0 + 20,
        "lost",
        "ch_1",
        Some("pi_1"),
    ));
    let (r, not_before) = sent(&d);
    assert_eq!(r.method().as_str(), "DELETE");
    assert_eq!(param(r, "OrderId").as_deref(), Some("in_1"));
    assert_eq!(param(r, "DispositionCode").as_deref(), Some("CONS_FRAUD"));
    assert_eq!(not_before, T0 + 20 + 3600);
}

#[test]
fn dispute_disposition_sets_the_reversal_code() {
    let mut run = credited_invoice(|s| {
        s.rules.dispute_disposition =
            clicktrail_forwarder::config::Code::new("CONS_OTHER").unwrap();
        s.rules.refund_delay = std::time::Duration::from_secs(5);
    });
    let d = run.decide(&dispute_closed("evt_dp", T0, "lost", "ch_1", Some("pi_1")));
    let (r, not_before) = sent(&d);
    assert_eq!(param(r, "DispositionCode").as_deref(), Some("CONS_OTHER"));
    assert_eq!(not_before, T0 + 5, "refund_delay of 5 s");
}

#[test]
fn won_and_warning_closed_disputes_change_nothing_and_say_why() {
    for status in ["won", "warning_closed"] {
        let mut run = credited_invoice(|_| {});
        let d = run.decide(&dispute_closed("evt_dp", T0, status, "ch_1", Some("pi_1")));
        let reason = skipped(&d);
        assert!(reason.contains(status), "{status}: {reason}");
        assert!(run.knowledge.event_seen("evt_dp"), "the skip is recorded");
        assert!(!run.knowledge.conversions()[0].reversed);
        // A later full refund is still a reversal: nothing was changed.
        let d = run.decide(&refunded("evt_r", T0, ch_1(2900, 2900)));
        assert_eq!(sent(&d).0.method().as_str(), "DELETE", "{status}");
    }
}

#[test]
fn a_lost_dispute_after_a_full_refund_is_skipped_as_already_reversed() {
    let mut run = credited_invoice(|_| {});
    let d = run.decide(&refunded("evt_r", T0, ch_1(2900, 2900)));
    assert_eq!(
        param(sent(&d).0, "DispositionCode").as_deref(),
        Some("ITEM_RETURNED")
    );
    let d = run.decide(&dispute_closed(
        "evt_dp",
        T0 + 10,
        "lost",
        "ch_1",
        Some("pi_1"),
    ));
    assert!(skipped(&d).contains("already reversed"), "{d:?}");
}

#[test]
fn a_lost_dispute_of_a_one_time_checkout_payment_matches_by_payment_intent() {
    let mut run = Run::new();
    sent(&run.decide(&checkout(
        "evt_cs",
        "checkout.session.completed",
        session("payment", "paid", json!({"metadata": {"irclickid": "X1"}})),
    )));
    // The dispute names a charge the forwarder never saw, and the session's payment intent.
    let d = run.decide(&dispute_closed(
        "evt_dp",
        T0,
        "lost",
        "ch_cs",
        Some("pi_checkout"),
    ));
    let (r, not_before) = sent(&d);
    assert_eq!(r.method().as_str(), "DELETE");
    assert_eq!(param(r, "OrderId").as_deref(), Some("pi_checkout"));
    assert_eq!(param(r, "ActionTrackerId").as_deref(), Some("2000"));
    assert_eq!(param(r, "DispositionCode").as_deref(), Some("CONS_FRAUD"));
    assert_eq!(not_before, T0 + 3600);
}

#[test]
fn a_lost_dispute_whose_payment_was_never_seen_waits_for_it() {
    let mut run = Run::new();
    let e = dispute_closed("evt_dp", T0, "lost", "ch_1", Some("pi_1"));
    // The charge names no invoice: Stripe is asked which invoice the payment intent paid.
    assert_eq!(
        run.decide(&e),
        Decision::Lookup {
            needs: Need::InvoiceOfPaymentIntent {
                payment_intent: "pi_1".into()
            }
        }
    );
    let mut fetched = Fetched::default();
    fetched.invoice_of_payment_intent("pi_1", Some("in_1".into()));
    let d = run.decide_with(&e, &fetched, T0);
    assert_eq!(d.kind(), "await_conversion", "{d:?}");
    let Decision::AwaitConversion { refs, until, .. } = &d else {
        unreachable!()
    };
    assert!(
        refs.contains(&"ch_1".to_owned()) && refs.contains(&"in_1".to_owned()),
        "{refs:?}"
    );
    // CONVERSION_WAIT: three days after the event.
    assert_eq!(*until, T0 + 3 * 86_400);
    assert!(
        !run.knowledge.event_seen("evt_dp"),
        "nothing recorded while waiting"
    );

    // The invoice arrives; the dispute decided again reverses it.
    sent(&run.decide(&paid("evt_in", Shape::PreBasil, &Inv::default())));
    let d = run.decide_with(&e, &fetched, T0 + 60);
    assert_eq!(sent(&d).0.method().as_str(), "DELETE");
    assert_eq!(param(sent(&d).0, "OrderId").as_deref(), Some("in_1"));
}

#[test]
fn a_duplicate_dispute_event_is_skipped() {
    let mut run = credited_invoice(|_| {});
    let e = dispute_closed("evt_dp", T0, "lost", "ch_1", Some("pi_1"));
    sent(&run.decide(&e));
    assert!(skipped(&run.decide(&e)).contains("duplicate delivery"));
    // Another event id for the same dispute closing: same business key.
    let twin = dispute_closed("evt_dp2", T0, "lost", "ch_1", Some("pi_1"));
    assert!(skipped(&run.decide(&twin)).contains("same change"));
}

// ---------------------------------------------------------------- click-id age

const DAY: i64 = 86_400;

fn learned_for_customer(run: &mut Run, value: &str, recorded_at: i64) {
    run.knowledge.apply(&[Record::ClickIdLearned {
        owner: Owner::Customer("cus_1".into()),
        click_id: ClickId::new(value).unwrap(),
        session: "cs_old".into(),
        recorded_at,
    }]);
}

fn subscription_created(created: i64, metadata: serde_json::Value) -> Subscription {
    Subscription::from_value(&json!({
        "id": "sub_1", "object": "subscription", "created": created, "metadata": metadata
    }))
    .unwrap()
}

fn customer_created(created: i64, metadata: serde_json::Value) -> Customer {
    Customer::from_value(&json!({
        "id": "cus_1", "object": "customer", "created": created, "metadata": metadata
    }))
    .unwrap()
}

/// A renewal of `sub_1` at T0 with no click id on the invoice or its snapshot.
fn renewal_without_click_id(shape: Shape) -> clicktrail_stripe::Event {
    paid(
        "evt_in",
        shape,
        &Inv {
            reason: "subscription_cycle",
            sub_metadata: Some(json!({})),
            created: T0,
            ..Inv::default()
        },
    )
}

#[test]
fn a_click_id_learned_for_the_customer_credits_subscriptions_started_within_max_age() {
    // The click id was recorded by a Checkout Session at R; the renewal is at T0, long after,
    // but what counts is when the subscription started (its fetched `created`).
    let recorded = T0 - 400 * DAY;
    for shape in SHAPES {
        // Learned through a real subscription-mode Checkout Session of another subscription.
        let mut run = Run::new();
        let old = session(
            "subscription",
            "paid",
            json!({"id": "cs_old", "subscription": "sub_0", "created": recorded,
                   "metadata": {"impact_click_id": "OLDCLICK"}}),
        );
        run.decide(&checkout("evt_cs", "checkout.session.completed", old));
        let learned = run
            .knowledge
            .learned_click_id(&Owner::Customer("cus_1".into()))
            .unwrap();
        assert_eq!(
            learned.recorded_at,
            Some(recorded),
            "recorded at the session's created"
        );

        // Started 90 days less an hour after the click id was recorded: used.
        let mut fetched = Fetched::default();
        fetched
            .subscription(
                "sub_1",
                Some(subscription_created(recorded + 90 * DAY - 3600, json!({}))),
            )
            .customer("cus_1", None);
        let d = run.decide_with(&renewal_without_click_id(shape), &fetched, T0);
        assert_eq!(
            param(sent(&d).0, "ClickId").as_deref(),
            Some("OLDCLICK"),
            "{shape:?}"
        );

        // Started 91 days after: not used, and the skip says why.
        let mut run = Run::new();
        learned_for_customer(&mut run, "OLDCLICK", recorded);
        let mut fetched = Fetched::default();
        fetched
            .subscription(
                "sub_1",
                Some(subscription_created(recorded + 91 * DAY, json!({}))),
            )
            .customer("cus_1", None);
        let d = run.decide_with(&renewal_without_click_id(shape), &fetched, T0);
        let reason = skipped(&d);
        assert!(reason.contains("no click id"), "{shape:?}: {reason}");
        assert!(reason.contains("click_id_max_age"), "{shape:?}: {reason}");
        assert!(run.knowledge.conversions().is_empty());
    }
}

#[test]
fn a_click_id_in_customer_metadata_is_dated_by_the_customer_creation() {
    let customer_at = T0 - 400 * DAY;
    for shape in SHAPES {
        for (started, used) in [
            (customer_at + 90 * DAY - 3600, true),
            (customer_at + 91 * DAY, false),
        ] {
            let mut fetched = Fetched::default();
            fetched
                .subscription("sub_1", Some(subscription_created(started, json!({}))))
                .customer(
                    "cus_1",
                    Some(customer_created(
                        customer_at,
                        json!({"impact_click_id": "CUSMETA"}),
                    )),
                );
            let d = Run::new().decide_with(&renewal_without_click_id(shape), &fetched, T0);
            if used {
                assert_eq!(param(sent(&d).0, "ClickId").as_deref(), Some("CUSMETA"));
            } else {
                let reason = skipped(&d);
                assert!(reason.contains("click_id_max_age"), "{shape:?}: {reason}");
            }
        }
    }
}

#[test]
fn the_click_id_max_age_skip_names_the_limit_as_configured() {
    // Default limit: 90 days. The customer was created 91 days before the subscription.
    let customer_at = T0 - 400 * DAY;
    let mut fetched = Fetched::default();
    fetched
        .subscription(
            "sub_1",
            Some(subscription_created(customer_at + 91 * DAY, json!({}))),
        )
        .customer(
            "cus_1",
            Some(customer_created(
                customer_at,
                json!({"impact_click_id": "CUSMETA"}),
            )),
        );
    let d = Run::new().decide_with(&renewal_without_click_id(Shape::Basil), &fetched, T0);
    let reason = skipped(&d);
    assert!(reason.contains("click_id_max_age (90"), "{reason}");
    assert!(!reason.contains("month"), "{reason}");
}

#[test]
fn a_click_id_on_the_subscription_itself_always_counts() {
    // The subscription started three years ago; the customer's own click ids (learned and in
    // its metadata) are far too old, so only the subscription's click id can credit this renewal.
    let started = T0 - 3 * 365 * DAY;
    let old_customer =
        || customer_created(started - 365 * DAY, json!({"impact_click_id": "OLDCUS"}));
    for shape in SHAPES {
        // On the invoice's subscription snapshot.
        let mut run = Run::new();
        learned_for_customer(&mut run, "OLDLEARNED", started - 365 * DAY);
        let spec = Inv {
            reason: "subscription_cycle",
            sub_metadata: Some(json!({"impact_click_id": "SNAPSHOT"})),
            created: T0,
            ..Inv::default()
        };
        let mut fetched = Fetched::default();
        fetched
            .subscription("sub_1", Some(subscription_created(started, json!({}))))
            .customer("cus_1", Some(old_customer()));
        let d = run.decide_with(&paid("evt_in", shape, &spec), &fetched, T0);
        assert_eq!(param(sent(&d).0, "ClickId").as_deref(), Some("SNAPSHOT"));

        // On the subscription fetched from Stripe.
        let mut run = Run::new();
        learned_for_customer(&mut run, "OLDLEARNED", started - 365 * DAY);
        let mut fetched = Fetched::default();
        fetched
            .subscription(
                "sub_1",
                Some(subscription_created(
                    started,
                    json!({"impact_click_id": "SUBMETA"}),
                )),
            )
            .customer("cus_1", Some(old_customer()));
        let d = run.decide_with(&renewal_without_click_id(shape), &fetched, T0);
        assert_eq!(param(sent(&d).0, "ClickId").as_deref(), Some("SUBMETA"));

        // Learned from the subscription's own Checkout Session three years ago.
        let mut run = Run::new();
        run.knowledge.apply(&[Record::ClickIdLearned {
            owner: Owner::Subscription("sub_1".into()),
            click_id: ClickId::new("OWNCHECKOUT").unwrap(),
            session: "cs_own".into(),
            recorded_at: started,
        }]);
        let d = run.decide_with(&renewal_without_click_id(shape), &fetched, T0);
        assert_eq!(param(sent(&d).0, "ClickId").as_deref(), Some("OWNCHECKOUT"));
    }
}

#[test]
fn click_id_max_age_zero_turns_the_limit_off() {
    let recorded = T0 - 3 * 365 * DAY;
    let off = || settings(|s| s.rules.click_id_max_age = std::time::Duration::ZERO);
    for shape in SHAPES {
        // Learned for the customer three years before the subscription started.
        let mut run = Run::with(off());
        learned_for_customer(&mut run, "OLDLEARNED", recorded);
        let mut fetched = Fetched::default();
        fetched
            .subscription("sub_1", Some(subscription_created(T0 - DAY, json!({}))))
            .customer("cus_1", None);
        let d = run.decide_with(&renewal_without_click_id(shape), &fetched, T0);
        assert_eq!(param(sent(&d).0, "ClickId").as_deref(), Some("OLDLEARNED"));

        // In the metadata of a customer created three years before.
        let mut fetched = Fetched::default();
        fetched
            .subscription("sub_1", Some(subscription_created(T0 - DAY, json!({}))))
            .customer(
                "cus_1",
                Some(customer_created(
                    recorded,
                    json!({"impact_click_id": "OLDCUS"}),
                )),
            );
        let d = Run::with(off()).decide_with(&renewal_without_click_id(shape), &fetched, T0);
        assert_eq!(param(sent(&d).0, "ClickId").as_deref(), Some("OLDCUS"));

        // The same with the default (90 days): both are refused.
        let d = Run::new().decide_with(&renewal_without_click_id(shape), &fetched, T0);
        assert!(skipped(&d).contains("click_id_max_age"), "{d:?}");
    }
}

#[test]
fn one_time_checkout_uses_a_customer_click_id_only_within_max_age_of_the_session() {
    // The session was created two days before its completion event; the purchase starts then.
    let started = T0 - 2 * DAY;
    let one_time = || {
        checkout(
            "evt_cs",
            "checkout.session.completed",
            session(
                "payment",
                "paid",
                json!({"created": started, "metadata": {}}),
            ),
        )
    };
    let mut fetched = Fetched::default();
    fetched.customer("cus_1", None);

    // Recorded 90 days less an hour before the session: used (from the event's own time it
    // would be 92 days, so the session's `created` is what counts).
    let mut run = Run::new();
    learned_for_customer(&mut run, "CUSLEARNED", started - 90 * DAY + 3600);
    let d = run.decide_with(&one_time(), &fetched, T0);
    assert_eq!(param(sent(&d).0, "ClickId").as_deref(), Some("CUSLEARNED"));

    // Recorded 91 days before: not used.
    let mut run = Run::new();
    learned_for_customer(&mut run, "CUSLEARNED", started - 91 * DAY);
    let d = run.decide_with(&one_time(), &fetched, T0);
    let reason = skipped(&d);
    assert!(reason.contains("no click id"), "{reason}");
    assert!(reason.contains("click_id_max_age"), "{reason}");

    // The same limit for a click id in the metadata of a customer created 91 days before.
    let mut fetched = Fetched::default();
    fetched.customer(
        "cus_1",
        Some(customer_created(
            started - 91 * DAY,
            json!({"impact_click_id": "CUSMETA"}),
        )),
    );
    let d = Run::new().decide_with(&one_time(), &fetched, T0);
    assert!(skipped(&d).contains("click_id_max_age"), "{d:?}");
}

// ---------------------------------------------------------------- OrderId of one-time payments

/// A free (fully discounted) one-time Checkout Session `id`: paid, no payment intent.
fn free_session(id: &str) -> clicktrail_stripe::Event {
    checkout(
        "evt_free",
        "checkout.session.completed",
        session(
            "payment",
            "no_payment_required",
            json!({
                "id": id, "payment_intent": null, "amount_total": 0, "amount_subtotal": 0,
                "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
                "metadata": {"irclickid": "FREE1"}
            }),
        ),
    )
}

#[test]
fn a_session_without_payment_intent_gets_a_stable_order_id_of_at_most_64_characters() {
    // Real session ids: "cs_test_" and 58 alphanumerics, 66 characters.
    let long_a = format!("cs_test_{}", "a1B2c3D4e5".repeat(6).get(..58).unwrap());
    let long_b = format!("cs_test_{}", "Z9y8X7w6v5".repeat(6).get(..58).unwrap());
    assert_eq!((long_a.len(), long_b.len()), (66, 66));
    let order = |id: &str| {
        let d = Run::new().decide(&free_session(id));
        let (r, _) = sent(&d);
        assert_eq!(param(r, "ClickId").as_deref(), Some("FREE1"));
        param(r, "OrderId").unwrap()
    };
    let a = order(&long_a);
    assert!(a.len() <= 64, "{a} has {} characters", a.len());
    assert!(a.starts_with("cs_"), "{a}");
    assert_eq!(order(&long_a), a, "the same session gives the same OrderId");
    assert_ne!(order(&long_b), a, "another session gives another OrderId");

    // A session id that fits impact.com's 64 characters is used as it is.
    let fits = format!("cs_test_{}", "k".repeat(56));
    assert_eq!(fits.len(), 64);
    assert_eq!(order(&fits), fits);
    assert_eq!(order("cs_test_short"), "cs_test_short");
}

// ---------------------------------------------------------------- configuration

const MINIMAL_CONFIG: &str = r#"
[impact]
account_sid = "IRabc123"
auth_token = "token"
campaign_id = "1000"
event_type_id = "2000"
recurring_event_type_id = "2001"
"#;

fn config_with(rules: &str) -> Result<clicktrail_forwarder::config::Config, String> {
    clicktrail_forwarder::config::Config::from_toml_str(&format!(
        "{MINIMAL_CONFIG}\n[rules]\n{rules}"
    ))
    .map_err(|e| e.to_string())
}

#[test]
fn click_id_max_age_and_dispute_disposition_parse_with_their_defaults() {
    let defaults = config_with("").unwrap();
    // 90 days = 90 x 86 400 s.
    assert_eq!(defaults.rules.click_id_max_age.as_secs(), 7_776_000);
    assert_eq!(defaults.rules.dispute_disposition.as_str(), "CONS_FRAUD");
    assert_eq!(
        Settings::from(&defaults).rules.dispute_disposition.as_str(),
        "CONS_FRAUD"
    );

    let off = config_with(r#"click_id_max_age = "0""#).unwrap();
    assert!(off.rules.click_id_max_age.is_zero());
    let thirty = config_with(r#"click_id_max_age = "30days""#).unwrap();
    assert_eq!(thirty.rules.click_id_max_age.as_secs(), 30 * 86_400);

    let code = config_with(r#"dispute_disposition = "CONS_OTHER""#).unwrap();
    assert_eq!(code.rules.dispute_disposition.as_str(), "CONS_OTHER");
    let lower = config_with(r#"dispute_disposition = "cons_fraud""#).unwrap_err();
    assert!(lower.contains("dispute_disposition"), "{lower}");
}
