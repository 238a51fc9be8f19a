//! The durable store: raw events, the job outbox, delivery attempts and the knowledge the rules
//! read, on SQLite (one process) or PostgreSQL (several replicas).
//!
//! One [`Store`] wraps a sqlx `Any` pool and knows its [`Backend`]: the SQL is shared (`$N`
//! placeholders, `ON CONFLICT`, `RETURNING`, times as unix milliseconds) except where the
//! backends differ on purpose: claiming jobs (`FOR UPDATE SKIP LOCKED` on PostgreSQL, one
//! `UPDATE ... RETURNING` statement on SQLite, whose writers are serialized anyway) and
//! serializing decisions (`BEGIN IMMEDIATE` on SQLite, a transaction-scoped advisory lock on
//! PostgreSQL). Migrations are embedded, one folder per backend (`migrations/sqlite`,
//! `migrations/postgres`), and applied by [`Store::connect`].
//!
//! Layout: `events.rs` intake writes (group commit), `jobs.rs` the outbox (claim, decide,
//! finish, leases, retry, listings), `knowledge.rs` the [`Knowledge`](crate::knowledge::Knowledge)
//! implementation over the database, `status.rs` what `status` and `/metrics` read, `console.rs`
//! what the operator console reads (events filtered and paged by keyset, one event's jobs and
//! attempts, an order's history, dead letters, sends per hour, held refunds).

mod account;
mod console;
mod events;
mod jobs;
mod knowledge;
mod sequence;
mod status;

use sqlx::AnyConnection;
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Executor, Transaction};

pub use console::{
    AttemptRow, ConversionRow, DecisionFilter, EventCursor, EventDetail, EventFilter, EventPage,
    EventRow, HeldRefund, HeldRefunds, HourSends, IdMatch, InputError, JobDetail, MAX_HOURS,
    MAX_PAGE, OrderHistory, OrderJob, parse_time,
};
pub use events::{Ingested, NewEvent, Source};
pub use jobs::{AttemptRecord, ClaimedJob, Finish, JobRow, JobState};
pub(crate) use jobs::{Decided, set_decided};
pub use knowledge::Snapshot;
pub(crate) use knowledge::apply as apply_records;
pub(crate) use sequence::{Placed, place, supersede};
pub use status::{QueueStatus, StateCount};

use crate::Error;
use crate::clock::Clock;
use crate::config::{DatabaseUrl, Synchronous};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// Which database is behind a [`Store`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite: one process, WAL, writers serialized by SQLite itself.
    Sqlite,
    /// PostgreSQL: several replicas may share it.
    Postgres,
}

/// The forwarder's database. Cloning is cheap (the pool is shared).
#[derive(Debug, Clone)]
pub struct Store {
    /// Reads (and, on PostgreSQL, writes).
    pool: AnyPool,
    /// Writes. On SQLite one connection: SQLite has one writer at a time anyway, and a second
    /// writer connection would wait in SQLite's busy handler, which sleeps in steps of up to
    /// 100 ms; through one connection writers queue in the pool instead, without sleeping. On
    /// PostgreSQL the same pool as reads.
    writer: AnyPool,
    backend: Backend,
    clock: Clock,
}

impl Store {
    /// Connects, applies the pragmas (SQLite: WAL, `synchronous`, a busy timeout) and the
    /// embedded migrations. A SQLite file is created when missing.
    pub async fn connect(url: &DatabaseUrl, synchronous: Synchronous) -> Result<Self, Error> {
        sqlx::any::install_default_drivers();
        let (backend, url_text) = if url.is_postgres() {
            (Backend::Postgres, url.expose().to_owned())
        } else {
            let text = url.expose();
            let with_mode = if text.contains("mode=") {
                text.to_owned()
            } else if text.contains('?') {
                format!("{text}&mode=rwc")
            } else {
                format!("{text}?mode=rwc")
            };
            (Backend::Sqlite, with_mode)
        };
        let cannot =
            |e: sqlx::Error| Error::database(format!("cannot connect to {}", url.redacted()), e);
        let (pool, writer) = match backend {
            Backend::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(16)
                    .connect(&url_text)
                    .await
                    .map_err(cannot)?;
                (pool.clone(), pool)
            }
            Backend::Sqlite => {
                // The writer first: it creates the file and switches it to WAL.
                let writer = sqlite_options(synchronous, 1)
                    .connect(&url_text)
                    .await
                    .map_err(cannot)?;
                let readers = sqlite_options(synchronous, 8)
                    .connect(&url_text)
                    .await
                    .map_err(cannot)?;
                (readers, writer)
            }
        };
        let store = Self {
            pool,
            writer,
            backend,
            clock: Clock::system(),
        };
        let migrator = match backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator
            .run(&store.writer)
            .await
            .map_err(|e| Error::database("cannot apply the migrations", e))?;
        Ok(store)
    }

    /// The same store reading time from `clock` (tests move it forward).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// The clock this store schedules by.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Now, in unix milliseconds, by this store's clock.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// The reading pool, for tests that look at rows directly.
    #[cfg(test)]
    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The backend.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Whether the database answers (`/readyz`).
    pub async fn ping(&self) -> Result<(), Error> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes the pools, waiting for connections to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
        self.writer.close().await;
    }

    /// A write transaction that no other decision runs beside, in this process or another
    /// replica: the rules read what earlier decisions recorded.
    pub(crate) async fn begin_serialized(&self) -> Result<Transaction<'static, sqlx::Any>, Error> {
        match self.backend {
            Backend::Sqlite => Ok(self.writer.begin_with("BEGIN IMMEDIATE").await?),
            Backend::Postgres => {
                let mut tx = self.writer.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock(7415924712)")
                    .execute(&mut *tx)
                    .await?;
                Ok(tx)
            }
        }
    }

    /// A plain write transaction.
    pub(crate) async fn begin(&self) -> Result<Transaction<'static, sqlx::Any>, Error> {
        match self.backend {
            Backend::Sqlite => Ok(self.writer.begin_with("BEGIN IMMEDIATE").await?),
            Backend::Postgres => Ok(self.writer.begin().await?),
        }
    }

    /// The webhook signing secrets kept in the database (by `clicktrail setup`).
    pub async fn webhook_secrets(&self) -> Result<Vec<String>, Error> {
        let rows: Vec<(String,)> = sqlx::query_as("SELECT secret FROM webhook_secrets ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(|(s,)| s).collect())
    }

    /// Keeps a webhook signing secret for `endpoint` (`we_...`).
    pub async fn add_webhook_secret(&self, endpoint: &str, secret: &str) -> Result<(), Error> {
        sqlx::query(
            "INSERT INTO webhook_secrets (endpoint, secret, created_at) VALUES ($1, $2, $3)",
        )
        .bind(endpoint)
        .bind(secret)
        .bind(self.now_ms())
        .execute(&self.writer)
        .await?;
        Ok(())
    }
}

/// A SQLite pool of at most `connections`: the pragmas on every new connection. (A plain
/// function, so that the callback's higher-ranked type stays out of `connect`'s future.)
fn sqlite_options(synchronous: Synchronous, connections: u32) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(connections)
        .after_connect(move |conn, _| {
            Box::pin(async move {
                conn.execute("PRAGMA journal_mode = WAL").await?;
                conn.execute(synchronous.pragma()).await?;
                conn.execute("PRAGMA busy_timeout = 10000").await?;
                conn.execute("PRAGMA foreign_keys = ON").await?;
                Ok(())
            })
        })
}

/// A connection inside a transaction, as the store's helpers take it.
pub(crate) type Conn = AnyConnection;
