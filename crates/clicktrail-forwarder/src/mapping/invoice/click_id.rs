//! The click id of a paid invoice, first found wins: the invoice's subscription snapshot (basil+
//! `parent.subscription_details.metadata`, else the older `subscription_details.metadata`), the
//! invoice metadata, the subscription's Checkout Session, the subscription fetched from Stripe,
//! the customer's Checkout Sessions, the customer fetched from Stripe. A new subscription with
//! none of these waits a little for its Checkout event.

use clicktrail_clickid::ClickId;
use clicktrail_stripe::{Invoice, Subscription};

use super::super::click_id::{Found, Search, on_customer};
use super::super::{Cx, Need, SubscriptionPurpose};
use crate::knowledge::{Knowledge, Owner};

/// The click id of `invoice`, or what to do instead.
pub(super) fn find<K: Knowledge + ?Sized>(cx: &Cx<'_, K>, invoice: &Invoice) -> Found {
    let mut search = Search::default();
    if let Some(id) = on_invoice(cx, invoice, &mut search) {
        return Found::Yes(id);
    }
    match on_subscription(cx, invoice, &mut search) {
        Ok(Some(id)) => return Found::Yes(id),
        Ok(None) => {}
        Err(need) => return Found::Lookup(need),
    }
    let subscription_created = fetched_subscription(cx, invoice).and_then(|s| s.created);
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
    if let Some(wait) = wait_for_checkout(cx, invoice, subscription_created) {
        return wait;
    }
    Found::No(format!(
        "no click id found for invoice {} (looked in the subscription details, the invoice metadata, Checkout Sessions, the subscription and the customer){}",
        invoice.id,
        search.note()
    ))
}

/// On the invoice itself: its subscription snapshot, then its own metadata.
fn on_invoice<K: Knowledge + ?Sized>(
    cx: &Cx<'_, K>,
    invoice: &Invoice,
    search: &mut Search,
) -> Option<ClickId> {
    let keys = &cx.settings.rules.click_id_keys;
    invoice
        .subscription_metadata
        .as_ref()
        .and_then(|metadata| search.metadata("subscription_details.metadata", metadata, keys))
        .or_else(|| search.metadata("invoice metadata", &invoice.metadata, keys))
}

/// On the invoice's subscription: learned from its own Checkout Session (that purchase's click
/// id), else in its metadata as Stripe has it now (`Err` asks for it).
fn on_subscription<K: Knowledge + ?Sized>(
    cx: &Cx<'_, K>,
    invoice: &Invoice,
    search: &mut Search,
) -> Result<Option<ClickId>, Need> {
    let Some(sub) = invoice.subscription.as_deref() else {
        return Ok(None);
    };
    if let Some(learned) = cx
        .knowledge
        .learned_click_id(&Owner::Subscription(sub.to_owned()))
    {
        return Ok(Some(learned.click_id));
    }
    match cx.fetched.get_subscription(sub) {
        None => Err(Need::Subscription {
            id: sub.to_owned(),
            purpose: SubscriptionPurpose::ClickId,
        }),
        Some(fetched) => Ok(fetched.and_then(|f| {
            search.metadata(
                "subscription metadata",
                &f.metadata,
                &cx.settings.rules.click_id_keys,
            )
        })),
    }
}

/// The invoice's subscription as fetched from Stripe, when it was.
fn fetched_subscription<'a, K: Knowledge + ?Sized>(
    cx: &Cx<'a, K>,
    invoice: &Invoice,
) -> Option<&'a Subscription> {
    cx.fetched
        .get_subscription(invoice.subscription.as_deref()?)
        .flatten()
}

/// A brand-new subscription (created less than `click_id_wait` ago) whose click id was not
/// found: its Checkout event may simply not have arrived yet, so look again later.
fn wait_for_checkout<K: Knowledge + ?Sized>(
    cx: &Cx<'_, K>,
    invoice: &Invoice,
    subscription_created: Option<i64>,
) -> Option<Found> {
    let sub = invoice.subscription.as_deref()?;
    let created = subscription_created.or(
        if invoice.billing_reason.as_deref() == Some("subscription_create") {
            invoice.created
        } else {
            None
        },
    )?;
    let wait = cx.settings.click_id_wait_secs();
    let until = created.saturating_add(wait);
    (wait > 0 && cx.now < until).then(|| Found::Wait {
        until,
        reason: format!(
            "no click id yet for the new subscription {sub}: looking again after a short wait (its Checkout event may arrive later)"
        ),
    })
}
