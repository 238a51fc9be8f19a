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
    let skip =
        |reason: String, records: Vec<Record>| cx.skip(reason, records, Some(handled.clone()));
    let charge = match cx.event.charge() {
        Ok(charge) => charge,
        Err(e) => return skip(format!("cannot read the charge: {e}"), vec![]),
    };
    let (Some(amount), Some(refunded)) = (charge.amount, charge.amount_refunded) else {
        return skip(
            format!("charge {} has no amount or amount_refunded", charge.id),
            vec![],
        );
    };
    let paid = Paid {
        charge: &charge.id,
        payment_intent: charge.payment_intent.as_deref(),
        invoice: charge.invoice.as_deref(),
    };
    let sent = match matched(cx, paid) {
        Ok(sent) => sent,
        Err(Unmatched::Decision(decision)) => return decision,
        Err(Unmatched::Skip(reason)) => return skip(reason, vec![]),
    };
    let order = sent.order_id.as_str();
    if sent.reversed {
        return skip(
            format!("the action of OrderId {order} was already reversed"),
            vec![],
        );
    }
    let major = |minor: i64| show(&sent.currency, minor);
    if refunded <= sent.amount_refunded {
        return skip(
            format!(
                "older refund event: {} refunded in total, but {} was already handled for OrderId {order}; the amount is never moved back up",
                major(refunded),
                major(sent.amount_refunded)
            ),
            vec![],
        );
    }
    let precision = match Currency::new(&sent.currency).map_err(|e| e.to_string()) {
        Ok(currency) => match Precision::of(currency) {
            Ok(p) => p,
            Err(reason) => return skip(reason, vec![]),
        },
        Err(e) => return skip(format!("OrderId {order}: currency: {e}"), vec![]),
    };
    let not_before = cx
        .event
        .created
        .saturating_add(cx.settings.refund_delay_secs());
    let change = |current_amount: i64, reversed: bool| Record::ActionChanged {
        order_id: sent.order_id.clone(),
        tracker: sent.tracker.clone(),
        current_amount,
        amount_refunded: refunded,
        reversed,
    };
    let rules = &cx.settings.rules;

    let remaining = amount.saturating_sub(refunded).max(0);
    if remaining == 0 {
        let request = match Reversal::new(&sent.tracker, order, rules.refund_disposition.as_str()) {
            Ok(r) => ImpactRequest::from(r),
            Err(e) => return skip(format!("cannot build the reversal: {e}"), vec![]),
        };
        return Decision::Send {
            request,
            not_before,
            records: vec![handled.clone(), change(0, true)],
        };
    }

    let held = precision.to_wire(sent.current_amount);
    let mut new = precision.to_wire(proportional(sent.amount, amount, refunded));
    if new == 0 && sent.amount > 0 {
        // Something is left of the charge: the action stays, at the smallest amount.
        new = 1;
    }
    let new = new.min(held);
    let explained = format!(
        "{} x ({} - {} refunded) / {}",
        major(sent.amount),
        major(amount),
        major(refunded),
        major(amount)
    );
    if new >= held {
        return skip(
            format!(
                "partial refund of charge {}: the credit in proportion, {explained} = {}, is not below the action's current amount {} (OrderId {order}); nothing to change",
                charge.id,
                precision.amount(new),
                precision.amount(held)
            ),
            vec![change(sent.current_amount, false)],
        );
    }
    match Modification::new(
        &sent.tracker,
        order,
        precision.amount(new),
        rules.refund_reason.as_str(),
    ) {
        Ok(m) => Decision::Send {
            request: m.into(),
            not_before,
            records: vec![handled.clone(), change(precision.from_wire(new), false)],
        },
        Err(e) => skip(format!("cannot build the modification: {e}"), vec![]),
    }
}

/// Why no conversion was matched: a decision to return as is (a look-up, a wait), or a skip.
pub(super) enum Unmatched {
    Decision(Decision),
    Skip(String),
}

/// The conversion `paid` belongs to, or what to do instead: look up, wait for the payment's
/// event (at most [`CONVERSION_WAIT`] after this event), or skip.
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

/// `minor` in `currency` as `"12.34 USD"` (the minor count when the currency is unreadable).
pub(super) fn show(currency: &str, minor: i64) -> String {
    match Currency::new(currency) {
        Ok(currency) => format!(
            "{} {}",
            Money::new(minor, currency).to_decimal_string(),
            currency
        ),
        Err(_) => minor.to_string(),
    }
}
