//! The Send decision of a conversion, shared by invoices and one-time Checkout payments: the
//! request built from the [`Draft`], and the records that go with it (the payment decided, and
//! the [`SentConversion`] that later refunds and disputes are matched to).

use super::conversion::{self, Draft};
use super::{Cx, Decision};
use crate::knowledge::{Knowledge, Record, SentConversion};

/// The payment a conversion credits, named the ways later events name it.
#[derive(Debug, Clone)]
pub(super) struct Payment {
    /// Every id that names the payment (invoice or Checkout Session, payment intent, charge): a
    /// refund waiting for this payment is decided again once one of them is decided.
    pub(super) refs: Vec<String>,
    /// `pi_...`, remembered to match refunds and disputes.
    pub(super) payment_intent: Option<String>,
    /// `ch_...` (pre-basil invoices name their charge), remembered for the same.
    pub(super) charge: Option<String>,
    /// `sub_...`, for subscription invoices.
    pub(super) subscription: Option<String>,
}

impl Payment {
    /// The record saying this payment was decided, with the `OrderId` of its conversion (`None`:
    /// decided without one). Every final decision on a payment carries it.
    pub(super) fn decided(&self, order_id: Option<&str>) -> Record {
        Record::PaymentDecided {
            refs: self.refs.clone(),
            order_id: order_id.map(str::to_owned),
        }
    }
}

/// The skip reason when a conversion for `order_id` was already sent: a payment is credited
/// once, whichever of its events comes first.
pub(super) fn already_sent<K: Knowledge + ?Sized>(
    cx: &Cx<'_, K>,
    order_id: &str,
) -> Option<String> {
    let sent = cx.knowledge.conversion_by_order(order_id)?;
    Some(format!(
        "a conversion for OrderId {order_id} was already sent (tracker {})",
        sent.tracker
    ))
}

/// Sends `draft`'s conversion for `payment`, not before the event's `created`.
///
/// The records are `records` (the event handled, and whatever else the rule remembers), then
/// the payment decided and the [`SentConversion`] (amount = the amount credited, nothing
/// refunded yet). `note` goes with the decision ([`Decision::Send`]). `Err` holds the skip
/// reason when the request cannot be built.
pub(super) fn conversion<K: Knowledge + ?Sized>(
    cx: &Cx<'_, K>,
    draft: Draft<'_>,
    payment: &Payment,
    mut records: Vec<Record>,
    note: Option<String>,
) -> Result<Decision, String> {
    let order_id = draft.order_id.to_owned();
    let tracker = draft.tracker.as_str().to_owned();
    let currency = draft.currency.code_upper().to_owned();
    let credited = draft.credited;
    let request = conversion::build(cx.settings, draft)?;
    records.push(payment.decided(Some(&order_id)));
    records.push(Record::ConversionSent(SentConversion {
        order_id,
        tracker,
        currency,
        amount: credited,
        payment_intent: payment.payment_intent.clone(),
        charge: payment.charge.clone(),
        subscription: payment.subscription.clone(),
        current_amount: credited,
        amount_refunded: 0,
        reversed: false,
    }));
    Ok(Decision::Send {
        request,
        not_before: cx.event.created,
        records,
        note,
    })
}
