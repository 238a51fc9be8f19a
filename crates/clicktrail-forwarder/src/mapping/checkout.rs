//! `checkout.session.completed` and `checkout.session.async_payment_succeeded`.

use clicktrail_clickid::ClickId;
use clicktrail_stripe::CheckoutSession;

use super::click_id::{Found, Search, on_customer};
use super::conversion::Draft;
use super::items::Line;
use super::send::{self, Payment};
use super::{Cx, Decision, Need, lines, promo};
use crate::knowledge::{Knowledge, Owner, Record};

pub(super) fn decide<K: Knowledge + ?Sized>(cx: &Cx<'_, K>, handled: Record) -> Decision {
    let session = match cx.event.checkout_session() {
        Ok(session) => session,
        Err(e) => {
            return cx.skip(
                format!("cannot read the Checkout Session: {e}"),
                vec![],
                Some(handled),
            );
        }
    };
    match session.mode.as_deref() {
        Some("subscription") => subscription_mode(cx, &session, handled),
        Some("payment") => payment_mode(cx, &session, handled),
        other => cx.skip(
            format!(
                "Checkout Session {} in mode {} carries no payment to credit",
                session.id,
                other.unwrap_or("(none)")
            ),
            vec![],
            Some(handled),
        ),
    }
}

/// The click id on the session itself: its metadata, then `client_reference_id` (`irc_`).
fn on_session<K: Knowledge + ?Sized>(
    cx: &Cx<'_, K>,
    session: &CheckoutSession,
    search: &mut Search,
) -> Option<ClickId> {
    let keys = &cx.settings.rules.click_id_keys;
    search
        .metadata("session metadata", &session.metadata, keys)
        .or_else(|| search.client_reference_id(session.client_reference_id.as_deref()))
}

/// The `OrderId` of a one-time payment: its payment intent; a paid session without one (fully
/// discounted, `no_payment_required`) uses its own id when that fits impact.com's 64
/// characters, else `cs_` and the first 32 hex digits of the SHA-256 of the id (real session
/// ids are 66 characters long): stable across deliveries, and never a skip.
pub(super) fn order_id(session: &CheckoutSession) -> String {
    use sha2::Digest;

    const MAX_ORDER_ID: usize = 64;
    if let Some(pi) = &session.payment_intent {
        return pi.clone();
    }
    if session.id.len() <= MAX_ORDER_ID {
        return session.id.clone();
    }
    let digest = sha2::Sha256::digest(session.id.as_bytes());
    format!("cs_{}", &hex::encode(digest)[..32])
}

/// Subscription mode: `invoice.paid` carries the money; the click id found here is remembered
/// for the subscription and the customer, so that invoice can be credited.
fn subscription_mode<K: Knowledge + ?Sized>(
    cx: &Cx<'_, K>,
    session: &CheckoutSession,
    handled: Record,
) -> Decision {
    let mut search = Search::default();
    let Some(click_id) = on_session(cx, session, &mut search) else {
        return cx.skip(
            format!(
                "subscription-mode Checkout Session {}: no conversion here (invoice.paid carries the money) and no click id to remember{}",
                session.id,
                search.note()
            ),
            vec![],
            Some(handled),
        );
    };
    let owners: Vec<Owner> = session
        .subscription
        .iter()
        .map(|s| Owner::Subscription(s.clone()))
        .chain(session.customer.iter().map(|c| Owner::Customer(c.clone())))
        .collect();
    let names: Vec<String> = owners.iter().map(ToString::to_string).collect();
    let records = owners
        .into_iter()
        .map(|owner| Record::ClickIdLearned {
            owner,
            click_id: click_id.clone(),
            session: session.id.clone(),
            recorded_at: session.created.unwrap_or(cx.event.created),
        })
        .collect();
    let remembered = if names.is_empty() {
        "but the session names no subscription or customer to remember it for".to_owned()
    } else {
        format!("click id {click_id} remembered for {}", names.join(" and "))
    };
    cx.skip(
        format!(
            "subscription-mode Checkout Session {}: no conversion here (invoice.paid carries the money); {remembered}",
            session.id
        ),
        records,
        Some(handled),
    )
}

/// Payment mode: a one-time conversion once the payment is confirmed.
fn payment_mode<K: Knowledge + ?Sized>(
    cx: &Cx<'_, K>,
    session: &CheckoutSession,
    handled: Record,
) -> Decision {
    let skip = |reason: String| cx.skip(reason, vec![], Some(handled.clone()));
    if let Some(reason) = not_paid(session) {
        return skip(reason);
    }
    let Some(currency) = session.currency else {
        return skip(format!("Checkout Session {} has no currency", session.id));
    };
    let order_id = order_id(session);
    if let Some(reason) = send::already_sent(cx, &order_id) {
        return skip(reason);
    }
    // Every final decision from here on says the payment was decided, so that a refund waiting
    // for it is decided again.
    let payment = payment(session);
    let skip = |reason: String| cx.skip(reason, vec![payment.decided(None)], Some(handled.clone()));
    let click_id = match find_click_id(cx, session).or_decide(skip) {
        Ok(click_id) => click_id,
        Err(decision) => return decision,
    };
    let (lines, note) = match session_lines(cx, session) {
        Ok(found) => found,
        Err(needs) => return Decision::Lookup { needs },
    };
    let promo_code = match promo::order_promo_code(cx, &session.promotion_codes) {
        Ok(code) => code,
        Err(needs) => return Decision::Lookup { needs },
    };
    let credited = session
        .amount_total
        .unwrap_or(0)
        .saturating_sub(session.amount_tax.unwrap_or(0))
        .max(0);
    let draft = Draft {
        tracker: cx.settings.one_time_tracker(),
        order_id: &order_id,
        event_date: cx.event.created,
        currency,
        click_id: &click_id,
        customer_id: session.customer.as_deref(),
        email: session.email(),
        lines,
        credited,
        promo_code,
    };
    send::conversion(cx, draft, &payment, vec![handled.clone()], note)
        .unwrap_or_else(|reason| skip(format!("Checkout Session {}: {reason}", session.id)))
}

/// A one-time payment's line items as itemisation inputs: the payload's when it carries all of
/// them (expanded), else every item fetched from Stripe (`Err` asks for them). When Stripe would
/// not give them (the key may not read Checkout Sessions, the session is gone), no lines (one
/// summary item carries the amount) and the note saying why.
fn session_lines<K: Knowledge + ?Sized>(
    cx: &Cx<'_, K>,
    session: &CheckoutSession,
) -> Result<(Vec<Line>, Option<String>), Need> {
    if let Some(items) = &session.line_items
        && !session.line_items_has_more
    {
        return Ok((lines::of_checkout(items), None));
    }
    match cx.fetched.get_checkout_line_items(&session.id) {
        None => Err(Need::CheckoutLineItems {
            session: session.id.clone(),
        }),
        Some(Ok(items)) => Ok((lines::of_checkout(items), None)),
        Some(Err(why)) => Ok((
            Vec::new(),
            Some(format!(
                "sent as one item: Stripe did not give the line items of Checkout Session {} ({why})",
                session.id
            )),
        )),
    }
}

/// The skip reason of a session whose payment is not confirmed yet (an asynchronous payment
/// method): its `checkout.session.async_payment_succeeded` will carry the conversion.
fn not_paid(session: &CheckoutSession) -> Option<String> {
    let status = session.payment_status.as_deref().unwrap_or("(none)");
    (!matches!(status, "paid" | "no_payment_required")).then(|| {
        format!(
            "Checkout Session {} is not paid yet (payment_status {status}): waiting for checkout.session.async_payment_succeeded",
            session.id
        )
    })
}

/// The click id of a one-time payment: on the session itself ([`on_session`]), else on its
/// customer.
fn find_click_id<K: Knowledge + ?Sized>(cx: &Cx<'_, K>, session: &CheckoutSession) -> Found {
    let mut search = Search::default();
    if let Some(click_id) = on_session(cx, session, &mut search) {
        return Found::Yes(click_id);
    }
    let started = session.created.unwrap_or(cx.event.created);
    match on_customer(cx, session.customer.as_deref(), started, &mut search) {
        Ok(Some(click_id)) => Found::Yes(click_id),
        Ok(None) => Found::No(format!(
            "no click id found for Checkout Session {} (looked in its metadata, client_reference_id and the customer){}",
            session.id,
            search.note()
        )),
        Err(need) => Found::Lookup(need),
    }
}

/// A one-time payment: named by its payment intent and its Checkout Session.
fn payment(session: &CheckoutSession) -> Payment {
    let refs = [session.payment_intent.as_ref(), Some(&session.id)]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    Payment {
        refs,
        payment_intent: session.payment_intent.clone(),
        charge: None,
        subscription: None,
    }
}
