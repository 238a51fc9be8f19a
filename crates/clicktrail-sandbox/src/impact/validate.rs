//! The validation impact.com applies when it receives a request, free of I/O: required fields, at
//! least one attribution key, length limits (64 for `ClickId` and `OrderId`, 255 for other
//! strings), `ItemPrice{n}` xor `ItemSubTotal{n}`, decimals with at most two places, integer ids,
//! ISO-8601 dates, ISO-4217 currencies. Each problem names its field, as impact's envelope does.

use std::collections::BTreeMap;

use serde::Serialize;

/// The parameters of one request, by field name.
pub type Fields = BTreeMap<String, String>;

/// One problem with one field (`{"Field": ..., "Message": ...}` in impact's envelope).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field at fault.
    #[serde(rename = "Field")]
    pub field: String,
    /// What is wrong.
    #[serde(rename = "Message")]
    pub message: String,
}

fn err(field: &str, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.to_owned(),
        message: message.into(),
    }
}

/// The attribution keys of which a conversion needs at least one.
pub const ATTRIBUTION_KEYS: [&str; 6] = [
    "ClickId",
    "CustomerId",
    "CustomProfileId",
    "PromoCode",
    "OrderPromoCode",
    "MediaPartnerId",
];

/// The default reversal disposition codes.
pub const DISPOSITION_CODES: [&str; 6] = [
    "REJECTED",
    "ITEM_RETURNED",
    "ORDER_ERROR",
    "CONS_FRAUD",
    "CONS_ERROR",
    "OTHER",
];

fn get<'a>(f: &'a Fields, key: &str) -> Option<&'a str> {
    f.get(key).map(|s| s.trim()).filter(|s| !s.is_empty())
}

/// A decimal with at most two places (`12`, `12.5`, `12.50`, `-3.10`) in hundredths.
pub fn parse_decimal(s: &str) -> Option<i64> {
    let s = s.trim();
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() || whole.len() > 15 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if frac.len() > 2
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || (digits.contains('.') && frac.is_empty())
    {
        return None;
    }
    let cents = whole.parse::<i64>().ok()? * 100 + format!("{frac:0<2}").parse::<i64>().ok()?;
    Some(if negative { -cents } else { cents })
}

/// Hundredths as a decimal string (`1999` -> `19.99`).
pub fn format_decimal(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100)
}

fn is_iso_date(s: &str) -> bool {
    use time::format_description::well_known::{Iso8601, Rfc3339};
    s.eq_ignore_ascii_case("NOW")
        || time::OffsetDateTime::parse(s, &Rfc3339).is_ok()
        || time::OffsetDateTime::parse(s, &Iso8601::DEFAULT).is_ok()
        || time::PrimitiveDateTime::parse(s, &Iso8601::DEFAULT).is_ok()
}

fn integer(f: &Fields, key: &str, errors: &mut Vec<FieldError>) {
    if let Some(v) = get(f, key)
        && v.parse::<u64>().is_err()
    {
        errors.push(err(key, format!("{key} must be an integer")));
    }
}

fn lengths(f: &Fields, errors: &mut Vec<FieldError>) {
    for (k, v) in f {
        let limit = if k == "ClickId" || k == "OrderId" {
            64
        } else {
            255
        };
        if v.chars().count() > limit {
            errors.push(err(k, format!("{k} must be at most {limit} characters")));
        }
    }
}

/// The item indices present (`ItemSku3` -> 3).
fn item_indices(f: &Fields) -> Vec<u32> {
    let mut out: Vec<u32> = f
        .keys()
        .filter_map(|k| {
            [
                "ItemSku",
                "ItemName",
                "ItemCategory",
                "ItemQuantity",
                "ItemPrice",
                "ItemSubTotal",
            ]
            .iter()
            .find_map(|p| k.strip_prefix(p))
            .and_then(|n| n.parse().ok())
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Validates a conversion (`POST /Conversions`).
pub fn conversion(f: &Fields) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    for key in ["CampaignId", "EventDate", "OrderId"] {
        if get(f, key).is_none() {
            errors.push(err(key, format!("{key} is required")));
        }
    }
    if ["ActionTrackerId", "EventTypeId", "EventTypeCode"]
        .iter()
        .all(|k| get(f, k).is_none())
    {
        errors.push(err(
            "ActionTrackerId",
            "One of ActionTrackerId, EventTypeId or EventTypeCode is required",
        ));
    }
    if ATTRIBUTION_KEYS.iter().all(|k| get(f, k).is_none()) {
        errors.push(err(
            "ClickId",
            format!(
                "At least one attribution key is required: {}",
                ATTRIBUTION_KEYS.join(", ")
            ),
        ));
    }
    for key in ["CampaignId", "ActionTrackerId", "EventTypeId"] {
        integer(f, key, &mut errors);
    }
    if let Some(d) = get(f, "EventDate")
        && !is_iso_date(d)
    {
        errors.push(err(
            "EventDate",
            "EventDate must be an ISO-8601 date and time, or NOW",
        ));
    }
    lengths(f, &mut errors);
    let mut money = false;
    for n in item_indices(f) {
        let (price, subtotal) = (format!("ItemPrice{n}"), format!("ItemSubTotal{n}"));
        match (get(f, &price), get(f, &subtotal)) {
            (Some(_), Some(_)) => errors.push(err(
                &price,
                format!("Send either {price} or {subtotal}, not both"),
            )),
            (None, None) => {}
            (Some(v), None) | (None, Some(v)) => {
                money = true;
                let field = if get(f, &price).is_some() {
                    &price
                } else {
                    &subtotal
                };
                if parse_decimal(v).is_none_or(|c| c < 0) {
                    errors.push(err(
                        field,
                        format!("{field} must be a non-negative decimal with at most 2 places"),
                    ));
                }
            }
        }
        let qty = format!("ItemQuantity{n}");
        if let Some(q) = get(f, &qty)
            && q.parse::<u32>().is_err()
        {
            errors.push(err(&qty, format!("{qty} must be a positive integer")));
        }
    }
    if let Some(d) = get(f, "OrderDiscount") {
        money = true;
        if parse_decimal(d).is_none_or(|c| c < 0) {
            errors.push(err(
                "OrderDiscount",
                "OrderDiscount must be a non-negative decimal with at most 2 places",
            ));
        }
    }
    currency(f, money, &mut errors);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn currency(f: &Fields, required: bool, errors: &mut Vec<FieldError>) {
    match get(f, "CurrencyCode") {
        Some(c) if c.len() != 3 || !c.bytes().all(|b| b.is_ascii_alphabetic()) => {
            errors.push(err("CurrencyCode", "CurrencyCode must be an ISO-4217 code"));
        }
        None if required => errors.push(err(
            "CurrencyCode",
            "CurrencyCode is required when amounts are sent",
        )),
        _ => {}
    }
}

fn action_reference(f: &Fields, errors: &mut Vec<FieldError>) {
    let by_id = get(f, "ActionId").is_some();
    let tracker = get(f, "ActionTrackerId")
        .or_else(|| get(f, "EventTypeId"))
        .is_some();
    let by_order = tracker && get(f, "OrderId").is_some();
    if !by_id && !by_order {
        errors.push(err(
            "ActionId",
            "ActionId, or ActionTrackerId and OrderId, are required",
        ));
    }
    integer(f, "ActionTrackerId", errors);
    integer(f, "EventTypeId", errors);
    lengths(f, errors);
}

/// Validates a modification (`PUT /Actions`): a reference, `Reason`, and `Amount` (the new total)
/// or item-level changes.
pub fn modification(f: &Fields) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    action_reference(f, &mut errors);
    if get(f, "Reason").is_none() {
        errors.push(err("Reason", "Reason is required"));
    }
    match get(f, "Amount") {
        Some(a) if parse_decimal(a).is_none_or(|c| c < 0) => {
            errors.push(err(
                "Amount",
                "Amount must be a non-negative decimal with at most 2 places",
            ));
        }
        None if get(f, "ItemSubTotalDelta").is_none() && get(f, "Sku").is_none() => {
            errors.push(err(
                "Amount",
                "Amount (the new total) or an item change is required",
            ));
        }
        _ => {}
    }
    if let Some(d) = get(f, "ItemSubTotalDelta")
        && parse_decimal(d).is_none()
    {
        errors.push(err(
            "ItemSubTotalDelta",
            "ItemSubTotalDelta must be a decimal with at most 2 places",
        ));
    }
    currency(f, false, &mut errors);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Validates a reversal (`DELETE /Actions`): a reference and a known `DispositionCode`.
pub fn reversal(f: &Fields) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    action_reference(f, &mut errors);
    match get(f, "DispositionCode") {
        None => errors.push(err("DispositionCode", "DispositionCode is required")),
        Some(code) if !DISPOSITION_CODES.contains(&code) => errors.push(err(
            "DispositionCode",
            format!(
                "Unknown DispositionCode {code}; expected one of {}",
                DISPOSITION_CODES.join(", ")
            ),
        )),
        Some(_) => {}
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The sale amount of a valid conversion, in hundredths: the sum of `ItemSubTotal{n}` (or
/// `ItemPrice{n}` × `ItemQuantity{n}`, quantity 1 by default) minus `OrderDiscount`.
pub fn sale_amount(f: &Fields) -> i64 {
    let items: i64 = item_indices(f)
        .into_iter()
        .map(|n| {
            if let Some(sub) = get(f, &format!("ItemSubTotal{n}")).and_then(parse_decimal) {
                return sub;
            }
            let price = get(f, &format!("ItemPrice{n}"))
                .and_then(parse_decimal)
                .unwrap_or(0);
            let qty = get(f, &format!("ItemQuantity{n}"))
                .and_then(|q| q.parse::<i64>().ok())
                .unwrap_or(1);
            price * qty
        })
        .sum();
    items - get(f, "OrderDiscount").and_then(parse_decimal).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn valid() -> Fields {
        fields(&[
            ("CampaignId", "1000"),
            ("ActionTrackerId", "4000"),
            ("EventDate", "2026-11-27T01:02:03Z"),
            ("OrderId", "in_123"),
            ("ClickId", "abc"),
            ("CurrencyCode", "USD"),
            ("ItemSku1", "price_1"),
            ("ItemSubTotal1", "20.00"),
        ])
    }

    fn fields_of(r: Result<(), Vec<FieldError>>) -> Vec<String> {
        r.err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn decimals() {
        assert_eq!(parse_decimal("12"), Some(1200));
        assert_eq!(parse_decimal("12.5"), Some(1250));
        assert_eq!(parse_decimal("0.05"), Some(5));
        assert_eq!(parse_decimal("-3.10"), Some(-310));
        for bad in ["", "1.234", "1,00", "abc", ".5", "5.", "1e3", " "] {
            assert_eq!(parse_decimal(bad), None, "{bad:?}");
        }
        assert_eq!(format_decimal(1999), "19.99");
        assert_eq!(format_decimal(-5), "-0.05");
    }

    #[test]
    fn a_valid_conversion_passes() {
        assert_eq!(conversion(&valid()), Ok(()));
        assert_eq!(sale_amount(&valid()), 2000);
    }

    #[test]
    fn required_fields_and_attribution() {
        let got = fields_of(conversion(&fields(&[])));
        for f in [
            "CampaignId",
            "EventDate",
            "OrderId",
            "ActionTrackerId",
            "ClickId",
        ] {
            assert!(got.contains(&f.to_owned()), "{f} in {got:?}");
        }
        let mut f = valid();
        f.remove("ClickId");
        assert_eq!(fields_of(conversion(&f)), ["ClickId"]);
        f.insert("CustomerId".into(), "cus_1".into());
        assert_eq!(conversion(&f), Ok(()));
    }

    #[test]
    fn lengths_and_formats() {
        let mut f = valid();
        f.insert("ClickId".into(), "c".repeat(65));
        f.insert("OrderId".into(), "o".repeat(65));
        f.insert("CampaignId".into(), "abc".into());
        f.insert("EventDate".into(), "yesterday".into());
        f.insert("ItemName1".into(), "n".repeat(256));
        let got = fields_of(conversion(&f));
        for k in ["ClickId", "OrderId", "CampaignId", "EventDate", "ItemName1"] {
            assert!(got.contains(&k.to_owned()), "{k} in {got:?}");
        }
        let mut f = valid();
        f.insert("ClickId".into(), "c".repeat(64));
        f.insert("EventDate".into(), "NOW".into());
        assert_eq!(conversion(&f), Ok(()));
    }

    #[test]
    fn item_price_xor_subtotal_and_currency() {
        let mut f = valid();
        f.insert("ItemPrice1".into(), "20.00".into());
        assert_eq!(fields_of(conversion(&f)), ["ItemPrice1"]);
        let mut f = valid();
        f.insert("ItemSubTotal1".into(), "20.001".into());
        assert_eq!(fields_of(conversion(&f)), ["ItemSubTotal1"]);
        let mut f = valid();
        f.remove("CurrencyCode");
        assert_eq!(fields_of(conversion(&f)), ["CurrencyCode"]);
    }

    #[test]
    fn sale_amount_uses_prices_quantities_and_discount() {
        let f = fields(&[
            ("ItemPrice1", "10.00"),
            ("ItemQuantity1", "3"),
            ("ItemSubTotal2", "5.50"),
            ("OrderDiscount", "1.50"),
        ]);
        assert_eq!(sale_amount(&f), 3400);
    }

    #[test]
    fn modifications_and_reversals() {
        let ok = fields(&[
            ("ActionId", "1000.1.2"),
            ("Reason", "ORDER_UPDATE"),
            ("Amount", "12.00"),
        ]);
        assert_eq!(modification(&ok), Ok(()));
        let by_order = fields(&[
            ("ActionTrackerId", "4000"),
            ("OrderId", "in_1"),
            ("Reason", "ITEM_RETURNED"),
            ("Amount", "0"),
        ]);
        assert_eq!(modification(&by_order), Ok(()));
        assert_eq!(
            fields_of(modification(&fields(&[
                ("OrderId", "in_1"),
                ("Amount", "1")
            ]))),
            ["ActionId", "Reason"]
        );
        assert_eq!(
            fields_of(modification(&fields(&[
                ("ActionId", "1"),
                ("Reason", "X"),
                ("Amount", "1.234")
            ]))),
            ["Amount"]
        );
        assert_eq!(
            reversal(&fields(&[
                ("ActionId", "1"),
                ("DispositionCode", "ITEM_RETURNED")
            ])),
            Ok(())
        );
        assert_eq!(
            fields_of(reversal(&fields(&[
                ("ActionId", "1"),
                ("DispositionCode", "RETURNED")
            ]))),
            ["DispositionCode"]
        );
    }
}
