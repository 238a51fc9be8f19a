//! [`Need`]: what the mapping asks to fetch from Stripe, and [`Fetched`]: the answers.
//!
//! The worker performs the look-up a [`Decision::Lookup`](super::Decision::Lookup) names, stores
//! the answer in [`Fetched`] (also "not found"), and decides again; the mapping never asks twice
//! for what `Fetched` already answers.

use std::collections::HashMap;
use std::fmt;

use clicktrail_stripe::{Customer, InvoiceLine, Subscription};

/// One Stripe read the mapping needs before it can decide.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Need {
    /// `GET /v1/subscriptions/{id}`: its metadata may hold the click id; its `created` says
    /// whether it is new enough to wait for one.
    Subscription {
        /// `sub_...`.
        id: String,
    },
    /// `GET /v1/customers/{id}`: its metadata may hold the click id.
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
}

impl fmt::Display for Need {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Subscription { id } => {
                write!(
                    f,
                    "GET /v1/subscriptions/{id} (its metadata may hold the click id)"
                )
            }
            Self::Customer { id } => {
                write!(
                    f,
                    "GET /v1/customers/{id} (its metadata may hold the click id)"
                )
            }
            Self::InvoiceLines { invoice } => write!(
                f,
                "GET /v1/invoices/{invoice}/lines (the payload holds only part of the lines)"
            ),
            Self::InvoiceOfPaymentIntent { payment_intent } => write!(
                f,
                "GET /v1/invoice_payments?payment[type]=payment_intent&payment[payment_intent]={payment_intent} (the invoice this payment paid)"
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
