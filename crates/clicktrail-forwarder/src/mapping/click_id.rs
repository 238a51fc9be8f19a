//! Finding the click id: in metadata (configured keys, any case) and in `client_reference_id`.

use std::time::Duration;

use clicktrail_clickid::ClickId;
use clicktrail_stripe::Metadata;

use crate::config::ClickIdKeys;

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

/// A maximum age as configured: whole days as `"90d"`, anything else in humantime's words (which
/// would write 90 days as months of 30.44 days).
fn show_age(age: Duration) -> String {
    let secs = age.as_secs();
    if secs > 0 && secs % 86_400 == 0 && age.subsec_nanos() == 0 {
        format!("{}d", secs / 86_400)
    } else {
        humantime::format_duration(age).to_string()
    }
}
