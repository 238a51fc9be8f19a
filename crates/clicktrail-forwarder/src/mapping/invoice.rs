//! `invoice.paid`: subscription payments.
//!
//! In order: the billing reason picks the tracker (`subscription_create` -> `event_type_id`,
//! `subscription_cycle` -> `recurring_event_type_id`, `subscription_update` ->
//! `upgrade_event_type_id` when set; anything else is skipped), with `trial` deciding what a $0
//! sign-up means; a conversion already sent for the invoice stops here; then the click id is
//! looked for (`find_click_id`); then the lines, fetched when the payload holds only part of
//! them. OrderId = invoice id, EventDate = `status_transitions.paid_at` (else the event's
//! `created`), amount credited = `amount_paid` minus tax.
//!
//! With `trial = "first-payment"` a subscription's state is remembered: `AwaitingFirstPayment`
//! after its $0 sign-up, `FirstPaymentHandled` once its first paid invoice was decided. When the
//! sign-up was never seen, the subscription is fetched and a trial that ended within two days of
//! the invoice marks it as the first payment.

use clicktrail_clickid::ClickId;
use clicktrail_stripe::{Invoice, InvoiceLine};

use super::click_id::{Search, on_customer};
use super::conversion::Draft;
use super::send::{self, Payment};
use super::{Cx, Decision, Need, lines};
use crate::config::{NumericId, Trial};
use crate::knowledge::{Knowledge, Owner, Record, TrialState};

pub(super) fn decide<K: Knowledge + ?Sized>(cx: &Cx<'_, K>, handled: Record) -> Decision {
    let invoice = match cx.event.invoice() {
        Ok(invoice) => invoice,
        Err(e) => {
            return cx.skip(
                format!("cannot read the invoice: {e}"),
                vec![],
                Some(handled),
            );
        }
    };
    let id = invoice.id.as_str();
    let Some(currency) = invoice.currency else {
        return cx.skip(
            format!("invoice {id} has no currency"),
            vec![],
            Some(handled),
        );
    };
    let amount_paid = invoice.amount_paid.unwrap_or(0);
    let credited = amount_paid.saturating_sub(invoice.tax.unwrap_or(0)).max(0);

    // Every final decision from here on says the payment was decided, so that a refund waiting
    // for it is decided again.
    let payment = payment(&invoice);
    let (tracker, trial_records) = match choose_tracker(cx, &invoice, amount_paid) {
        Chosen::Tracker(tracker, records) => (tracker, records),
        Chosen::Skip(reason, mut records) => {
            records.push(payment.decided(None));
            return cx.skip(reason, records, Some(handled));
        }
        Chosen::Lookup(needs) => return Decision::Lookup { needs },
    };
    if let Some(sent) = cx.knowledge.conversion_by_order(id) {
        return cx.skip(
            format!(
                "a conversion for OrderId {id} was already sent (tracker {})",
                sent.tracker
            ),
            trial_records,
            Some(handled),
        );
    }
    let skip = |reason: String| {
        let mut records = trial_records.clone();
        records.push(payment.decided(None));
        cx.skip(reason, records, Some(handled.clone()))
    };

    let click_id = match find_click_id(cx, &invoice) {
        Found::Yes(click_id) => click_id,
        Found::Lookup(needs) => return Decision::Lookup { needs },
        Found::Wait { until, reason } => return Decision::Wait { until, reason },
        Found::No(reason) => return skip(reason),
    };

    let lines: &[InvoiceLine] = if invoice.lines_has_more {
        match cx.fetched.get_invoice_lines(id) {
            Some(lines) => lines,
            None => {
                return Decision::Lookup {
                    needs: Need::InvoiceLines {
                        invoice: id.to_owned(),
                    },
                };
            }
        }
    } else {
        &invoice.lines
    };
    let lines = lines::of_invoice(lines);

    let draft = Draft {
        tracker,
        order_id: id,
        event_date: invoice.paid_at.unwrap_or(cx.event.created),
        currency,
        click_id: &click_id,
        customer_id: invoice.customer.as_deref(),
        email: invoice.customer_email.as_deref(),
        lines,
        credited,
    };
    let mut records = vec![handled.clone()];
    records.extend(trial_records.iter().cloned());
    send::conversion(cx, draft, &payment, records)
        .unwrap_or_else(|reason| skip(format!("invoice {id}: {reason}")))
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

/// How long after a subscription's `trial_end` an invoice still counts as the first one after
/// the trial (Stripe creates it at the end of the trial; finalisation and retries take hours).
const TRIAL_END_WINDOW: i64 = 2 * 24 * 3600;

enum Chosen<'a> {
    /// The tracker, and the trial-state records that go with any final decision.
    Tracker(&'a NumericId, Vec<Record>),
    /// A skip reason, with the records to keep even so.
    Skip(String, Vec<Record>),
    /// `trial = "first-payment"` and the subscription's sign-up was never seen: ask Stripe.
    Lookup(Need),
}

/// The tracker for this invoice.
fn choose_tracker<'a, K: Knowledge + ?Sized>(
    cx: &Cx<'a, K>,
    invoice: &Invoice,
    amount_paid: i64,
) -> Chosen<'a> {
    let s = cx.settings;
    let first_payment = s.rules.trial == Trial::FirstPayment;
    let subscription = invoice.subscription.as_deref();
    let trial_record = |state| match subscription {
        Some(sub) if first_payment => vec![Record::Trial {
            subscription: sub.to_owned(),
            state,
        }],
        _ => vec![],
    };
    let reason = invoice.billing_reason.as_deref().unwrap_or("(none)");
    match reason {
        "subscription_create" => {
            if amount_paid == 0 && first_payment {
                let sub = subscription.unwrap_or("(unknown)");
                return Chosen::Skip(
                    format!(
                        "$0 sign-up invoice (trial): with trial = \"first-payment\" the first paid invoice of subscription {sub} is credited instead"
                    ),
                    trial_record(TrialState::AwaitingFirstPayment),
                );
            }
            Chosen::Tracker(
                &s.event_type_id,
                trial_record(TrialState::FirstPaymentHandled),
            )
        }
        "subscription_cycle" | "subscription_update" => {
            if amount_paid == 0 {
                return Chosen::Skip(format!("$0 {reason} invoice: nothing was paid"), vec![]);
            }
            let records = trial_record(TrialState::FirstPaymentHandled);
            if let (true, Some(sub)) = (first_payment, subscription) {
                let first = match cx.knowledge.trial_state(sub) {
                    Some(TrialState::AwaitingFirstPayment) => true,
                    Some(TrialState::FirstPaymentHandled) => false,
                    // The sign-up was never seen (the subscription predates the forwarder, or
                    // its $0 invoice was missed): a trial that ended just now says this is the
                    // first payment.
                    None => match cx.fetched.get_subscription(sub) {
                        None => return Chosen::Lookup(Need::Subscription { id: sub.to_owned() }),
                        Some(fetched) => fetched
                            .and_then(|f| f.trial_end)
                            .zip(invoice.created)
                            .is_some_and(|(end, created)| {
                                created >= end - 3600 && created - end <= TRIAL_END_WINDOW
                            }),
                    },
                };
                if first {
                    // The first paid invoice after a trial: the first-subscription tracker,
                    // whatever Stripe calls it.
                    return Chosen::Tracker(&s.event_type_id, records);
                }
            }
            if reason == "subscription_cycle" {
                return Chosen::Tracker(&s.recurring_event_type_id, records);
            }
            match &s.upgrade_event_type_id {
                Some(tracker) => Chosen::Tracker(tracker, records),
                None => Chosen::Skip(
                    "subscription_update invoice (plan change): upgrade_event_type_id is not set"
                        .to_owned(),
                    records,
                ),
            }
        }
        other => Chosen::Skip(
            format!(
                "billing_reason {other} is not credited (only subscription_create, subscription_cycle and, with upgrade_event_type_id, subscription_update)"
            ),
            vec![],
        ),
    }
}

enum Found {
    Yes(ClickId),
    Lookup(Need),
    Wait { until: i64, reason: String },
    No(String),
}

/// The click id, first found wins: the invoice's subscription snapshot (basil+
/// `parent.subscription_details.metadata`, else the older `subscription_details.metadata`), the
/// invoice metadata, the subscription's Checkout Session, the subscription fetched from Stripe,
/// the customer's Checkout Sessions, the customer fetched from Stripe.
fn find_click_id<K: Knowledge + ?Sized>(cx: &Cx<'_, K>, invoice: &Invoice) -> Found {
    let keys = &cx.settings.rules.click_id_keys;
    let mut search = Search::default();
    if let Some(metadata) = &invoice.subscription_metadata
        && let Some(id) = search.metadata("subscription_details.metadata", metadata, keys)
    {
        return Found::Yes(id);
    }
    if let Some(id) = search.metadata("invoice metadata", &invoice.metadata, keys) {
        return Found::Yes(id);
    }
    let mut subscription_created = None;
    if let Some(sub) = invoice.subscription.as_deref() {
        // Learned from this subscription's own Checkout Session: that purchase's click id.
        if let Some(learned) = cx
            .knowledge
            .learned_click_id(&Owner::Subscription(sub.to_owned()))
        {
            return Found::Yes(learned.click_id);
        }
        match cx.fetched.get_subscription(sub) {
            None => return Found::Lookup(Need::Subscription { id: sub.to_owned() }),
            Some(Some(fetched)) => {
                if let Some(id) = search.metadata("subscription metadata", &fetched.metadata, keys)
                {
                    return Found::Yes(id);
                }
                subscription_created = fetched.created;
            }
            Some(None) => {}
        }
    }
    // Click ids found on the customer came with an earlier purchase or visit: they credit only
    // subscriptions started within click_id_max_age of when they were recorded.
    let started = subscription_created
        .or(invoice.created)
        .unwrap_or(cx.event.created);
    match on_customer(cx, invoice.customer.as_deref(), started, &mut search) {
        Ok(Some(id)) => return Found::Yes(id),
        Ok(None) => {}
        Err(need) => return Found::Lookup(need),
    }

    // A brand-new subscription: its Checkout event may simply not have arrived yet.
    let created = subscription_created.or(
        if invoice.billing_reason.as_deref() == Some("subscription_create") {
            invoice.created
        } else {
            None
        },
    );
    let wait = cx.settings.click_id_wait_secs();
    if let (Some(created), true) = (created, invoice.subscription.is_some() && wait > 0) {
        let until = created.saturating_add(wait);
        if cx.now < until {
            return Found::Wait {
                until,
                reason: format!(
                    "no click id yet for the new subscription {}: looking again after a short wait (its Checkout event may arrive later)",
                    invoice.subscription.as_deref().unwrap_or_default()
                ),
            };
        }
    }
    Found::No(format!(
        "no click id found for invoice {} (looked in the subscription details, the invoice metadata, Checkout Sessions, the subscription and the customer){}",
        invoice.id,
        search.note()
    ))
}
