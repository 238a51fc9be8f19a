//! `invoice.paid`: subscription payments.
//!
//! In order: the billing reason picks the tracker ([`tracker`]: `subscription_create` ->
//! `event_type_id`, `subscription_cycle` -> `recurring_event_type_id`, `subscription_update` ->
//! `upgrade_event_type_id` when set; anything else is skipped), with `trial` deciding what a $0
//! sign-up means; a conversion already sent for the invoice stops here; then the click id is
//! looked for ([`click_id`]); then the lines, fetched when the payload holds only part of them.
//! OrderId = invoice id, EventDate = `status_transitions.paid_at` (else the event's `created`),
//! amount credited = `amount_paid` minus tax.
//!
//! With `trial = "first-payment"` a subscription's state is remembered: `AwaitingFirstPayment`
//! after its $0 sign-up, `FirstPaymentHandled` once its first paid invoice was decided. When the
//! sign-up was never seen, the subscription is fetched and a trial that ended within two days of
//! the invoice marks it as the first payment.

mod click_id;
mod tracker;

use clicktrail_stripe::{Currency, Invoice};

use super::conversion::Draft;
use super::items::Line;
use super::send::{self, Payment};
use super::{Cx, Decision, Need, lines, promo};
use crate::config::NumericId;
use crate::knowledge::{Knowledge, Record};
use tracker::Chosen;

pub(super) fn decide<K: Knowledge + ?Sized>(cx: &Cx<'_, K>, handled: Record) -> Decision {
    let invoice = match cx.event.invoice() {
        Ok(invoice) => invoice,
        Err(e) => {
            let reason = format!("cannot read the invoice: {e}");
            return cx.skip(reason, vec![], Some(handled));
        }
    };
    let Some(currency) = invoice.currency else {
        let reason = format!("invoice {} has no currency", invoice.id);
        return cx.skip(reason, vec![], Some(handled));
    };
    // Every final decision from here on says the payment was decided, so that a refund waiting
    // for it is decided again.
    let payment = payment(&invoice);
    let amount_paid = invoice.amount_paid.unwrap_or(0);
    let (tracker, trial_records) = match tracker::choose(cx, &invoice, amount_paid) {
        Chosen::Tracker(tracker, records) => (tracker, records),
        Chosen::Skip(reason, mut records) => {
            records.push(payment.decided(None));
            return cx.skip(reason, records, Some(handled));
        }
        Chosen::Lookup(needs) => return Decision::Lookup { needs },
    };
    if let Some(reason) = send::already_sent(cx, &invoice.id) {
        return cx.skip(reason, trial_records, Some(handled));
    }
    let mut kept = vec![handled];
    kept.extend(trial_records);
    let chosen = Tracked {
        invoice: &invoice,
        currency,
        tracker,
        payment: &payment,
    };
    convert(cx, &chosen, kept)
}

/// An invoice whose tracker is chosen, and that was not credited yet.
struct Tracked<'a> {
    invoice: &'a Invoice,
    currency: Currency,
    tracker: &'a NumericId,
    payment: &'a Payment,
}

/// The click id, the lines, then the conversion. `kept` (the event handled, the trial state)
/// goes with any final decision.
fn convert<K: Knowledge + ?Sized>(
    cx: &Cx<'_, K>,
    chosen: &Tracked<'_>,
    kept: Vec<Record>,
) -> Decision {
    let invoice = chosen.invoice;
    let skip = |reason: String| {
        let mut records = kept.clone();
        records.push(chosen.payment.decided(None));
        cx.skip(reason, records, None)
    };
    let click_id = match click_id::find(cx, invoice).or_decide(skip) {
        Ok(click_id) => click_id,
        Err(decision) => return decision,
    };
    let lines = match all_lines(cx, invoice) {
        Ok(lines) => lines,
        Err(needs) => return Decision::Lookup { needs },
    };
    let promo_code = match promo::order_promo_code(cx, &invoice.promotion_codes) {
        Ok(code) => code,
        Err(needs) => return Decision::Lookup { needs },
    };
    let credited = invoice
        .amount_paid
        .unwrap_or(0)
        .saturating_sub(invoice.tax.unwrap_or(0))
        .max(0);
    let draft = Draft {
        tracker: chosen.tracker,
        order_id: &invoice.id,
        event_date: invoice.paid_at.unwrap_or(cx.event.created),
        currency: chosen.currency,
        click_id: &click_id,
        customer_id: invoice.customer.as_deref(),
        email: invoice.customer_email.as_deref(),
        lines,
        credited,
        promo_code,
    };
    send::conversion(cx, draft, chosen.payment, kept.clone(), None)
        .unwrap_or_else(|reason| skip(format!("invoice {}: {reason}", invoice.id)))
}

/// The invoice's lines as itemisation inputs: the payload's, or every line fetched from Stripe
/// when the payload holds only part of them (`Err` asks for them).
fn all_lines<K: Knowledge + ?Sized>(cx: &Cx<'_, K>, invoice: &Invoice) -> Result<Vec<Line>, Need> {
    if !invoice.lines_has_more {
        return Ok(lines::of_invoice(&invoice.lines));
    }
    match cx.fetched.get_invoice_lines(&invoice.id) {
        Some(fetched) => Ok(lines::of_invoice(fetched)),
        None => Err(Need::InvoiceLines {
            invoice: invoice.id.clone(),
        }),
    }
}

/// An invoice's payment: named by the invoice, and (pre-basil) its payment intent and charge.
fn payment(invoice: &Invoice) -> Payment {
    let refs = [
        Some(&invoice.id),
        invoice.payment_intent.as_ref(),
        invoice.charge.as_ref(),
    ]
    .into_iter()
    .flatten()
    .cloned()
    .collect();
    Payment {
        refs,
        payment_intent: invoice.payment_intent.clone(),
        charge: invoice.charge.clone(),
        subscription: invoice.subscription.clone(),
    }
}
