//! `charge.refunded`: shrink the credit in proportion to what is left of the charge, held for
//! `refund_delay`.
//!
//! The refunded charge is matched to its conversion (`payment.rs`). The new amount is
//! `credited x (amount - amount_refunded) / amount` (cumulative, minor units, rounded half-up,
//! [`proportional`]), in impact.com's unit, never above the amount impact.com holds now; at least
//! one cent while anything is left of the charge, so that 0 (a reversal) means exactly "fully
//! refunded". A partial refund whose new amount is not below the held one changes nothing; an
//! older refund event that arrives after a newer one is skipped (the amount never moves back up).
//!
//! A refund whose payment was not decided yet waits for it ([`Decision::AwaitConversion`]) for
//! up to [`CONVERSION_WAIT`]: it is never skipped because the conversion is still on its way.

use clicktrail_impact::{ImpactRequest, Modification, Reversal};
use clicktrail_stripe::{Currency, Money};

use super::amounts::{Precision, proportional};
use super::payment::{self, Matched, Paid};
use super::{Cx, Decision};
use crate::knowledge::{Knowledge, Record, SentConversion};

/// How long a refund or a dispute waits for its payment's event (`invoice.paid`, Checkout) to
/// be decided: Stripe retries a webhook delivery for up to three days, and `clicktrail serve`'s
/// reconcile reads missed events back within that time.
pub const CONVERSION_WAIT: i64 = 3 * 24 * 3600;

pub(super) fn decide<K: Knowledge + ?Sized>(cx: &Cx<'_, K>, handled: Record) -> Decision {
    let skip = |reason: String| cx.skip(reason, vec![], Some(handled.clone()));
    let charge = match cx.event.charge() {
        Ok(charge) => charge,
        Err(e) => return skip(format!("cannot read the charge: {e}")),
    };
    let (Some(amount), Some(refunded)) = (charge.amount, charge.amount_refunded) else {
        return skip(format!(
            "charge {} has no amount or amount_refunded",
            charge.id
        ));
    };
    let paid = Paid {
        charge: &charge.id,
        payment_intent: charge.payment_intent.as_deref(),
        invoice: charge.invoice.as_deref(),
    };
    let sent = match matched(cx, paid) {
        Ok(sent) => sent,
        Err(Unmatched::Decision(decision)) => return decision,
        Err(Unmatched::Skip(reason)) => return skip(reason),
    };
    if let Some(reason) = already_handled(&sent, refunded) {
        return skip(reason);
    }
    let precision = match precision(&sent) {
        Ok(precision) => precision,
        Err(reason) => return skip(reason),
    };
    let refund = Refund {
        cx,
        handled,
        sent: &sent,
        charge: &charge.id,
        amount,
        refunded,
        precision,
    };
    if amount.saturating_sub(refunded) <= 0 {
        refund.reverse()
    } else {
        refund.shrink()
    }
}

/// The skip reason when this refund changes nothing any more: the action was reversed, or a
/// newer refund of the charge was handled first (the amount is never moved back up).
fn already_handled(sent: &SentConversion, refunded: i64) -> Option<String> {
    let order = &sent.order_id;
    if sent.reversed {
        return Some(format!(
            "the action of OrderId {order} was already reversed"
        ));
    }
    (refunded <= sent.amount_refunded).then(|| {
        format!(
            "older refund event: {} refunded in total, but {} was already handled for OrderId {order}; the amount is never moved back up",
            show(&sent.currency, refunded),
            show(&sent.currency, sent.amount_refunded)
        )
    })
}

/// The precision of the conversion's currency; `Err` holds a skip reason.
fn precision(sent: &SentConversion) -> Result<Precision, String> {
    let currency = Currency::new(&sent.currency)
        .map_err(|e| format!("OrderId {}: currency: {e}", sent.order_id))?;
    Precision::of(currency).map_err(|reason| format!("OrderId {}: {reason}", sent.order_id))
}

/// A refund matched to a conversion that it still changes.
struct Refund<'a, K: ?Sized> {
    cx: &'a Cx<'a, K>,
    /// The event handled, the first record of any decision.
    handled: Record,
    sent: &'a SentConversion,
    /// `ch_...`.
    charge: &'a str,
    /// The charge's amount and what was refunded of it in total, minor units.
    amount: i64,
    refunded: i64,
    precision: Precision,
}

impl<K: Knowledge + ?Sized> Refund<'_, K> {
    /// Refunded in full: reverse the action.
    fn reverse(&self) -> Decision {
        let sent = self.sent;
        let disposition = self.cx.settings.rules.refund_disposition.as_str();
        match Reversal::new(&sent.tracker, &sent.order_id, disposition) {
            Ok(r) => self.send(ImpactRequest::from(r), 0, true),
            Err(e) => self.skip(format!("cannot build the reversal: {e}"), vec![]),
        }
    }

    /// Refunded in part: the credit in proportion to what is left of the charge, at least the
    /// smallest amount, never above what impact.com holds now.
    fn shrink(&self) -> Decision {
        let (sent, precision) = (self.sent, self.precision);
        let held = precision.to_wire(sent.current_amount);
        let mut new = precision.to_wire(proportional(sent.amount, self.amount, self.refunded));
        if new == 0 && sent.amount > 0 {
            // Something is left of the charge: the action stays, at the smallest amount.
            new = 1;
        }
        let new = new.min(held);
        if new >= held {
            return self.skip(
                self.unchanged(new, held),
                vec![self.change(sent.current_amount, false)],
            );
        }
        match Modification::new(
            &sent.tracker,
            &sent.order_id,
            precision.amount(new),
            self.cx.settings.rules.refund_reason.as_str(),
        ) {
            Ok(m) => self.send(m.into(), precision.from_wire(new), false),
            Err(e) => self.skip(format!("cannot build the modification: {e}"), vec![]),
        }
    }

    /// The skip reason of a partial refund whose proportional credit `new` is not below the
    /// `held` amount (wire units).
    fn unchanged(&self, new: i64, held: i64) -> String {
        let sent = self.sent;
        let major = |minor: i64| show(&sent.currency, minor);
        format!(
            "partial refund of charge {}: the credit in proportion, {} x ({} - {} refunded) / {} = {}, is not below the action's current amount {} (OrderId {}); nothing to change",
            self.charge,
            major(sent.amount),
            major(self.amount),
            major(self.refunded),
            major(self.amount),
            self.precision.amount(new),
            self.precision.amount(held),
            sent.order_id
        )
    }

    /// The action's new state: `current_amount` (minor units) and whether it is reversed.
    fn change(&self, current_amount: i64, reversed: bool) -> Record {
        Record::ActionChanged {
            order_id: self.sent.order_id.clone(),
            tracker: self.sent.tracker.clone(),
            current_amount,
            amount_refunded: self.refunded,
            reversed,
        }
    }

    /// Sends `request`, held for `refund_delay`, recording the action's new state.
    fn send(&self, request: ImpactRequest, current_amount: i64, reversed: bool) -> Decision {
        let not_before = self
            .cx
            .event
            .created
            .saturating_add(self.cx.settings.refund_delay_secs());
        Decision::Send {
            request,
            not_before,
            records: vec![self.handled.clone(), self.change(current_amount, reversed)],
            note: None,
        }
    }

    fn skip(&self, reason: String, records: Vec<Record>) -> Decision {
        self.cx.skip(reason, records, Some(self.handled.clone()))
    }
}

/// Why no conversion was matched: a decision to return as is (a look-up, a wait), or a skip.
pub(super) enum Unmatched {
    Decision(Decision),
    Skip(String),
}

/// The conversion `paid` belongs to, or what to do instead: look up, wait for the payment's
/// event (at most [`CONVERSION_WAIT`] after this event), or skip.
#[allow(clippy::result_large_err)] // a Decision, returned at once: boxing would only add noise
pub(super) fn matched<K: Knowledge + ?Sized>(
    cx: &Cx<'_, K>,
    paid: Paid<'_>,
) -> Result<SentConversion, Unmatched> {
    match payment::find(cx, paid) {
        Matched::Yes(sent) => Ok(sent),
        Matched::Lookup(needs) => Err(Unmatched::Decision(Decision::Lookup { needs })),
        Matched::No {
            settled: true,
            reason,
            ..
        } => Err(Unmatched::Skip(reason)),
        Matched::No {
            settled: false,
            refs,
            reason,
        } => {
            let until = cx.event.created.saturating_add(CONVERSION_WAIT);
            if cx.now < until {
                Err(Unmatched::Decision(Decision::AwaitConversion {
                    refs,
                    until,
                    reason: format!("waiting for its conversion: {reason}"),
                }))
            } else {
                Err(Unmatched::Skip(format!(
                    "{reason}, and none came within {} days of this event",
                    CONVERSION_WAIT / 86_400
                )))
            }
        }
    }
}

/// `minor` in `currency` as `"12.34 USD"` (`"1234 (minor units) XYZ"` when its exponent is
/// unknown; the minor count alone when the currency is unreadable).
pub(super) fn show(currency: &str, minor: i64) -> String {
    match Currency::new(currency) {
        Ok(currency) => Money::new(minor, currency).to_string(),
        Err(_) => minor.to_string(),
    }
}
