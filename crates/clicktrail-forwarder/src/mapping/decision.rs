//! [`Decision`]: what to do with one event.

use clicktrail_impact::ImpactRequest;

use super::Need;
use crate::knowledge::Record;

/// The outcome of the mapping for one event.
///
/// `Send` and `Skip` are final: store their `records` with them, atomically. `Lookup` and
/// `Wait` are not: nothing is recorded, and the event is decided again later (after the fetch,
/// or after the wait).
#[allow(clippy::large_enum_variant)] // short-lived values; boxing would only add noise
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Send `request` to impact.com, not before `not_before`.
    Send {
        /// The conversion, modification or reversal.
        request: ImpactRequest,
        /// The earliest time to send it, unix seconds: the event's `created` for conversions,
        /// `created + refund_delay` for refunds.
        not_before: i64,
        /// What to remember with this decision.
        records: Vec<Record>,
    },
    /// Send nothing, for `reason` (never silent: the reason is stored and shown).
    Skip {
        /// Human-readable, one sentence.
        reason: String,
        /// What to remember with this decision (at least the event itself).
        records: Vec<Record>,
    },
    /// Fetch `needs` from Stripe, add the answer to the [`Fetched`](super::Fetched) inputs, and
    /// decide again.
    Lookup {
        /// What to fetch.
        needs: Need,
    },
    /// Decide again at `until` (unix seconds), with fresh look-ups: a new subscription has no
    /// click id yet, and its Checkout event or a metadata update may still arrive.
    Wait {
        /// When to decide again.
        until: i64,
        /// Why.
        reason: String,
    },
}

impl Decision {
    /// The records to store with this decision (none for `Lookup` and `Wait`).
    pub fn records(&self) -> &[Record] {
        match self {
            Self::Send { records, .. } | Self::Skip { records, .. } => records,
            Self::Lookup { .. } | Self::Wait { .. } => &[],
        }
    }

    /// `"send"`, `"skip"`, `"lookup"` or `"wait"`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Send { .. } => "send",
            Self::Skip { .. } => "skip",
            Self::Lookup { .. } => "lookup",
            Self::Wait { .. } => "wait",
        }
    }
}
