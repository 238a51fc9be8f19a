//! Finding the click id: in metadata (configured keys, any case), in `client_reference_id`, and
//! on the customer within `click_id_max_age` ([`on_customer`]).

use std::time::Duration;

use clicktrail_clickid::ClickId;
use clicktrail_stripe::Metadata;

use super::{Cx, Decision, Need};
use crate::config::ClickIdKeys;
use crate::knowledge::{Knowledge, Owner};

/// Where the search for a payment's click id ended.
pub(super) enum Found {
    /// Found: credit it.
    Yes(ClickId),
    /// Ask Stripe first, then look again.
    Lookup(Need),
    /// Look again at `until` (unix seconds): the click id may still be on its way.
    Wait {
        /// When to look again.
        until: i64,
        /// Why, one sentence.
        reason: String,
    },
    /// Not found, for this reason (a skip).
    No(String),
}

impl Found {
    /// The click id, or the decision to return instead: a look-up, a wait, or the skip that
    /// `skip` makes of the reason.
    #[allow(clippy::result_large_err)] // a Decision, returned at once: boxing would only add noise
    pub(super) fn or_decide(
        self,
        skip: impl FnOnce(String) -> Decision,
    ) -> Result<ClickId, Decision> {
        match self {
            Self::Yes(click_id) => Ok(click_id),
            Self::Lookup(needs) => Err(Decision::Lookup { needs }),
            Self::Wait { until, reason } => Err(Decision::Wait { until, reason }),
            Self::No(reason) => Err(skip(reason)),
        }
    }
}

/// The outcome of looking in one place.
#[derive(Debug, Default)]
pub(super) struct Search {
    /// Values that were present under a click-id key but are not valid click ids, or click ids
    /// too old for the purchase, as `"<place> <key>=<value>"`, for the skip reason.
    pub(super) rejected: Vec<String>,
}

impl Search {
    /// The first valid click id in `metadata` under one of `keys` (in the keys' order); invalid
    /// values are noted and passed over.
    pub(super) fn metadata(
        &mut self,
        place: &str,
        metadata: &Metadata,
        keys: &ClickIdKeys,
    ) -> Option<ClickId> {
        for wanted in keys.iter() {
            for (key, value) in metadata {
                if key.to_lowercase() != wanted || value.trim().is_empty() {
                    continue;
                }
                match ClickId::new(value.trim()) {
                    Ok(id) => return Some(id),
                    Err(e) => self.rejected.push(format!("{place} {key}={value:?} ({e})")),
                }
            }
        }
        None
    }

    /// The click id carried by `client_reference_id` in the `irc_` encoding.
    ///
    /// Only the `irc_` encoding counts: merchants use `client_reference_id` for their own ids
    /// (`user_42`), and reading those as click ids would credit whoever owns that string at
    /// impact.com. A value that starts with `irc_` but does not decode is noted.
    pub(super) fn client_reference_id(&mut self, reference: Option<&str>) -> Option<ClickId> {
        let reference = reference?;
        if !reference.starts_with(ClickId::CLIENT_REFERENCE_PREFIX) {
            return None;
        }
        match ClickId::from_client_reference_id(reference) {
            Ok(id) => Some(id),
            Err(e) => {
                self.rejected
                    .push(format!("client_reference_id {reference:?} ({e})"));
                None
            }
        }
    }

    /// `click_id`, found at `place` and recorded at `recorded_at` (unix seconds; `None` when
    /// unknown), if it may credit a purchase that started at `started`: within `max_age` of
    /// when it was recorded (`max_age` zero: always). A click id too old is noted and passed
    /// over.
    pub(super) fn within_age(
        &mut self,
        place: &str,
        click_id: ClickId,
        recorded_at: Option<i64>,
        started: i64,
        max_age: Duration,
    ) -> Option<ClickId> {
        let max = i64::try_from(max_age.as_secs()).unwrap_or(i64::MAX);
        match recorded_at {
            Some(recorded) if max > 0 && started.saturating_sub(recorded) > max => {
                self.rejected.push(format!(
                    "{place} click id {click_id} recorded {} days before the purchase started, more than click_id_max_age ({})",
                    started.saturating_sub(recorded) / 86_400,
                    show_age(max_age)
                ));
                None
            }
            _ => Some(click_id),
        }
    }

    /// `" (ignored: ...)"` when invalid values were seen, else empty.
    pub(super) fn note(&self) -> String {
        if self.rejected.is_empty() {
            String::new()
        } else {
            format!(" (ignored: {})", self.rejected.join("; "))
        }
    }
}

/// The click id found on `customer` (learned from an earlier Checkout Session, else its
/// metadata) if it was recorded within `click_id_max_age` of a purchase that started at `started`
/// (unix seconds); `Err` asks Stripe for the customer first. Customer metadata carries no date of
/// its own: the customer's `created` stands for when it was written.
///
/// The one customer look-up of the invoice and Checkout rules; `Ok(None)` when the payment
/// names no customer, or its customer holds no click id young enough.
pub(super) fn on_customer<K: Knowledge + ?Sized>(
    cx: &Cx<'_, K>,
    customer: Option<&str>,
    started: i64,
    search: &mut Search,
) -> Result<Option<ClickId>, Need> {
    let Some(customer) = customer else {
        return Ok(None);
    };
    let max_age = cx.settings.rules.click_id_max_age;
    if let Some(learned) = cx
        .knowledge
        .learned_click_id(&Owner::Customer(customer.to_owned()))
        && let Some(id) = search.within_age(
            "customer's Checkout Session",
            learned.click_id,
            learned.recorded_at,
            started,
            max_age,
        )
    {
        return Ok(Some(id));
    }
    match cx.fetched.get_customer(customer) {
        None => Err(Need::Customer {
            id: customer.to_owned(),
        }),
        Some(Some(fetched)) => {
            let keys = &cx.settings.rules.click_id_keys;
            Ok(search
                .metadata("customer metadata", &fetched.metadata, keys)
                .and_then(|id| {
                    search.within_age("customer metadata", id, fetched.created, started, max_age)
                }))
        }
        Some(None) => Ok(None),
    }
}

/// A maximum age as configured: whole days as `"90d"`, anything else in humantime's words (which
/// would write 90 days as months of 30.44 days).
fn show_age(age: Duration) -> String {
    let secs = age.as_secs();
    if secs > 0 && secs.is_multiple_of(86_400) && age.subsec_nanos() == 0 {
        format!("{}d", secs / 86_400)
    } else {
        humantime::format_duration(age).to_string()
    }
}
