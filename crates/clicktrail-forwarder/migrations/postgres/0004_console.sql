-- The operator console (issue 15), postgres: who an event is about, the click id and customer id a
-- conversion carried, and the indexes the console's listings read. Rows stored before this
-- migration keep NULL in the new columns.

-- data.object.customer (or the customer itself on customer.* events), read at intake.
ALTER TABLE events ADD COLUMN customer TEXT;
-- The ClickId and CustomerId of a decided conversion (modifications and reversals carry none).
ALTER TABLE jobs ADD COLUMN click_id TEXT;
ALTER TABLE jobs ADD COLUMN customer_id TEXT;

-- Events newest first, paged by (received_at, id) with no sort and no OFFSET; by type likewise.
CREATE INDEX events_received ON events (received_at, id);
CREATE INDEX events_type_received ON events (type, received_at, id);
CREATE INDEX events_customer ON events (customer) WHERE customer IS NOT NULL;
-- An event's job (the listing joins every row to it), and the jobs a click id or customer names.
CREATE INDEX jobs_event ON jobs (event_id);
CREATE INDEX jobs_click ON jobs (click_id) WHERE click_id IS NOT NULL;
CREATE INDEX jobs_customer ON jobs (customer_id) WHERE customer_id IS NOT NULL;
-- Sends per hour read the last hours of attempts, whatever their outcome.
CREATE INDEX attempts_at ON attempts (at);
-- An event id prefix is a range of ids in byte order, which only the "C" collation guarantees
-- (SQLite's ids compare as bytes already, through their primary key).
CREATE INDEX events_id_bytes ON events (id COLLATE "C");
