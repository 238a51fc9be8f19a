//! Reading a console page's query string: the event filter, the page cursor and the page size.

use crate::store::{EventCursor, EventFilter, InputError, MAX_PAGE};

/// The rows a listing shows unless `limit` says otherwise.
pub const DEFAULT_LIMIT: u32 = 50;

/// A listing's query: what to show and from where.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    /// Which events.
    pub filter: EventFilter,
    /// Where the page starts (the previous page's last row).
    pub after: Option<EventCursor>,
    /// How many rows, 1 to [`MAX_PAGE`].
    pub limit: u32,
}

impl Listing {
    /// Reads `type`, `decision`, `order`, `click`, `customer`, `event`, `since`, `until`,
    /// `after` and `limit` from a raw query string.
    pub fn parse(query: Option<&str>) -> Result<Self, InputError> {
        let pairs: Vec<(String, String)> = form_urlencoded::parse(query.unwrap_or("").as_bytes())
            .into_owned()
            .collect();
        let filter = EventFilter::from_query(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
        let value = |key: &str| {
            pairs
                .iter()
                .find(|(k, v)| k == key && !v.trim().is_empty())
                .map(|(_, v)| v.trim())
        };
        let after = value("after").map(EventCursor::parse).transpose()?;
        let limit = match value("limit") {
            None => DEFAULT_LIMIT,
            Some(text) => text
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=MAX_PAGE).contains(n))
                .ok_or_else(|| InputError {
                    field: "limit",
                    problem: format!("{text:?} is not a page size: expected 1 to {MAX_PAGE}"),
                })?,
        };
        Ok(Self {
            filter,
            after,
            limit,
        })
    }

    /// The query string of the page after `next` with the same filter and size.
    pub fn next_page(&self, next: &EventCursor) -> String {
        let mut pairs = self.filter.to_query();
        pairs.push(("after", next.to_token()));
        if self.limit != DEFAULT_LIMIT {
            pairs.push(("limit", self.limit.to_string()));
        }
        encode(&pairs)
    }
}

/// `key=value&...`, percent-encoded.
pub fn encode(pairs: &[(&str, String)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())))
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::DecisionFilter;

    #[test]
    fn a_listing_reads_back_what_its_next_link_writes() {
        let listing =
            Listing::parse(Some("type=invoice.paid&decision=dead&order=in_1&limit=20")).unwrap();
        assert_eq!(listing.filter.decision, Some(DecisionFilter::Dead));
        assert_eq!(listing.limit, 20);
        let next = EventCursor {
            received_at: 1_767_225_600_000,
            id: "evt_1".into(),
        };
        let again = Listing::parse(Some(&listing.next_page(&next))).unwrap();
        assert_eq!(again.filter, listing.filter);
        assert_eq!(again.after, Some(next));
        assert_eq!(again.limit, 20);
    }

    #[test]
    fn bad_values_name_their_field() {
        assert_eq!(Listing::parse(Some("limit=0")).unwrap_err().field, "limit");
        assert_eq!(
            Listing::parse(Some("limit=501")).unwrap_err().field,
            "limit"
        );
        assert_eq!(
            Listing::parse(Some("after=nonsense")).unwrap_err().field,
            "after"
        );
        assert_eq!(
            Listing::parse(Some("decision=maybe")).unwrap_err().field,
            "decision"
        );
        assert_eq!(Listing::parse(None).unwrap().limit, DEFAULT_LIMIT);
    }
}
