//! [`InvoicePayment`]: basil's link between an invoice and the payment that paid it.
//!
//! From `2025-03-31.basil` on, a charge or payment intent no longer names its invoice; the
//! `invoice_payment` object (`GET /v1/invoice_payments`, `invoice_payment.paid` events) does.

use serde_json::Value;

use super::read::Obj;
use crate::{Currency, Error};

/// A tolerant view of a Stripe invoice payment (`inpay_...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoicePayment {
    /// `inpay_...`.
    pub id: String,
    /// The invoice id.
    pub invoice: Option<String>,
    /// The amount paid, minor units.
    pub amount_paid: Option<i64>,
    /// The payment currency.
    pub currency: Option<Currency>,
    /// `open`, `paid` or `canceled`.
    pub status: Option<String>,
    /// `payment.payment_intent` (id or expanded).
    pub payment_intent: Option<String>,
    /// `payment.charge` (id or expanded).
    pub charge: Option<String>,
    /// `status_transitions.paid_at`, unix seconds.
    pub paid_at: Option<i64>,
    /// Whether this is the invoice's default payment.
    pub is_default: Option<bool>,
}

impl InvoicePayment {
    /// Reads an invoice payment object.
    pub fn from_value(value: &Value) -> Result<Self, Error> {
        Self::read(value, "")
    }

    pub(crate) fn read(value: &Value, path: &str) -> Result<Self, Error> {
        let o = Obj::new(value, path)?;
        o.expect_object("invoice_payment")?;
        let payment = o.obj("payment")?;
        let paid_at = match o.obj("status_transitions")? {
            Some(st) => st.i64("paid_at")?,
            None => None,
        };
        Ok(Self {
            id: o.required_string("id")?,
            invoice: o.expandable_id("invoice")?,
            amount_paid: o.i64("amount_paid")?,
            currency: o.currency("currency")?,
            status: o.string("status")?,
            payment_intent: payment
                .as_ref()
                .map(|p| p.expandable_id("payment_intent"))
                .transpose()?
                .flatten(),
            charge: payment
                .as_ref()
                .map(|p| p.expandable_id("charge"))
                .transpose()?
                .flatten(),
            paid_at,
            is_default: o.bool("is_default")?,
        })
    }
}
