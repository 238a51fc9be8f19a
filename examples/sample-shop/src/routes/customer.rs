//! The visitor's Stripe customer: the one this browser already has (same email), or a new one.
//! Either way it carries the click id in its metadata when there is one.

use axum_extra::extract::CookieJar;
use clicktrail_stripe::Customer;
use clicktrail_stripe::client::Form;
use clicktrail_tower::{ClickId, StripeTarget};

use crate::{AppState, ShopError, visitor};

/// A checked email address (a sample shop's check: one `@`, something on both sides, short).
pub fn checked_email(email: &str) -> Result<String, ShopError> {
    let email = email.trim();
    match email.split_once('@') {
        Some((user, domain))
            if !user.is_empty()
                && domain.contains('.')
                && !domain.contains('@')
                && email.len() <= 200
                && !email.contains(char::is_whitespace) =>
        {
            Ok(email.to_owned())
        }
        _ => Err(ShopError::BadRequest(format!(
            "{email:?} is not an email address"
        ))),
    }
}

/// This browser's customer when it has the same email, else a new customer; the click id (if
/// any) goes into its metadata.
pub async fn find_or_create(
    state: &AppState,
    jar: &CookieJar,
    email: &str,
    click_id: Option<&ClickId>,
) -> Result<Customer, ShopError> {
    if let Some(id) = visitor::customer_id(jar)
        && let Ok(known) = state.stripe.customer(&id).await
        && !known.deleted
        && known
            .email
            .as_deref()
            .is_some_and(|e| e.eq_ignore_ascii_case(email))
    {
        return match click_id {
            Some(click_id) => {
                let form = params(Form::new(), click_id, StripeTarget::CustomerUpdate);
                let path = format!("/v1/customers/{}", known.id);
                Ok(Customer::from_value(
                    &state.stripe.post(&path, &form).await?,
                )?)
            }
            None => Ok(known),
        };
    }
    let mut form = Form::new().push("email", email);
    if let Some(click_id) = click_id {
        form = params(form, click_id, StripeTarget::CustomerCreate);
    }
    Ok(state.stripe.create_customer(&form).await?)
}

/// `form` plus the parameters that carry `click_id` in the Stripe call `target`, except those
/// `form` already sets (a `client_reference_id` of the shop's own is kept).
pub fn params(form: Form, click_id: &ClickId, target: StripeTarget) -> Form {
    let missing = click_id
        .stripe_params(target)
        .missing_from(form.pairs().iter().map(|(key, _)| key));
    missing
        .into_iter()
        .fold(form, |form, (key, value)| form.push(key, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_checked_loosely() {
        assert_eq!(checked_email(" a@b.co ").unwrap(), "a@b.co");
        for bad in ["", "a", "a@b", "@b.co", "a@b@c.co", "a b@c.co"] {
            assert!(checked_email(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn click_id_params_are_appended() {
        let click_id = ClickId::new("Qx9:abc").unwrap();
        let form = params(
            Form::new().push("mode", "payment"),
            &click_id,
            StripeTarget::CheckoutPayment,
        );
        assert_eq!(form.get("mode"), Some("payment"));
        assert_eq!(form.get("metadata[impact_click_id]"), Some("Qx9:abc"));
        assert_eq!(
            form.get("payment_intent_data[metadata][impact_click_id]"),
            Some("Qx9:abc")
        );
        assert!(form.get("client_reference_id").unwrap().starts_with("irc_"));
    }

    #[test]
    fn the_shops_own_client_reference_id_is_kept() {
        let click_id = ClickId::new("Qx9:abc").unwrap();
        let form = params(
            Form::new().push("client_reference_id", "order_7"),
            &click_id,
            StripeTarget::CheckoutPayment,
        );
        let references: Vec<_> = form
            .pairs()
            .iter()
            .filter(|(key, _)| key == "client_reference_id")
            .collect();
        assert_eq!(references.len(), 1);
        assert_eq!(form.get("client_reference_id"), Some("order_7"));
        assert_eq!(form.get("metadata[impact_click_id]"), Some("Qx9:abc"));
    }
}
