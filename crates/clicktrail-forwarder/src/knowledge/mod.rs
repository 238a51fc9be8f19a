//! What the forwarder has learned so far, and what a decision asks it to remember.
//!
//! The mapping reads [`Knowledge`] and never writes it: each [`Decision`](crate::mapping::Decision)
//! carries the [`Record`]s to store, and the caller stores them together with the decision (the
//! service in one database transaction, `clicktrail explain` in [`MemoryKnowledge`]). That keeps
//! the rules pure and lets the store make "decided" and "remembered" one atomic step.
//!
//! The trait is deliberately small: one read per question the rules ask.

mod memory;

use std::fmt;

use clicktrail_clickid::ClickId;

pub use memory::MemoryKnowledge;

/// The reads the mapping needs. Implemented in memory here, on SQLite and PostgreSQL by the
/// service.
pub trait Knowledge {
    /// Whether an event with this id was already handled.
    fn event_seen(&self, event_id: &str) -> bool;

    /// Whether another event with this business key was already handled (Stripe sometimes emits
    /// two distinct events for one change).
    fn business_key_seen(&self, key: &BusinessKey) -> bool;

    /// A click id learned from a Checkout Session for this subscription or customer, with when
    /// it was recorded.
    fn learned_click_id(&self, owner: &Owner) -> Option<Learned>;

    /// The conversion sent with this `OrderId`, on whichever tracker.
    fn conversion_by_order(&self, order_id: &str) -> Option<SentConversion>;

    /// The conversion whose payment was this payment intent or charge.
    fn conversion_by_payment(&self, payment: &PaymentRef) -> Option<SentConversion>;

    /// Where a subscription stands with respect to `trial = "first-payment"`.
    fn trial_state(&self, subscription: &str) -> Option<TrialState>;

    /// Whether the payment named by `reference` (an invoice, payment intent, charge or Checkout
    /// Session id) was decided: `None` when it was never seen, `Some(None)` when it was decided
    /// without a conversion (skipped), `Some(Some(order_id))` when a conversion was decided.
    fn payment_decided(&self, reference: &str) -> Option<Option<String>>;
}

impl<K: Knowledge + ?Sized> Knowledge for &K {
    fn event_seen(&self, event_id: &str) -> bool {
        (**self).event_seen(event_id)
    }
    fn business_key_seen(&self, key: &BusinessKey) -> bool {
        (**self).business_key_seen(key)
    }
    fn learned_click_id(&self, owner: &Owner) -> Option<Learned> {
        (**self).learned_click_id(owner)
    }
    fn conversion_by_order(&self, order_id: &str) -> Option<SentConversion> {
        (**self).conversion_by_order(order_id)
    }
    fn conversion_by_payment(&self, payment: &PaymentRef) -> Option<SentConversion> {
        (**self).conversion_by_payment(payment)
    }
    fn trial_state(&self, subscription: &str) -> Option<TrialState> {
        (**self).trial_state(subscription)
    }
    fn payment_decided(&self, reference: &str) -> Option<Option<String>> {
        (**self).payment_decided(reference)
    }
}

/// A click id learned from a Checkout Session, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Learned {
    /// The click id.
    pub click_id: ClickId,
    /// When it was recorded (the session's `created`), unix seconds; `None` for click ids
    /// stored before the forwarder kept that.
    pub recorded_at: Option<i64>,
}

/// The business key of an event: the object id and the event type, plus the cumulative
/// `amount_refunded` for `charge.refunded` (each partial refund of one charge sends its own
/// event, and each must be handled once).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BusinessKey {
    /// `data.object.id`.
    pub object_id: String,
    /// The event type.
    pub event_type: String,
    /// `amount_refunded` of a `charge.refunded` event.
    pub amount_refunded: Option<i64>,
}

impl fmt::Display for BusinessKey {
    /// `ch_1 charge.refunded 500`, `in_1 invoice.paid`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.object_id, self.event_type)?;
        match self.amount_refunded {
            Some(amount) => write!(f, " {amount}"),
            None => Ok(()),
        }
    }
}

/// Whom a learned click id belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Owner {
    /// A subscription (`sub_...`).
    Subscription(String),
    /// A customer (`cus_...`).
    Customer(String),
}

impl fmt::Display for Owner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Subscription(id) => write!(f, "subscription {id}"),
            Self::Customer(id) => write!(f, "customer {id}"),
        }
    }
}

/// A payment a refund can point at.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PaymentRef {
    /// `pi_...`.
    PaymentIntent(String),
    /// `ch_...`.
    Charge(String),
}

/// A conversion that was decided (sent or queued to be sent), and where its action stands now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentConversion {
    /// `OrderId`.
    pub order_id: String,
    /// The tracker (`EventTypeId`, later `ActionTrackerId`).
    pub tracker: String,
    /// Currency, upper-case.
    pub currency: String,
    /// The amount credited, minor units.
    pub amount: i64,
    /// The payment intent that paid it, when known.
    pub payment_intent: Option<String>,
    /// The charge that paid it, when known.
    pub charge: Option<String>,
    /// The subscription, for invoices.
    pub subscription: Option<String>,
    /// The action's amount after the refunds handled so far, minor units.
    pub current_amount: i64,
    /// The highest cumulative `amount_refunded` handled so far.
    pub amount_refunded: i64,
    /// Whether the action was reversed (a full refund).
    pub reversed: bool,
}

/// Per-subscription state for `trial = "first-payment"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrialState {
    /// The $0 sign-up invoice was seen; the first paid invoice goes to the first-subscription
    /// tracker.
    AwaitingFirstPayment,
    /// The first paid invoice was handled (credited, or skipped for a reason); later invoices
    /// are renewals.
    FirstPaymentHandled,
}

/// Something a decision asks the store to remember, atomically with the decision itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// The event was handled (sent or skipped): later copies are duplicates.
    EventHandled {
        /// The event id.
        event_id: String,
        /// Its business key.
        key: BusinessKey,
    },
    /// A click id found on a Checkout Session, remembered for its subscription or customer.
    ClickIdLearned {
        /// The subscription or customer.
        owner: Owner,
        /// The click id.
        click_id: ClickId,
        /// The Checkout Session it came from.
        session: String,
        /// When it was recorded (the session's `created`, else the event's), unix seconds: the
        /// start of `click_id_max_age`.
        recorded_at: i64,
    },
    /// A conversion was decided; at most one per `OrderId` and tracker.
    ConversionSent(SentConversion),
    /// A refund changed the action of a conversion (modification or reversal).
    ActionChanged {
        /// The conversion's `OrderId`.
        order_id: String,
        /// Its tracker.
        tracker: String,
        /// The new amount, minor units (0 for a reversal).
        current_amount: i64,
        /// The cumulative `amount_refunded` this change reflects.
        amount_refunded: i64,
        /// Whether the action is now reversed.
        reversed: bool,
    },
    /// A payment was decided, with a conversion (`order_id`) or without one (skipped): refunds
    /// and disputes waiting for it are decided again.
    PaymentDecided {
        /// The ids that name the payment: invoice, payment intent, charge, Checkout Session.
        refs: Vec<String>,
        /// The conversion's `OrderId`, when one was decided.
        order_id: Option<String>,
    },
    /// A subscription's trial state changed.
    Trial {
        /// The subscription.
        subscription: String,
        /// Its new state.
        state: TrialState,
    },
}
