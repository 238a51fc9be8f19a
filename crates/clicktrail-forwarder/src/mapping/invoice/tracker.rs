//! The tracker of a paid invoice: picked by its billing reason, with `trial` deciding what a
//! $0 sign-up and the first payment after a trial mean.

use clicktrail_stripe::Invoice;

use super::super::{Cx, Need, SubscriptionPurpose};
use crate::config::{NumericId, Trial};
use crate::knowledge::{Knowledge, Record, TrialState};

/// How long after a subscription's `trial_end` an invoice still counts as the first one after
/// the trial (Stripe creates it at the end of the trial; finalisation and retries take hours).
const TRIAL_END_WINDOW: i64 = 2 * 24 * 3600;

/// What the billing reason came to.
pub(super) enum Chosen<'a> {
    /// The tracker, and the trial-state records that go with any final decision.
    Tracker(&'a NumericId, Vec<Record>),
    /// A skip reason, with the records to keep even so.
    Skip(String, Vec<Record>),
    /// `trial = "first-payment"` and the subscription's sign-up was never seen: ask Stripe.
    Lookup(Need),
}

/// The tracker for `invoice`, which paid `amount_paid` (minor units).
pub(super) fn choose<'a, K: Knowledge + ?Sized>(
    cx: &Cx<'a, K>,
    invoice: &Invoice,
    amount_paid: i64,
) -> Chosen<'a> {
    match invoice.billing_reason.as_deref().unwrap_or("(none)") {
        "subscription_create" => sign_up(cx, invoice, amount_paid),
        reason @ ("subscription_cycle" | "subscription_update") => {
            if amount_paid == 0 {
                return Chosen::Skip(format!("$0 {reason} invoice: nothing was paid"), vec![]);
            }
            renewal_or_update(cx, invoice, reason)
        }
        other => Chosen::Skip(
            format!(
                "billing_reason {other} is not credited (only subscription_create, subscription_cycle and, with upgrade_event_type_id, subscription_update)"
            ),
            vec![],
        ),
    }
}

/// `subscription_create`: the first-subscription tracker, unless it is a $0 trial sign-up and
/// `trial = "first-payment"` credits the first paid invoice instead.
fn sign_up<'a, K: Knowledge + ?Sized>(
    cx: &Cx<'a, K>,
    invoice: &Invoice,
    amount_paid: i64,
) -> Chosen<'a> {
    if amount_paid == 0 && first_payment_rule(cx) {
        let sub = invoice.subscription.as_deref().unwrap_or("(unknown)");
        return Chosen::Skip(
            format!(
                "$0 sign-up invoice (trial): with trial = \"first-payment\" the first paid invoice of subscription {sub} is credited instead"
            ),
            trial_record(cx, invoice, TrialState::AwaitingFirstPayment),
        );
    }
    Chosen::Tracker(
        &cx.settings.event_type_id,
        trial_record(cx, invoice, TrialState::FirstPaymentHandled),
    )
}

/// A paid `subscription_cycle` or `subscription_update` invoice: the first-subscription tracker
/// for the first payment after a trial, else the renewal or the upgrade tracker.
fn renewal_or_update<'a, K: Knowledge + ?Sized>(
    cx: &Cx<'a, K>,
    invoice: &Invoice,
    reason: &str,
) -> Chosen<'a> {
    let s = cx.settings;
    let records = trial_record(cx, invoice, TrialState::FirstPaymentHandled);
    match is_first_payment(cx, invoice) {
        // The first paid invoice after a trial: the first-subscription tracker, whatever Stripe
        // calls it.
        Ok(true) => return Chosen::Tracker(&s.event_type_id, records),
        Ok(false) => {}
        Err(need) => return Chosen::Lookup(need),
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

/// With `trial = "first-payment"`: whether this paid invoice is its subscription's first, as
/// remembered from its $0 sign-up. When the sign-up was never seen (the subscription predates
/// the forwarder, or its $0 invoice was missed), a trial that ended just before the invoice
/// says so; `Err` asks Stripe for the subscription to read its `trial_end`. Always `false`
/// under the other trial rules.
fn is_first_payment<K: Knowledge + ?Sized>(
    cx: &Cx<'_, K>,
    invoice: &Invoice,
) -> Result<bool, Need> {
    let Some(sub) = invoice
        .subscription
        .as_deref()
        .filter(|_| first_payment_rule(cx))
    else {
        return Ok(false);
    };
    match cx.knowledge.trial_state(sub) {
        Some(TrialState::AwaitingFirstPayment) => Ok(true),
        Some(TrialState::FirstPaymentHandled) => Ok(false),
        None => match cx.fetched.get_subscription(sub) {
            None => Err(Need::Subscription {
                id: sub.to_owned(),
                purpose: SubscriptionPurpose::FirstPayment,
            }),
            Some(fetched) => Ok(fetched
                .and_then(|f| f.trial_end)
                .zip(invoice.created)
                .is_some_and(|(end, created)| {
                    created >= end - 3600 && created - end <= TRIAL_END_WINDOW
                })),
        },
    }
}

/// Whether `trial = "first-payment"`.
fn first_payment_rule<K: Knowledge + ?Sized>(cx: &Cx<'_, K>) -> bool {
    cx.settings.rules.trial == Trial::FirstPayment
}

/// The record of the subscription's trial `state`, kept with the decision: only under
/// `trial = "first-payment"`, and only for an invoice of a subscription.
fn trial_record<K: Knowledge + ?Sized>(
    cx: &Cx<'_, K>,
    invoice: &Invoice,
    state: TrialState,
) -> Vec<Record> {
    match invoice.subscription.as_deref() {
        Some(sub) if first_payment_rule(cx) => vec![Record::Trial {
            subscription: sub.to_owned(),
            state,
        }],
        _ => vec![],
    }
}
