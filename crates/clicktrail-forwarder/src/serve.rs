//! `clicktrail serve`: the intake, the worker and the HTTP endpoints in one process.
//!
//! [`run`] takes the listeners ([`Listeners`]: the public one for Stripe, and the operator
//! console's, [`console`](crate::console)) and the shutdown signal, like mini-redis's
//! `server::run`, so tests bind `127.0.0.1:0` and stop it themselves. On shutdown it stops accepting requests,
//! lets the committers write what was queued, gives jobs in flight `[worker] shutdown_grace`,
//! releases the rest, and returns `Ok(())`.

use std::future::{Future, IntoFuture};
use std::net::SocketAddr;
use std::sync::Arc;

use clicktrail_impact::{AuthToken, ImpactClient, ImpactConfig};
use clicktrail_stripe::client::{ApiKey, StripeClient};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::Error;
use crate::account::reconcile;
use crate::clock::Clock;
use crate::config::Config;
use crate::console::{self, Console};
use crate::intake::Intake;
use crate::intake::http::{AppState, router};
use crate::intake::secrets::WebhookSecrets;
use crate::mapping::Settings;
use crate::metrics::Metrics;
use crate::store::Store;
use crate::worker::Worker;

/// Where the service listens: `public` for Stripe (the webhook path, `/healthz`, `/readyz`),
/// `admin` for the operator console and `/metrics` (none: no console).
#[derive(Debug)]
pub struct Listeners {
    /// The webhook endpoint's listener (`listen`).
    pub public: TcpListener,
    /// The console's listener (`admin_listen`).
    pub admin: Option<TcpListener>,
}

impl Listeners {
    /// Binds `listen` and `admin_listen` of `config`.
    pub async fn bind(config: &Config) -> Result<Self, Error> {
        let bind = async |addr: SocketAddr| {
            TcpListener::bind(addr).await.map_err(|e| Error::Service {
                context: format!("cannot listen on {addr}"),
                source: Some(e),
            })
        };
        Ok(Self {
            public: bind(config.listen).await?,
            admin: Some(bind(config.admin_listen).await?),
        })
    }
}

/// The public listener alone: the service runs without a console (embedded uses, tests).
impl From<TcpListener> for Listeners {
    fn from(public: TcpListener) -> Self {
        Self {
            public,
            admin: None,
        }
    }
}

/// Runs the service on `listeners` until `shutdown` completes, on the system clock.
pub async fn run(
    config: Config,
    listeners: impl Into<Listeners>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    run_with_clock(config, listeners, shutdown, Clock::system()).await
}

/// [`run`], scheduling by `clock` (refund holds, retries, leases, verdict polls): tests move it
/// forward instead of waiting.
pub async fn run_with_clock(
    config: Config,
    listeners: impl Into<Listeners>,
    shutdown: impl Future<Output = ()> + Send + 'static,
    clock: Clock,
) -> Result<(), Error> {
    let Listeners {
        public: listener,
        admin,
    } = listeners.into();
    let store = Store::connect(&config.database_url, config.sqlite_synchronous)
        .await?
        .with_clock(clock);
    let recovered = store.recover_after_crash().await?;
    if recovered > 0 {
        tracing::info!(
            jobs = recovered,
            "jobs left running by a previous run are due again"
        );
    }
    let configured: Vec<String> = config
        .stripe
        .iter()
        .flat_map(|s| s.webhook_secrets.iter().map(|w| w.expose().to_owned()))
        .collect();
    let secrets = WebhookSecrets::load(
        &configured,
        config.intake.signature_tolerance,
        store.clone(),
    )
    .await?;
    let impact = impact_client(&config)?;
    let stripe = stripe_client(&config)?;

    let metrics = Arc::new(Metrics::default());
    let wake = Arc::new(Notify::new());
    let (intake, committers) = Intake::start(
        store.clone(),
        config.intake.batch_max,
        Arc::clone(&wake),
        Arc::clone(&metrics),
    );
    let reconcile_intake = intake.clone();
    let console = Arc::new(Console::new(&config, store.clone(), Arc::clone(&metrics)));
    let state = Arc::new(AppState {
        intake,
        secrets,
        store: store.clone(),
        metrics: Arc::clone(&metrics),
    });
    let app = router(
        state,
        config.webhook_path.as_str(),
        config.intake.body_limit,
    );

    let token = CancellationToken::new();
    let reconcile_task = reconcile::spawn(
        &config,
        stripe.clone(),
        reconcile_intake,
        store.clone(),
        Arc::clone(&metrics),
        token.clone(),
    );
    let worker = Arc::new(Worker::new(
        store.clone(),
        Settings::from(&config),
        impact,
        stripe,
        config.worker.clone(),
        wake,
        metrics,
    ));
    let worker_task = tokio::spawn(worker.run(token.clone()));

    let addr = listener.local_addr().map_err(|e| Error::Service {
        context: "listener".into(),
        source: Some(e),
    })?;
    tracing::info!(%addr, database = %config.database_url.redacted(), webhook_path = config.webhook_path.as_str(), "serving");
    let stop = token.clone();
    tokio::spawn(async move {
        shutdown.await;
        stop.cancel();
    });
    let console_task = admin.map(|admin| {
        if let Ok(addr) = admin.local_addr() {
            tracing::info!(%addr, token = config.admin.token.is_some(), "operator console");
        }
        let app = console::router(console).into_make_service_with_connect_info::<SocketAddr>();
        tokio::spawn(
            axum::serve(admin, app)
                .with_graceful_shutdown(token.clone().cancelled_owned())
                .into_future(),
        )
    });
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(token.clone().cancelled_owned())
        .await;
    token.cancel();
    tracing::info!("shutting down");
    if let Some(task) = reconcile_task {
        let _ = task.await;
    }
    for committer in committers {
        let _ = committer.await;
    }
    let _ = worker_task.await;
    if let Some(task) = console_task {
        let _ = task.await;
    }
    store.close().await;
    served.map_err(|e| Error::Service {
        context: "HTTP server".into(),
        source: Some(e),
    })
}

pub(crate) fn impact_client(config: &Config) -> Result<ImpactClient, Error> {
    let impact = &config.impact;
    let client_config = ImpactConfig::new(
        impact.account_sid.as_str(),
        AuthToken::new(impact.auth_token.expose()),
    )
    .api_base(impact.api_base.as_str())
    .timeout(config.worker.request_timeout);
    ImpactClient::new(client_config).map_err(|e| Error::Config {
        key: "impact".into(),
        origin: None,
        problem: e.to_string(),
    })
}

pub(crate) fn stripe_client(config: &Config) -> Result<Option<StripeClient>, Error> {
    let Some(stripe) = &config.stripe else {
        return Ok(None);
    };
    let bad = |e: clicktrail_stripe::Error| Error::Config {
        key: "stripe".into(),
        origin: None,
        problem: e.to_string(),
    };
    let key = ApiKey::new(stripe.api_key.expose()).map_err(bad)?;
    let client_config =
        clicktrail_stripe::client::StripeConfig::new(key).api_base(stripe.api_base.as_str());
    StripeClient::new(client_config).map(Some).map_err(bad)
}
