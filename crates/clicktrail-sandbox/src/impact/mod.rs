//! The impact.com API emulator: conversions, modifications and reversals of actions, API
//! submissions, with impact's authentication, validation and error envelope, a processing delay,
//! deduplication, fault injection and inspection endpoints.
//!
//! | endpoint | what it does |
//! |---|---|
//! | `POST /Advertisers/{SID}/Conversions` | validates a conversion (form or JSON body) and queues it |
//! | `PUT /Advertisers/{SID}/Actions` | validates a modification (`Amount` = new total) and queues it |
//! | `DELETE /Advertisers/{SID}/Actions` | validates a reversal and queues it |
//! | `GET /Advertisers/{SID}/APISubmissions/{id}` | what became of a queued request |
//! | `GET /Advertisers/{SID}/CompanyInformation` | the company profile (a harmless authenticated read) |
//! | `GET /_sandbox/records` | every accepted request, in order, with its outcome |
//! | `GET /_sandbox/actions` | the actions conversions became |
//! | `POST`/`GET`/`DELETE /_sandbox/faults` | queue, show, clear injected faults for the next N API requests ([`faults`]): `unavailable` (503), `rate_limited` (429), `slow`, `drop` (no answer, nothing recorded), `verdict` (accepted, then completes with the fault's `reason`: no action created or changed, `ErrorType` `Contract Error` or `Action Error`), `lost_answer` (accepted and recorded, then no answer); the last two only on submissions that pass authentication and validation |
//! | `POST /_sandbox/reset` | forgets records, actions and faults |
//!
//! Answers are JSON when `Accept` mentions JSON, XML otherwise (as impact.com does). Queued requests
//! answer `200 {"Status":"QUEUED","QueuedUri":"/Advertisers/<SID>/APISubmissions/<id>"}`; invalid
//! ones `400 {"Status":"ERROR","Message":...,"Errors":[{"Field","Message"}]}`; bad credentials 401.
//!
//! # Layout
//! [`validate`] (pure rules), [`records`] (records and actions), [`state`] (processing),
//! [`faults`] (the fault queue), [`wire`] (answers in JSON or XML, Basic auth, form or JSON
//! bodies), [`handlers`] (one per endpoint), [`service`] (the router behind fault injection); this
//! module holds the configuration, the shared state and the routes.

pub mod faults;
pub mod handlers;
pub mod records;
pub mod service;
pub mod state;
pub mod validate;
pub mod wire;

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};

use crate::clock::Clock;
use state::ImpactStore;

pub use service::{Dropped, ImpactService};

/// How the impact.com emulator behaves.
#[derive(Clone)]
pub struct ImpactConfig {
    /// The Account SID (Basic user name, and the `{SID}` in paths).
    pub account_sid: String,
    /// The Auth Token (Basic password).
    pub auth_token: String,
    /// How long after arrival a request is processed.
    pub processing_delay: Duration,
}

impl fmt::Debug for ImpactConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImpactConfig")
            .field("account_sid", &self.account_sid)
            .field("auth_token", &"***")
            .field("processing_delay", &self.processing_delay)
            .finish()
    }
}

impl Default for ImpactConfig {
    fn default() -> Self {
        Self {
            account_sid: "IRsandbox0000000000000000000000001".into(),
            auth_token: "sandbox-token".into(),
            processing_delay: Duration::from_secs(2),
        }
    }
}

/// The emulator's shared state.
#[derive(Debug, Clone)]
pub struct ImpactApp {
    inner: Arc<ImpactInner>,
}

#[derive(Debug)]
struct ImpactInner {
    config: ImpactConfig,
    clock: Clock,
    store: Mutex<ImpactStore>,
}

impl ImpactApp {
    /// Builds the state.
    pub fn new(config: ImpactConfig, clock: Clock) -> Self {
        Self {
            inner: Arc::new(ImpactInner {
                config,
                clock,
                store: Mutex::new(ImpactStore::default()),
            }),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ImpactConfig {
        &self.inner.config
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, ImpactStore> {
        self.inner
            .store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The store, with every due request processed first.
    pub fn with_store<T>(&self, f: impl FnOnce(&mut ImpactStore) -> T) -> T {
        let mut store = self.lock();
        store.process_due(
            tokio::time::Instant::now(),
            self.inner.config.processing_delay,
            &self.inner.clock.now_rfc3339(),
        );
        f(&mut store)
    }
}

/// The emulator's routes (without fault injection; see [`ImpactService`]).
pub fn router(app: ImpactApp) -> Router {
    Router::new()
        .route(
            "/Advertisers/{sid}/Conversions",
            post(handlers::conversions),
        )
        .route(
            "/Advertisers/{sid}/Actions",
            axum::routing::put(handlers::modify).delete(handlers::reverse),
        )
        .route(
            "/Advertisers/{sid}/APISubmissions/{id}",
            get(handlers::submission),
        )
        .route(
            "/Advertisers/{sid}/CompanyInformation",
            get(handlers::company_information),
        )
        .route("/_sandbox/records", get(handlers::records))
        .route("/_sandbox/actions", get(handlers::actions))
        .route(
            "/_sandbox/faults",
            post(handlers::add_fault)
                .get(handlers::list_faults)
                .delete(handlers::clear_faults),
        )
        .route("/_sandbox/reset", post(handlers::reset))
        .fallback(handlers::not_found)
        .layer(axum::middleware::from_fn(|r, n| {
            crate::server::log_request("impact", r, n)
        }))
        .with_state(app)
}
