//! The Stripe emulator's in-memory store: one table per resource, the event log, delivery attempts
//! and the idempotency cache, behind one mutex (requests are short and never hold it across an
//! `.await`).
//!
//! Objects are plain structs; [`super::render`] turns them into Stripe's JSON for a given API
//! version. Each table keeps creation order, which is the order lists are paginated in.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

/// Metadata: string keys to string values, ordered for stable rendering.
pub type Metadata = BTreeMap<String, String>;

/// A table of objects keyed by id, remembering creation order.
#[derive(Debug, Clone)]
pub struct Table<T> {
    rows: HashMap<String, (u64, T)>,
    order: Vec<String>,
    next: u64,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Self {
            rows: HashMap::new(),
            order: Vec::new(),
            next: 0,
        }
    }
}

impl<T> Table<T> {
    /// Inserts a new object (its id must be fresh).
    pub fn insert(&mut self, id: String, value: T) {
        self.rows.insert(id.clone(), (self.next, value));
        self.order.push(id);
        self.next += 1;
    }

    /// The object with this id.
    pub fn get(&self, id: &str) -> Option<&T> {
        self.rows.get(id).map(|(_, v)| v)
    }

    /// The object with this id, to change it.
    pub fn get_mut(&mut self, id: &str) -> Option<&mut T> {
        self.rows.get_mut(id).map(|(_, v)| v)
    }

    /// The creation rank of an id (for pagination cursors).
    pub fn rank(&self, id: &str) -> Option<u64> {
        self.rows.get(id).map(|(r, _)| *r)
    }

    /// Removes an object.
    pub fn remove(&mut self, id: &str) -> Option<T> {
        let (_, value) = self.rows.remove(id)?;
        self.order.retain(|i| i != id);
        Some(value)
    }

    /// Objects newest first, with their creation rank.
    pub fn newest_first(&self) -> impl Iterator<Item = (u64, &T)> {
        self.order
            .iter()
            .rev()
            .filter_map(|id| self.rows.get(id))
            .map(|(r, v)| (*r, v))
    }

    /// Removes the oldest objects while `old` holds for them (for time-ordered tables).
    pub fn drop_oldest_while(&mut self, old: impl Fn(&T) -> bool) {
        let n = self
            .order
            .iter()
            .take_while(|id| self.rows.get(*id).is_some_and(|(_, v)| old(v)))
            .count();
        for id in self.order.drain(..n) {
            self.rows.remove(&id);
        }
    }

    /// How many objects the table holds.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}

/// `customer`
#[derive(Debug, Clone)]
pub struct Customer {
    /// `cus_...`
    pub id: String,
    /// Unix seconds.
    pub created: i64,
    /// `email`
    pub email: Option<String>,
    /// `name`
    pub name: Option<String>,
    /// `description`
    pub description: Option<String>,
    /// `metadata`
    pub metadata: Metadata,
}

/// `product`
#[derive(Debug, Clone)]
pub struct Product {
    /// `prod_...`
    pub id: String,
    /// Unix seconds.
    pub created: i64,
    /// `name`
    pub name: String,
    /// `description`
    pub description: Option<String>,
    /// `active`
    pub active: bool,
    /// `default_price`
    pub default_price: Option<String>,
    /// `metadata`
    pub metadata: Metadata,
}

/// The billing interval of a recurring price.
#[derive(Debug, Clone, PartialEq)]
pub struct Recurring {
    /// `day`, `week`, `month` or `year`.
    pub interval: String,
    /// How many intervals per period.
    pub interval_count: i64,
}

/// `price`
#[derive(Debug, Clone)]
pub struct Price {
    /// `price_...`
    pub id: String,
    /// Unix seconds.
    pub created: i64,
    /// `product` id.
    pub product: String,
    /// Lower-case ISO currency.
    pub currency: String,
    /// Minor units.
    pub unit_amount: i64,
    /// `recurring`, absent for one-time prices.
    pub recurring: Option<Recurring>,
    /// `active`
    pub active: bool,
    /// `nickname`
    pub nickname: Option<String>,
    /// `lookup_key`
    pub lookup_key: Option<String>,
    /// `metadata`
    pub metadata: Metadata,
}

/// `promotion_code`: a customer-facing code for a coupon.
#[derive(Debug, Clone)]
pub struct PromotionCode {
    /// `promo_...`
    pub id: String,
    /// Unix seconds.
    pub created: i64,
    /// What the customer types (`SUMMER25`).
    pub code: String,
    /// The coupon it applies.
    pub coupon: String,
    /// `active`
    pub active: bool,
    /// `metadata`
    pub metadata: Metadata,
}

/// `coupon`
#[derive(Debug, Clone)]
pub struct Coupon {
    /// Coupon id (chosen by the caller or random).
    pub id: String,
    /// Unix seconds.
    pub created: i64,
    /// `percent_off` (0 < p <= 100).
    pub percent_off: Option<f64>,
    /// `amount_off` in minor units of `currency`.
    pub amount_off: Option<i64>,
    /// Currency of `amount_off`.
    pub currency: Option<String>,
    /// `once`, `repeating` or `forever`.
    pub duration: String,
    /// For `repeating`.
    pub duration_in_months: Option<i64>,
    /// `name`
    pub name: Option<String>,
    /// `metadata`
    pub metadata: Metadata,
    /// `times_redeemed`
    pub times_redeemed: i64,
}

/// `discount`: a coupon applied to a subscription.
#[derive(Debug, Clone)]
pub struct Discount {
    /// `di_...`
    pub id: String,
    /// The coupon applied.
    pub coupon: String,
    /// `customer`
    pub customer: String,
    /// `subscription`
    pub subscription: Option<String>,
    /// `start`
    pub start: i64,
    /// `end` (for repeating coupons).
    pub end: Option<i64>,
}

/// `subscription_item`
#[derive(Debug, Clone)]
pub struct SubscriptionItem {
    /// `si_...`
    pub id: String,
    /// Unix seconds.
    pub created: i64,
    /// The price id.
    pub price: String,
    /// `quantity`
    pub quantity: i64,
    /// `current_period_start` (basil+: on items).
    pub period_start: i64,
    /// `current_period_end`
    pub period_end: i64,
    /// `metadata`
    pub metadata: Metadata,
}

/// `subscription`
#[derive(Debug, Clone)]
pub struct Subscription {
    /// `sub_...`
    pub id: String,
    /// Unix seconds.
    pub created: i64,
    /// `customer`
    pub customer: String,
    /// `active`, `trialing`, `canceled`, ...
    pub status: String,
    /// Lower-case currency.
    pub currency: String,
    /// Items (prices and quantities).
    pub items: Vec<SubscriptionItem>,
    /// `metadata`
    pub metadata: Metadata,
    /// `description`
    pub description: Option<String>,
    /// Discounts applied (ids of [`Discount`]s kept here inline).
    pub discounts: Vec<Discount>,
    /// `latest_invoice`
    pub latest_invoice: Option<String>,
    /// `trial_start`
    pub trial_start: Option<i64>,
    /// `trial_end`
    pub trial_end: Option<i64>,
    /// `start_date`
    pub start_date: i64,
    /// `billing_cycle_anchor`
    pub billing_cycle_anchor: i64,
    /// Invoices billed so far (for repeating coupons).
    pub periods_billed: i64,
}

/// One line of an invoice.
#[derive(Debug, Clone)]
pub struct InvoiceLine {
    /// `il_...`
    pub id: String,
    /// Minor units (negative for credited unused time).
    pub amount: i64,
    /// `description`
    pub description: String,
    /// `quantity`
    pub quantity: i64,
    /// `period.start`
    pub period_start: i64,
    /// `period.end`
    pub period_end: i64,
    /// The price billed.
    pub price: String,
    /// The price's product.
    pub product: String,
    /// Whether this is a proration line.
    pub proration: bool,
    /// The subscription item billed.
    pub subscription_item: Option<String>,
    /// Discount amounts applied to this line: (amount, discount id).
    pub discount_amounts: Vec<(i64, String)>,
}

/// `invoice`
#[derive(Debug, Clone)]
pub struct Invoice {
    /// `in_...`
    pub id: String,
    /// Unix seconds.
    pub created: i64,
    /// `customer`
    pub customer: String,
    /// `customer_email`
    pub customer_email: Option<String>,
    /// `customer_name`
    pub customer_name: Option<String>,
    /// Lower-case currency.
    pub currency: String,
    /// The subscription billed, if any.
    pub subscription: Option<String>,
    /// The subscription's metadata, frozen at finalization.
    pub subscription_metadata: Option<Metadata>,
    /// `billing_reason`
    pub billing_reason: String,
    /// `lines`
    pub lines: Vec<InvoiceLine>,
    /// Discount ids applied.
    pub discounts: Vec<String>,
    /// `draft`, `open`, `paid`, ...
    pub status: String,
    /// `number` (set at finalization).
    pub number: Option<String>,
    /// `status_transitions.finalized_at`
    pub finalized_at: Option<i64>,
    /// `status_transitions.paid_at`
    pub paid_at: Option<i64>,
    /// `period_start`
    pub period_start: i64,
    /// `period_end`
    pub period_end: i64,
    /// The payment intent that paid it (pre-basil `payment_intent`).
    pub payment_intent: Option<String>,
    /// The charge that paid it (pre-basil `charge`).
    pub charge: Option<String>,
    /// Collection attempts so far.
    pub attempt_count: i64,
    /// `metadata`
    pub metadata: Metadata,
}

impl Invoice {
    /// Sum of line amounts before discounts.
    pub fn subtotal(&self) -> i64 {
        self.lines.iter().map(|l| l.amount).sum()
    }

    /// Total discount amounts per discount id, in order of first appearance.
    pub fn discount_totals(&self) -> Vec<(i64, String)> {
        let mut totals: Vec<(i64, String)> = Vec::new();
        for (amount, id) in self.lines.iter().flat_map(|l| &l.discount_amounts) {
            match totals.iter_mut().find(|(_, d)| d == id) {
                Some((sum, _)) => *sum += amount,
                None => totals.push((*amount, id.clone())),
            }
        }
        totals
    }

    /// `total`: subtotal minus discounts (no tax in the sandbox).
    pub fn total(&self) -> i64 {
        self.subtotal() - self.discount_totals().iter().map(|(a, _)| a).sum::<i64>()
    }

    /// `amount_due`: what the customer owes (never negative; credit would go to the balance).
    pub fn amount_due(&self) -> i64 {
        self.total().max(0)
    }

    /// `amount_paid`
    pub fn amount_paid(&self) -> i64 {
        if self.status == "paid" {
            self.amount_due()
        } else {
            0
        }
    }
}

/// `payment_intent`
#[derive(Debug, Clone)]
pub struct PaymentIntent {
    /// `pi_...`
    pub id: String,
    /// Unix seconds.
    pub created: i64,
    /// Minor units.
    pub amount: i64,
    /// Lower-case currency.
    pub currency: String,
    /// `customer`
    pub customer: Option<String>,
    /// `processing`, `succeeded`, ...
    pub status: String,
    /// `latest_charge`
    pub latest_charge: Option<String>,
    /// `description`
    pub description: Option<String>,
    /// `metadata`
    pub metadata: Metadata,
    /// The invoice it pays (pre-basil `invoice`).
    pub invoice: Option<String>,
}

/// `charge`
#[derive(Debug, Clone)]
pub struct Charge {
    /// `ch_...`
    pub id: String,
    /// Unix seconds.
    pub created: i64,
    /// Minor units.
    pub amount: i64,
    /// Cumulative refunded amount.
    pub amount_refunded: i64,
    /// Lower-case currency.
    pub currency: String,
    /// `customer`
    pub customer: Option<String>,
    /// `payment_intent`
    pub payment_intent: Option<String>,
    /// The invoice it pays (pre-basil `invoice`).
    pub invoice: Option<String>,
    /// `description`
    pub description: Option<String>,
    /// `billing_details.email`
    pub email: Option<String>,
    /// `metadata`
    pub metadata: Metadata,
    /// `disputed`: whether a dispute was opened on it.
    pub disputed: bool,
}

/// `invoice_payment`: the link between an invoice and the payment that paid it (basil+).
#[derive(Debug, Clone)]
pub struct InvoicePayment {
    /// `inpay_...`
    pub id: String,
    /// Unix seconds.
    pub created: i64,
    /// `invoice`
    pub invoice: String,
    /// Minor units.
    pub amount: i64,
    /// Lower-case currency.
    pub currency: String,
    /// `payment.payment_intent`
    pub payment_intent: String,
    /// `status_transitions.paid_at`
    pub paid_at: i64,
}

/// A line of a checkout session (`line_items[n][price]`, `[quantity]`).
#[derive(Debug, Clone)]
pub struct SessionLine {
    /// `li_...`
    pub id: String,
    /// The price id.
    pub price: String,
    /// `quantity`
    pub quantity: i64,
}

/// `checkout.session`
#[derive(Debug, Clone)]
pub struct CheckoutSession {
    /// `cs_test_...`
    pub id: String,
    /// Unix seconds.
    pub created: i64,
    /// `payment` or `subscription`.
    pub mode: String,
    /// `open`, `complete`, `expired`.
    pub status: String,
    /// `unpaid`, `paid`, `no_payment_required`.
    pub payment_status: String,
    /// `metadata`
    pub metadata: Metadata,
    /// `client_reference_id` (dropped when invalid).
    pub client_reference_id: Option<String>,
    /// `customer`
    pub customer: Option<String>,
    /// `customer_email`
    pub customer_email: Option<String>,
    /// `success_url`
    pub success_url: Option<String>,
    /// `cancel_url`
    pub cancel_url: Option<String>,
    /// `line_items`
    pub lines: Vec<SessionLine>,
    /// Lower-case currency (from the prices).
    pub currency: String,
    /// `amount_subtotal` = `amount_total` (no tax, no discounts in sessions).
    pub amount_total: i64,
    /// `payment_intent` (payment mode, once completed).
    pub payment_intent: Option<String>,
    /// `subscription` (subscription mode, once completed).
    pub subscription: Option<String>,
    /// `invoice` (subscription mode, once completed).
    pub invoice: Option<String>,
    /// `subscription_data[metadata]`, copied to the subscription.
    pub subscription_metadata: Metadata,
    /// `subscription_data[trial_period_days]`
    pub trial_period_days: Option<i64>,
    /// `payment_intent_data[metadata]`, copied to the payment intent.
    pub payment_intent_metadata: Metadata,
    /// `expires_at`
    pub expires_at: i64,
}

/// `refund`
#[derive(Debug, Clone)]
pub struct Refund {
    /// `re_...`
    pub id: String,
    /// Unix seconds.
    pub created: i64,
    /// Minor units.
    pub amount: i64,
    /// `charge`
    pub charge: String,
    /// `payment_intent`
    pub payment_intent: Option<String>,
    /// Lower-case currency.
    pub currency: String,
    /// `reason`
    pub reason: Option<String>,
    /// `metadata`
    pub metadata: Metadata,
}

/// `dispute`: a cardholder's dispute of a charge (made by a sandbox helper).
#[derive(Debug, Clone)]
pub struct Dispute {
    /// `dp_...`
    pub id: String,
    /// Unix seconds.
    pub created: i64,
    /// Disputed amount, minor units (at most the charge's).
    pub amount: i64,
    /// Lower-case currency (the charge's).
    pub currency: String,
    /// `charge`
    pub charge: String,
    /// `payment_intent` (the charge's).
    pub payment_intent: Option<String>,
    /// `fraudulent`, `product_not_received`, ...
    pub reason: String,
    /// `needs_response`, `warning_needs_response`, then `won`, `lost` or `warning_closed`.
    pub status: String,
    /// `metadata`
    pub metadata: Metadata,
}

/// `webhook_endpoint`
#[derive(Clone)]
pub struct WebhookEndpoint {
    /// `we_...`
    pub id: String,
    /// Unix seconds.
    pub created: i64,
    /// Where events are delivered.
    pub url: String,
    /// Event types, or `*`.
    pub enabled_events: Vec<String>,
    /// The pinned API version (`None`: the account's default).
    pub api_version: Option<String>,
    /// `description`
    pub description: Option<String>,
    /// `enabled` or `disabled`.
    pub status: String,
    /// `metadata`
    pub metadata: Metadata,
    /// The signing secret (`whsec_...`), shown only at creation.
    pub secret: String,
}

impl std::fmt::Debug for WebhookEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookEndpoint")
            .field("id", &self.id)
            .field("url", &self.url)
            .field("enabled_events", &self.enabled_events)
            .field("api_version", &self.api_version)
            .field("status", &self.status)
            .field("secret", &"whsec_***")
            .finish_non_exhaustive()
    }
}

impl WebhookEndpoint {
    /// Whether this endpoint receives events of this type.
    pub fn wants(&self, event_type: &str) -> bool {
        self.status == "enabled"
            && self
                .enabled_events
                .iter()
                .any(|e| e == "*" || e == event_type)
    }
}

/// One endpoint an event is to be delivered to, and whether it has succeeded yet.
#[derive(Debug, Clone)]
pub struct Target {
    /// The webhook endpoint.
    pub endpoint: String,
    /// Whether a 2xx was received.
    pub delivered: bool,
    /// Whether retries are exhausted without success.
    pub failed: bool,
}

/// `event`
#[derive(Debug, Clone)]
pub struct Event {
    /// `evt_...`
    pub id: String,
    /// Unix seconds.
    pub created: i64,
    /// `type`
    pub kind: String,
    /// The account's API version when the event was created.
    pub api_version: String,
    /// `data.object` in the basil+ shape, frozen at creation.
    pub object_basil: Value,
    /// `data.object` in the pre-basil shape, frozen at creation.
    pub object_legacy: Value,
    /// `data.previous_attributes`, for `*.updated` events.
    pub previous_attributes: Option<Value>,
    /// `request.id`
    pub request_id: Option<String>,
    /// `request.idempotency_key`
    pub idempotency_key: Option<String>,
    /// Endpoints subscribed when it was created.
    pub targets: Vec<Target>,
}

impl Event {
    /// `pending_webhooks`: endpoints not yet successfully delivered to.
    pub fn pending_webhooks(&self) -> usize {
        self.targets.iter().filter(|t| !t.delivered).count()
    }
}

/// One attempt to deliver an event to an endpoint.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DeliveryAttempt {
    /// The event.
    pub event: String,
    /// Its type.
    pub event_type: String,
    /// The endpoint.
    pub endpoint: String,
    /// The URL posted to.
    pub url: String,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// Unix seconds.
    pub at: i64,
    /// The HTTP status answered, if any.
    pub status: Option<u16>,
    /// The transport error, if no status.
    pub error: Option<String>,
    /// Whether it counted as delivered (2xx).
    pub success: bool,
}

/// A cached answer to an idempotent request (its `Debug` omits the body, which can hold a
/// webhook endpoint's secret).
#[derive(Clone)]
pub struct IdempotentAnswer {
    /// Method, path and canonical parameters of the first request.
    pub fingerprint: String,
    /// HTTP status of the first answer.
    pub status: u16,
    /// Body of the first answer.
    pub body: bytes::Bytes,
    /// Unix seconds, for the 24-hour expiry.
    pub at: i64,
}

impl std::fmt::Debug for IdempotentAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdempotentAnswer")
            .field("fingerprint", &self.fingerprint)
            .field("status", &self.status)
            .field("body_len", &self.body.len())
            .field("at", &self.at)
            .finish()
    }
}

/// Every object the emulator holds.
#[derive(Debug, Default)]
pub struct Store {
    /// Customers.
    pub customers: Table<Customer>,
    /// Products.
    pub products: Table<Product>,
    /// Prices.
    pub prices: Table<Price>,
    /// Coupons.
    pub coupons: Table<Coupon>,
    /// Promotion codes.
    pub promotion_codes: Table<PromotionCode>,
    /// Subscriptions.
    pub subscriptions: Table<Subscription>,
    /// Invoices.
    pub invoices: Table<Invoice>,
    /// Payment intents.
    pub payment_intents: Table<PaymentIntent>,
    /// Charges.
    pub charges: Table<Charge>,
    /// Invoice payments.
    pub invoice_payments: Table<InvoicePayment>,
    /// Checkout sessions.
    pub checkout_sessions: Table<CheckoutSession>,
    /// Refunds.
    pub refunds: Table<Refund>,
    /// Disputes.
    pub disputes: Table<Dispute>,
    /// Events.
    pub events: Table<Event>,
    /// Webhook endpoints.
    pub webhook_endpoints: Table<WebhookEndpoint>,
    /// Every delivery attempt, oldest first.
    pub deliveries: Vec<DeliveryAttempt>,
    /// Idempotency cache keyed by (hash of the `Authorization` header, Idempotency-Key).
    pub idempotency: HashMap<(u64, String), IdempotentAnswer>,
    /// Deliveries to start once the lock is released: (event id, endpoint id).
    pub outbox: Vec<(String, String)>,
    /// Next invoice number.
    pub invoice_seq: u64,
    /// The emulator's base URL (for hosted checkout pages).
    pub base_url: String,
    /// The account's default API version, recorded on each event.
    pub api_version: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_keep_creation_order_and_ranks() {
        let mut t = Table::default();
        for (id, v) in [("a", 1), ("b", 2), ("c", 3)] {
            t.insert(id.to_owned(), v);
        }
        assert_eq!(
            t.newest_first().map(|(_, v)| *v).collect::<Vec<_>>(),
            [3, 2, 1]
        );
        assert!(t.rank("a") < t.rank("c"));
        assert_eq!(t.remove("b"), Some(2));
        assert_eq!(
            t.newest_first().map(|(_, v)| *v).collect::<Vec<_>>(),
            [3, 1]
        );
        assert_eq!(t.len(), 2);
        t.drop_oldest_while(|v| *v < 3);
        assert_eq!(t.newest_first().map(|(_, v)| *v).collect::<Vec<_>>(), [3]);
        assert_eq!(t.get("a"), None);
        t.drop_oldest_while(|_| false);
        assert_eq!(t.len(), 1);
    }
}
