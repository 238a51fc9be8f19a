//! A change to a tracked conversion's amount: `PUT /Advertisers/{SID}/Actions`.
//!
//! The action is found by `ActionTrackerId` + `OrderId` (clicktrail never learns impact.com's
//! `ActionId`: conversions are queued). `Amount` is the new total, absolute, not a delta.

use serde::{Deserialize, Serialize};

use crate::field::{MAX_ID, MAX_STRING, required};
use crate::{Amount, Error};

/// A validated modification: the action's new total amount and why it changed.
///
/// ```
/// use clicktrail_impact::{Amount, Modification};
///
/// let m = Modification::new("2000", "in_1Abc", Amount::from_minor(1900, 2)?, "ITEM_RETURNED")?;
/// assert_eq!(m.params()[2], ("Amount".to_owned(), "19.00".to_owned()));
/// # Ok::<(), clicktrail_impact::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Fields")]
pub struct Modification {
    action_tracker_id: String,
    order_id: String,
    amount: Amount,
    reason: String,
}

#[derive(Deserialize)]
struct Fields {
    action_tracker_id: String,
    order_id: String,
    amount: Amount,
    reason: String,
}

impl TryFrom<Fields> for Modification {
    type Error = Error;

    fn try_from(f: Fields) -> Result<Self, Error> {
        Self::new(f.action_tracker_id, f.order_id, f.amount, f.reason)
    }
}

impl Modification {
    /// A modification of the action sent to tracker `action_tracker_id` with `order_id`, setting
    /// its amount to `amount` (not negative; zero reverses) for `reason` (e.g. `ITEM_RETURNED`,
    /// `ORDER_UPDATE`).
    pub fn new(
        action_tracker_id: impl Into<String>,
        order_id: impl Into<String>,
        amount: Amount,
        reason: impl Into<String>,
    ) -> Result<Self, Error> {
        let m = Self {
            action_tracker_id: action_tracker_id.into(),
            order_id: order_id.into(),
            amount,
            reason: reason.into(),
        };
        required("ActionTrackerId", &m.action_tracker_id, MAX_STRING)?;
        required("OrderId", &m.order_id, MAX_ID)?;
        if amount.is_negative() {
            return Err(Error::NegativeAmount {
                field: "Amount".to_owned(),
            });
        }
        if amount.exponent() > Amount::WIRE_MAX_EXPONENT {
            return Err(Error::TooManyDecimals {
                field: "Amount".to_owned(),
                found: amount.exponent(),
            });
        }
        required("Reason", &m.reason, MAX_STRING)?;
        Ok(m)
    }

    /// `ActionTrackerId`: the event type the conversion was sent to.
    pub fn action_tracker_id(&self) -> &str {
        &self.action_tracker_id
    }

    /// `OrderId`.
    pub fn order_id(&self) -> &str {
        &self.order_id
    }

    /// `Amount`: the new total.
    pub fn amount(&self) -> Amount {
        self.amount
    }

    /// `Reason`.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// The form parameters: `ActionTrackerId`, `OrderId`, `Amount`, `Reason`.
    pub fn params(&self) -> Vec<(String, String)> {
        vec![
            ("ActionTrackerId".to_owned(), self.action_tracker_id.clone()),
            ("OrderId".to_owned(), self.order_id.clone()),
            ("Amount".to_owned(), self.amount.to_string()),
            ("Reason".to_owned(), self.reason.clone()),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(cents: i64) -> Amount {
        Amount::from_minor(cents, 2).unwrap()
    }

    #[test]
    fn renders_the_absolute_amount() {
        let m = Modification::new("2000", "in_1", usd(1234), "ITEM_RETURNED").unwrap();
        let expected: Vec<(String, String)> = [
            ("ActionTrackerId", "2000"),
            ("OrderId", "in_1"),
            ("Amount", "12.34"),
            ("Reason", "ITEM_RETURNED"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        assert_eq!(m.params(), expected);
        assert!(Modification::new("2000", "in_1", usd(0), "ORDER_UPDATE").is_ok());
    }

    #[test]
    fn validates_every_field() {
        assert_eq!(
            Modification::new("", "o", usd(1), "R"),
            Err(Error::Missing {
                field: "ActionTrackerId".into()
            })
        );
        assert_eq!(
            Modification::new("1", "o".repeat(65), usd(1), "R"),
            Err(Error::TooLong {
                field: "OrderId".into(),
                max: 64,
                len: 65
            })
        );
        assert_eq!(
            Modification::new("1", "o", usd(-1), "R"),
            Err(Error::NegativeAmount {
                field: "Amount".into()
            })
        );
        assert_eq!(
            Modification::new("1", "o", usd(1), ""),
            Err(Error::Missing {
                field: "Reason".into()
            })
        );
    }

    #[test]
    fn serde_validates_on_the_way_in() {
        let m = Modification::new("2000", "in_1", usd(1234), "ITEM_RETURNED").unwrap();
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(serde_json::from_str::<Modification>(&json).unwrap(), m);
        assert!(serde_json::from_str::<Modification>(&json.replace("12.34", "-12.34")).is_err());
    }
}
