//! The click id in the landing URL: which parameter wins, and validation.
//!
//! The browser parses the query (`URLSearchParams`, which URL-decodes each value exactly once,
//! `%XX` and `+`); this module decides, over the configured parameter names in order, which
//! value is the click id. Doing the decoding in the browser rather than in Rust saves about a
//! kilobyte of the kit's gzipped size budget.

use alloc::string::String;
use clicktrail_clickid::{ClickId, InvalidClickId};

use crate::text;

/// What the landing URL said about a click id.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QueryClickId {
    /// The first valid click id, looking at the parameter names in the configured order.
    pub click_id: Option<ClickId>,
    /// Why a value was refused, when one of the parameters held an invalid click id.
    pub rejected: Option<InvalidClickId>,
}

/// Looks up each name of `params` (comma-separated, as in
/// [`Options::params`](crate::Options::params)) with `lookup`, which returns the parameter's
/// URL-decoded value, and keeps the first value that is a valid click id. Invalid values are
/// skipped and reported in [`QueryClickId::rejected`].
pub fn click_id_from_params(
    params: &str,
    mut lookup: impl FnMut(&str) -> Option<String>,
) -> QueryClickId {
    let mut result = QueryClickId::default();
    for name in text::split(params, b',') {
        match lookup(name).map(|value| ClickId::new(&value)) {
            Some(Ok(id)) => {
                result.click_id = Some(id);
                break;
            }
            Some(Err(why)) => result.rejected = Some(why),
            None => {}
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: &str = "irclickid,im_ref";

    /// `URLSearchParams.get` over already-decoded pairs: the first value of a name.
    fn search(
        pairs: &'static [(&'static str, &'static str)],
    ) -> impl FnMut(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| String::from(*value))
        }
    }

    #[test]
    fn finds_either_name_and_prefers_the_first_configured() {
        let found = click_id_from_params(
            NAMES,
            search(&[("im_ref", "Ref1"), ("irclickid", "Click1")]),
        );
        assert_eq!(found.click_id.unwrap().as_str(), "Click1");
        let found = click_id_from_params(NAMES, search(&[("a", "1"), ("im_ref", "Ref1")]));
        assert_eq!(found.click_id.unwrap().as_str(), "Ref1");
        let found = click_id_from_params(
            "im_ref,irclickid",
            search(&[("irclickid", "C"), ("im_ref", "R")]),
        );
        assert_eq!(found.click_id.unwrap().as_str(), "R");
        assert_eq!(
            click_id_from_params(NAMES, search(&[("utm_source", "x")])),
            QueryClickId::default()
        );
    }

    #[test]
    fn keeps_the_decoded_value_verbatim() {
        let found = click_id_from_params(NAMES, search(&[("irclickid", "abc:123")]));
        assert_eq!(found.click_id.unwrap().as_str(), "abc:123");
        // A value that was double-encoded arrives decoded once: `%3A` stays as it is.
        let found = click_id_from_params(NAMES, search(&[("irclickid", "abc%3A")]));
        assert_eq!(found.click_id.unwrap().as_str(), "abc%3A");
    }

    #[test]
    fn skips_invalid_values_and_says_why() {
        let found = click_id_from_params(
            NAMES,
            search(&[("irclickid", "bad id"), ("im_ref", "Good")]),
        );
        assert_eq!(found.click_id.unwrap().as_str(), "Good");
        assert_eq!(found.rejected, Some(InvalidClickId::ForbiddenCharacter));
        let found = click_id_from_params(NAMES, search(&[("irclickid", "")]));
        assert_eq!(found.click_id, None);
        assert_eq!(found.rejected, Some(InvalidClickId::Empty));
        let found = click_id_from_params(NAMES, search(&[("im_ref", "é")]));
        assert_eq!(found.rejected, Some(InvalidClickId::ForbiddenCharacter));
    }
}
