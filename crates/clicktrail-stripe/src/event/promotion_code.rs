//! [`PromotionCode`]: a promotion code as a discount names it (an id, or the expanded object
//! with its customer-facing `code`), and as `GET /v1/promotion_codes/{id}` answers.

use serde_json::Value;

use super::read::{Obj, wrong_type};
use crate::Error;

/// A promotion code (`promo_...`) named by a discount.
///
/// Discounts name their promotion code by id unless the request expanded it; only the expanded
/// object (or the promotion code fetched by id) carries the `code` a customer typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromotionCode {
    /// `promo_...`.
    pub id: Option<String>,
    /// The customer-facing code (`SUMMER25`), when the object is there.
    pub code: Option<String>,
}

impl PromotionCode {
    /// Reads a promotion code object (`GET /v1/promotion_codes/{id}`).
    pub fn from_value(value: &Value) -> Result<Self, Error> {
        let o = Obj::new(value, "")?;
        o.expect_object("promotion_code")?;
        Ok(Self {
            id: o.string("id")?,
            code: o.string("code")?,
        })
    }

    /// The promotion codes named by the discounts in `key`, in Stripe's order: an array whose
    /// elements are discount ids (which name no promotion code until expanded, and are passed
    /// over) or objects with a `promotion_code` (an id or the expanded object). A Checkout
    /// Session's `discounts` and an invoice's `discounts` both read this way.
    pub(crate) fn in_discounts(o: &Obj<'_>, key: &str) -> Result<Vec<Self>, Error> {
        let elements = match o.get(key) {
            None | Some(Value::Null) => return Ok(Vec::new()),
            Some(Value::Array(elements)) => elements,
            Some(_) => return Err(wrong_type(&o.path_of(key), "an array")),
        };
        let path = o.path_of(key);
        let mut codes = Vec::new();
        for (i, element) in elements.iter().enumerate() {
            if !element.is_object() {
                continue;
            }
            let discount = Obj::new(element, &format!("{path}[{i}]"))?;
            codes.extend(Self::named_by(&discount)?);
        }
        Ok(codes)
    }

    /// The promotion code a discount object names in `promotion_code`, if any.
    pub(crate) fn named_by(discount: &Obj<'_>) -> Result<Option<Self>, Error> {
        let id = discount.expandable_id("promotion_code")?;
        let code = match discount.get("promotion_code") {
            Some(Value::Object(_)) => discount
                .obj("promotion_code")?
                .map(|p| p.string("code"))
                .transpose()?
                .flatten(),
            _ => None,
        };
        Ok((id.is_some() || code.is_some()).then_some(Self { id, code }))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn read(value: Value) -> Result<Vec<PromotionCode>, Error> {
        PromotionCode::in_discounts(&Obj::new(&value, "")?, "discounts")
    }

    #[test]
    fn discounts_name_promotion_codes_by_id_or_expanded_and_discount_ids_are_passed_over() {
        let codes = read(json!({"discounts": [
            "di_1",
            {"coupon": "C1", "promotion_code": null},
            {"coupon": "C2", "promotion_code": "promo_2"},
            {"promotion_code": {"id": "promo_3", "object": "promotion_code", "code": "SAVE3"}},
        ]}))
        .unwrap();
        assert_eq!(
            codes,
            [
                PromotionCode {
                    id: Some("promo_2".into()),
                    code: None
                },
                PromotionCode {
                    id: Some("promo_3".into()),
                    code: Some("SAVE3".into())
                },
            ]
        );
        assert_eq!(read(json!({})).unwrap(), []);
        assert_eq!(read(json!({"discounts": null})).unwrap(), []);
    }

    #[test]
    fn a_wrong_type_names_the_path() {
        let err = read(json!({"discounts": [{"promotion_code": 7}]})).unwrap_err();
        assert!(
            err.to_string().contains("discounts[0].promotion_code"),
            "{err}"
        );
        let err = read(json!({"discounts": "promo_1"})).unwrap_err();
        assert!(err.to_string().contains("discounts"), "{err}");
    }

    #[test]
    fn reads_a_fetched_promotion_code() {
        let code = PromotionCode::from_value(
            &json!({"id": "promo_1", "object": "promotion_code", "code": "WELCOME", "active": true}),
        )
        .unwrap();
        assert_eq!(code.code.as_deref(), Some("WELCOME"));
        assert!(PromotionCode::from_value(&json!({"id": "cus_1", "object": "customer"})).is_err());
    }
}
