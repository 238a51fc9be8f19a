//! `/v1/customers`: create (emits `customer.created`), retrieve, update (`customer.updated`),
//! delete, list (by `email`).

use axum::Json;
use axum::extract::{Path, State};
use serde_json::{Value, json};

use super::StripeApp;
use super::auth::{Access, Resource};
use super::context::{Ctx, Origin};
use super::error::ApiError;
use super::expand;
use super::list;
use super::metadata;
use super::render;
use super::retrieve;
use super::state::{Customer, Store};
use crate::ids;

impl Store {
    /// Creates a customer and emits `customer.created`.
    pub fn create_customer(
        &mut self,
        origin: &Origin,
        now: i64,
        email: Option<String>,
        name: Option<String>,
    ) -> String {
        let id = ids::stripe_id("cus");
        let customer = Customer {
            id: id.clone(),
            created: now,
            email,
            name,
            description: None,
            metadata: Default::default(),
        };
        self.customers.insert(id.clone(), customer);
        self.emit(origin, now, "customer.created", &id);
        id
    }
}

/// `POST /v1/customers`
pub async fn create(State(app): State<StripeApp>, ctx: Ctx) -> Result<Json<Value>, ApiError> {
    ctx.require(Resource::Customers, Access::Write)?;
    let p = &ctx.params;
    p.allow(&[
        "email",
        "name",
        "description",
        "metadata",
        "phone",
        "address",
        "payment_method",
        "invoice_settings",
    ])?;
    let email = p.str("email")?.filter(|s| !s.is_empty()).map(str::to_owned);
    let name = p.str("name")?.filter(|s| !s.is_empty()).map(str::to_owned);
    let description = p
        .str("description")?
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    let meta = metadata::from_params(p, "metadata")?;
    let now = app.clock().now();
    let origin = ctx.origin();
    let expand = ctx.expand()?;
    Ok(Json(app.write(|store| {
        let id = ids::stripe_id("cus");
        store.customers.insert(
            id.clone(),
            Customer {
                id: id.clone(),
                created: now,
                email,
                name,
                description,
                metadata: meta,
            },
        );
        store.emit(&origin, now, "customer.created", &id);
        let mut v = expand::object(store, &id, ctx.shape).unwrap_or_default();
        expand::apply(store, &mut v, &expand, ctx.shape);
        v
    })))
}

/// `GET /v1/customers/{id}`
pub const RETRIEVE: retrieve::One =
    retrieve::One::expanded(Resource::Customers, "customer", |store, id, _, _| {
        store.customers.get(id).map(render::customer)
    });

/// `POST /v1/customers/{id}`: `email`, `name`, `description`, `metadata`.
pub async fn update(
    State(app): State<StripeApp>,
    Path(id): Path<String>,
    ctx: Ctx,
) -> Result<Json<Value>, ApiError> {
    ctx.require(Resource::Customers, Access::Write)?;
    let p = &ctx.params;
    p.allow(&[
        "email",
        "name",
        "description",
        "metadata",
        "phone",
        "address",
        "invoice_settings",
    ])?;
    let now = app.clock().now();
    let origin = ctx.origin();
    app.write(|store| {
        let customer = store
            .customers
            .get_mut(&id)
            .ok_or_else(|| ApiError::no_such("customer", &id, "id"))?;
        let before = render::customer(customer);
        if let Some(email) = p.str("email")? {
            customer.email = (!email.is_empty()).then(|| email.to_owned());
        }
        if let Some(name) = p.str("name")? {
            customer.name = (!name.is_empty()).then(|| name.to_owned());
        }
        if let Some(d) = p.str("description")? {
            customer.description = (!d.is_empty()).then(|| d.to_owned());
        }
        metadata::apply(p, "metadata", &mut customer.metadata)?;
        let after = render::customer(customer);
        store.emit_with_previous(
            &origin,
            now,
            "customer.updated",
            &id,
            Some(previous_attributes(&before, &after)),
        );
        Ok(Json(after))
    })
}

/// `DELETE /v1/customers/{id}`
pub async fn delete(
    State(app): State<StripeApp>,
    Path(id): Path<String>,
    ctx: Ctx,
) -> Result<Json<Value>, ApiError> {
    ctx.require(Resource::Customers, Access::Write)?;
    let now = app.clock().now();
    let origin = ctx.origin();
    app.write(|store| {
        let customer = store
            .customers
            .get(&id)
            .cloned()
            .ok_or_else(|| ApiError::no_such("customer", &id, "id"))?;
        // The event carries the object as it was; emit before removing it.
        store.emit(&origin, now, "customer.deleted", &customer.id);
        store.customers.remove(&id);
        Ok(Json(render::deleted("customer", &id)))
    })
}

/// `GET /v1/customers`: `email`, pagination.
pub async fn list(State(app): State<StripeApp>, ctx: Ctx) -> Result<Json<Value>, ApiError> {
    let page = ctx.list_page(Resource::Customers, &["email", "created"])?;
    let p = &ctx.params;
    let email = p.str("email")?.map(str::to_owned);
    let created = super::events::CreatedFilter::from_params(p)?;
    let expand = ctx.expand()?;
    app.read(|store| {
        let items = store
            .customers
            .newest_first()
            .filter(|(_, c)| list::keeps(email.as_deref(), c.email.as_deref()))
            .filter(|(_, c)| created.matches(c.created))
            .map(|(r, c)| (r, render::customer(c)))
            .collect();
        let mut v = page.apply(
            items,
            |id| store.customers.rank(id),
            "customer",
            "/v1/customers",
        )?;
        expand::apply(store, &mut v, &expand, ctx.shape);
        Ok(Json(v))
    })
}

/// The top-level keys whose values changed, with their old values (`data.previous_attributes`).
pub fn previous_attributes(before: &Value, after: &Value) -> Value {
    let mut out = serde_json::Map::new();
    if let (Some(b), Some(a)) = (before.as_object(), after.as_object()) {
        for (k, old) in b {
            if a.get(k) != Some(old) {
                out.insert(k.clone(), old.clone());
            }
        }
    }
    json!(out)
}
