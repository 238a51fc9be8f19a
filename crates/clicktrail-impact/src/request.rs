//! One request to impact.com, whatever its kind: what the forwarder stores, explains and sends.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Conversion, Modification, Reversal};

/// The HTTP method of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `POST`: a new conversion.
    Post,
    /// `PUT`: a modification.
    Put,
    /// `DELETE`: a reversal.
    Delete,
}

impl Method {
    /// The method's name, e.g. `"POST"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Delete => "DELETE",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a request does, as a plain tag for logs, metrics and storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    /// A new conversion.
    Conversion,
    /// A change of a conversion's amount.
    Modification,
    /// A reversal of a whole conversion.
    Reversal,
}

impl RequestKind {
    /// `"conversion"`, `"modification"` or `"reversal"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Conversion => "conversion",
            Self::Modification => "modification",
            Self::Reversal => "reversal",
        }
    }
}

impl fmt::Display for RequestKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A validated request to impact.com.
///
/// Serializes as `{"kind":"conversion", ...fields}`; deserializing validates again, so a stored
/// request read back is as sound as the one that was stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ImpactRequest {
    /// `POST /Advertisers/{SID}/Conversions`. Boxed: a conversion with its items is much larger
    /// than the other two requests.
    Conversion(Box<Conversion>),
    /// `PUT /Advertisers/{SID}/Actions`.
    Modification(Modification),
    /// `DELETE /Advertisers/{SID}/Actions`.
    Reversal(Reversal),
}

impl ImpactRequest {
    /// The HTTP method.
    pub const fn method(&self) -> Method {
        match self {
            Self::Conversion(_) => Method::Post,
            Self::Modification(_) => Method::Put,
            Self::Reversal(_) => Method::Delete,
        }
    }

    /// The path under the API base for account `account_sid`.
    ///
    /// ```
    /// # use clicktrail_impact::{ImpactRequest, Reversal};
    /// let r = ImpactRequest::from(Reversal::new("2000", "in_1", "ITEM_RETURNED")?);
    /// assert_eq!(r.path("IRabc"), "/Advertisers/IRabc/Actions");
    /// # Ok::<(), clicktrail_impact::Error>(())
    /// ```
    pub fn path(&self, account_sid: &str) -> String {
        let resource = match self {
            Self::Conversion(_) => "Conversions",
            Self::Modification(_) | Self::Reversal(_) => "Actions",
        };
        format!("/Advertisers/{account_sid}/{resource}")
    }

    /// The form parameters, in order.
    pub fn params(&self) -> Vec<(String, String)> {
        match self {
            Self::Conversion(c) => c.params(),
            Self::Modification(m) => m.params(),
            Self::Reversal(r) => r.params(),
        }
    }

    /// The `OrderId` the request is about.
    pub fn order_id(&self) -> &str {
        match self {
            Self::Conversion(c) => c.order_id(),
            Self::Modification(m) => m.order_id(),
            Self::Reversal(r) => r.order_id(),
        }
    }

    /// The event type (tracker) the request is about: `EventTypeId` or `ActionTrackerId`.
    pub fn tracker_id(&self) -> &str {
        match self {
            Self::Conversion(c) => c.event_type_id(),
            Self::Modification(m) => m.action_tracker_id(),
            Self::Reversal(r) => r.action_tracker_id(),
        }
    }

    /// What the request does.
    pub const fn kind(&self) -> RequestKind {
        match self {
            Self::Conversion(_) => RequestKind::Conversion,
            Self::Modification(_) => RequestKind::Modification,
            Self::Reversal(_) => RequestKind::Reversal,
        }
    }
}

impl From<Conversion> for ImpactRequest {
    fn from(c: Conversion) -> Self {
        Self::Conversion(Box::new(c))
    }
}

impl From<Modification> for ImpactRequest {
    fn from(m: Modification) -> Self {
        Self::Modification(m)
    }
}

impl From<Reversal> for ImpactRequest {
    fn from(r: Reversal) -> Self {
        Self::Reversal(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Amount, Item};

    fn all() -> [ImpactRequest; 3] {
        let amount = Amount::from_minor(1000, 2).unwrap();
        [
            Conversion::builder("1000", "2000", "in_1", 0, "usd")
                .click_id("c")
                .item(Item::new("s", "n", 1, amount))
                .build()
                .unwrap()
                .into(),
            Modification::new("2000", "in_1", amount, "ITEM_RETURNED")
                .unwrap()
                .into(),
            Reversal::new("2000", "in_1", "ITEM_RETURNED")
                .unwrap()
                .into(),
        ]
    }

    #[test]
    fn method_path_and_kind_follow_the_variant() {
        let seen: Vec<_> = all()
            .iter()
            .map(|r| (r.method().as_str(), r.path("IRx1"), r.kind().as_str()))
            .collect();
        assert_eq!(
            seen,
            [
                (
                    "POST",
                    "/Advertisers/IRx1/Conversions".to_owned(),
                    "conversion"
                ),
                (
                    "PUT",
                    "/Advertisers/IRx1/Actions".to_owned(),
                    "modification"
                ),
                ("DELETE", "/Advertisers/IRx1/Actions".to_owned(), "reversal"),
            ]
        );
        for r in all() {
            assert_eq!(r.order_id(), "in_1");
            assert_eq!(r.tracker_id(), "2000");
            assert_eq!(
                r.params(),
                match &r {
                    ImpactRequest::Conversion(c) => c.params(),
                    ImpactRequest::Modification(m) => m.params(),
                    ImpactRequest::Reversal(x) => x.params(),
                }
            );
        }
    }

    #[test]
    fn serde_round_trips_with_a_kind_tag() {
        for r in all() {
            let json = serde_json::to_value(&r).unwrap();
            assert_eq!(json["kind"], r.kind().as_str());
            assert_eq!(serde_json::from_value::<ImpactRequest>(json).unwrap(), r);
        }
    }
}
