//! `/v1/webhook_endpoints`: create (the answer alone carries `secret`, `whsec_` and random
//! characters), list, retrieve, update (`url`, `enabled_events`, `description`, `metadata`,
//! `disabled`), delete. An account holds at most 16 endpoints; the 17th is refused with an
//! `invalid_request_error`. `api_version` is fixed at creation, as at Stripe.

use axum::Json;
use axum::extract::{Path, State};
use serde_json::Value;

use super::StripeApp;
use super::auth::{Access, Resource};
use super::context::Ctx;
use super::error::ApiError;
use super::form::Params;
use super::list::Page;
use super::metadata;
use super::render;
use super::retrieve;
use super::state::WebhookEndpoint;
use crate::ids;

/// Stripe's limit of webhook endpoints per account (and mode).
pub const MAX_ENDPOINTS: usize = 16;

fn url(p: &Params) -> Result<String, ApiError> {
    let url = p.required_str("url")?;
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match rest {
        Some(rest)
            if !rest.is_empty() && !rest.starts_with('/') && !url.contains(char::is_whitespace) =>
        {
            Ok(url.to_owned())
        }
        _ => Err(
            ApiError::invalid_request(format!("Invalid URL: {url}"), Some("url".into()))
                .with_code("url_invalid"),
        ),
    }
}

/// Whether an event type is well formed: `*`, or dot-separated lower-case words
/// (`invoice.paid`, `checkout.session.async_payment_succeeded`).
pub fn valid_event_type(t: &str) -> bool {
    t == "*"
        || (t.contains('.')
            && t.split('.')
                .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')))
}

fn enabled_events(p: &Params) -> Result<Option<Vec<String>>, ApiError> {
    let Some(events) = p.strings("enabled_events")? else {
        return Ok(None);
    };
    if events.is_empty() {
        return Err(ApiError::missing_param("enabled_events"));
    }
    if let Some((i, bad)) = events
        .iter()
        .enumerate()
        .find(|(_, e)| !valid_event_type(e))
    {
        return Err(ApiError::invalid_request(
            format!("Invalid enabled_events[{i}]: unrecognized event type {bad:?}"),
            Some(format!("enabled_events[{i}]")),
        ));
    }
    Ok(Some(events))
}

/// `POST /v1/webhook_endpoints`
pub async fn create(State(app): State<StripeApp>, ctx: Ctx) -> Result<Json<Value>, ApiError> {
    ctx.require(Resource::WebhookEndpoints, Access::Write)?;
    let p = &ctx.params;
    p.allow(&[
        "url",
        "enabled_events",
        "api_version",
        "description",
        "metadata",
        "connect",
    ])?;
    let url = url(p)?;
    let events = enabled_events(p)?.ok_or_else(|| ApiError::missing_param("enabled_events"))?;
    let api_version = match p.str("api_version")? {
        Some(v) if render::is_valid_version(v) => Some(v.to_owned()),
        Some(v) => {
            return Err(ApiError::invalid_request(
                format!("Invalid API version: {v}"),
                Some("api_version".into()),
            ));
        }
        None => None,
    };
    if p.bool("connect")? == Some(true) {
        return Err(ApiError::invalid_request(
            "The sandbox has no Connect accounts.",
            Some("connect".into()),
        ));
    }
    let description = p
        .str("description")?
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    let meta = metadata::from_params(p, "metadata")?;
    let now = app.clock().now();
    app.write(|store| {
        if store.webhook_endpoints.len() >= MAX_ENDPOINTS {
            // Stripe's wording, seen in public issue threads (getlago/lago-api#2154); no code, no param.
            return Err(ApiError::invalid_request(
                format!("You have reached the maximum of {MAX_ENDPOINTS} test webhook endpoints."),
                None,
            ));
        }
        let id = ids::stripe_id("we");
        let endpoint = WebhookEndpoint {
            id: id.clone(),
            created: now,
            url,
            enabled_events: events,
            api_version,
            description,
            status: "enabled".into(),
            metadata: meta,
            secret: ids::random_id("whsec_", 32),
        };
        let v = render::webhook_endpoint(&endpoint, true);
        store.webhook_endpoints.insert(id, endpoint);
        Ok(Json(v))
    })
}

/// `GET /v1/webhook_endpoints/{id}`
pub const RETRIEVE: retrieve::One = retrieve::One::plain(
    Resource::WebhookEndpoints,
    "webhook_endpoint",
    |store, id, _, _| {
        store
            .webhook_endpoints
            .get(id)
            .map(|w| render::webhook_endpoint(w, false))
    },
);

/// `POST /v1/webhook_endpoints/{id}`
pub async fn update(
    State(app): State<StripeApp>,
    Path(id): Path<String>,
    ctx: Ctx,
) -> Result<Json<Value>, ApiError> {
    ctx.require(Resource::WebhookEndpoints, Access::Write)?;
    let p = &ctx.params;
    p.allow(&[
        "url",
        "enabled_events",
        "description",
        "metadata",
        "disabled",
    ])?;
    let new_url = if p.has("url") { Some(url(p)?) } else { None };
    let events = enabled_events(p)?;
    let disabled = p.bool("disabled")?;
    app.write(|store| {
        let w = store
            .webhook_endpoints
            .get_mut(&id)
            .ok_or_else(|| ApiError::no_such("webhook_endpoint", &id, "id"))?;
        if let Some(u) = new_url {
            w.url = u;
        }
        if let Some(e) = events {
            w.enabled_events = e;
        }
        if let Some(d) = p.str("description")? {
            w.description = (!d.is_empty()).then(|| d.to_owned());
        }
        if let Some(d) = disabled {
            w.status = if d { "disabled" } else { "enabled" }.into();
        }
        metadata::apply(p, "metadata", &mut w.metadata)?;
        Ok(Json(render::webhook_endpoint(w, false)))
    })
}

/// `DELETE /v1/webhook_endpoints/{id}`
pub async fn delete(
    State(app): State<StripeApp>,
    Path(id): Path<String>,
    ctx: Ctx,
) -> Result<Json<Value>, ApiError> {
    ctx.require(Resource::WebhookEndpoints, Access::Write)?;
    app.write(|store| {
        store
            .webhook_endpoints
            .remove(&id)
            .ok_or_else(|| ApiError::no_such("webhook_endpoint", &id, "id"))?;
        Ok(Json(render::deleted("webhook_endpoint", &id)))
    })
}

/// `GET /v1/webhook_endpoints`
pub async fn list(State(app): State<StripeApp>, ctx: Ctx) -> Result<Json<Value>, ApiError> {
    ctx.require(Resource::WebhookEndpoints, Access::Read)?;
    ctx.params
        .allow(&["limit", "starting_after", "ending_before"])?;
    let page = Page::from_params(&ctx.params)?;
    app.read(|store| {
        let items = store
            .webhook_endpoints
            .newest_first()
            .map(|(r, w)| (r, render::webhook_endpoint(w, false)))
            .collect();
        Ok(Json(page.apply(
            items,
            |id| store.webhook_endpoints.rank(id),
            "webhook_endpoint",
            "/v1/webhook_endpoints",
        )?))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_type_syntax() {
        assert!(valid_event_type("*"));
        assert!(valid_event_type("invoice.paid"));
        assert!(valid_event_type("checkout.session.async_payment_succeeded"));
        assert!(valid_event_type("charge.dispute.created"));
        assert!(valid_event_type("charge.dispute.closed"));
        assert!(!valid_event_type("invoice"));
        assert!(!valid_event_type("Invoice.Paid"));
        assert!(!valid_event_type("invoice..paid"));
    }
}
