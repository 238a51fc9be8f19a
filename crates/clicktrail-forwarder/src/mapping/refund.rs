//! `charge.refunded`: take the credit back, held for `refund_delay`.
//!
//! The refunded charge is matched to the conversion it paid: by the charge or payment intent
//! recorded when the conversion was sent (pre-basil invoices and one-time payments, whose
//! `OrderId` is the payment intent), by the pre-basil `charge.invoice`, else by asking Stripe
//! which invoice the payment intent paid. Remaining = `amount - amount_refunded` (cumulative):
//! 0 reverses the action; otherwise the action is modified to the remaining amount when that is
//! below its current amount: never above what was credited (tax is not commissionable), never
//! back up (an older refund event that arrives late is skipped).

use clicktrail_impact::{Amount, ImpactRequest, Modification, Reversal};
use clicktrail_stripe::{Charge, Currency, Money};

use super::{Cx, Decision, Need};
use crate::knowledge::{Knowledge, PaymentRef, Record, SentConversion};

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
    let sent = match find_conversion(cx, &charge) {
        Matched::Yes(sent) => sent,
        Matched::Lookup(needs) => return Decision::Lookup { needs },
        Matched::No(reason) => return skip(reason, vec![]),
    };
    let order = sent.order_id.as_str();
    if sent.reversed {
        return skip(
            format!("the action of OrderId {order} was already reversed"),
            vec![],
        );
    }
    let major = |minor: i64| match Currency::new(&sent.currency) {
        Ok(currency) => format!(
            "{} {}",
            Money::new(minor, currency).to_decimal_string(),
            currency
        ),
        Err(_) => minor.to_string(),
    };
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
    let remaining = amount.saturating_sub(refunded).max(0);
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

    // The action's current amount is at most what was credited, so this also keeps tax (which
    // is not credited) out of it.
    if remaining >= sent.current_amount {
        return skip(
            format!(
                "partial refund of charge {}: the remaining {} is not below the action's current amount {} (OrderId {order}); nothing to change",
                charge.id,
                major(remaining),
                major(sent.current_amount)
            ),
            vec![change(sent.current_amount, false)],
        );
    }
    let exponent = Currency::new(&sent.currency)
        .map(|c| c.exponent())
        .unwrap_or(2);
    let request = Amount::from_minor(remaining, u8::try_from(exponent).unwrap_or(u8::MAX))
        .and_then(|amount| {
            Modification::new(&sent.tracker, order, amount, rules.refund_reason.as_str())
        });
    match request {
        Ok(m) => Decision::Send {
            request: m.into(),
            not_before,
            records: vec![handled.clone(), change(remaining, false)],
        },
        Err(e) => skip(format!("cannot build the modification: {e}"), vec![]),
    }
}

enum Matched {
    Yes(SentConversion),
    Lookup(Need),
    No(String),
}

fn find_conversion<K: Knowledge + ?Sized>(cx: &Cx<'_, K>, charge: &Charge) -> Matched {
    let k = cx.knowledge;
    if let Some(sent) = k.conversion_by_payment(&PaymentRef::Charge(charge.id.clone())) {
        return Matched::Yes(sent);
    }
    if let Some(pi) = charge.payment_intent.as_deref() {
        let by_pi = k
            .conversion_by_payment(&PaymentRef::PaymentIntent(pi.to_owned()))
            .or_else(|| k.conversion_by_order(pi));
        if let Some(sent) = by_pi {
            return Matched::Yes(sent);
        }
    }
    if let Some(invoice) = charge.invoice.as_deref() {
        // Pre-basil: the charge names its invoice.
        return match k.conversion_by_order(invoice) {
            Some(sent) => Matched::Yes(sent),
            None => Matched::No(format!(
                "charge {} paid invoice {invoice}, for which no conversion was sent",
                charge.id
            )),
        };
    }
    let Some(pi) = charge.payment_intent.as_deref() else {
        return Matched::No(format!(
            "charge {} matches no conversion that was sent (no payment intent or invoice to follow)",
            charge.id
        ));
    };
    match cx.fetched.get_invoice_of_payment_intent(pi) {
        None => Matched::Lookup(Need::InvoiceOfPaymentIntent {
            payment_intent: pi.to_owned(),
        }),
        Some(None) => Matched::No(format!(
            "charge {} (payment intent {pi}) matches no conversion that was sent and paid no invoice",
            charge.id
        )),
        Some(Some(invoice)) => match k.conversion_by_order(invoice) {
            Some(sent) => Matched::Yes(sent),
            None => Matched::No(format!(
                "charge {} paid invoice {invoice}, for which no conversion was sent",
                charge.id
            )),
        },
    }
}
