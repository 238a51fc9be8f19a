//! `clicktrail setup`, the I/O around [`plan`]: list every webhook endpoint, apply the plan,
//! keep a new endpoint's signing secret in the database.
//!
//! The secret is shown by Stripe once, in the answer to the creation, so the store is opened
//! before anything is created, and when the secret cannot be stored the new endpoint is deleted
//! again rather than left without a secret anyone knows.

use clicktrail_stripe::client::{Form, StripeClient};

use super::setup_plan::{SetupPlan, WebhookUrl, plan};
use crate::Error;
use crate::store::Store;

/// What `setup` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupReport {
    /// What was decided.
    pub plan: SetupPlan,
    /// Whether it was carried out (`false` for a dry run, and for a full account).
    pub applied: bool,
    /// The id Stripe gave the endpoint created.
    pub created: Option<String>,
    /// Whether the database holds a signing secret of the endpoint at the URL (after the run;
    /// `None` in a dry run, which does not open the database).
    pub secret_stored: Option<bool>,
}

/// Runs setup for `url`. `store` is `None` for a dry run (nothing is written anywhere).
pub async fn run(
    stripe: &StripeClient,
    store: Option<&Store>,
    url: &WebhookUrl,
) -> Result<SetupReport, Error> {
    let endpoints = stripe
        .webhook_endpoints()
        .await
        .map_err(|e| Error::stripe("GET /v1/webhook_endpoints", e))?;
    let plan = plan(url, &endpoints);
    let Some(store) = store else {
        return Ok(SetupReport {
            plan,
            applied: false,
            created: None,
            secret_stored: None,
        });
    };
    let stored = store.webhook_secret_endpoints().await?;
    let mut report = SetupReport {
        plan: plan.clone(),
        applied: false,
        created: None,
        secret_stored: None,
    };
    match &plan {
        SetupPlan::Full { .. } => {}
        SetupPlan::Unchanged { endpoint, .. } => {
            report.secret_stored = Some(stored.contains(&endpoint.id));
        }
        SetupPlan::Update {
            endpoint,
            enabled_events,
            enable,
            ..
        } => {
            let events: Vec<&str> = enabled_events.iter().map(String::as_str).collect();
            let path = format!("/v1/webhook_endpoints/{}", endpoint.id);
            stripe
                .update_webhook_endpoint_events(&endpoint.id, &events)
                .await
                .map_err(|e| Error::stripe(format!("POST {path}"), e))?;
            if *enable {
                stripe
                    .post(&path, &Form::new().push("disabled", "false"))
                    .await
                    .map_err(|e| Error::stripe(format!("POST {path}"), e))?;
            }
            report.applied = true;
            report.secret_stored = Some(stored.contains(&endpoint.id));
        }
        SetupPlan::Create(new) => {
            let created = stripe
                .create_webhook_endpoint(new)
                .await
                .map_err(|e| Error::stripe("POST /v1/webhook_endpoints", e))?;
            let kept = match &created.secret {
                Some(secret) => store.add_webhook_secret(&created.id, secret.expose()).await,
                None => Err(Error::Stripe {
                    context: format!(
                        "Stripe created {} without showing its signing secret",
                        created.id
                    ),
                    source: None,
                }),
            };
            if let Err(e) = kept {
                let undone = match stripe.delete_webhook_endpoint(&created.id).await {
                    Ok(_) => format!("{} was deleted again", created.id),
                    Err(d) => format!(
                        "{} could not be deleted again ({d}): delete it in the Dashboard",
                        created.id
                    ),
                };
                return Err(Error::database(
                    format!(
                        "cannot keep the new endpoint's signing secret; {undone}, run setup again"
                    ),
                    e,
                ));
            }
            report.applied = true;
            report.created = Some(created.id);
            report.secret_stored = Some(true);
        }
    }
    Ok(report)
}
