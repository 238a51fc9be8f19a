//! The click id in the landing URL: which parameter wins, and validation.
//!
//! The browser parses the query (`URLSearchParams`, which URL-decodes each name and value exactly
//! once, `%XX` and `+`); this module decides, over the configured parameter names in order, which
//! value is the click id. Names are compared ASCII case-insensitively (`?IRClickId=` counts as
//! `irclickid`), as the server-side capture in `clicktrail-tower` does. Doing the decoding in the
//! browser rather than in Rust saves about a kilobyte of the kit's gzipped size budget.

use clicktrail_clickid::{ClickId, InvalidClickId};

use crate::text;

/// What the landing URL said about a click id.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QueryClickId {
    /// The first valid click id, looking at the parameter names in the configured order.
    pub click_id: Option<ClickId>,
    /// Why a value was refused, when a parameter that could have been chosen held an invalid
    /// click id.
    pub rejected: Option<InvalidClickId>,
}

/// Reads the landing URL's query one pair at a time (the browser hands the pairs over in URL
/// order, so nothing is collected) and keeps the click id of the first configured name that
/// has a valid value.
///
/// Names are compared ASCII case-insensitively. Of several values of the same name, the first
/// valid one counts.
#[derive(Debug)]
pub struct QueryScan<'a> {
    /// The configured names, comma-separated, in order of preference.
    params: &'a str,
    /// The position in `params` of the name that gave the click id held (`usize::MAX`: none).
    rank: usize,
    found: QueryClickId,
}

impl<'a> QueryScan<'a> {
    /// Starts a scan for the names of `params` (comma-separated, as in
    /// [`Options::params`](crate::Options::params)).
    pub fn new(params: &'a str) -> Self {
        Self {
            params,
            rank: usize::MAX,
            found: QueryClickId::default(),
        }
    }

    /// Looks at one query pair, URL-decoded.
    pub fn visit(&mut self, key: &str, value: &str) {
        let Some(rank) =
            text::split(self.params, b',').position(|name| key.eq_ignore_ascii_case(name))
        else {
            return;
        };
        if rank < self.rank {
            match ClickId::new(value) {
                Ok(id) => {
                    self.rank = rank;
                    self.found.click_id = Some(id);
                }
                Err(why) => self.found.rejected = Some(why),
            }
        }
    }

    /// What the query said.
    pub fn finish(self) -> QueryClickId {
        self.found
    }
}

/// Scans the landing URL's `query` pairs (URL-decoded, in URL order) for the names of `params`
/// with a [`QueryScan`]: the first valid value of the first name that has one is the click id,
/// names compared ASCII case-insensitively.
pub fn click_id_from_params<'q>(
    params: &str,
    query: impl IntoIterator<Item = (&'q str, &'q str)>,
) -> QueryClickId {
    let mut scan = QueryScan::new(params);
    for (key, value) in query {
        scan.visit(key, value);
    }
    scan.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: &str = "irclickid,im_ref";

    /// The pairs `URLSearchParams` yields, already decoded.
    fn search<'q>(pairs: &'q [(&'q str, &'q str)]) -> impl Iterator<Item = (&'q str, &'q str)> {
        pairs.iter().copied()
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

    #[test]
    fn names_match_whatever_their_case() {
        let found = click_id_from_params(NAMES, search(&[("IRClickId", "Upper1")]));
        assert_eq!(found.click_id.unwrap().as_str(), "Upper1");
        let found = click_id_from_params(NAMES, search(&[("IM_REF", "Upper2")]));
        assert_eq!(found.click_id.unwrap().as_str(), "Upper2");
        // Configured names are compared the same way.
        let found = click_id_from_params("Ref", search(&[("rEF", "Upper3")]));
        assert_eq!(found.click_id.unwrap().as_str(), "Upper3");
        // Only ASCII letters fold: `ı` (dotless i) is not `i`.
        let found = click_id_from_params(NAMES, search(&[("ırclickid", "Dotless")]));
        assert_eq!(found, QueryClickId::default());
    }

    #[test]
    fn the_first_valid_value_of_a_name_wins() {
        let found = click_id_from_params(
            NAMES,
            search(&[
                ("irclickid", "bad id"),
                ("IRCLICKID", "Second"),
                ("im_ref", "R"),
            ]),
        );
        assert_eq!(found.click_id.unwrap().as_str(), "Second");
        assert_eq!(found.rejected, Some(InvalidClickId::ForbiddenCharacter));
        let found = click_id_from_params(
            NAMES,
            search(&[("IrClickId", "First"), ("irclickid", "Later")]),
        );
        assert_eq!(found.click_id.unwrap().as_str(), "First");
        // A later pair of a preferred name still wins over an earlier one of another name.
        let found = click_id_from_params(
            NAMES,
            search(&[
                ("im_ref", "Ref"),
                ("irclickid", "bad id"),
                ("IRCLICKID", "Click"),
            ]),
        );
        assert_eq!(found.click_id.unwrap().as_str(), "Click");
    }
}
