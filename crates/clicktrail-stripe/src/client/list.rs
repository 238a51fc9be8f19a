//! Stripe list objects and cursor pagination: [`ListPage`] (pure) and [`Pages`] (the walk).
//!
//! A list answer is `{"object": "list", "data": [...], "has_more": bool, "url": "/v1/..."}`,
//! newest first. The next older page is asked with `starting_after=<id of the last item>`; the
//! next newer page with `ending_before=<id of the first item>`, which still answers newest first,
//! the page of items just newer than the cursor. [`Pages`] walks either way and hands each page's
//! items in the order of travel: newest first going forward, oldest first going backward, so a
//! backward walk from a known event yields events in chronological order.

use serde_json::Value;

use super::{Form, StripeClient};
use crate::Error;

/// The most pages a walk fetches unless told otherwise: 1,000 pages of up to 100 items.
pub const DEFAULT_MAX_PAGES: usize = 1000;

/// One page of a Stripe list, as sent.
#[derive(Debug, Clone, PartialEq)]
pub struct ListPage {
    /// The items, in Stripe's order (newest first).
    pub data: Vec<Value>,
    /// Whether more items exist beyond this page, in the direction asked.
    pub has_more: bool,
    /// The list's path, e.g. `/v1/events`.
    pub url: Option<String>,
}

impl ListPage {
    /// Reads a list object.
    ///
    /// ```
    /// use clicktrail_stripe::client::ListPage;
    ///
    /// let page = ListPage::from_value(serde_json::json!({
    ///     "object": "list", "data": [{"id": "evt_2"}, {"id": "evt_1"}],
    ///     "has_more": true, "url": "/v1/events"
    /// })).unwrap();
    /// assert_eq!((page.data.len(), page.has_more), (2, true));
    /// assert_eq!(page.first_id(), Some("evt_2"));
    /// ```
    pub fn from_value(value: Value) -> Result<Self, Error> {
        let Value::Object(mut map) = value else {
            return Err(Error::Decode("a list answer is not a JSON object".into()));
        };
        match map.get("object").and_then(Value::as_str) {
            Some("list") | None => {}
            Some(other) => {
                return Err(Error::Decode(format!(
                    "expected a `list` object, found `{other}`"
                )));
            }
        }
        let data = match map.remove("data") {
            Some(Value::Array(data)) => data,
            _ => {
                return Err(Error::Decode("a list answer has no `data` array".into()));
            }
        };
        let has_more = match map.get("has_more") {
            Some(Value::Bool(b)) => *b,
            None | Some(Value::Null) => false,
            Some(_) => return Err(Error::Decode("`has_more` is not a boolean".into())),
        };
        let url = map.get("url").and_then(Value::as_str).map(str::to_owned);
        Ok(Self {
            data,
            has_more,
            url,
        })
    }

    /// The id of the first item (the newest).
    pub fn first_id(&self) -> Option<&str> {
        self.data
            .first()
            .and_then(|v| v.get("id"))
            .and_then(Value::as_str)
    }

    /// The id of the last item (the oldest).
    pub fn last_id(&self) -> Option<&str> {
        self.data
            .last()
            .and_then(|v| v.get("id"))
            .and_then(Value::as_str)
    }
}

/// Which way a walk goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Newest to oldest, with `starting_after`.
    Forward,
    /// Oldest to newest, with `ending_before`; needs a starting cursor.
    Backward,
}

/// A walk over a list, one request per page, bounded by a page cap.
///
/// The direction comes from the query: a walk whose query holds `ending_before` goes backward
/// (chronologically), any other forward.
///
/// ```no_run
/// # async fn run(stripe: clicktrail_stripe::client::StripeClient) -> Result<(), clicktrail_stripe::Error> {
/// use clicktrail_stripe::client::Form;
///
/// let query = Form::new().push("limit", "100").push("ending_before", "evt_last_seen");
/// let mut pages = stripe.pages("/v1/events", query).max_pages(50);
/// while let Some(items) = pages.next_page().await? {
///     for event in items {
///         // oldest first
///         # let _ = event;
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Pages<'a> {
    client: &'a StripeClient,
    path: String,
    query: Form,
    direction: Direction,
    max_pages: usize,
    fetched: usize,
    done: bool,
}

impl<'a> Pages<'a> {
    pub(crate) fn new(client: &'a StripeClient, path: String, query: Form) -> Self {
        let direction = if query.get("ending_before").is_some() {
            Direction::Backward
        } else {
            Direction::Forward
        };
        Self {
            client,
            path,
            query,
            direction,
            max_pages: DEFAULT_MAX_PAGES,
            fetched: 0,
            done: false,
        }
    }

    /// Sets the page cap: asking for a page beyond it fails with
    /// [`Error::TooManyPages`] (rather than stopping silently with items left unseen).
    #[must_use]
    pub fn max_pages(mut self, max_pages: usize) -> Self {
        self.max_pages = max_pages;
        self
    }

    /// The direction of the walk.
    pub fn direction(&self) -> Direction {
        self.direction
    }

    /// The next page's items in the order of travel, or `None` at the end of the list.
    pub async fn next_page(&mut self) -> Result<Option<Vec<Value>>, Error> {
        if self.done {
            return Ok(None);
        }
        if self.fetched >= self.max_pages {
            return Err(Error::TooManyPages {
                pages: self.max_pages,
            });
        }
        let page = ListPage::from_value(self.client.get(&self.path, &self.query).await?)?;
        self.fetched += 1;
        let cursor = match self.direction {
            Direction::Forward => page.last_id(),
            Direction::Backward => page.first_id(),
        };
        match (page.has_more, cursor) {
            (true, Some(cursor)) => {
                let key = match self.direction {
                    Direction::Forward => "starting_after",
                    Direction::Backward => "ending_before",
                };
                let cursor = cursor.to_owned();
                self.query.set(key, &cursor);
            }
            (true, None) if !page.data.is_empty() => {
                return Err(Error::Decode("a list item has no `id` to page from".into()));
            }
            _ => self.done = true,
        }
        let mut items = page.data;
        if self.direction == Direction::Backward {
            items.reverse();
        }
        Ok(Some(items))
    }

    /// Every remaining item, in the order of travel.
    pub async fn collect_all(mut self) -> Result<Vec<Value>, Error> {
        let mut all = Vec::new();
        while let Some(items) = self.next_page().await? {
            all.extend(items);
        }
        Ok(all)
    }

    /// Every remaining item, oldest first, whichever way the walk goes.
    ///
    /// A backward walk needs a starting cursor; without one (the first backfill of a window,
    /// `created[gte]=...`), this walks forward, which Stripe's cursors allow from the newest
    /// item, and reverses what it collected, so the whole window is held in memory (bounded by
    /// the page cap).
    pub async fn collect_oldest_first(self) -> Result<Vec<Value>, Error> {
        let direction = self.direction;
        let mut all = self.collect_all().await?;
        if direction == Direction::Forward {
            all.reverse();
        }
        Ok(all)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn reads_list_objects_and_refuses_other_shapes() {
        let page =
            ListPage::from_value(json!({"object": "list", "data": [], "url": "/v1/x"})).unwrap();
        assert_eq!(
            page,
            ListPage {
                data: vec![],
                has_more: false,
                url: Some("/v1/x".into())
            }
        );
        assert_eq!((page.first_id(), page.last_id()), (None, None));
        for bad in [
            json!([]),
            json!({"object": "customer", "data": []}),
            json!({"object": "list"}),
            json!({"object": "list", "data": {}}),
            json!({"object": "list", "data": [], "has_more": "yes"}),
        ] {
            assert!(
                matches!(ListPage::from_value(bad.clone()), Err(Error::Decode(_))),
                "{bad}"
            );
        }
    }
}
