//! [`Need`]: what the mapping asks to fetch from Stripe, and [`Fetched`]: the answers.
//!
//! The worker performs the look-up a [`Decision::Lookup`](super::Decision::Lookup) names, stores
//! the answer in [`Fetched`] (also "not found"), and decides again; the mapping never asks twice
//! for what `Fetched` already answers.

use std::collections::HashMap;
use std::fmt;

use clicktrail_stripe::{CheckoutLineItem, Customer, InvoiceLine, Subscription};

/// One Stripe read the mapping needs before it can decide. Its `Display` is the request and
/// what it is for, as `clicktrail explain` and the worker's errors show it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Need {
    /// `GET /v1/subscriptions/{id}`, for `purpose`. One answer serves both purposes.
    Subscription {
        /// `sub_...`.
        id: String,
        /// What the rules read from it.
        purpose: SubscriptionPurpose,
    },
    /// `GET /v1/customers/{id}`: to look for a click id in its metadata (its `created` stands
    /// for when that was written, for `click_id_max_age`).
    Customer {
        /// `cus_...`.
        id: String,
    },
    /// `GET /v1/invoices/{id}/lines`, every page: the event's invoice has more lines than its
    /// payload carries (`lines.has_more`).
    InvoiceLines {
        /// `in_...`.
        invoice: String,
    },
    /// `GET /v1/invoice_payments?payment[type]=payment_intent&payment[payment_intent]={id}`:
    /// the invoice a refunded payment paid (basil+ charges no longer name their invoice).
    InvoiceOfPaymentIntent {
        /// `pi_...`.
        payment_intent: String,
    },
    /// `GET /v1/checkout/sessions/{id}/line_items`, every page: a one-time payment's items
    /// (Checkout event payloads never carry them).
    CheckoutLineItems {
        /// `cs_...`.
        session: String,
    },
    /// `GET /v1/promotion_codes/{id}`: the customer-facing code of a promotion code the payment's
    /// discount names only by id, for `OrderPromoCode`.
    PromotionCode {
        /// `promo_...`.
        id: String,
    },
}

/// Why a subscription is fetched: what the rules read from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubscriptionPurpose {
    /// The invoice's click id was not found on the invoice: look for it in the subscription's
    /// metadata, and read its `created` to tell whether it is new enough to wait for one.
    ClickId,
    /// `trial = "first-payment"` and the subscription's $0 sign-up was never seen: read its
    /// `trial_end` to tell whether this paid invoice is its first payment after the trial.
    FirstPayment,
}

impl fmt::Display for Need {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Subscription {
                id,
                purpose: SubscriptionPurpose::ClickId,
            } => write!(
                f,
                "GET /v1/subscriptions/{id} (to look for the click id in its metadata, and to tell from its creation date whether it is new enough to wait for one)"
            ),
            Self::Subscription {
                id,
                purpose: SubscriptionPurpose::FirstPayment,
            } => write!(
                f,
                "GET /v1/subscriptions/{id} (to tell from its trial end whether this invoice is its first payment: its $0 sign-up was never seen)"
            ),
            Self::Customer { id } => write!(
                f,
                "GET /v1/customers/{id} (to look for a click id in the customer's metadata)"
            ),
            Self::InvoiceLines { invoice } => write!(
                f,
                "GET /v1/invoices/{invoice}/lines (to itemise every line: the payload holds only part of them)"
            ),
            Self::InvoiceOfPaymentIntent { payment_intent } => write!(
                f,
                "GET /v1/invoice_payments?payment[type]=payment_intent&payment[payment_intent]={payment_intent} (to find the invoice this payment paid, and so its conversion)"
            ),
            Self::CheckoutLineItems { session } => write!(
                f,
                "GET /v1/checkout/sessions/{session}/line_items (to itemise the one-time payment: the event does not carry its line items)"
            ),
            Self::PromotionCode { id } => write!(
                f,
                "GET /v1/promotion_codes/{id} (to send the code the customer used as OrderPromoCode: the discount names it only by id)"
            ),
        }
    }
}

/// The answers to [`Need`]s, supplied by the worker. Start empty for each (re)decision that
/// follows a [`Wait`](super::Decision::Wait), so that stale answers are fetched again.
#[derive(Debug, Clone, Default)]
pub struct Fetched {
    subscriptions: HashMap<String, Option<Subscription>>,
    customers: HashMap<String, Option<Customer>>,
    invoice_lines: HashMap<String, Vec<InvoiceLine>>,
    invoices_of_payment_intent: HashMap<String, Option<String>>,
    checkout_line_items: HashMap<String, Result<Vec<CheckoutLineItem>, String>>,
    promotion_codes: HashMap<String, Option<String>>,
}

impl Fetched {
    /// Answers [`Need::Subscription`]; `None` when Stripe says it does not exist.
    pub fn subscription(
        &mut self,
        id: impl Into<String>,
        found: Option<Subscription>,
    ) -> &mut Self {
        self.subscriptions.insert(id.into(), found);
        self
    }

    /// Answers [`Need::Customer`]; `None` when Stripe says it does not exist.
    pub fn customer(&mut self, id: impl Into<String>, found: Option<Customer>) -> &mut Self {
        self.customers.insert(id.into(), found);
        self
    }

    /// Answers [`Need::InvoiceLines`] with every line of the invoice.
    pub fn invoice_lines(
        &mut self,
        invoice: impl Into<String>,
        lines: Vec<InvoiceLine>,
    ) -> &mut Self {
        self.invoice_lines.insert(invoice.into(), lines);
        self
    }

    /// Answers [`Need::InvoiceOfPaymentIntent`]; `None` when the payment paid no invoice.
    pub fn invoice_of_payment_intent(
        &mut self,
        payment_intent: impl Into<String>,
        invoice: Option<String>,
    ) -> &mut Self {
        self.invoices_of_payment_intent
            .insert(payment_intent.into(), invoice);
        self
    }

    /// Answers [`Need::CheckoutLineItems`]: every line item, or why Stripe would not give them
    /// (the key may not read Checkout Sessions, the session is gone). Without them the payment
    /// goes out as one item, and the decision says why.
    pub fn checkout_line_items(
        &mut self,
        session: impl Into<String>,
        items: Result<Vec<CheckoutLineItem>, String>,
    ) -> &mut Self {
        self.checkout_line_items.insert(session.into(), items);
        self
    }

    /// Answers [`Need::PromotionCode`] with its customer-facing code; `None` when Stripe would
    /// not say (not found, or the key may not read promotion codes): no `OrderPromoCode` then.
    pub fn promotion_code(&mut self, id: impl Into<String>, code: Option<String>) -> &mut Self {
        self.promotion_codes.insert(id.into(), code);
        self
    }

    pub(crate) fn get_checkout_line_items(
        &self,
        session: &str,
    ) -> Option<Result<&[CheckoutLineItem], &str>> {
        self.checkout_line_items
            .get(session)
            .map(|r| r.as_deref().map_err(String::as_str))
    }

    pub(crate) fn get_promotion_code(&self, id: &str) -> Option<Option<&str>> {
        self.promotion_codes.get(id).map(Option::as_deref)
    }

    pub(crate) fn get_subscription(&self, id: &str) -> Option<Option<&Subscription>> {
        self.subscriptions.get(id).map(Option::as_ref)
    }

    pub(crate) fn get_customer(&self, id: &str) -> Option<Option<&Customer>> {
        self.customers.get(id).map(Option::as_ref)
    }

    pub(crate) fn get_invoice_lines(&self, invoice: &str) -> Option<&[InvoiceLine]> {
        self.invoice_lines.get(invoice).map(Vec::as_slice)
    }

    pub(crate) fn get_invoice_of_payment_intent(&self, pi: &str) -> Option<Option<&str>> {
        self.invoices_of_payment_intent
            .get(pi)
            .map(Option::as_deref)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_read_says_what_it_is_for() {
        let sub = |purpose| Need::Subscription {
            id: "sub_1".into(),
            purpose,
        };
        let click_id = sub(SubscriptionPurpose::ClickId).to_string();
        assert!(
            click_id.starts_with("GET /v1/subscriptions/sub_1 (")
                && click_id.contains("click id in its metadata"),
            "{click_id}"
        );
        let first = sub(SubscriptionPurpose::FirstPayment).to_string();
        assert!(
            first.starts_with("GET /v1/subscriptions/sub_1 (")
                && first.contains("whether this invoice is its first payment")
                && !first.contains("click id"),
            "{first}"
        );
        let customer = Need::Customer { id: "cus_1".into() }.to_string();
        assert!(
            customer.starts_with("GET /v1/customers/cus_1 (") && customer.contains("click id"),
            "{customer}"
        );
        let lines = Need::InvoiceLines {
            invoice: "in_1".into(),
        }
        .to_string();
        assert!(lines.contains("/v1/invoices/in_1/lines") && lines.contains("itemise"));
        let paid = Need::InvoiceOfPaymentIntent {
            payment_intent: "pi_1".into(),
        }
        .to_string();
        assert!(paid.contains("pi_1") && paid.contains("the invoice this payment paid"));
        let items = Need::CheckoutLineItems {
            session: "cs_1".into(),
        }
        .to_string();
        assert!(
            items.contains("/v1/checkout/sessions/cs_1/line_items") && items.contains("itemise")
        );
        let promo = Need::PromotionCode {
            id: "promo_1".into(),
        }
        .to_string();
        assert!(promo.contains("/v1/promotion_codes/promo_1") && promo.contains("OrderPromoCode"));
    }
}
