//! Reading the click id from the landing URL.

use alloc::string::String;
use clicktrail_clickid::{ClickId, InvalidClickId};

use crate::text;

/// What the landing URL's query said about a click id.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QueryClickId {
    /// The first valid click id, looking at the parameter names in the configured order.
    pub click_id: Option<ClickId>,
    /// Why a value was refused, when one of the parameters held an invalid click id.
    pub rejected: Option<InvalidClickId>,
}

/// The query part of a URL (between `?` and `#`, without either), or `""`.
pub fn query_of(url: &str) -> &str {
    let without_fragment = text::split_once(url, b'#').map_or(url, |(before, _)| before);
    match text::split_once(without_fragment, b'?') {
        Some((_, query)) => query,
        None => "",
    }
}

/// Looks for a click id in `query` (`a=1&b=2`, a leading `?` is allowed) under each name of
/// `params` in turn. Each value is URL-decoded once and validated; invalid values are skipped
/// and reported in [`QueryClickId::rejected`].
pub fn click_id_from_query(query: &str, params: &[String]) -> QueryClickId {
    let query = query.strip_prefix('?').unwrap_or(query);
    let mut result = QueryClickId::default();
    for name in params {
        for pair in text::split(query, b'&') {
            let (key, value) = text::split_once(pair, b'=').unwrap_or((pair, ""));
            if key != name {
                continue;
            }
            match ClickId::from_url_encoded(value) {
                Ok(id) => {
                    result.click_id = Some(id);
                    return result;
                }
                Err(why) => result.rejected = Some(why),
            }
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::{vec, vec::Vec};

    fn names() -> Vec<String> {
        vec![String::from("irclickid"), String::from("im_ref")]
    }

    #[test]
    fn finds_either_name_and_prefers_the_first_configured() {
        let found = click_id_from_query("?a=1&im_ref=Ref1&irclickid=Click1", &names());
        assert_eq!(found.click_id.unwrap().as_str(), "Click1");
        let found = click_id_from_query("im_ref=Ref1", &names());
        assert_eq!(found.click_id.unwrap().as_str(), "Ref1");
        assert_eq!(click_id_from_query("utm_source=x", &names()), QueryClickId::default());
        assert_eq!(click_id_from_query("", &names()), QueryClickId::default());
    }

    #[test]
    fn decodes_exactly_once() {
        let found = click_id_from_query("irclickid=abc%3A123", &names());
        assert_eq!(found.click_id.unwrap().as_str(), "abc:123");
        let found = click_id_from_query("irclickid=abc%253A", &names());
        assert_eq!(found.click_id.unwrap().as_str(), "abc%3A");
    }

    #[test]
    fn skips_invalid_values_and_says_why() {
        let found = click_id_from_query("irclickid=bad%20id&im_ref=Good", &names());
        assert_eq!(found.click_id.unwrap().as_str(), "Good");
        assert_eq!(found.rejected, Some(InvalidClickId::ForbiddenCharacter));
        let found = click_id_from_query("irclickid=&irclickid=a%zz", &names());
        assert_eq!(found.click_id, None);
        assert_eq!(found.rejected, Some(InvalidClickId::BadPercentEncoding));
        // A name only matches a whole key.
        assert_eq!(click_id_from_query("xirclickid=abc", &names()).click_id, None);
    }

    #[test]
    fn query_of_a_url() {
        assert_eq!(query_of("https://shop.example/p?irclickid=a&b=c#top"), "irclickid=a&b=c");
        assert_eq!(query_of("https://shop.example/p#x?irclickid=a"), "");
        assert_eq!(query_of("https://shop.example/"), "");
    }
}
