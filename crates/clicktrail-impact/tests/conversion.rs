//! Rendering and validation of conversions through the public API: exact parameters in order,
//! item numbering, no `ItemPrice`, impact.com's sale amount, and a typed error for every rule.

use clicktrail_impact::{
    Amount, Conversion, ConversionBuilder, Error, Item, hash_email, sale_amount,
};

fn usd(cents: i64) -> Amount {
    Amount::from_minor(cents, 2).unwrap()
}

fn base() -> ConversionBuilder {
    Conversion::builder("1000", "2000", "in_1Abc", 1_795_741_500, "usd")
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn renders_every_field_in_order() {
    let conversion = base()
        .click_id("Qx9:abcDEF123")
        .customer_id("cus_123")
        .customer_email(hash_email("Test@Example.com"))
        .customer_status("New")
        .order_discount(usd(500))
        .order_promo_code("SAVE5")
        .item(Item::new("price_pro", "Pro plan", 1, usd(2900)).with_category("subscription"))
        .item(Item::new("price_seat", "Extra seat", 3, usd(1500)))
        .build()
        .unwrap();
    assert_eq!(
        conversion.params(),
        pairs(&[
            ("CampaignId", "1000"),
            ("EventTypeId", "2000"),
            ("OrderId", "in_1Abc"),
            ("ClickId", "Qx9:abcDEF123"),
            ("EventDate", "2026-11-27T01:05:00Z"),
            ("CustomerId", "cus_123"),
            ("CustomerEmail", "567159d622ffbb50b11b0efd307be358624a26ee"),
            ("CustomerStatus", "New"),
            ("CurrencyCode", "USD"),
            ("OrderDiscount", "5.00"),
            ("OrderPromoCode", "SAVE5"),
            ("ItemSku1", "price_pro"),
            ("ItemName1", "Pro plan"),
            ("ItemCategory1", "subscription"),
            ("ItemQuantity1", "1"),
            ("ItemSubTotal1", "29.00"),
            ("ItemSku2", "price_seat"),
            ("ItemName2", "Extra seat"),
            ("ItemQuantity2", "3"),
            ("ItemSubTotal2", "15.00"),
        ])
    );
    assert_eq!(conversion.sale_amount().unwrap(), usd(3900));
    assert_eq!(sale_amount(&conversion.params()).unwrap(), usd(3900));
}

#[test]
fn leaves_out_unset_optional_fields_and_never_sends_item_price() {
    let conversion = base()
        .customer_id("cus_123")
        .items((1..=12).map(|n| Item::new(format!("sku{n}"), "x", 1, usd(100))))
        .build()
        .unwrap();
    let params = conversion.params();
    let keys: Vec<&str> = params.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        &keys[..6],
        [
            "CampaignId",
            "EventTypeId",
            "OrderId",
            "EventDate",
            "CustomerId",
            "CurrencyCode"
        ]
    );
    assert!(
        !keys
            .iter()
            .any(|k| k.starts_with("ItemPrice") || k.starts_with("ItemCategory"))
    );
    assert!(!keys.contains(&"ClickId") && !keys.contains(&"OrderDiscount"));
    // Two-digit numbering follows one-digit numbering without gaps.
    assert!(keys.contains(&"ItemSku10") && keys.contains(&"ItemSubTotal12"));
    assert!(!keys.contains(&"ItemSku13") && !keys.contains(&"ItemSku0"));
    assert_eq!(sale_amount(&params).unwrap(), usd(1200));
}

#[test]
fn zero_decimal_currencies_render_whole_and_three_decimals_are_refused_until_rounded() {
    let yen = base()
        .customer_id("c")
        .item(Item::new("s", "n", 1, Amount::from_minor(1000, 0).unwrap()))
        .build()
        .unwrap();
    assert!(
        yen.params()
            .contains(&("ItemSubTotal1".into(), "1000".into()))
    );
    // impact.com takes at most two decimals: 12.345 KWD is refused as it is...
    let fils = Amount::from_minor(12_345, 3).unwrap();
    let refused = Conversion::builder("1", "2", "o", 0, "kwd")
        .customer_id("c")
        .item(Item::new("s", "n", 1, fils))
        .build()
        .unwrap_err();
    assert_eq!(
        refused,
        Error::TooManyDecimals {
            field: "ItemSubTotal1".into(),
            found: 3
        }
    );
    assert!(refused.to_string().contains("at most 2"), "{refused}");
    // ...and goes out rounded half-up to hundredths.
    let dinar = Conversion::builder("1", "2", "o", 0, "kwd")
        .customer_id("c")
        .item(Item::new("s", "n", 1, fils.round_half_up(2).unwrap()))
        .build()
        .unwrap();
    assert!(
        dinar
            .params()
            .contains(&("ItemSubTotal1".into(), "12.35".into()))
    );
    assert_eq!(dinar.currency_code(), "KWD");
    let modification =
        clicktrail_impact::Modification::new("2", "o", fils, "ITEM_RETURNED").unwrap_err();
    assert!(matches!(modification, Error::TooManyDecimals { .. }));
}

#[test]
fn a_zero_amount_sign_up_is_a_valid_conversion() {
    let trial = base()
        .click_id("abc")
        .item(Item::new("price_pro", "Pro plan (trial)", 1, usd(0)))
        .build()
        .unwrap();
    assert_eq!(trial.sale_amount().unwrap(), usd(0));
    let no_items = base().click_id("abc").build().unwrap();
    assert_eq!(no_items.sale_amount().unwrap().minor(), 0);
}

#[test]
fn validation_names_the_field_and_rule() {
    let cases: Vec<(ConversionBuilder, Error)> = vec![
        (base(), Error::NoAttributionKey),
        (
            Conversion::builder("", "2000", "o", 0, "usd").click_id("c"),
            Error::Missing {
                field: "CampaignId".into(),
            },
        ),
        (
            Conversion::builder("1", " ", "o", 0, "usd").click_id("c"),
            Error::Missing {
                field: "EventTypeId".into(),
            },
        ),
        (
            Conversion::builder("1", "2", "", 0, "usd").click_id("c"),
            Error::Missing {
                field: "OrderId".into(),
            },
        ),
        (
            Conversion::builder("1", "2", "o".repeat(65), 0, "usd").click_id("c"),
            Error::TooLong {
                field: "OrderId".into(),
                max: 64,
                len: 65,
            },
        ),
        (
            base().click_id("c".repeat(65)),
            Error::TooLong {
                field: "ClickId".into(),
                max: 64,
                len: 65,
            },
        ),
        (
            base().click_id(""),
            Error::Empty {
                field: "ClickId".into(),
            },
        ),
        (
            base().customer_id("c".repeat(256)),
            Error::TooLong {
                field: "CustomerId".into(),
                max: 255,
                len: 256,
            },
        ),
        (
            base().click_id("c").order_promo_code("p".repeat(300)),
            Error::TooLong {
                field: "OrderPromoCode".into(),
                max: 255,
                len: 300,
            },
        ),
        (
            Conversion::builder("1", "2", "o", 0, "").click_id("c"),
            Error::Missing {
                field: "CurrencyCode".into(),
            },
        ),
        (
            Conversion::builder("1", "2", "o", 0, "us").click_id("c"),
            Error::InvalidCurrency("us".into()),
        ),
        (
            Conversion::builder("1", "2", "o", 0, "U$D").click_id("c"),
            Error::InvalidCurrency("U$D".into()),
        ),
        (
            Conversion::builder("1", "2", "o", i64::MAX, "usd").click_id("c"),
            Error::EventDateOutOfRange(i64::MAX),
        ),
        (
            base().click_id("c").item(Item::new("", "n", 1, usd(1))),
            Error::Missing {
                field: "ItemSku1".into(),
            },
        ),
        (
            base()
                .click_id("c")
                .item(Item::new("s", "n", 1, usd(1)))
                .item(Item::new("s", "", 1, usd(1))),
            Error::Missing {
                field: "ItemName2".into(),
            },
        ),
        (
            base().click_id("c").item(Item::new("s", "n", 0, usd(1))),
            Error::InvalidQuantity {
                field: "ItemQuantity1".into(),
            },
        ),
        (
            base().click_id("c").item(Item::new("s", "n", 1, usd(-1))),
            Error::NegativeAmount {
                field: "ItemSubTotal1".into(),
            },
        ),
        (
            base().click_id("c").order_discount(usd(-1)),
            Error::NegativeAmount {
                field: "OrderDiscount".into(),
            },
        ),
        (
            base()
                .click_id("c")
                .item(Item::new("s", "n", 1, usd(100)))
                .item(Item::new("s", "n", 1, Amount::from_minor(1, 0).unwrap())),
            Error::MixedExponent {
                field: "ItemSubTotal2".into(),
                expected: 2,
                found: 0,
            },
        ),
        (
            base()
                .click_id("c")
                .item(Item::new("s", "n", 1, usd(100)))
                .order_discount(usd(101)),
            Error::NegativeSaleAmount,
        ),
    ];
    for (builder, expected) in cases {
        assert_eq!(builder.clone().build(), Err(expected), "{builder:?}");
    }
}

#[test]
fn either_attribution_key_is_enough() {
    assert!(base().click_id("c").build().is_ok());
    assert!(base().customer_id("cus_1").build().is_ok());
}

#[test]
fn serde_round_trips_and_validates_on_the_way_in() {
    let conversion = base()
        .click_id("c")
        .order_discount(usd(100))
        .item(Item::new("s", "n", 2, usd(1000)).with_category("k"))
        .build()
        .unwrap();
    let json = serde_json::to_string(&conversion).unwrap();
    assert_eq!(
        serde_json::from_str::<Conversion>(&json).unwrap(),
        conversion
    );
    let tampered = json.replace(r#""click_id":"c","#, "");
    assert!(
        serde_json::from_str::<Conversion>(&tampered).is_err(),
        "{tampered}"
    );
}

proptest::proptest! {
    /// Whatever the lines and the discount, the rendered parameters number the items 1..=n
    /// without gaps, never hold `ItemPrice`, and make impact.com credit exactly
    /// `sum(lines) - discount`.
    #[test]
    fn rendered_params_credit_exactly_the_lines_minus_the_discount(
        lines in proptest::collection::vec((1u32..1000, 0i64..1_000_000_000), 0..25),
        exponent in 0u8..=2,
        discount_share in 0u32..=100,
    ) {
        let total: i64 = lines.iter().map(|(_, minor)| minor).sum();
        let discount = total / 100 * i64::from(discount_share);
        let amount = |minor| Amount::from_minor(minor, exponent).unwrap();
        let conversion = base()
            .click_id("c")
            .items(lines.iter().enumerate().map(|(i, (q, minor))| Item::new(format!("sku{i}"), "line", *q, amount(*minor))))
            .order_discount(amount(discount))
            .build()
            .unwrap();
        let params = conversion.params();
        let subtotal_keys: Vec<&str> =
            params.iter().map(|(k, _)| k.as_str()).filter(|k| k.starts_with("ItemSubTotal")).collect();
        let expected_keys: Vec<String> = (1..=lines.len()).map(|n| format!("ItemSubTotal{n}")).collect();
        proptest::prop_assert_eq!(subtotal_keys, expected_keys);
        proptest::prop_assert!(!params.iter().any(|(k, _)| k.starts_with("ItemPrice")));
        let credited = sale_amount(&params).unwrap();
        proptest::prop_assert_eq!(credited.cmp_value(amount(total - discount)), std::cmp::Ordering::Equal);
        proptest::prop_assert_eq!(conversion.sale_amount().unwrap(), amount(total - discount));
    }
}
