//! `charge.dispute.closed`: a lost dispute reverses the conversion whole.
//!
//! `status = lost` means the money is gone, whatever was refunded before, so the matching
//! conversion is reversed (`DispositionCode` = `rules.dispute_disposition`, default
//! `CONS_FRAUD`), held for `refund_delay` and ordered after the conversion like a refund. `won`
//! and `warning_closed` (an inquiry closed without a chargeback) change nothing; the skip is
//! recorded. The payload names the charge, so no Stripe permission on disputes is needed.

use clicktrail_impact::{ImpactRequest, Reversal};

use super::payment::Paid;
use super::refund::{Unmatched, matched};
use super::{Cx, Decision};
use crate::knowledge::{Knowledge, Record};

pub(super) fn decide<K: Knowledge + ?Sized>(cx: &Cx<'_, K>, handled: Record) -> Decision {
    let skip = |reason: String| cx.skip(reason, vec![], Some(handled.clone()));
    let dispute = match cx.event.dispute() {
        Ok(dispute) => dispute,
        Err(e) => return skip(format!("cannot read the dispute: {e}")),
    };
    let status = dispute.status.as_deref().unwrap_or("(none)");
    if status != "lost" {
        return skip(format!(
            "dispute {} closed as {status}: the payment stands, nothing to change",
            dispute.id
        ));
    }
    let Some(charge) = dispute.charge.as_deref() else {
        return skip(format!("dispute {} names no charge", dispute.id));
    };
    let paid = Paid {
        charge,
        payment_intent: dispute.payment_intent.as_deref(),
        invoice: None,
    };
    let sent = match matched(cx, paid) {
        Ok(sent) => sent,
        Err(Unmatched::Decision(decision)) => return decision,
        Err(Unmatched::Skip(reason)) => return skip(reason),
    };
    let order = sent.order_id.as_str();
    if sent.reversed {
        return skip(format!(
            "dispute {} lost, but the action of OrderId {order} was already reversed",
            dispute.id
        ));
    }
    let code = cx.settings.rules.dispute_disposition.as_str();
    let request = match Reversal::new(&sent.tracker, order, code) {
        Ok(r) => ImpactRequest::from(r),
        Err(e) => return skip(format!("cannot build the reversal: {e}")),
    };
    Decision::Send {
        request,
        not_before: cx
            .event
            .created
            .saturating_add(cx.settings.refund_delay_secs()),
        records: vec![
            handled.clone(),
            Record::ActionChanged {
                order_id: sent.order_id.clone(),
                tracker: sent.tracker.clone(),
                current_amount: 0,
                amount_refunded: sent.amount_refunded,
                reversed: true,
            },
        ],
        note: None,
    }
}
