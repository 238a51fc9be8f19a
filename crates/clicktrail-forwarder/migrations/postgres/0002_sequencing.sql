-- Money-exact, order-safe delivery (postgres). Times are unix milliseconds unless said otherwise.

-- Jobs: per-order sequencing and impact.com's verdict.
--   state 'waiting': not claimable until the job named by after_job is done (delivered); then
--     'pending' (it keeps its run_at, the refund hold). Dead when that job is dead.
--   state 'confirming': sent and queued by impact.com; its submission is polled at run_at.
ALTER TABLE jobs ADD COLUMN after_job BIGINT;      -- the job that must be delivered first
ALTER TABLE jobs ADD COLUMN submission TEXT;      -- impact.com's QueuedUri of the last send
ALTER TABLE jobs ADD COLUMN polls BIGINT NOT NULL DEFAULT 0;  -- submission reads so far
ALTER TABLE jobs ADD COLUMN tries BIGINT NOT NULL DEFAULT 0;  -- times the request was handed to a sender
ALTER TABLE jobs ADD COLUMN verdict TEXT;         -- impact.com's verdict: ActionId or error reason
CREATE INDEX jobs_after ON jobs (after_job);
CREATE INDEX jobs_order ON jobs (order_id, tracker);

-- Conversions: the job that delivers each one, and the latest job that changes its action.
ALTER TABLE conversions ADD COLUMN job_id BIGINT;
ALTER TABLE conversions ADD COLUMN last_job BIGINT;

-- When a click id was learned (unix seconds): the start of click_id_max_age.
ALTER TABLE click_ids ADD COLUMN recorded_at BIGINT;

-- Payments whose event was decided: a reference (invoice, payment intent, charge, Checkout
-- Session id) and the conversion's OrderId, NULL when decided without one.
CREATE TABLE payments (
    payment_ref TEXT PRIMARY KEY,
    order_id TEXT
);

-- Refunds and disputes waiting for their payment's event to be decided.
CREATE TABLE awaiting (
    job_id BIGINT NOT NULL,
    payment_ref TEXT NOT NULL,
    PRIMARY KEY (job_id, payment_ref)
);
CREATE INDEX awaiting_ref ON awaiting (payment_ref);

-- Claiming due jobs reads these in run_at order and stops at its LIMIT, instead of sorting every
-- due job (a backlog of 10^5 jobs made each claim sort 10^5 rows).
CREATE INDEX jobs_ready ON jobs (run_at) WHERE state IN ('pending', 'retrying', 'confirming');
CREATE INDEX jobs_leased ON jobs (lease_until) WHERE state = 'running';
