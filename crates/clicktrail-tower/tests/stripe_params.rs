//! The Stripe parameters for each call that must carry the click id.

use clicktrail_tower::{Carrier, ClickId, METADATA_KEY, StripeTarget};

const ID: &str = "VVPzXcT1YxyIWNx0c5QkqWG:UkCT3cRrqz0Ow30";

const TARGETS: [StripeTarget; 6] = [
    StripeTarget::SubscriptionCreate,
    StripeTarget::CustomerCreate,
    StripeTarget::CustomerUpdate,
    StripeTarget::CheckoutSubscription,
    StripeTarget::CheckoutPayment,
    StripeTarget::CheckoutSetup,
];

const CARRIERS: [Carrier; 4] = [
    Carrier::Metadata,
    Carrier::SubscriptionData,
    Carrier::PaymentIntentData,
    Carrier::ClientReferenceId,
];

fn params(target: StripeTarget) -> Vec<(&'static str, String)> {
    ClickId::new(ID).unwrap().stripe_params(target).to_vec()
}

fn reference() -> String {
    ClickId::new(ID).unwrap().to_client_reference_id()
}

#[test]
fn subscription_and_customer_calls_carry_metadata() {
    for target in [
        StripeTarget::SubscriptionCreate,
        StripeTarget::CustomerCreate,
        StripeTarget::CustomerUpdate,
    ] {
        assert_eq!(
            params(target),
            [("metadata[impact_click_id]", ID.to_owned())],
            "{target:?}"
        );
    }
}

#[test]
fn checkout_in_subscription_mode_reaches_the_subscription() {
    assert_eq!(
        params(StripeTarget::CheckoutSubscription),
        [
            ("metadata[impact_click_id]", ID.to_owned()),
            (
                "subscription_data[metadata][impact_click_id]",
                ID.to_owned()
            ),
            ("client_reference_id", reference()),
        ]
    );
}

#[test]
fn checkout_in_payment_mode_reaches_the_payment_intent() {
    assert_eq!(
        params(StripeTarget::CheckoutPayment),
        [
            ("metadata[impact_click_id]", ID.to_owned()),
            (
                "payment_intent_data[metadata][impact_click_id]",
                ID.to_owned()
            ),
            ("client_reference_id", reference()),
        ]
    );
}

#[test]
fn checkout_in_setup_mode_keeps_it_on_the_session() {
    assert_eq!(
        params(StripeTarget::CheckoutSetup),
        [
            ("metadata[impact_click_id]", ID.to_owned()),
            ("client_reference_id", reference())
        ]
    );
}

#[test]
fn the_client_reference_is_stripe_safe_and_decodes_back() {
    let reference = reference();
    assert!(reference.starts_with("irc_"));
    assert!(
        reference
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    );
    assert!(reference.len() <= 200);
    assert_eq!(
        ClickId::from_client_reference_id(&reference)
            .unwrap()
            .as_str(),
        ID
    );
}

#[test]
fn values_are_never_blank_and_serialize_as_a_form() {
    let shortest = ClickId::new("a").unwrap();
    for target in TARGETS {
        let params = shortest.stripe_params(target).to_vec();
        assert_eq!(params.len(), target.keys().count());
        assert!(
            params.iter().all(|(_, value)| !value.trim().is_empty()),
            "{target:?}"
        );
    }
    let form = serde_urlencoded::to_string(params(StripeTarget::SubscriptionCreate)).unwrap();
    assert_eq!(
        form,
        "metadata%5Bimpact_click_id%5D=VVPzXcT1YxyIWNx0c5QkqWG%3AUkCT3cRrqz0Ow30"
    );
}

#[test]
fn the_metadata_map_holds_one_entry() {
    let map = ClickId::new(ID).unwrap().stripe_metadata();
    assert_eq!(map.len(), 1);
    assert_eq!(map[METADATA_KEY], ID);
    assert_eq!(METADATA_KEY, "impact_click_id");
}

#[test]
fn the_merchants_client_reference_id_is_kept() {
    let click_id = ClickId::new(ID).unwrap();
    for target in [
        StripeTarget::CheckoutSubscription,
        StripeTarget::CheckoutPayment,
        StripeTarget::CheckoutSetup,
    ] {
        let mut params = vec![
            ("mode", "x".to_owned()),
            ("client_reference_id", "cart_42".to_owned()),
        ];
        click_id.stripe_params(target).add_to(&mut params);
        let references: Vec<_> = params
            .iter()
            .filter(|(k, _)| *k == "client_reference_id")
            .collect();
        assert_eq!(
            references,
            [&("client_reference_id", "cart_42".to_owned())],
            "{target:?}"
        );
        // Every other carrier is still added.
        assert_eq!(params.len(), 2 + target.keys().count() - 1, "{target:?}");
        assert!(params.contains(&("metadata[impact_click_id]", ID.to_owned())));

        // The same through `missing_from`, for other form types (owned keys here).
        let present = vec!["mode".to_owned(), "client_reference_id".to_owned()];
        let missing = click_id.stripe_params(target).missing_from(&present);
        assert!(
            missing.iter().all(|(k, _)| *k != "client_reference_id"),
            "{target:?}"
        );
        assert_eq!(missing.len(), target.keys().count() - 1);
    }

    // Without a reference of the merchant's, ours is added.
    let mut params: Vec<(String, String)> = vec![("mode".into(), "payment".into())];
    click_id
        .stripe_params(StripeTarget::CheckoutPayment)
        .add_to(&mut params);
    assert!(params.contains(&("client_reference_id".into(), reference())));
}

#[test]
fn a_merchants_metadata_is_kept_and_clearing_it_is_respected() {
    let click_id = ClickId::new(ID).unwrap();
    let mut params = vec![("metadata[impact_click_id]", "theirs".to_owned())];
    click_id
        .stripe_params(StripeTarget::SubscriptionCreate)
        .add_to(&mut params);
    assert_eq!(params, [("metadata[impact_click_id]", "theirs".to_owned())]);

    let mut params = vec![("metadata", String::new())];
    click_id
        .stripe_params(StripeTarget::CustomerUpdate)
        .add_to(&mut params);
    assert_eq!(params, [("metadata", String::new())]);
}

#[test]
fn opting_out_of_a_carrier_removes_only_that_carrier() {
    let click_id = ClickId::new(ID).unwrap();
    for target in TARGETS {
        let all = click_id.stripe_params(target).to_vec();
        for carrier in CARRIERS {
            let without = click_id.stripe_params(target).without(carrier);
            let expected: Vec<_> = all
                .iter()
                .filter(|(key, _)| *key != carrier.key())
                .cloned()
                .collect();
            assert_eq!(without.to_vec(), expected, "{target:?} without {carrier:?}");
            assert_eq!(
                without.missing_from(["unrelated"]),
                expected,
                "{target:?} without {carrier:?}"
            );
            let mut params = vec![("unrelated", String::new())];
            without.add_to(&mut params);
            assert_eq!(params[1..], expected[..], "{target:?} without {carrier:?}");
            assert!(without.carriers().all(|c| c != carrier));
        }
        // Opting out of everything leaves nothing.
        let none = CARRIERS
            .into_iter()
            .fold(click_id.stripe_params(target), |p, c| p.without(c));
        assert!(none.to_vec().is_empty(), "{target:?}");
    }
}

#[test]
fn each_carrier_has_its_key() {
    let keys: Vec<_> = CARRIERS.iter().map(|c| c.key()).collect();
    assert_eq!(
        keys,
        [
            "metadata[impact_click_id]",
            "subscription_data[metadata][impact_click_id]",
            "payment_intent_data[metadata][impact_click_id]",
            "client_reference_id",
        ]
    );
    for target in TARGETS {
        let from_carriers: Vec<_> = target.carriers().iter().map(|c| c.key()).collect();
        assert_eq!(target.keys().collect::<Vec<_>>(), from_carriers);
    }
}
