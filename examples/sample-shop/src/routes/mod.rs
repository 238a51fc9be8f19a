//! [`app`]: the shop's router, and one module per group of actions.
//!
//! | route | what |
//! |---|---|
//! | `GET /`, `/pricing.html`, ... | the pages in `www/`, each in the site's layout ([`pages`]) |
//! | anything else | the files in `www/` as they are (styles, scripts, the browser kit in `www/pkg/`) |
//! | `POST /subscribe` | `email`, `plan`, `impact_ClickId`: customer and subscription on Stripe |
//! | `POST /checkout` | `email`, `impact_ClickId`: a Checkout Session for the one-time product; redirects to it |
//! | `GET /api/checkout/{id}` | the session, for the success page |
//! | `GET /api/account` | the visitor's customer, subscriptions and payments |
//! | `POST /account/cancel` | `subscription`: cancels it now |
//! | `POST /account/refund` | `charge`, `amount` (empty: all that is left): refunds it |
//! | `POST /account/advance` | `subscription`: the Stripe emulator bills the next period now |
//! | `POST /visitor/new` | forgets this browser's customer and click id |
//! | `GET /api/plans` | the plans |
//! | `GET /api/impact/records`, `/api/impact/actions` | the impact.com emulator's records and actions |
//! | `GET /api/console` | the forwarder's console URL (`--console-url`), for the view's order links |
//! | `GET /healthz` | `ok` once the shop serves |

mod account;
mod checkout;
mod customer;
mod impact_view;
mod pages;
mod subscribe;

use axum::Router;
use axum::response::{IntoResponse, Json, Redirect};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use clicktrail_tower::CaptureClickIdLayer;

use crate::{AppState, PLANS, visitor};

/// The shop: its actions, its pages, and the click id capture around all of them.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/", get(pages::home))
        .route("/subscribe", post(subscribe::subscribe))
        .route("/checkout", post(checkout::checkout))
        .route("/api/checkout/{id}", get(checkout::session))
        .route("/api/account", get(account::show))
        .route("/account/cancel", post(account::cancel))
        .route("/account/refund", post(account::refund))
        .route("/account/advance", post(account::advance))
        .route("/visitor/new", post(new_visitor))
        .route("/api/plans", get(plans))
        .route("/api/impact/records", get(impact_view::records))
        .route("/api/impact/actions", get(impact_view::actions))
        .route("/api/console", get(impact_view::console))
        .fallback(pages::page_or_file)
        .layer(CaptureClickIdLayer::new())
        .with_state(state)
}

async fn plans() -> impl IntoResponse {
    Json(PLANS)
}

async fn new_visitor(jar: CookieJar) -> (CookieJar, Redirect) {
    (visitor::forget(jar), Redirect::to("/"))
}
