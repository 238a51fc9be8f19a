//! The calls the product makes, one method each, answering with the crate's typed views.
//!
//! Look-ups used by the forwarder's worker (subscription, customer, invoice, invoice payments,
//! checkout sessions), the account operations of `setup`, `check` and `backfill` (webhook
//! endpoints, events), and what the demo and tests create (customers, products, prices,
//! subscriptions, checkout sessions, refunds). Anything else goes through
//! [`StripeClient::get`] / [`StripeClient::post`].

use serde_json::Value;

use super::list::Pages;
use super::{
    EventQuery, Form, NewRefund, NewSubscription, NewWebhookEndpoint, StripeClient, WebhookEndpoint,
};
use crate::Error;
use crate::{
    CheckoutLineItem, CheckoutSession, Customer, Event, Invoice, InvoiceLine, InvoicePayment,
    Metadata, PromotionCode, Refund, Subscription,
};

/// The page size of every walk the client makes itself (Stripe's maximum).
const PAGE: &str = "100";

/// `/v1/{collection}/{id}`, with the id checked: Stripe ids are ASCII letters, digits and `_`,
/// and anything else (a `/`, a `?`) would change the request's meaning.
fn object_path(collection: &str, id: &str) -> Result<String, Error> {
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(Error::InvalidParam(format!("id {id:?}")));
    }
    Ok(format!("/v1/{collection}/{id}"))
}

fn expand(expand: &[&str]) -> Form {
    Form::new().push_list("expand", expand.iter().copied())
}

impl StripeClient {
    /// A walk over any list (see [`Pages`]): `path` like `/v1/customers`, `query` with filters
    /// and, to walk backward, `ending_before`.
    pub fn pages(&self, path: &str, query: Form) -> Pages<'_> {
        Pages::new(self, path.to_owned(), query)
    }

    /// Every item of a list, walking forward (newest first) 100 at a time, within the default
    /// page cap.
    pub async fn list_all(&self, path: &str, query: Form) -> Result<Vec<Value>, Error> {
        let mut query = query;
        if query.get("limit").is_none() {
            query = query.push("limit", PAGE);
        }
        self.pages(path, query).collect_all().await
    }

    // --- webhook endpoints ---------------------------------------------------------------

    /// Every webhook endpoint of the account (all pages).
    pub async fn webhook_endpoints(&self) -> Result<Vec<WebhookEndpoint>, Error> {
        self.list_all("/v1/webhook_endpoints", Form::new())
            .await?
            .iter()
            .map(WebhookEndpoint::from_value)
            .collect()
    }

    /// Creates a webhook endpoint; the answer holds its secret (shown only this once).
    pub async fn create_webhook_endpoint(
        &self,
        endpoint: &NewWebhookEndpoint,
    ) -> Result<WebhookEndpoint, Error> {
        let value = self
            .post("/v1/webhook_endpoints", &endpoint.to_form())
            .await?;
        WebhookEndpoint::from_value(&value)
    }

    /// Replaces an endpoint's enabled events.
    pub async fn update_webhook_endpoint_events(
        &self,
        id: &str,
        enabled_events: &[&str],
    ) -> Result<WebhookEndpoint, Error> {
        let form = Form::new().push_list("enabled_events", enabled_events.iter().copied());
        let value = self
            .post(&object_path("webhook_endpoints", id)?, &form)
            .await?;
        WebhookEndpoint::from_value(&value)
    }

    /// Deletes a webhook endpoint.
    pub async fn delete_webhook_endpoint(&self, id: &str) -> Result<Value, Error> {
        self.delete(&object_path("webhook_endpoints", id)?).await
    }

    // --- events ---------------------------------------------------------------------------

    /// A walk over `GET /v1/events`: forward (newest first) unless the query has
    /// `ending_before`, then chronological.
    pub fn event_pages(&self, query: &EventQuery) -> Pages<'_> {
        self.pages("/v1/events", query.to_form())
    }

    /// One event.
    pub async fn event(&self, id: &str) -> Result<Event, Error> {
        let value = self.get(&object_path("events", id)?, &Form::new()).await?;
        Event::from_value(value)
    }

    // --- subscriptions, customers, invoices ---------------------------------------------

    /// One subscription.
    pub async fn subscription(&self, id: &str) -> Result<Subscription, Error> {
        let value = self
            .get(&object_path("subscriptions", id)?, &Form::new())
            .await?;
        Subscription::from_value(&value)
    }

    /// Creates a subscription.
    pub async fn create_subscription(
        &self,
        subscription: &NewSubscription,
    ) -> Result<Subscription, Error> {
        let value = self
            .post("/v1/subscriptions", &subscription.to_form())
            .await?;
        Subscription::from_value(&value)
    }

    /// One customer (a deleted one reads as [`Customer::deleted`]).
    pub async fn customer(&self, id: &str) -> Result<Customer, Error> {
        let value = self
            .get(&object_path("customers", id)?, &Form::new())
            .await?;
        Customer::from_value(&value)
    }

    /// Creates a customer from any of Stripe's parameters (`email`, `name`, `metadata[...]`).
    pub async fn create_customer(&self, form: &Form) -> Result<Customer, Error> {
        let value = self.post("/v1/customers", form).await?;
        Customer::from_value(&value)
    }

    /// Sets metadata keys on a customer (other keys are kept; an empty value unsets a key).
    pub async fn update_customer_metadata(
        &self,
        id: &str,
        metadata: &Metadata,
    ) -> Result<Customer, Error> {
        let form = Form::new().push_map("metadata", metadata);
        let value = self.post(&object_path("customers", id)?, &form).await?;
        Customer::from_value(&value)
    }

    /// One invoice, with fields to expand (`payments` in basil+ to see its payment intent).
    pub async fn invoice(&self, id: &str, expand_fields: &[&str]) -> Result<Invoice, Error> {
        let value = self
            .get(&object_path("invoices", id)?, &expand(expand_fields))
            .await?;
        Invoice::from_value(&value)
    }

    /// The payments of an invoice (`GET /v1/invoice_payments?invoice=...`).
    pub async fn invoice_payments_for_invoice(
        &self,
        invoice: &str,
    ) -> Result<Vec<InvoicePayment>, Error> {
        let query = Form::new().push("invoice", invoice);
        self.invoice_payments(query).await
    }

    /// The invoice payments made by a payment intent: how basil+ goes from a charge back to its
    /// invoice (`payment[type]=payment_intent&payment[payment_intent]=pi_...`).
    pub async fn invoice_payments_for_payment_intent(
        &self,
        payment_intent: &str,
    ) -> Result<Vec<InvoicePayment>, Error> {
        let payment = Form::new()
            .push("type", "payment_intent")
            .push("payment_intent", payment_intent);
        self.invoice_payments(Form::new().push_object("payment", payment))
            .await
    }

    /// Every line of an invoice (`GET /v1/invoices/{id}/lines`, all pages): what an event's
    /// invoice holds when its payload carries only part of the lines.
    pub async fn invoice_lines(&self, invoice: &str) -> Result<Vec<InvoiceLine>, Error> {
        let path = format!("{}/lines", object_path("invoices", invoice)?);
        self.list_all(&path, Form::new())
            .await?
            .iter()
            .map(InvoiceLine::from_value)
            .collect()
    }

    async fn invoice_payments(&self, query: Form) -> Result<Vec<InvoicePayment>, Error> {
        self.list_all("/v1/invoice_payments", query)
            .await?
            .iter()
            .map(InvoicePayment::from_value)
            .collect()
    }

    // --- checkout sessions ---------------------------------------------------------------

    /// Creates a Checkout Session from any of Stripe's parameters.
    pub async fn create_checkout_session(&self, form: &Form) -> Result<CheckoutSession, Error> {
        let value = self.post("/v1/checkout/sessions", form).await?;
        CheckoutSession::from_value(&value)
    }

    /// One Checkout Session, with fields to expand (`line_items`).
    pub async fn checkout_session(
        &self,
        id: &str,
        expand_fields: &[&str],
    ) -> Result<CheckoutSession, Error> {
        let value = self
            .get(
                &object_path("checkout/sessions", id)?,
                &expand(expand_fields),
            )
            .await?;
        CheckoutSession::from_value(&value)
    }

    /// The Checkout Sessions that created a payment intent (where a one-off payment's click id
    /// was learned).
    pub async fn checkout_sessions_for_payment_intent(
        &self,
        payment_intent: &str,
    ) -> Result<Vec<CheckoutSession>, Error> {
        let query = Form::new().push("payment_intent", payment_intent);
        self.list_all("/v1/checkout/sessions", query)
            .await?
            .iter()
            .map(CheckoutSession::from_value)
            .collect()
    }

    /// Every line item of a Checkout Session.
    pub async fn checkout_session_line_items(
        &self,
        id: &str,
    ) -> Result<Vec<CheckoutLineItem>, Error> {
        let path = format!("{}/line_items", object_path("checkout/sessions", id)?);
        self.list_all(&path, Form::new())
            .await?
            .iter()
            .map(CheckoutLineItem::from_value)
            .collect()
    }

    /// One promotion code, to read the customer-facing `code` a discount names by id.
    pub async fn promotion_code(&self, id: &str) -> Result<PromotionCode, Error> {
        let value = self
            .get(&object_path("promotion_codes", id)?, &Form::new())
            .await?;
        PromotionCode::from_value(&value)
    }

    // --- refunds, products, prices ---------------------------------------------------------

    /// Refunds a charge or a payment intent, wholly or in part.
    pub async fn create_refund(&self, refund: &NewRefund) -> Result<Refund, Error> {
        let value = self.post("/v1/refunds", &refund.to_form()).await?;
        Refund::from_value(&value)
    }

    /// Creates a product (`name`, `metadata[...]`, ...); the raw answer.
    pub async fn create_product(&self, form: &Form) -> Result<Value, Error> {
        self.post("/v1/products", form).await
    }

    /// Creates a price (`product`, `currency`, `unit_amount`, `recurring[interval]`, ...); the
    /// raw answer.
    pub async fn create_price(&self, form: &Form) -> Result<Value, Error> {
        self.post("/v1/prices", form).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_cannot_escape_their_path() {
        assert_eq!(
            object_path("subscriptions", "sub_1AbC").as_deref(),
            Ok("/v1/subscriptions/sub_1AbC")
        );
        for bad in [
            "",
            "sub_1/../customers",
            "sub?expand[]=x",
            "sub 1",
            "sub%2F",
        ] {
            assert_eq!(
                object_path("subscriptions", bad),
                Err(Error::InvalidParam(format!("id {bad:?}"))),
                "{bad}"
            );
        }
    }
}
