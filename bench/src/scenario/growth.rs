//! Growth: intake throughput at 64 connections with 1,000, 100,000 and 1,000,000 events already
//! stored, on SQLite (`synchronous = FULL`) and on PostgreSQL. Flat numbers mean every query the
//! intake runs is served by an index.

use std::path::Path;
use std::time::Duration;

use clicktrail_stripe::webhook::WebhookSecret;

use crate::forwarder::{self, Forwarder, Setup};
use crate::load::{self, Load, LoadReport};
use crate::{Error, seed};

/// One size.
#[derive(Debug, Clone)]
pub struct GrowthRow {
    /// `SQLite FULL` or `PostgreSQL`.
    pub store: &'static str,
    /// Events stored before the run.
    pub stored: u64,
    /// How long seeding up to this size took (cumulative).
    pub seeded_in: Duration,
    /// The database's size before the run (bytes): the SQLite file, or the PostgreSQL schema's
    /// tables with their indexes and TOAST.
    pub db_bytes: u64,
    /// The load's result.
    pub load: LoadReport,
}

/// Seeds up to each of `sizes` (ascending) in one store and measures at `connections`: on
/// SQLite, and on PostgreSQL when `postgres` names a base URL (a fresh schema).
pub async fn run(
    binary: &Path,
    sizes: &[u64],
    connections: usize,
    duration: Duration,
    postgres: Option<&str>,
) -> Result<Vec<GrowthRow>, Error> {
    let dir = tempfile::tempdir().map_err(|e| Error::Io(e.to_string()))?;
    let file = dir.path().join("growth.db");
    let sqlite_url = format!("sqlite://{}", file.display());
    let mut rows = one_store(
        binary,
        "SQLite FULL",
        &sqlite_url,
        &Size::File(file),
        sizes,
        connections,
        duration,
    )
    .await?;
    if let Some(base) = postgres {
        let (url, schema) = forwarder::postgres_schema(base).await?;
        let size = Size::Schema {
            base: base.to_owned(),
            schema: schema.clone(),
        };
        let measured = one_store(
            binary,
            "PostgreSQL",
            &url,
            &size,
            sizes,
            connections,
            duration,
        )
        .await;
        forwarder::drop_postgres_schema(base, &schema).await?;
        rows.extend(measured?);
    }
    Ok(rows)
}

/// Where a store's size is read.
enum Size {
    File(std::path::PathBuf),
    Schema { base: String, schema: String },
}

impl Size {
    async fn bytes(&self) -> Result<u64, Error> {
        match self {
            Self::File(path) => Ok(std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)),
            Self::Schema { base, schema } => {
                let pool = sqlx::PgPool::connect(base)
                    .await
                    .map_err(|e| Error::Database(e.to_string()))?;
                let (bytes,): (Option<i64>,) = sqlx::query_as(
                    "SELECT SUM(pg_total_relation_size(c.oid))::BIGINT FROM pg_class c \
                     JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'",
                )
                .bind(schema)
                .fetch_one(&pool)
                .await
                .map_err(|e| Error::Database(e.to_string()))?;
                pool.close().await;
                Ok(u64::try_from(bytes.unwrap_or(0)).unwrap_or(0))
            }
        }
    }
}

async fn one_store(
    binary: &Path,
    store: &'static str,
    url: &str,
    size: &Size,
    sizes: &[u64],
    connections: usize,
    duration: Duration,
) -> Result<Vec<GrowthRow>, Error> {
    let sandbox = super::sandbox().await?;
    let dir = tempfile::tempdir().map_err(|e| Error::Io(e.to_string()))?;
    // Seeded events and measured events are numbered apart, so they never collide.
    let (seeded, _) = super::events();
    let (factory, next) = super::events();
    let mut stored = 0;
    let mut seeded_in = Duration::ZERO;
    let mut rows = Vec::new();
    for &target in sizes {
        if target > stored {
            eprintln!("growth: {store}: seeding up to {target} events");
            seeded_in += seed::seed(url, &seeded, stored..target, true).await?;
            stored = target;
        }
        let db_bytes = size.bytes().await?;
        let mut setup = Setup::new(&sandbox, url.to_owned());
        setup.max_requests_per_hour = 1;
        setup.secret = WebhookSecret::new("whsec_growth").expect("valid");
        let server = Forwarder::spawn(binary, &setup, dir.path()).await?;
        let load = Load {
            addr: server.addr(),
            path: "/webhooks/stripe".into(),
            secret: setup.secret.clone(),
            connections,
            duration,
            max_events: u64::MAX / 2,
        };
        let report = load::run(&load, &factory, &next).await?;
        server.stop().await?;
        rows.push(GrowthRow {
            store,
            stored,
            seeded_in,
            db_bytes,
            load: report,
        });
    }
    sandbox.shutdown().await;
    Ok(rows)
}
