//! Events: emitted by every state change (frozen snapshots of the object in both shapes), kept 30
//! days, listed and retrieved through `/v1/events`, and queued for delivery to each enabled webhook
//! endpoint subscribed to the type (or `*`).

use axum::Json;
use axum::extract::{Path, State};
use serde_json::Value;

use super::StripeApp;
use super::auth::{Access, Resource};
use super::context::{Ctx, Origin};
use super::error::ApiError;
use super::expand;
use super::render::{self, Shape};
use super::state::{Event, Store, Target};
use crate::ids;

/// How long events stay listable and retrievable.
pub const RETENTION_SECONDS: i64 = 30 * 24 * 3600;

impl Store {
    /// Records an event about the object `object_id` (rendered now, in both shapes) and queues its
    /// deliveries. Does nothing if the object does not exist.
    pub fn emit(&mut self, origin: &Origin, now: i64, kind: &str, object_id: &str) {
        self.emit_with_previous(origin, now, kind, object_id, None);
    }

    /// [`Store::emit`] with `data.previous_attributes`.
    pub fn emit_with_previous(
        &mut self,
        origin: &Origin,
        now: i64,
        kind: &str,
        object_id: &str,
        previous: Option<Value>,
    ) {
        let (Some(basil), Some(legacy)) = (
            expand::object(self, object_id, Shape::Basil),
            expand::object(self, object_id, Shape::Legacy),
        ) else {
            return;
        };
        let id = ids::stripe_id("evt");
        let targets: Vec<Target> = self
            .webhook_endpoints
            .newest_first()
            .filter(|(_, w)| w.wants(kind))
            .map(|(_, w)| Target {
                endpoint: w.id.clone(),
                delivered: false,
                failed: false,
            })
            .collect();
        for target in &targets {
            self.outbox.push((id.clone(), target.endpoint.clone()));
        }
        let event = Event {
            id: id.clone(),
            created: now,
            kind: kind.to_owned(),
            api_version: self.api_version.clone(),
            object_basil: basil,
            object_legacy: legacy,
            previous_attributes: previous,
            request_id: origin.request_id.clone(),
            idempotency_key: origin.idempotency_key.clone(),
            targets,
        };
        self.events.insert(id, event);
        self.events
            .drop_oldest_while(|e| now - e.created > RETENTION_SECONDS);
    }
}

/// Renders an event as listed or retrieved through the API: in the version in force when it was
/// created (the account default then).
pub fn render_stored(event: &Event) -> Value {
    render::event(event, Shape::of(&event.api_version), &event.api_version)
}

/// `GET /v1/events/{id}`
pub async fn retrieve(
    State(app): State<StripeApp>,
    Path(id): Path<String>,
    ctx: Ctx,
) -> Result<Json<Value>, ApiError> {
    ctx.require(Resource::Events, Access::Read)?;
    let now = app.clock().now();
    app.read(|store| {
        store
            .events
            .get(&id)
            .filter(|e| now - e.created <= RETENTION_SECONDS)
            .map(|e| Json(render_stored(e)))
            .ok_or_else(|| ApiError::no_such("event", &id, "id"))
    })
}

/// `GET /v1/events`: `type` (with `*` wildcards like `invoice.*`), `types[]` (up to 20),
/// `created[gt|gte|lt|lte]` or `created=N`, `delivery_success`, pagination.
pub async fn list(State(app): State<StripeApp>, ctx: Ctx) -> Result<Json<Value>, ApiError> {
    let page = ctx.list_page(
        Resource::Events,
        &["type", "types", "created", "delivery_success"],
    )?;
    let p = &ctx.params;
    let kind = p.str("type")?.map(str::to_owned);
    let types = p.strings("types")?;
    if types.as_ref().is_some_and(|t| t.len() > 20) {
        return Err(ApiError::invalid_request(
            "You may pass at most 20 types.",
            Some("types".into()),
        ));
    }
    if kind.is_some() && types.is_some() {
        return Err(ApiError::invalid_request(
            "You may only specify one of these parameters: type, types.",
            None,
        ));
    }
    let created = CreatedFilter::from_params(p)?;
    let delivery_success = p.bool("delivery_success")?;
    let now = app.clock().now();
    let result = app.read(|store| {
        let items = store
            .events
            .newest_first()
            .filter(|(_, e)| now - e.created <= RETENTION_SECONDS)
            .filter(|(_, e)| kind.as_deref().is_none_or(|k| type_matches(k, &e.kind)))
            .filter(|(_, e)| {
                types
                    .as_ref()
                    .is_none_or(|ts| ts.iter().any(|k| type_matches(k, &e.kind)))
            })
            .filter(|(_, e)| created.matches(e.created))
            .filter(|(_, e)| delivery_success.is_none_or(|ok| ok == (e.pending_webhooks() == 0)))
            .collect();
        page.apply_with(
            items,
            render_stored,
            |id| store.events.rank(id),
            "event",
            "/v1/events",
        )
    })?;
    Ok(Json(result))
}

fn type_matches(pattern: &str, kind: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => kind.starts_with(prefix),
        None => pattern == kind,
    }
}

/// A `created` filter: exact (`created=N`) or bounds (`created[gte]=N`, ...).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CreatedFilter {
    gt: Option<i64>,
    gte: Option<i64>,
    lt: Option<i64>,
    lte: Option<i64>,
}

impl CreatedFilter {
    /// Reads `created` from the parameters.
    pub fn from_params(p: &super::form::Params) -> Result<Self, ApiError> {
        if let Some(exact) = p.str("created").ok().flatten() {
            let n = exact.parse().map_err(|_| {
                ApiError::invalid_request(
                    format!("Invalid integer: {exact}"),
                    Some("created".into()),
                )
            })?;
            return Ok(Self {
                gte: Some(n),
                lte: Some(n),
                ..Self::default()
            });
        }
        let Some(h) = p.hash("created")? else {
            return Ok(Self::default());
        };
        h.allow(&["gt", "gte", "lt", "lte"])?;
        Ok(Self {
            gt: h.int("gt")?,
            gte: h.int("gte")?,
            lt: h.int("lt")?,
            lte: h.int("lte")?,
        })
    }

    /// Whether a timestamp passes.
    pub fn matches(&self, t: i64) -> bool {
        self.gt.is_none_or(|b| t > b)
            && self.gte.is_none_or(|b| t >= b)
            && self.lt.is_none_or(|b| t < b)
            && self.lte.is_none_or(|b| t <= b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stripe::form::Params;

    #[test]
    fn created_bounds() {
        let f =
            CreatedFilter::from_params(&Params::parse(b"created[gte]=10&created[lt]=20").unwrap())
                .unwrap();
        assert!(!f.matches(9));
        assert!(f.matches(10));
        assert!(f.matches(19));
        assert!(!f.matches(20));
        let f = CreatedFilter::from_params(&Params::parse(b"created=15").unwrap()).unwrap();
        assert!(f.matches(15) && !f.matches(16));
        assert!(CreatedFilter::from_params(&Params::parse(b"created[after]=1").unwrap()).is_err());
    }

    #[test]
    fn wildcard_types() {
        assert!(type_matches("invoice.*", "invoice.paid"));
        assert!(!type_matches("invoice.*", "charge.refunded"));
        assert!(type_matches("invoice.paid", "invoice.paid"));
    }
}
