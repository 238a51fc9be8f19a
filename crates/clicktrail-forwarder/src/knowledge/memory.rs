//! [`MemoryKnowledge`]: the in-memory store used by `clicktrail explain` and the tests.

use std::collections::{HashMap, HashSet};

use super::{
    BusinessKey, Knowledge, Learned, Owner, PaymentRef, Record, SentConversion, TrialState,
};

/// Knowledge kept in memory, fed with the [`Record`]s of each decision in order.
///
/// ```
/// use clicktrail_forwarder::knowledge::{BusinessKey, Knowledge, MemoryKnowledge, Record};
///
/// let mut knowledge = MemoryKnowledge::default();
/// let key = BusinessKey { object_id: "in_1".into(), event_type: "invoice.paid".into(), amount_refunded: None };
/// knowledge.apply(&[Record::EventHandled { event_id: "evt_1".into(), key: key.clone() }]);
/// assert!(knowledge.event_seen("evt_1"));
/// assert!(knowledge.business_key_seen(&key));
/// ```
#[derive(Debug, Default, Clone)]
pub struct MemoryKnowledge {
    events: HashSet<String>,
    keys: HashSet<BusinessKey>,
    click_ids: HashMap<Owner, Learned>,
    /// Decided payments: reference -> the conversion's `OrderId`, if any.
    payments: HashMap<String, Option<String>>,
    /// Conversions in the order they were decided.
    conversions: Vec<SentConversion>,
    trials: HashMap<String, TrialState>,
}

impl MemoryKnowledge {
    /// Stores `records`, in order. A later click id for the same owner replaces the earlier one
    /// (last click wins); a second conversion for the same `OrderId` and tracker is ignored.
    pub fn apply(&mut self, records: &[Record]) {
        for record in records {
            match record {
                Record::EventHandled { event_id, key } => {
                    self.events.insert(event_id.clone());
                    self.keys.insert(key.clone());
                }
                Record::ClickIdLearned {
                    owner,
                    click_id,
                    recorded_at,
                    ..
                } => {
                    let learned = Learned {
                        click_id: click_id.clone(),
                        recorded_at: Some(*recorded_at),
                    };
                    self.click_ids.insert(owner.clone(), learned);
                }
                Record::PaymentDecided { refs, order_id } => {
                    for reference in refs {
                        let entry = self.payments.entry(reference.clone()).or_default();
                        // A conversion, once decided, is never forgotten by a later skip.
                        if order_id.is_some() {
                            entry.clone_from(order_id);
                        }
                    }
                }
                Record::ConversionSent(sent) => {
                    let exists = self
                        .conversions
                        .iter()
                        .any(|c| c.order_id == sent.order_id && c.tracker == sent.tracker);
                    if !exists {
                        self.conversions.push(sent.clone());
                    }
                }
                Record::ActionChanged {
                    order_id,
                    tracker,
                    current_amount,
                    amount_refunded,
                    reversed,
                } => {
                    if let Some(c) = self
                        .conversions
                        .iter_mut()
                        .find(|c| c.order_id == *order_id && c.tracker == *tracker)
                    {
                        c.current_amount = *current_amount;
                        c.amount_refunded = *amount_refunded;
                        c.reversed = *reversed;
                    }
                }
                Record::Trial {
                    subscription,
                    state,
                } => {
                    self.trials.insert(subscription.clone(), *state);
                }
            }
        }
    }

    /// Every conversion decided so far, in order.
    pub fn conversions(&self) -> &[SentConversion] {
        &self.conversions
    }
}

impl Knowledge for MemoryKnowledge {
    fn event_seen(&self, event_id: &str) -> bool {
        self.events.contains(event_id)
    }

    fn business_key_seen(&self, key: &BusinessKey) -> bool {
        self.keys.contains(key)
    }

    fn learned_click_id(&self, owner: &Owner) -> Option<Learned> {
        self.click_ids.get(owner).cloned()
    }

    fn payment_decided(&self, reference: &str) -> Option<Option<String>> {
        self.payments.get(reference).cloned()
    }

    fn conversion_by_order(&self, order_id: &str) -> Option<SentConversion> {
        self.conversions
            .iter()
            .find(|c| c.order_id == order_id)
            .cloned()
    }

    fn conversion_by_payment(&self, payment: &PaymentRef) -> Option<SentConversion> {
        self.conversions
            .iter()
            .find(|c| match payment {
                PaymentRef::PaymentIntent(pi) => c.payment_intent.as_deref() == Some(pi.as_str()),
                PaymentRef::Charge(ch) => c.charge.as_deref() == Some(ch.as_str()),
            })
            .cloned()
    }

    fn trial_state(&self, subscription: &str) -> Option<TrialState> {
        self.trials.get(subscription).copied()
    }
}

#[cfg(test)]
mod tests {
    use clicktrail_clickid::ClickId;

    use super::*;

    fn sent(order: &str, tracker: &str, pi: Option<&str>) -> SentConversion {
        SentConversion {
            order_id: order.into(),
            tracker: tracker.into(),
            currency: "USD".into(),
            amount: 2900,
            payment_intent: pi.map(Into::into),
            charge: None,
            subscription: None,
            current_amount: 2900,
            amount_refunded: 0,
            reversed: false,
        }
    }

    #[test]
    fn conversions_are_found_by_order_and_payment_and_change_in_place() {
        let mut k = MemoryKnowledge::default();
        k.apply(&[Record::ConversionSent(sent("in_1", "2000", Some("pi_1")))]);
        k.apply(&[Record::ConversionSent(SentConversion {
            amount: 1,
            ..sent("in_1", "2000", None)
        })]);
        assert_eq!(
            k.conversions().len(),
            1,
            "a second conversion for the same order and tracker is ignored"
        );
        assert_eq!(k.conversion_by_order("in_1").unwrap().amount, 2900);
        assert!(
            k.conversion_by_payment(&PaymentRef::PaymentIntent("pi_1".into()))
                .is_some()
        );
        assert!(
            k.conversion_by_payment(&PaymentRef::Charge("pi_1".into()))
                .is_none()
        );

        k.apply(&[Record::ActionChanged {
            order_id: "in_1".into(),
            tracker: "2000".into(),
            current_amount: 900,
            amount_refunded: 2000,
            reversed: false,
        }]);
        let now = k.conversion_by_order("in_1").unwrap();
        assert_eq!(
            (now.current_amount, now.amount_refunded, now.reversed),
            (900, 2000, false)
        );
    }

    #[test]
    fn payments_remember_their_conversion_even_after_a_later_skip() {
        let mut k = MemoryKnowledge::default();
        assert_eq!(k.payment_decided("pi_1"), None);
        let decided = |order: Option<&str>| Record::PaymentDecided {
            refs: vec!["pi_1".into(), "in_1".into()],
            order_id: order.map(Into::into),
        };
        k.apply(&[decided(None)]);
        assert_eq!(k.payment_decided("in_1"), Some(None));
        k.apply(&[decided(Some("in_1")), decided(None)]);
        assert_eq!(k.payment_decided("pi_1"), Some(Some("in_1".into())));
    }

    #[test]
    fn the_last_click_id_learned_wins() {
        let mut k = MemoryKnowledge::default();
        let owner = Owner::Customer("cus_1".into());
        for id in ["first", "second"] {
            k.apply(&[Record::ClickIdLearned {
                owner: owner.clone(),
                click_id: ClickId::new(id).unwrap(),
                session: "cs_1".into(),
                recorded_at: 7,
            }]);
        }
        let learned = k.learned_click_id(&owner).unwrap();
        assert_eq!(
            (learned.click_id.as_str(), learned.recorded_at),
            ("second", Some(7))
        );
        assert_eq!(
            k.learned_click_id(&Owner::Subscription("cus_1".into())),
            None
        );
    }
}
