//! The Stripe look-ups a decision can ask for ([`Need`]), answered into [`Fetched`].

use clicktrail_stripe::Error as StripeError;
use clicktrail_stripe::client::StripeClient;

use crate::Error;
use crate::mapping::{Fetched, Need};

/// Performs `need` and adds the answer to `fetched` ("not found" is an answer too). Any other
/// failure is an error: the job is retried on the schedule.
pub(crate) async fn fetch(
    stripe: &StripeClient,
    need: &Need,
    fetched: &mut Fetched,
) -> Result<(), Error> {
    let failed = |e: StripeError| Error::stripe(need.to_string(), e);
    match need {
        Need::Subscription { id, .. } => {
            let found = optional(stripe.subscription(id).await).map_err(|e| failed(*e))?;
            fetched.subscription(id.clone(), found);
        }
        Need::Customer { id } => {
            let found = optional(stripe.customer(id).await).map_err(|e| failed(*e))?;
            fetched.customer(id.clone(), found);
        }
        Need::InvoiceLines { invoice } => {
            let lines = stripe.invoice_lines(invoice).await.map_err(failed)?;
            fetched.invoice_lines(invoice.clone(), lines);
        }
        Need::InvoiceOfPaymentIntent { payment_intent } => {
            let payments = stripe
                .invoice_payments_for_payment_intent(payment_intent)
                .await
                .map_err(failed)?;
            let invoice = payments.into_iter().find_map(|p| p.invoice);
            fetched.invoice_of_payment_intent(payment_intent.clone(), invoice);
        }
        Need::CheckoutLineItems { session } => {
            let items = withheld(stripe.checkout_session_line_items(session).await)
                .map_err(|e| failed(*e))?;
            fetched.checkout_line_items(session.clone(), items);
        }
        Need::PromotionCode { id } => {
            let code = withheld(stripe.promotion_code(id).await)
                .map_err(|e| failed(*e))?
                .ok()
                .and_then(|p| p.code);
            fetched.promotion_code(id.clone(), code);
        }
    }
    Ok(())
}

/// What Stripe withholds for good is an answer (`Err` with Stripe's words): the object is gone
/// (404) or the key may not read it (403), and asking again will not change that; the decision
/// goes on without it and says so. Other failures stay errors, retried on the schedule.
fn withheld<T>(result: Result<T, StripeError>) -> Result<Result<T, String>, Box<StripeError>> {
    match result {
        Ok(found) => Ok(Ok(found)),
        Err(e) if e.is_not_found() || e.is_permission_denied() => {
            tracing::warn!(error = %e, "Stripe withheld a look-up; deciding without it");
            Ok(Err(e.to_string()))
        }
        Err(e) => Err(Box::new(e)),
    }
}

/// "Not found" is an answer (`None`); other failures stay errors (boxed: the error is large).
fn optional<T>(result: Result<T, StripeError>) -> Result<Option<T>, Box<StripeError>> {
    match result {
        Ok(found) => Ok(Some(found)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(Box::new(e)),
    }
}
