//! `GET /v1/<resources>/{id}`: what every retrieve endpoint does the same way — check the key's
//! read permission (and, where the resource supports it, parse `expand[]`), look the object up,
//! answer Stripe's `resource_missing` when the id names nothing, and apply `expand[]`.
//!
//! Each resource describes its retrieve as a [`One`] (a `const` beside its other handlers) and
//! the router serves it with [`One::get`]: the extractors and the steps above are written once.

use axum::Json;
use axum::extract::{Path, State};
use axum::routing::MethodRouter;
use serde_json::Value;

use super::StripeApp;
use super::auth::{Access, Resource};
use super::context::Ctx;
use super::error::ApiError;
use super::expand;
use super::state::Store;

/// Renders the object `id` names (`None`: Stripe's 404), given the caller's context (its API
/// shape) and the requested expansions (for the few objects that handle some themselves).
pub type Find = fn(&Store, &str, &Ctx, &[String]) -> Option<Value>;

/// One resource's `GET /v1/<resources>/{id}`.
#[derive(Debug, Clone, Copy)]
pub struct One {
    /// The permission a restricted key needs (read access).
    resource: Resource,
    /// The object type named in `No such <object>: '<id>'`.
    object: &'static str,
    /// The error's `param` when the id names nothing.
    param: &'static str,
    /// Whether the endpoint takes `expand[]`.
    expandable: bool,
    find: Find,
}

impl One {
    /// A retrieve without `expand[]`; a missing id is reported with `param: "id"`.
    pub const fn plain(resource: Resource, object: &'static str, find: Find) -> Self {
        Self {
            resource,
            object,
            param: "id",
            expandable: false,
            find,
        }
    }

    /// A retrieve that applies `expand[]` to what `find` renders.
    pub const fn expanded(resource: Resource, object: &'static str, find: Find) -> Self {
        Self {
            expandable: true,
            ..Self::plain(resource, object, find)
        }
    }

    /// Reports a missing id under another `param` (Stripe's own choice per resource).
    pub const fn with_param(self, param: &'static str) -> Self {
        Self { param, ..self }
    }

    /// The `GET` route serving this retrieve; add the path's other methods to it.
    pub fn get(self) -> MethodRouter<StripeApp> {
        axum::routing::get(
            move |State(app): State<StripeApp>, Path(id): Path<String>, ctx: Ctx| async move {
                self.answer(&app, &ctx, &id)
            },
        )
    }

    fn answer(self, app: &StripeApp, ctx: &Ctx, id: &str) -> Result<Json<Value>, ApiError> {
        ctx.require(self.resource, Access::Read)?;
        let paths = if self.expandable {
            ctx.expand()?
        } else {
            Vec::new()
        };
        app.read(|store| {
            let mut v = (self.find)(store, id, ctx, &paths)
                .ok_or_else(|| ApiError::no_such(self.object, id, self.param))?;
            if self.expandable {
                expand::apply(store, &mut v, &paths, ctx.shape);
            }
            Ok(Json(v))
        })
    }
}
