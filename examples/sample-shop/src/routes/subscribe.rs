//! `POST /subscribe`: the subscribe form (email, plan, and the hidden `impact_ClickId` the
//! browser kit filled) becomes a Stripe customer and subscription, both carrying the click id.

use axum::Form;
use axum::extract::State;
use axum::response::Redirect;
use axum_extra::extract::CookieJar;
use clicktrail_stripe::client::{NewSubscription, SubscriptionItem};
use clicktrail_tower::{ClickId, StripeTarget};
use serde::Deserialize;

use super::customer;
use crate::{AppState, PlanId, ShopError, visitor};

/// The subscribe form. `impact_ClickId` is read by `CaptureClickIdLayer`, not here.
#[derive(Debug, Deserialize)]
pub struct SubscribeForm {
    email: String,
    plan: String,
}

/// Creates (or reuses) the customer, then the subscription with `metadata[impact_click_id]` and,
/// for the trial plan, `trial_period_days`. Stripe bills the first period at once (a $0 invoice
/// during a trial); the forwarder hears of it through `invoice.paid`.
pub async fn subscribe(
    State(state): State<AppState>,
    jar: CookieJar,
    click_id: Option<ClickId>,
    Form(form): Form<SubscribeForm>,
) -> Result<(CookieJar, Redirect), ShopError> {
    let email = customer::checked_email(&form.email)?;
    let plan = match PlanId::parse(&form.plan) {
        Some(id) if id.plan().monthly => id.plan(),
        _ => {
            return Err(ShopError::BadRequest(format!(
                "there is no subscription plan {:?}",
                form.plan
            )));
        }
    };
    let customer = customer::find_or_create(&state, &jar, &email, click_id.as_ref()).await?;
    let subscription = NewSubscription {
        customer: customer.id.clone(),
        items: vec![SubscriptionItem {
            price: state.catalog.price(plan.id).to_owned(),
            quantity: None,
        }],
        metadata: [("shop_plan".to_owned(), plan.id.as_str().to_owned())].into(),
        trial_period_days: plan.trial_days,
        ..Default::default()
    };
    let mut form = subscription.to_form();
    if let Some(click_id) = &click_id {
        form = customer::params(form, click_id, StripeTarget::SubscriptionCreate);
    }
    let created = state.stripe.post("/v1/subscriptions", &form).await?;
    let id = created["id"].as_str().unwrap_or_default();
    tracing::info!(
        subscription = id,
        customer = %customer.id,
        plan = plan.id.as_str(),
        click_id = click_id.as_ref().map(ClickId::as_str),
        "subscribed"
    );
    let jar = visitor::remember(jar, &customer.id);
    Ok((
        jar,
        Redirect::to(&format!(
            "/account.html?notice=subscribed&subscription={id}"
        )),
    ))
}
