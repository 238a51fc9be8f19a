//! The operator console, served on `admin_listen` beside `/metrics`: what came in, what was
//! decided and sent, what failed, and the controls to replay.
//!
//! | route | what |
//! |---|---|
//! | `GET /` | the overview (HTML) |
//! | `GET /api/overview` | the same, as JSON (the page's live updates poll it) |
//! | `GET /events` | every event newest first, filtered, paged by keyset ([`crate::store::EventFilter`]) |
//! | `GET /api/events` | the same, as JSON |
//! | `GET /events/{id}` | one event: payload, decision, jobs, attempts, impact.com's answers |
//! | `GET /events/{id}/explain` | today's rules over it and its order's other events, sending nothing |
//! | `GET /orders/{order_id}` | an order's conversion and every change, with amounts |
//! | `GET /dead` | dead letters, filtered like the events |
//! | `POST /jobs/{id}/replay`, `POST /dead/replay` | put dead letters back in the queue |
//! | `GET /metrics` | Prometheus text |
//! | `GET /login`, `POST /login`, `POST /logout` | the session ([`auth`]) |
//! | `GET /console.css`, `GET /console.js` | the page's assets |
//!
//! Every route but the login form and the assets goes through [`auth::guard`]; every answer
//! carries the security headers of [`secure_headers`] (no framing, no sniffing, no caching, a
//! content security policy that allows only this origin).

pub mod auth;
mod dead;
mod event;
mod events;
mod orders;
mod overview;
mod pages;
mod query;
mod settings;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{ConnectInfo, Form, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

use crate::account::unix_now as now;
use crate::config::Config;
use crate::mapping::Settings;
use crate::metrics::Metrics;
use crate::store::Store;
use auth::{Caller, Keys, Refusal};
pub use overview::Overview;

/// Every `GET` route the console serves (the masking test reads each of them).
pub const GET_ROUTES: [&str; 10] = [
    "/",
    "/api/overview",
    "/events",
    "/api/events",
    "/dead",
    "/metrics",
    "/login",
    "/console.css",
    "/console.js",
    "/orders/none",
];

/// What the console's handlers share.
#[derive(Debug)]
pub struct Console {
    store: Store,
    metrics: Arc<Metrics>,
    keys: Keys,
    settings: Vec<(&'static str, String)>,
    /// The rules' settings, for "Explain again".
    settings_for_rules: Settings,
}

impl Console {
    /// The console over `store` and `metrics`, for `config` (its token and the settings shown).
    pub fn new(config: &Config, store: Store, metrics: Arc<Metrics>) -> Self {
        Self {
            store,
            metrics,
            keys: Keys::new(config.admin.token.as_ref()),
            settings: settings::rows(config),
            settings_for_rules: Settings::from(config),
        }
    }

    fn frame<'a>(&self, title: &'a str, csrf: Option<&'a str>) -> pages::Frame<'a> {
        pages::Frame {
            title,
            loopback_only: !self.keys.has_token(),
            csrf,
        }
    }
}

/// The console's routes. Serve them with
/// `into_make_service_with_connect_info::<SocketAddr>()`: the guard reads the peer address.
pub fn router(console: Arc<Console>) -> Router {
    let guarded = Router::new()
        .route("/", get(overview_page))
        .route("/api/overview", get(overview_api))
        .route("/events", get(events::html))
        .route("/api/events", get(events::api))
        .route("/events/{id}", get(event::html))
        .route("/events/{id}/explain", get(event::explain))
        .route("/orders/{order}", get(orders::html))
        .route("/dead", get(dead::html))
        .route("/dead/replay", axum::routing::post(dead::replay_all))
        .route("/jobs/{job}/replay", axum::routing::post(event::replay))
        .route("/metrics", get(metrics))
        .route("/logout", axum::routing::post(logout))
        .layer(middleware::from_fn_with_state(Arc::clone(&console), guard));
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/console.css", get(|| asset("text/css", pages::CSS)))
        .route("/console.js", get(|| asset("text/javascript", pages::JS)))
        .merge(guarded)
        .layer(middleware::from_fn(secure_headers))
        .with_state(console)
}

/// [`auth::guard`] as a middleware: the caller goes into the request's extensions.
async fn guard(
    State(console): State<Arc<Console>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut request: Request,
    next: Next,
) -> Response {
    let asked = auth::Request {
        query: request.uri().query(),
        headers: request.headers(),
        peer,
        now: now(),
    };
    match auth::guard(&console.keys, &asked) {
        Ok(caller) => {
            request.extensions_mut().insert(caller);
            next.run(request).await
        }
        Err(refusal) => {
            let page = !request.uri().path().starts_with("/api/")
                && request.uri().path() != "/metrics"
                && request.method() == axum::http::Method::GET;
            refuse(&refusal, page)
        }
    }
}

fn refuse(refusal: &Refusal, page: bool) -> Response {
    match refusal {
        Refusal::Unauthenticated if page => Redirect::to("/login").into_response(),
        Refusal::Unauthenticated => (
            StatusCode::UNAUTHORIZED,
            [(
                header::WWW_AUTHENTICATE,
                "Bearer realm=\"clicktrail console\"",
            )],
            format!("{}\n", refusal.message()),
        )
            .into_response(),
        Refusal::TokenInQuery => {
            (StatusCode::BAD_REQUEST, format!("{}\n", refusal.message())).into_response()
        }
        Refusal::NotLoopback | Refusal::Csrf if page => (
            StatusCode::FORBIDDEN,
            Html(pages::refused(refusal.message()).into_string()),
        )
            .into_response(),
        Refusal::NotLoopback | Refusal::Csrf => {
            (StatusCode::FORBIDDEN, format!("{}\n", refusal.message())).into_response()
        }
    }
}

/// The CSRF token of the caller's session, and a `Set-Cookie` starting one for a loopback
/// browser that has none yet (its forms need a session to be checked against).
fn session(
    console: &Console,
    caller: &Caller,
    headers: &HeaderMap,
) -> (Option<String>, Option<String>) {
    match caller {
        Caller::Bearer => (None, None),
        Caller::Session { nonce } | Caller::Loopback { nonce: Some(nonce) } => {
            (Some(console.keys.csrf(nonce)), None)
        }
        Caller::Loopback { nonce: None } => {
            let (cookie, nonce) = console.keys.new_session(now());
            (
                Some(console.keys.csrf(&nonce)),
                Some(auth::set_cookie(&cookie, headers)),
            )
        }
    }
}

/// An HTML page titled `title` for `caller`, starting a session when it needs one.
fn page(
    console: &Console,
    caller: &Caller,
    headers: &HeaderMap,
    title: &str,
    render: impl FnOnce(&pages::Frame<'_>) -> maud::Markup,
) -> Response {
    let (csrf, set_cookie) = session(console, caller, headers);
    let frame = console.frame(title, csrf.as_deref());
    let mut response = Html(render(&frame).into_string()).into_response();
    if let Some(cookie) = set_cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

/// 400 for a value the page cannot use, saying which and what is expected.
fn bad_input(e: &crate::store::InputError) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Html(pages::bad_input(&e.to_string()).into_string()),
    )
        .into_response()
}

fn failed(e: &crate::Error) -> Response {
    tracing::warn!(error = %e.chain(), "console: the store failed");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        "the store is unreachable; try again\n",
    )
        .into_response()
}

async fn overview_page(
    State(console): State<Arc<Console>>,
    axum::Extension(caller): axum::Extension<Caller>,
    headers: HeaderMap,
) -> Response {
    match Overview::read(&console.store, &console.metrics, &console.settings).await {
        Ok(o) => page(&console, &caller, &headers, "Overview", |frame| {
            pages::overview(frame, &o)
        }),
        Err(e) => failed(&e),
    }
}

async fn overview_api(State(console): State<Arc<Console>>) -> Response {
    match Overview::read(&console.store, &console.metrics, &console.settings).await {
        Ok(o) => axum::Json(o).into_response(),
        Err(e) => failed(&e),
    }
}

async fn metrics(State(console): State<Arc<Console>>) -> Response {
    let queue = match console.store.status().await {
        Ok(q) => Some(q),
        Err(e) => {
            tracing::warn!(error = %e.chain(), "metrics without the queue");
            None
        }
    };
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        console.metrics.render(queue.as_ref()),
    )
        .into_response()
}

async fn login_page(State(console): State<Arc<Console>>) -> Response {
    if !console.keys.has_token() {
        return Redirect::to("/").into_response();
    }
    Html(pages::login(None).into_string()).into_response()
}

#[derive(Deserialize)]
struct LoginForm {
    token: String,
}

async fn login(
    State(console): State<Arc<Console>>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    Form(form): Form<LoginForm>,
) -> Response {
    if uri.query().is_some() {
        return refuse(&Refusal::TokenInQuery, false);
    }
    if !console.keys.token_matches(&form.token) {
        tracing::warn!("console: a login with a wrong token");
        return (
            StatusCode::UNAUTHORIZED,
            Html(pages::login(Some("That is not the console token.")).into_string()),
        )
            .into_response();
    }
    let (cookie, _) = console.keys.new_session(now());
    let mut response = Redirect::to("/").into_response();
    if let Ok(value) = HeaderValue::from_str(&auth::set_cookie(&cookie, &headers)) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: Option<String>,
}

async fn logout(
    State(console): State<Arc<Console>>,
    axum::Extension(caller): axum::Extension<Caller>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Err(refusal) = auth::check_post(&console.keys, &caller, &headers, form.csrf.as_deref()) {
        return refuse(&refusal, true);
    }
    let mut response = Redirect::to("/login").into_response();
    if let Ok(value) = HeaderValue::from_str(&auth::clear_cookie()) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

async fn asset(content_type: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// The headers every console answer carries.
async fn secure_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
             connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::CACHE_CONTROL, "no-store"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}
