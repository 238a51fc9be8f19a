//! The Stripe parameters for each call that must carry the click id.

use clicktrail_tower::{ClickId, METADATA_KEY, StripeTarget};

const ID: &str = "VVPzXcT1YxyIWNx0c5QkqWG:UkCT3cRrqz0Ow30";

fn params(target: StripeTarget) -> Vec<(&'static str, String)> {
    ClickId::new(ID).unwrap().stripe_params(target)
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
    for target in [
        StripeTarget::SubscriptionCreate,
        StripeTarget::CustomerCreate,
        StripeTarget::CustomerUpdate,
        StripeTarget::CheckoutSubscription,
        StripeTarget::CheckoutPayment,
        StripeTarget::CheckoutSetup,
    ] {
        let params = shortest.stripe_params(target);
        assert_eq!(params.len(), target.keys().len());
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
