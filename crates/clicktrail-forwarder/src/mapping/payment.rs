//! Matching a refunded or disputed payment to the conversion it paid for, shared by
//! `charge.refunded` and `charge.dispute.closed`.
//!
//! In order: the charge or payment intent recorded when the conversion was decided (pre-basil
//! invoices and one-time payments, whose `OrderId` is the payment intent); the pre-basil
//! `charge.invoice`; else Stripe is asked which invoice the payment intent paid (basil+ charges
//! no longer name their invoice). When nothing matches, the payment's ids say whether its payment
//! event was decided without a conversion (a final skip) or not seen yet (wait for it).

use super::{Cx, Need};
use crate::knowledge::{Knowledge, PaymentRef, SentConversion};

/// A paid charge, as a refund or a dispute names it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Paid<'a> {
    /// `ch_...`.
    pub(super) charge: &'a str,
    /// `pi_...`, when the charge had one.
    pub(super) payment_intent: Option<&'a str>,
    /// `in_...`: the pre-basil `charge.invoice`.
    pub(super) invoice: Option<&'a str>,
}

/// What the matching came to.
pub(super) enum Matched {
    /// The conversion.
    Yes(SentConversion),
    /// Ask Stripe first.
    Lookup(Need),
    /// No conversion (yet).
    No {
        /// The ids naming the payment (charge, payment intent, invoice), to wait for.
        refs: Vec<String>,
        /// Whether the payment event was decided without a conversion: no conversion will come.
        settled: bool,
        /// Why, one sentence.
        reason: String,
    },
}

/// The conversion `paid` belongs to.
pub(super) fn find<K: Knowledge + ?Sized>(cx: &Cx<'_, K>, paid: Paid<'_>) -> Matched {
    let k = cx.knowledge;
    if let Some(sent) = k.conversion_by_payment(&PaymentRef::Charge(paid.charge.to_owned())) {
        return Matched::Yes(sent);
    }
    if let Some(pi) = paid.payment_intent {
        let by_pi = k
            .conversion_by_payment(&PaymentRef::PaymentIntent(pi.to_owned()))
            .or_else(|| k.conversion_by_order(pi));
        if let Some(sent) = by_pi {
            return Matched::Yes(sent);
        }
    }
    let invoice = match (paid.invoice, paid.payment_intent) {
        (Some(invoice), _) => Some(invoice),
        (None, Some(pi)) => match cx.fetched.get_invoice_of_payment_intent(pi) {
            None => {
                return Matched::Lookup(Need::InvoiceOfPaymentIntent {
                    payment_intent: pi.to_owned(),
                });
            }
            Some(invoice) => invoice,
        },
        (None, None) => None,
    };
    if let Some(sent) = invoice.and_then(|i| k.conversion_by_order(i)) {
        return Matched::Yes(sent);
    }
    let refs: Vec<String> = [Some(paid.charge), paid.payment_intent, invoice]
        .into_iter()
        .flatten()
        .map(str::to_owned)
        .collect();
    // A conversion decided under another name (the payment event recorded its order id).
    let decided: Vec<Option<String>> = refs.iter().filter_map(|r| k.payment_decided(r)).collect();
    if let Some(sent) = decided
        .iter()
        .flatten()
        .find_map(|order| k.conversion_by_order(order))
    {
        return Matched::Yes(sent);
    }
    let what = match invoice {
        Some(invoice) => format!("charge {} (invoice {invoice})", paid.charge),
        None => format!("charge {}", paid.charge),
    };
    if decided.is_empty() {
        Matched::No {
            reason: format!(
                "no conversion was decided for {what}: its payment event (invoice.paid or checkout.session.completed) has not been decided yet"
            ),
            refs,
            settled: false,
        }
    } else {
        Matched::No {
            reason: format!(
                "{what} matches no conversion: its payment was decided without one (see that event's skip reason)"
            ),
            refs,
            settled: true,
        }
    }
}
