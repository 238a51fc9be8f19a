//! The click id as it travels through a request: a request extension, an extractor and the
//! source of the Stripe parameters.

use std::fmt;
use std::ops::Deref;

use clicktrail_clickid::{InvalidClickId, InvalidClientReference};

/// The impact.com click id of the request being served.
///
/// [`CaptureClickIdLayer`](crate::CaptureClickIdLayer) puts it into the request extensions.
/// It is a thin newtype over [`clicktrail_clickid::ClickId`] (which it dereferences to), so
/// that this crate can implement axum's extractor traits for it; the validation rules are that
/// crate's.
///
/// Read it with the axum extractor (`ClickId` or `Option<ClickId>`), or without axum from the
/// extensions:
///
/// ```
/// use clicktrail_tower::ClickId;
///
/// let mut request = http::Request::new(());
/// request.extensions_mut().insert(ClickId::new("Qx9abc").unwrap());
///
/// let click_id = request.extensions().get::<ClickId>().unwrap();
/// assert_eq!(click_id.as_str(), "Qx9abc");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClickId(clicktrail_clickid::ClickId);

impl ClickId {
    /// Validates an already-decoded value (a cookie or header value) and keeps it verbatim.
    pub fn new(value: &str) -> Result<Self, InvalidClickId> {
        clicktrail_clickid::ClickId::new(value).map(Self)
    }

    /// Decodes a value read from a URL query or a form body exactly once, then validates it.
    pub fn from_url_encoded(raw: &str) -> Result<Self, InvalidClickId> {
        clicktrail_clickid::ClickId::from_url_encoded(raw).map(Self)
    }

    /// Decodes the click id carried by a Stripe `client_reference_id` in the `irc_` encoding
    /// (see [`stripe_params`](Self::stripe_params)).
    pub fn from_client_reference_id(reference: &str) -> Result<Self, InvalidClientReference> {
        clicktrail_clickid::ClickId::from_client_reference_id(reference).map(Self)
    }

    /// The click id, verbatim.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The validated value of `clicktrail-clickid`.
    pub fn inner(&self) -> &clicktrail_clickid::ClickId {
        &self.0
    }

    /// Unwraps the validated value of `clicktrail-clickid`.
    pub fn into_inner(self) -> clicktrail_clickid::ClickId {
        self.0
    }
}

impl From<clicktrail_clickid::ClickId> for ClickId {
    fn from(id: clicktrail_clickid::ClickId) -> Self {
        Self(id)
    }
}

impl From<ClickId> for clicktrail_clickid::ClickId {
    fn from(id: ClickId) -> Self {
        id.0
    }
}

impl Deref for ClickId {
    type Target = clicktrail_clickid::ClickId;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl AsRef<str> for ClickId {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Debug for ClickId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for ClickId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::str::FromStr for ClickId {
    type Err = InvalidClickId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_the_validated_value() {
        let id = ClickId::from_url_encoded("VVPz%3AUkCT").unwrap();
        assert_eq!(id.as_str(), "VVPz:UkCT");
        // Deref reaches the inner type's methods.
        assert!(id.to_client_reference_id().starts_with("irc_"));
        assert_eq!(id.inner().as_str(), "VVPz:UkCT");
        assert_eq!(
            ClickId::new("bad value"),
            Err(InvalidClickId::ForbiddenCharacter)
        );
        assert_eq!(id.to_string(), "VVPz:UkCT");
    }
}
