//! Duplicates: the same event id, or another event for the same change (the business key).

use clicktrail_stripe::Event;

use super::{Cx, Decision};
use crate::knowledge::{BusinessKey, Knowledge};

/// The business key of a handled event: `(data.object.id, type)`, plus the cumulative
/// `amount_refunded` for `charge.refunded`. `Err` holds a skip reason when the payload cannot
/// give one.
pub fn business_key(event: &Event) -> Result<BusinessKey, String> {
    let object_id = event
        .object_id()
        .ok_or_else(|| "the event's data.object has no id".to_owned())?
        .to_owned();
    let amount_refunded = if event.event_type == "charge.refunded" {
        let charge = event
            .charge()
            .map_err(|e| format!("cannot read the charge: {e}"))?;
        Some(
            charge
                .amount_refunded
                .ok_or("the charge has no amount_refunded")?,
        )
    } else {
        None
    };
    Ok(BusinessKey {
        object_id,
        event_type: event.event_type.clone(),
        amount_refunded,
    })
}

/// A skip when the event, or another one with the same business key, was already handled.
pub(super) fn check<K: Knowledge + ?Sized>(cx: &Cx<'_, K>, key: &BusinessKey) -> Option<Decision> {
    if cx.knowledge.event_seen(&cx.event.id) {
        return Some(Decision::Skip {
            reason: format!(
                "duplicate delivery: event {} was already handled",
                cx.event.id
            ),
            records: Vec::new(),
        });
    }
    if cx.knowledge.business_key_seen(key) {
        let handled = crate::knowledge::Record::EventHandled {
            event_id: cx.event.id.clone(),
            key: key.clone(),
        };
        return Some(cx.skip(
            format!("duplicate: another event for the same change ({key}) was already handled"),
            Vec::new(),
            Some(handled),
        ));
    }
    None
}
