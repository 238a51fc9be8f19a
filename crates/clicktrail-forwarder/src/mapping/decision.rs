//! [`Decision`]: what to do with one event.

use clicktrail_impact::ImpactRequest;

use super::Need;
use crate::knowledge::Record;

/// The outcome of the mapping for one event.
///
/// `Send` and `Skip` are final: store their `records` with them, atomically. `Lookup`, `Wait`
/// and `AwaitConversion` are not: nothing is recorded, and the event is decided again later
/// (after the fetch, after the wait, or once its payment is decided).
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
        /// What the decision gave up on and why (the line items Stripe would not give), stored
        /// with the job and shown by `jobs` and `explain`; `None` for an ordinary send.
        note: Option<String>,
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
    /// A refund or dispute whose payment was not decided yet (its `invoice.paid` or Checkout
    /// event is late, or waits for a click id): decide again as soon as a payment named by one
    /// of `refs` is decided, or at `until` at the latest (then, with still no conversion, it is
    /// skipped). Never skipped while the conversion may still be on its way.
    AwaitConversion {
        /// The ids that name the payment (charge, payment intent, invoice).
        refs: Vec<String>,
        /// When to decide again at the latest, unix seconds.
        until: i64,
        /// Why, for `jobs` and `explain`.
        reason: String,
    },
}

impl Decision {
    /// The records to store with this decision (none for `Lookup`, `Wait` and
    /// `AwaitConversion`).
    pub fn records(&self) -> &[Record] {
        match self {
            Self::Send { records, .. } | Self::Skip { records, .. } => records,
            Self::Lookup { .. } | Self::Wait { .. } | Self::AwaitConversion { .. } => &[],
        }
    }

    /// `"send"`, `"skip"`, `"lookup"`, `"wait"` or `"await_conversion"`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Send { .. } => "send",
            Self::Skip { .. } => "skip",
            Self::Lookup { .. } => "lookup",
            Self::Wait { .. } => "wait",
            Self::AwaitConversion { .. } => "await_conversion",
        }
    }
}
