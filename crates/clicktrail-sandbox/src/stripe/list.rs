//! Stripe list objects and cursor pagination: `limit` (1..=100, default 10), `starting_after`,
//! `ending_before`, newest first, `has_more`, `url`.

use serde_json::Value;

use super::error::ApiError;
use super::form::Params;
use super::render;

/// Pagination parameters of a list request.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// How many objects to return.
    pub limit: usize,
    /// Objects created before this one (by creation rank).
    pub starting_after: Option<String>,
    /// Objects created after this one.
    pub ending_before: Option<String>,
}

impl Page {
    /// The pagination parameters every list takes.
    pub const PARAMS: [&'static str; 3] = ["limit", "starting_after", "ending_before"];

    /// Reads `limit`, `starting_after`, `ending_before`.
    pub fn from_params(params: &Params) -> Result<Self, ApiError> {
        let limit = match params.int("limit")? {
            None => 10,
            Some(n) if (1..=100).contains(&n) => n as usize,
            Some(n) => {
                return Err(ApiError::invalid_request(
                    format!("Invalid limit: must be between 1 and 100 (got {n})"),
                    Some("limit".into()),
                ));
            }
        };
        let starting_after = params
            .str("starting_after")?
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        let ending_before = params
            .str("ending_before")?
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        if starting_after.is_some() && ending_before.is_some() {
            return Err(ApiError::invalid_request(
                "You may only specify one of these parameters: ending_before, starting_after.",
                None,
            ));
        }
        Ok(Self {
            limit,
            starting_after,
            ending_before,
        })
    }

    /// The page of `items` (newest first, each with its creation rank), given how to find a cursor's
    /// rank; `object` names the cursor's type in the error when it does not exist.
    pub fn apply(
        &self,
        items: Vec<(u64, Value)>,
        cursor_rank: impl Fn(&str) -> Option<u64>,
        object: &str,
        url: &str,
    ) -> Result<Value, ApiError> {
        self.apply_with(items, |v| v, cursor_rank, object, url)
    }

    /// [`Page::apply`] rendering only the objects on the page (for large tables such as events).
    pub fn apply_with<T>(
        &self,
        items: Vec<(u64, T)>,
        render: impl Fn(T) -> Value,
        cursor_rank: impl Fn(&str) -> Option<u64>,
        object: &str,
        url: &str,
    ) -> Result<Value, ApiError> {
        let rank_of = |id: &str, param: &str| {
            cursor_rank(id).ok_or_else(|| ApiError::no_such(object, id, param).with_status(400))
        };
        let (page, has_more) = if let Some(after) = &self.starting_after {
            let rank = rank_of(after, "starting_after")?;
            let older: Vec<_> = items.into_iter().filter(|(r, _)| *r < rank).collect();
            let has_more = older.len() > self.limit;
            (
                older.into_iter().take(self.limit).collect::<Vec<_>>(),
                has_more,
            )
        } else if let Some(before) = &self.ending_before {
            let rank = rank_of(before, "ending_before")?;
            let newer: Vec<_> = items.into_iter().filter(|(r, _)| *r > rank).collect();
            let has_more = newer.len() > self.limit;
            let skip = newer.len().saturating_sub(self.limit);
            (newer.into_iter().skip(skip).collect(), has_more)
        } else {
            let has_more = items.len() > self.limit;
            (items.into_iter().take(self.limit).collect(), has_more)
        };
        Ok(render::list(
            page.into_iter().map(|(_, v)| render(v)).collect(),
            has_more,
            url,
        ))
    }
}

/// An optional equality filter on an optional field (`customer=`, `payment_intent=`, ...): no
/// filter keeps every object; a filter keeps the objects whose field is set to that value.
pub fn keeps(filter: Option<&str>, field: Option<&str>) -> bool {
    filter.is_none_or(|f| field == Some(f))
}

/// A page of objects that have a natural order (invoice lines, checkout line items): first
/// object first, cursors by `id`.
pub fn ordered(page: &Page, items: Vec<Value>, object: &str, url: &str) -> Result<Value, ApiError> {
    let n = items.len() as u64;
    let ids: Vec<String> = items
        .iter()
        .map(|v| v["id"].as_str().unwrap_or_default().to_owned())
        .collect();
    let ranked = items
        .into_iter()
        .enumerate()
        .map(|(i, v)| (n - i as u64, v))
        .collect();
    page.apply(
        ranked,
        |id| ids.iter().position(|x| x == id).map(|i| n - i as u64),
        object,
        url,
    )
}

impl ApiError {
    /// The same error with another HTTP status.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = http::StatusCode::from_u16(status).unwrap_or(self.status);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_absent_filter_keeps_everything_a_present_one_only_equal_fields() {
        assert!(keeps(None, None) && keeps(None, Some("cus_1")));
        assert!(keeps(Some("cus_1"), Some("cus_1")));
        assert!(!keeps(Some("cus_1"), Some("cus_2")) && !keeps(Some("cus_1"), None));
    }

    fn items(n: u64) -> Vec<(u64, Value)> {
        (0..n)
            .rev()
            .map(|r| (r, json!({"id": format!("o{r}")})))
            .collect()
    }

    fn ids(v: &Value) -> Vec<String> {
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_str().unwrap().to_owned())
            .collect()
    }

    fn rank(id: &str) -> Option<u64> {
        id.strip_prefix('o')?.parse().ok()
    }

    fn page(q: &str) -> Page {
        Page::from_params(&Params::parse(q.as_bytes()).unwrap()).unwrap()
    }

    #[test]
    fn newest_first_with_has_more() {
        let v = page("limit=2")
            .apply(items(5), rank, "thing", "/v1/things")
            .unwrap();
        assert_eq!(ids(&v), ["o4", "o3"]);
        assert_eq!(v["has_more"], true);
        assert_eq!(v["object"], "list");
        assert_eq!(v["url"], "/v1/things");
    }

    #[test]
    fn starting_after_walks_to_older_objects() {
        let v = page("limit=2&starting_after=o3")
            .apply(items(5), rank, "thing", "/")
            .unwrap();
        assert_eq!(ids(&v), ["o2", "o1"]);
        assert_eq!(v["has_more"], true);
        let v = page("limit=2&starting_after=o1")
            .apply(items(5), rank, "thing", "/")
            .unwrap();
        assert_eq!(ids(&v), ["o0"]);
        assert_eq!(v["has_more"], false);
    }

    #[test]
    fn ending_before_returns_the_newer_neighbours() {
        let v = page("limit=2&ending_before=o1")
            .apply(items(5), rank, "thing", "/")
            .unwrap();
        assert_eq!(ids(&v), ["o3", "o2"]);
        assert_eq!(v["has_more"], true);
        let v = page("limit=3&ending_before=o2")
            .apply(items(5), rank, "thing", "/")
            .unwrap();
        assert_eq!(ids(&v), ["o4", "o3"]);
        assert_eq!(v["has_more"], false);
    }

    #[test]
    fn limits_and_cursors_are_validated() {
        for q in [
            "limit=0",
            "limit=101",
            "limit=x",
            "starting_after=a&ending_before=b",
        ] {
            assert!(
                Page::from_params(&Params::parse(q.as_bytes()).unwrap()).is_err(),
                "{q}"
            );
        }
        let e = page("starting_after=zz")
            .apply(items(2), rank, "customer", "/")
            .unwrap_err();
        assert_eq!(e.status.as_u16(), 400);
        assert_eq!(e.message, "No such customer: 'zz'");
    }
}
