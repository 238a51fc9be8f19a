//! [`Metadata`] and [`metadata_value`]: Stripe's string-to-string metadata maps.

use std::collections::BTreeMap;

/// A Stripe metadata map (up to 50 keys of at most 40 characters, values of at most 500).
pub type Metadata = BTreeMap<String, String>;

/// The value of the first of `keys` present in `metadata`, keys matched case-insensitively (ASCII).
///
/// `keys` are tried in order, so the first key names the preferred spelling. Values that are
/// empty or only whitespace count as absent.
///
/// ```
/// use clicktrail_stripe::{metadata_value, Metadata};
///
/// let mut metadata = Metadata::new();
/// metadata.insert("IRCLICKID".into(), "abc".into());
/// assert_eq!(metadata_value(&metadata, &["impact_click_id", "irclickid"]), Some("abc"));
/// assert_eq!(metadata_value(&metadata, &["im_ref"]), None);
/// ```
pub fn metadata_value<'a>(metadata: &'a Metadata, keys: &[&str]) -> Option<&'a str> {
    keys.iter().find_map(|wanted| {
        metadata
            .iter()
            .find(|(key, value)| key.eq_ignore_ascii_case(wanted) && !value.trim().is_empty())
            .map(|(_, value)| value.as_str())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earlier_keys_win_and_blank_values_are_skipped() {
        let metadata: Metadata = [
            ("irclickid".to_owned(), "second".to_owned()),
            ("Impact_Click_Id".to_owned(), "first".to_owned()),
            ("im_ref".to_owned(), "  ".to_owned()),
        ]
        .into();
        assert_eq!(
            metadata_value(&metadata, &["impact_click_id", "irclickid"]),
            Some("first")
        );
        assert_eq!(
            metadata_value(&metadata, &["irclickid", "impact_click_id"]),
            Some("second")
        );
        assert_eq!(metadata_value(&metadata, &["im_ref"]), None);
        assert_eq!(metadata_value(&metadata, &[]), None);
    }
}
