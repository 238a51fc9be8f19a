-- clicktrail forwarder schema (SQLite). Times are unix milliseconds.

-- Every event received (webhook, backfill, reconcile), raw, once per event id.
CREATE TABLE events (
    id          TEXT PRIMARY KEY,
    type        TEXT NOT NULL,
    created     INTEGER NOT NULL,          -- the event's own `created`, unix seconds
    source      TEXT NOT NULL,             -- webhook | backfill | reconcile
    outcome     TEXT NOT NULL,             -- queued | ignored | duplicate
    received_at INTEGER NOT NULL,
    payload     TEXT NOT NULL
);

-- The outbox: one job per handled change (unique business key).
CREATE TABLE jobs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id    TEXT NOT NULL REFERENCES events (id),
    dedupe_key  TEXT NOT NULL UNIQUE,
    state       TEXT NOT NULL,             -- pending | running | retrying | done | dead
    run_at      INTEGER NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0, -- requests sent to impact.com
    failures    INTEGER NOT NULL DEFAULT 0, -- transient failures, the retry schedule's index
    request     TEXT,                      -- the decided impact.com request (JSON), once decided
    kind        TEXT,                      -- conversion | modification | reversal
    order_id    TEXT,
    tracker     TEXT,
    outcome     TEXT,                      -- why it is done or dead
    answer      TEXT,                      -- a dead letter's full answer
    lease_owner TEXT,
    lease_until INTEGER,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX jobs_due ON jobs (state, run_at);
CREATE INDEX jobs_lease ON jobs (lease_owner);

-- Every request sent to impact.com and what came back (no credentials: they travel in a header).
CREATE TABLE attempts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id      INTEGER NOT NULL REFERENCES jobs (id),
    at          INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    method      TEXT NOT NULL,
    path        TEXT NOT NULL,
    params      TEXT NOT NULL,
    status      INTEGER,
    outcome     TEXT NOT NULL,             -- queued | rejected | rate_limited | transient
    excerpt     TEXT NOT NULL
);
CREATE INDEX attempts_job ON attempts (job_id);
CREATE INDEX attempts_outcome_at ON attempts (outcome, at);

-- Knowledge (what the mapping rules read).
CREATE TABLE handled_events (
    event_id     TEXT PRIMARY KEY,
    business_key TEXT NOT NULL
);
CREATE INDEX handled_events_key ON handled_events (business_key);

CREATE TABLE click_ids (
    owner_kind TEXT NOT NULL,              -- subscription | customer
    owner_id   TEXT NOT NULL,
    click_id   TEXT NOT NULL,
    session    TEXT NOT NULL,
    PRIMARY KEY (owner_kind, owner_id)
);

-- The sent requests: one conversion per OrderId and event type (tracker), and where its action stands.
CREATE TABLE conversions (
    order_id        TEXT NOT NULL,
    tracker         TEXT NOT NULL,
    currency        TEXT NOT NULL,
    amount          INTEGER NOT NULL,
    payment_intent  TEXT,
    charge          TEXT,
    subscription    TEXT,
    current_amount  INTEGER NOT NULL,
    amount_refunded INTEGER NOT NULL,
    reversed        INTEGER NOT NULL,
    PRIMARY KEY (order_id, tracker)
);
CREATE INDEX conversions_payment_intent ON conversions (payment_intent);
CREATE INDEX conversions_charge ON conversions (charge);

CREATE TABLE trials (
    subscription TEXT PRIMARY KEY,
    state        TEXT NOT NULL
);

-- Webhook signing secrets kept by `clicktrail setup`; the verifier reads them with the configured ones.
CREATE TABLE webhook_secrets (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint   TEXT NOT NULL,
    secret     TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
