//! `POST /checkout`: the one-time product through Stripe Checkout. The backend creates the
//! session in `payment` mode with the click id parameters and sends the browser to Stripe's page
//! (the emulator's one-button page, or Stripe's hosted checkout in test mode); Stripe sends it
//! back to `/success.html?session_id=...`.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{Json, Redirect};
use axum_extra::extract::CookieJar;
use clicktrail_stripe::client::Form as StripeForm;
use clicktrail_tower::{ClickId, StripeTarget};
use serde::Deserialize;
use serde_json::{Value, json};

use super::customer;
use crate::{AppState, PlanId, ShopError, format_minor, visitor};

/// The buy form. `impact_ClickId` is read by `CaptureClickIdLayer`, not here.
#[derive(Debug, Deserialize)]
pub struct CheckoutForm {
    email: String,
}

/// Creates the customer (so the payment shows on the account page) and the Checkout Session,
/// then redirects to the session's `url`.
pub async fn checkout(
    State(state): State<AppState>,
    jar: CookieJar,
    click_id: Option<ClickId>,
    Form(form): Form<CheckoutForm>,
) -> Result<(CookieJar, Redirect), ShopError> {
    let email = customer::checked_email(&form.email)?;
    let customer = customer::find_or_create(&state, &jar, &email, click_id.as_ref()).await?;
    let line = StripeForm::new()
        .push("price", state.catalog.price(PlanId::Workshop))
        .push("quantity", "1");
    let mut session = StripeForm::new()
        .push("mode", "payment")
        .push_objects("line_items", [line])
        .push("customer", &customer.id)
        .push(
            "success_url",
            format!(
                "{}/success.html?session_id={{CHECKOUT_SESSION_ID}}",
                state.public_url
            ),
        )
        .push("cancel_url", format!("{}/pricing.html", state.public_url));
    if let Some(click_id) = &click_id {
        session = customer::params(session, click_id, StripeTarget::CheckoutPayment);
    }
    let created = state.stripe.post("/v1/checkout/sessions", &session).await?;
    let url = created["url"]
        .as_str()
        .ok_or_else(|| ShopError::Upstream("Stripe gave the Checkout Session no url".into()))?;
    tracing::info!(
        session = created["id"].as_str().unwrap_or_default(),
        customer = %customer.id,
        click_id = click_id.as_ref().map(ClickId::as_str),
        "checkout started"
    );
    Ok((visitor::remember(jar, &customer.id), Redirect::to(url)))
}

/// `GET /api/checkout/{id}`: what the success page shows.
pub async fn session(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ShopError> {
    let session = state.stripe.checkout_session(&id, &[]).await?;
    let currency = session.currency.map(|c| c.code_lower()).unwrap_or_default();
    Ok(Json(json!({
        "id": session.id,
        "status": session.status,
        "payment_status": session.payment_status,
        "amount": session.amount_total.map(|a| format_minor(a, &currency)),
        "payment_intent": session.payment_intent,
        "click_id": session.metadata.get("impact_click_id"),
    })))
}
