//! Reversing a whole tracked conversion: `DELETE /Advertisers/{SID}/Actions`.

use serde::{Deserialize, Serialize};

use crate::Error;
use crate::field::{MAX_ID, MAX_STRING, required};

/// A validated reversal of the action sent to a tracker with an `OrderId`.
///
/// `DispositionCode` must be one of the account's codes; the default set holds `REJECTED`,
/// `ITEM_RETURNED`, `ORDER_ERROR`, `CONS_FRAUD`, `CONS_ERROR`, `OTHER` (there is no `RETURNED` or
/// `CANCELLED`). Accounts can define more, so any non-empty code is accepted here.
///
/// ```
/// use clicktrail_impact::Reversal;
///
/// let r = Reversal::new("2000", "in_1Abc", "ITEM_RETURNED")?;
/// assert_eq!(r.params().len(), 3);
/// # Ok::<(), clicktrail_impact::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Fields")]
pub struct Reversal {
    action_tracker_id: String,
    order_id: String,
    disposition_code: String,
}

#[derive(Deserialize)]
struct Fields {
    action_tracker_id: String,
    order_id: String,
    disposition_code: String,
}

impl TryFrom<Fields> for Reversal {
    type Error = Error;

    fn try_from(f: Fields) -> Result<Self, Error> {
        Self::new(f.action_tracker_id, f.order_id, f.disposition_code)
    }
}

impl Reversal {
    /// A reversal of the action sent to tracker `action_tracker_id` with `order_id`.
    pub fn new(
        action_tracker_id: impl Into<String>,
        order_id: impl Into<String>,
        disposition_code: impl Into<String>,
    ) -> Result<Self, Error> {
        let r = Self {
            action_tracker_id: action_tracker_id.into(),
            order_id: order_id.into(),
            disposition_code: disposition_code.into(),
        };
        required("ActionTrackerId", &r.action_tracker_id, MAX_STRING)?;
        required("OrderId", &r.order_id, MAX_ID)?;
        required("DispositionCode", &r.disposition_code, MAX_STRING)?;
        Ok(r)
    }

    /// `ActionTrackerId`.
    pub fn action_tracker_id(&self) -> &str {
        &self.action_tracker_id
    }

    /// `OrderId`.
    pub fn order_id(&self) -> &str {
        &self.order_id
    }

    /// `DispositionCode`.
    pub fn disposition_code(&self) -> &str {
        &self.disposition_code
    }

    /// The form parameters: `ActionTrackerId`, `OrderId`, `DispositionCode`.
    pub fn params(&self) -> Vec<(String, String)> {
        vec![
            ("ActionTrackerId".to_owned(), self.action_tracker_id.clone()),
            ("OrderId".to_owned(), self.order_id.clone()),
            ("DispositionCode".to_owned(), self.disposition_code.clone()),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_three_params_in_order() {
        let r = Reversal::new("2000", "in_1", "ITEM_RETURNED").unwrap();
        let keys: Vec<_> = r
            .params()
            .into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        assert_eq!(
            keys,
            [
                "ActionTrackerId=2000",
                "OrderId=in_1",
                "DispositionCode=ITEM_RETURNED"
            ]
        );
    }

    #[test]
    fn validates_every_field() {
        assert_eq!(
            Reversal::new("", "o", "X"),
            Err(Error::Missing {
                field: "ActionTrackerId".into()
            })
        );
        assert_eq!(
            Reversal::new("1", "", "X"),
            Err(Error::Missing {
                field: "OrderId".into()
            })
        );
        assert_eq!(
            Reversal::new("1", "o", " "),
            Err(Error::Missing {
                field: "DispositionCode".into()
            })
        );
        assert_eq!(
            Reversal::new("1", "o", "X".repeat(256)),
            Err(Error::TooLong {
                field: "DispositionCode".into(),
                max: 255,
                len: 256
            })
        );
    }

    #[test]
    fn serde_validates_on_the_way_in() {
        let json = r#"{"action_tracker_id":"1","order_id":"","disposition_code":"X"}"#;
        assert!(serde_json::from_str::<Reversal>(json).is_err());
    }
}
