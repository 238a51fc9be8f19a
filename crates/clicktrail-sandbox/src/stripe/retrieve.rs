//! `GET /v1/<resources>/{id}`: what every retrieve endpoint does the same way — check the key's
//! read permission (and, where the resource supports it, parse `expand[]`), look the object up,
//! answer Stripe's `resource_missing` when the id names nothing, and apply `expand[]`.

use axum::Json;
use serde_json::Value;

use super::StripeApp;
use super::auth::{Access, Resource};
use super::context::Ctx;
use super::error::ApiError;
use super::expand;
use super::state::Store;

/// The object a retrieve looks for: its permission, its Stripe type (`customer`,
/// `checkout.session`, ...), and the `param` a missing id is reported under.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// The permission a restricted key needs (read access).
    pub resource: Resource,
    /// The object type named in `No such <object>: '<id>'`.
    pub object: &'a str,
    /// The id looked up.
    pub id: &'a str,
    /// The error's `param`.
    pub param: &'a str,
}

/// Retrieves a resource without `expand[]`: `find` renders the object, or `None` for a 404.
pub fn plain(
    app: &StripeApp,
    ctx: &Ctx,
    target: Target<'_>,
    find: impl FnOnce(&Store) -> Option<Value>,
) -> Result<Json<Value>, ApiError> {
    ctx.require(target.resource, Access::Read)?;
    app.read(|store| find(store).map(Json).ok_or_else(|| target.missing()))
}

/// Retrieves a resource with `expand[]`: `find` renders the object (given the requested
/// expansions, for the few it handles itself), or `None` for a 404; then `expand[]` is applied.
pub fn expanded(
    app: &StripeApp,
    ctx: &Ctx,
    target: Target<'_>,
    find: impl FnOnce(&Store, &[String]) -> Option<Value>,
) -> Result<Json<Value>, ApiError> {
    ctx.require(target.resource, Access::Read)?;
    let paths = ctx.expand()?;
    app.read(|store| {
        let mut v = find(store, &paths).ok_or_else(|| target.missing())?;
        expand::apply(store, &mut v, &paths, ctx.shape);
        Ok(Json(v))
    })
}

impl<'a> Target<'a> {
    /// Looks for `id` of this `object` type under `resource`; a missing id is reported with
    /// `param: "id"`.
    pub fn new(resource: Resource, object: &'a str, id: &'a str) -> Self {
        Self {
            resource,
            object,
            id,
            param: "id",
        }
    }

    /// Reports a missing id under another `param`.
    pub fn with_param(self, param: &'a str) -> Self {
        Self { param, ..self }
    }

    fn missing(&self) -> ApiError {
        ApiError::no_such(self.object, self.id, self.param)
    }
}
