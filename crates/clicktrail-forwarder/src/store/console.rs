//! What the operator console reads: events newest first with their job and decision, filtered
//! and paged; one event with its jobs and every attempt; an order's conversion and jobs; dead
//! letters, and putting back the ones a filter selects; sends per hour; refunds on hold.
//!
//! **Paging is by keyset, never `OFFSET`.** Events are listed by `(received_at, id)`
//! descending, read down the index `events_received` (or `events_type_received` with a type);
//! a page ends at its `LIMIT`, and the next page starts strictly below the last row's
//! [`EventCursor`]. Page 500 costs what page 1 costs, rows that arrive meanwhile never shift a
//! page, and rows with the same `received_at` (every event of one intake batch has the same) are
//! told apart by their id.
//!
//! **Filters are read through their own index.** The selective ones (an order id, a click id, a
//! customer, an event id, and the dead and waiting decisions) become `e.id IN (SELECT ...)` read
//! through `jobs_order`, `jobs_click`, `events_customer`/`jobs_customer`, the primary key or
//! `jobs_due`: few rows, sorted. The broad ones (type, dates, sent, skipped, ignored) narrow the
//! walk down the ordered index, which stops as soon as the page is full. An event id prefix is
//! either, by how many ids it matches (a cheap bounded count decides).
//!
//! Every event has at most one job (intake creates it with the event, and a later event for the
//! same change gets none), so the listing joins `jobs` by `event_id` one row per event.
//!
//! The same SQL runs on both stores, except the event id prefix, which is a range in byte order:
//! SQLite's primary key compares bytes; PostgreSQL compares `id COLLATE "C"`
//! (index `events_id_bytes`), whatever the database's collation.

use std::fmt;

use clicktrail_impact::ImpactRequest;
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, Row};

use super::events::numbered;
use super::jobs::{JOB_ROW_COLUMNS, requeue};
use super::{Backend, JobRow, Store};
use crate::Error;

/// The most rows [`Store::console_events`] returns in one page.
pub const MAX_PAGE: u32 = 500;

/// The most hours [`Store::sends_per_hour`] reads back (a year).
pub const MAX_HOURS: u32 = 24 * 366;

/// An event id prefix matching at most this many events is read through the id index and
/// sorted; one matching more is checked on the walk down `events_received`, where its matches
/// come soon.
const NARROW_PREFIX: i64 = 1_000;

/// One hour, in milliseconds.
const HOUR_MS: i64 = 3_600_000;

/// A value the console was given that it cannot use: a malformed page cursor or filter value.
/// The message names the field and what is expected, and is safe to show.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct InputError {
    /// The query-string key (`after`, `since`, `decision`, ...).
    pub field: &'static str,
    /// What is wrong, and what is expected.
    pub problem: String,
}

impl InputError {
    fn new(field: &'static str, problem: impl Into<String>) -> Self {
        Self {
            field,
            problem: problem.into(),
        }
    }
}

/// What became of an event, in five kinds: every event is in exactly one, decided from its job
/// in this order.
///
/// | kind | the event's job |
/// |---|---|
/// | `ignored` | none: its type is not handled (event outcome `ignored`), or another event already has the job for the same change (`duplicate`) |
/// | `dead` | a dead letter (state `dead`), decided or not |
/// | `skipped` | `done` without a request: the rules skipped it (outcome `skipped: ...`); or `done` as `superseded by job N` (a newer state of its order was sent instead) |
/// | `waiting` | not decided yet (no request, not done: a click-id wait, a refund awaiting its payment, a look-up being retried), or decided and held (`pending` until its `run_at`, `waiting` for the job before it) |
/// | `sent` | decided to send, and handed to impact.com: `running`, `confirming`, `retrying` after a failure, or `done` as delivered |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DecisionFilter {
    /// Decided to send and handed to impact.com (delivered, being sent, confirmed or retried).
    Sent,
    /// Not sent, for good: skipped by the rules, or superseded by a newer state of its order.
    Skipped,
    /// Not decided yet, or decided and held.
    Waiting,
    /// A dead letter.
    Dead,
    /// No job: a type the rules do not handle, or a duplicate change.
    Ignored,
}

/// The [`DecisionFilter`] of a row of `events e LEFT JOIN jobs j`, in SQL (its table's rules,
/// in order).
const DECISION: &str = "CASE WHEN j.id IS NULL THEN 'ignored' \
     WHEN j.state = 'dead' THEN 'dead' \
     WHEN j.state = 'done' AND (j.kind IS NULL OR j.outcome LIKE 'superseded%') THEN 'skipped' \
     WHEN j.kind IS NULL OR j.state IN ('pending', 'waiting') THEN 'waiting' \
     ELSE 'sent' END";

impl DecisionFilter {
    /// Every kind, in display order.
    pub const ALL: [Self; 5] = [
        Self::Sent,
        Self::Skipped,
        Self::Waiting,
        Self::Dead,
        Self::Ignored,
    ];

    /// `sent`, `skipped`, `waiting`, `dead` or `ignored`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::Skipped => "skipped",
            Self::Waiting => "waiting",
            Self::Dead => "dead",
            Self::Ignored => "ignored",
        }
    }

    /// Parses a name as [`DecisionFilter::as_str`] writes it.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == text)
    }
}

impl fmt::Display for DecisionFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How an event id is matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdMatch {
    /// This id.
    Exact(String),
    /// Every id starting with this text (case-sensitive, as Stripe's ids are).
    Prefix(String),
}

/// Which events to list. Every field narrows; none set lists every event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    /// The event type (`invoice.paid`).
    pub event_type: Option<String>,
    /// What became of the event.
    pub decision: Option<DecisionFilter>,
    /// The `OrderId` of the event's job (set once decided to send).
    pub order_id: Option<String>,
    /// The `ClickId` the event's job sent (a conversion decided after migration 0004).
    pub click_id: Option<String>,
    /// A Stripe customer id: the customer the event is about (read at intake since migration
    /// 0004), or the `CustomerId` its conversion sent.
    pub customer: Option<String>,
    /// The event id, exact or a prefix.
    pub event_id: Option<IdMatch>,
    /// Received at or after, unix ms.
    pub since: Option<i64>,
    /// Received before, unix ms (excluded: `since..until` is half-open).
    pub until: Option<i64>,
}

impl EventFilter {
    /// Reads a filter from query-string pairs (already percent-decoded), as the console's form
    /// sends them: `type`, `decision` (see [`DecisionFilter::parse`]), `order`, `click`,
    /// `customer`, `event` (a trailing `*` makes it a prefix: `evt_1Qb*`), `since` and `until`
    /// (see [`parse_time`]). Values are trimmed; an empty value is no filter; other keys (a
    /// page cursor, a limit) are left to the caller.
    pub fn from_query<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, InputError> {
        let mut filter = Self::default();
        for (key, value) in pairs {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            let text = || Some(value.to_owned());
            match key {
                "type" => filter.event_type = text(),
                "decision" => {
                    filter.decision = Some(DecisionFilter::parse(value).ok_or_else(|| {
                        InputError::new(
                            "decision",
                            format!(
                                "{value:?} is not one of {}",
                                DecisionFilter::ALL.map(DecisionFilter::as_str).join(", ")
                            ),
                        )
                    })?);
                }
                "order" => filter.order_id = text(),
                "click" => filter.click_id = text(),
                "customer" => filter.customer = text(),
                "event" => {
                    filter.event_id = Some(match value.strip_suffix('*') {
                        Some(prefix) => IdMatch::Prefix(prefix.to_owned()),
                        None => IdMatch::Exact(value.to_owned()),
                    });
                }
                "since" => filter.since = Some(parse_time("since", value)?),
                "until" => filter.until = Some(parse_time("until", value)?),
                _ => {}
            }
        }
        Ok(filter)
    }

    /// The filter as query-string pairs that [`EventFilter::from_query`] reads back (times as
    /// unix ms), for the links of the next page.
    pub fn to_query(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        let mut push = |key, value: Option<String>| {
            if let Some(value) = value {
                pairs.push((key, value));
            }
        };
        push("type", self.event_type.clone());
        push("decision", self.decision.map(|d| d.as_str().to_owned()));
        push("order", self.order_id.clone());
        push("click", self.click_id.clone());
        push("customer", self.customer.clone());
        push(
            "event",
            self.event_id.as_ref().map(|m| match m {
                IdMatch::Exact(id) => id.clone(),
                IdMatch::Prefix(prefix) => format!("{prefix}*"),
            }),
        );
        push("since", self.since.map(|t| t.to_string()));
        push("until", self.until.map(|t| t.to_string()));
        pairs
    }
}

/// A time as the console's form gives it, in unix ms: unix milliseconds (`1767225600000`), a
/// UTC date (`2026-01-01`, its midnight), a UTC date and time as an HTML `datetime-local` field
/// sends it (`2026-01-01T09:30`, seconds optional) or RFC 3339 (`2026-01-01T09:30:00+01:00`).
/// `field` names the value in the error.
pub fn parse_time(field: &'static str, text: &str) -> Result<i64, InputError> {
    use time::format_description::well_known::Rfc3339;
    use time::macros::format_description;
    use time::{Date, OffsetDateTime, PrimitiveDateTime};

    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text
            .parse::<i64>()
            .map_err(|_| InputError::new(field, format!("{text} is too large")));
    }
    let at = if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        t
    } else if let Ok(t) = PrimitiveDateTime::parse(
        text,
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]"),
    ) {
        t.assume_utc()
    } else if let Ok(t) = PrimitiveDateTime::parse(
        text,
        format_description!("[year]-[month]-[day]T[hour]:[minute]"),
    ) {
        t.assume_utc()
    } else if let Ok(d) = Date::parse(text, format_description!("[year]-[month]-[day]")) {
        d.midnight().assume_utc()
    } else {
        return Err(InputError::new(
            field,
            format!(
                "{:?} is not a time: give unix milliseconds, YYYY-MM-DD, YYYY-MM-DDTHH:MM (UTC) or RFC 3339",
                clip(text)
            ),
        ));
    };
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000)
        .map_err(|_| InputError::new(field, format!("{text} is out of range")))
}

/// Where a page of events ends: the last row's `(received_at, id)`. The next page starts
/// strictly after it, in the listing's order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EventCursor {
    /// The row's `received_at`, unix ms.
    pub received_at: i64,
    /// The row's event id.
    pub id: String,
}

impl EventCursor {
    /// The cursor as a query-string value: `RECEIVED_AT.EVENT_ID` (`1767225600000.evt_1Qb`),
    /// readable, and URL-safe whenever the id is (Stripe's are).
    pub fn to_token(&self) -> String {
        format!("{}.{}", self.received_at, self.id)
    }

    /// Reads a token [`EventCursor::to_token`] wrote; anything else is an [`InputError`] for
    /// the `after` field saying what is expected.
    pub fn parse(token: &str) -> Result<Self, InputError> {
        let bad = |why: &str| {
            InputError::new(
                "after",
                format!(
                    "{:?} is not a page cursor ({why}): expected RECEIVED_AT.EVENT_ID, as a page's next link carries",
                    clip(token)
                ),
            )
        };
        let (at, id) = token.split_once('.').ok_or_else(|| bad("no `.`"))?;
        if at.is_empty() || !at.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("RECEIVED_AT is not unix milliseconds"));
        }
        let received_at = at
            .parse::<i64>()
            .map_err(|_| bad("RECEIVED_AT is too large"))?;
        if id.is_empty() || id.len() > 255 || id.chars().any(|c| c.is_control() || c == ' ') {
            return Err(bad("EVENT_ID is empty, too long or holds spaces"));
        }
        Ok(Self {
            received_at,
            id: id.to_owned(),
        })
    }
}

/// One event in the console's listing, with its job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow {
    /// The event id.
    pub id: String,
    /// The event type.
    pub event_type: String,
    /// When it was stored, unix ms.
    pub received_at: i64,
    /// `webhook`, `backfill` or `reconcile`.
    pub source: String,
    /// What intake did: `queued`, `ignored` or `duplicate`.
    pub outcome: String,
    /// Its job, if it has one.
    pub job: Option<i64>,
    /// The job's state.
    pub state: Option<String>,
    /// `conversion`, `modification` or `reversal`, once decided to send.
    pub kind: Option<String>,
    /// The `OrderId`, once decided to send.
    pub order_id: Option<String>,
    /// The kind of what became of it.
    pub decision: DecisionFilter,
    /// What became of it, on one line: the job's outcome (`delivered: ...`, `skipped: ...`,
    /// `held until run_at`, the dead letter's reason), else its kind, else why it has no job.
    pub decision_text: String,
    /// The `ClickId` its conversion sent.
    pub click_id: Option<String>,
    /// The customer it is about (read at intake), else its conversion's `CustomerId`.
    pub customer: Option<String>,
}

impl EventRow {
    /// The cursor of this row: the page that follows it starts after it.
    pub fn cursor(&self) -> EventCursor {
        EventCursor {
            received_at: self.received_at,
            id: self.id.clone(),
        }
    }
}

/// A page of [`Store::console_events`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventPage {
    /// The rows, newest first.
    pub rows: Vec<EventRow>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<EventCursor>,
}

/// One event with everything the forwarder did about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventDetail {
    /// The event id.
    pub id: String,
    /// The event type.
    pub event_type: String,
    /// The event's own `created`, unix seconds.
    pub created: i64,
    /// When it was stored, unix ms.
    pub received_at: i64,
    /// `webhook`, `backfill` or `reconcile`.
    pub source: String,
    /// `queued`, `ignored` or `duplicate`.
    pub outcome: String,
    /// The customer it is about, read at intake.
    pub customer: Option<String>,
    /// The raw JSON, exactly as received.
    pub payload: String,
    /// Its job (intake creates at most one), with its attempts.
    pub jobs: Vec<JobDetail>,
}

/// A job with its decision, its state and every attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobDetail {
    /// The job id.
    pub id: i64,
    /// Its state.
    pub state: String,
    /// `conversion`, `modification` or `reversal`, once decided to send.
    pub kind: Option<String>,
    /// The `OrderId`, once decided to send.
    pub order_id: Option<String>,
    /// The event type (tracker) of the action.
    pub tracker: Option<String>,
    /// When it runs next (or ran last), unix ms.
    pub run_at: i64,
    /// Requests sent to impact.com.
    pub attempts: i64,
    /// Times the request was handed to a sender.
    pub tries: i64,
    /// Transient failures so far.
    pub failures: i64,
    /// Reads of impact.com's verdict.
    pub polls: i64,
    /// Why it is where it is (done, held, waiting, retrying, dead).
    pub outcome: Option<String>,
    /// What the decision to send noted.
    pub note: Option<String>,
    /// impact.com's verdict, once read.
    pub verdict: Option<String>,
    /// A dead letter's full answer.
    pub answer: Option<String>,
    /// The decided request, as stored (JSON).
    pub request: Option<String>,
    /// The job that must be delivered first.
    pub after_job: Option<i64>,
    /// The `ClickId` its conversion sent.
    pub click_id: Option<String>,
    /// The `CustomerId` its conversion sent.
    pub customer_id: Option<String>,
    /// Created, unix ms.
    pub created_at: i64,
    /// Last changed, unix ms.
    pub updated_at: i64,
    /// Every attempt, oldest first.
    pub history: Vec<AttemptRow>,
}

/// One request sent to impact.com and what came back. No credentials: they travel in the
/// `Authorization` header, which is not stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRow {
    /// The attempt id.
    pub id: i64,
    /// When it started, unix ms.
    pub at: i64,
    /// How long it took.
    pub duration_ms: i64,
    /// `POST`, `PUT` or `DELETE`.
    pub method: String,
    /// The path (it names the account SID, not its token).
    pub path: String,
    /// The form parameters, as a JSON object.
    pub params: String,
    /// The HTTP status, when an answer came.
    pub status: Option<i64>,
    /// `queued`, `rejected`, `rate_limited` or `transient`.
    pub outcome: String,
    /// A bounded excerpt of the answer, or the transport error.
    pub excerpt: String,
}

/// What the forwarder sent about one `OrderId`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderHistory {
    /// The `OrderId`.
    pub order_id: String,
    /// Its conversion, one per event type (tracker); none when no conversion was sent.
    pub conversions: Vec<ConversionRow>,
    /// Every job decided for it, in job order: the conversion, then each change.
    pub jobs: Vec<OrderJob>,
}

/// A conversion the forwarder sent, and where its action stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversionRow {
    /// The event type (tracker).
    pub tracker: String,
    /// The currency's ISO code, as sent (`USD`).
    pub currency: String,
    /// The amount credited, minor units.
    pub amount: i64,
    /// The action's amount now, after refunds, minor units.
    pub current_amount: i64,
    /// Refunded so far, minor units.
    pub amount_refunded: i64,
    /// Whether the action was reversed.
    pub reversed: bool,
    /// The payment's payment intent, when known.
    pub payment_intent: Option<String>,
    /// The payment's charge, when known.
    pub charge: Option<String>,
    /// The subscription, when known.
    pub subscription: Option<String>,
    /// The job that delivers the conversion.
    pub job_id: Option<i64>,
    /// The latest job that changes the action.
    pub last_job: Option<i64>,
}

/// A job of an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderJob {
    /// The job id.
    pub id: i64,
    /// Its event.
    pub event_id: String,
    /// The event's type.
    pub event_type: String,
    /// `conversion`, `modification` or `reversal`.
    pub kind: Option<String>,
    /// Its state.
    pub state: String,
    /// When it runs next (or ran last), unix ms.
    pub run_at: i64,
    /// Why it is where it is.
    pub outcome: Option<String>,
    /// The amount the request carries, as sent: a modification's `Amount`, a conversion's sale
    /// amount (its items less its discount); `None` for a reversal.
    pub amount: Option<String>,
    /// The job that must be delivered first.
    pub after_job: Option<i64>,
}

/// Requests sent in one hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HourSends {
    /// The hour's start, unix ms (a multiple of 3,600,000).
    pub hour: i64,
    /// Accepted by impact.com (attempt outcome `queued`).
    pub delivered: i64,
    /// Any other outcome: rejected, rate limited, transient failures.
    pub failed: i64,
}

/// Refunds and disputes held before they are sent (`refund_delay`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeldRefunds {
    /// How many are held.
    pub total: i64,
    /// The soonest due, soonest first.
    pub jobs: Vec<HeldRefund>,
}

/// A held modification or reversal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldRefund {
    /// The job id.
    pub job: i64,
    /// `modification` or `reversal`.
    pub kind: String,
    /// The `OrderId`.
    pub order_id: String,
    /// When it is due, unix ms.
    pub run_at: i64,
    /// Its event.
    pub event_id: String,
}

/// A parameter of a statement built at run time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Param {
    Int(i64),
    Text(String),
}

/// Binds `params`, in order.
pub(super) fn bind_params<'q>(
    mut query: Query<'q, Any, AnyArguments>,
    params: &[Param],
) -> Query<'q, Any, AnyArguments> {
    for param in params {
        query = match param {
            Param::Int(v) => query.bind(*v),
            Param::Text(v) => query.bind(v.clone()),
        };
    }
    query
}

/// Conditions joined by `AND`, with their parameters numbered from `first`.
#[derive(Debug)]
struct Conditions {
    first: usize,
    terms: Vec<String>,
    params: Vec<Param>,
    /// Whether a term names few events through its own index (`e.id IN (SELECT ...)`, an exact
    /// id): those are read, then sorted.
    selective: bool,
}

impl Conditions {
    fn starting_at(first: usize) -> Self {
        Self {
            first,
            terms: Vec::new(),
            params: Vec::new(),
            selective: false,
        }
    }

    /// Adds a parameter; returns its placeholder.
    fn param(&mut self, param: Param) -> String {
        self.params.push(param);
        format!("${}", self.first + self.params.len() - 1)
    }

    fn text(&mut self, value: &str) -> String {
        self.param(Param::Text(value.to_owned()))
    }

    fn push(&mut self, term: String) {
        self.terms.push(term);
    }

    /// Adds a term that names few events through its own index.
    fn lead(&mut self, term: String) {
        self.selective = true;
        self.terms.push(term);
    }

    /// The `WHERE` clause's body.
    fn sql(&self) -> String {
        if self.terms.is_empty() {
            "1 = 1".to_owned()
        } else {
            self.terms.join(" AND ")
        }
    }
}

/// How an event id prefix is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prefix {
    /// Through the id index, then sorted: few matches.
    Narrow,
    /// On the walk down the received order: many matches.
    Broad,
}

/// The ids that start with `prefix`, as a range in byte (= code point) order: `[prefix, upper)`
/// where `upper` is `prefix` with its last character incremented (characters that cannot be
/// incremented dropped first); no upper bound when none is left.
fn prefix_upper(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = match last {
            '\u{D7FF}' => Some('\u{E000}'),
            c => char::from_u32(u32::from(c) + 1),
        };
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// `column` in `[prefix, upper)` in byte order, on `backend`.
fn prefix_range(
    backend: Backend,
    column: &str,
    prefix: &str,
    conditions: &mut Conditions,
) -> String {
    let column = match backend {
        Backend::Sqlite => column.to_owned(),
        Backend::Postgres => format!("{column} COLLATE \"C\""),
    };
    let low = conditions.text(prefix);
    match prefix_upper(prefix) {
        Some(upper) => {
            let high = conditions.text(&upper);
            format!("{column} >= {low} AND {column} < {high}")
        }
        None => format!("{column} >= {low}"),
    }
}

/// The filter's conditions on `e` (events) and `j` (its job).
fn filter_conditions(
    filter: &EventFilter,
    backend: Backend,
    prefix: Prefix,
    conditions: &mut Conditions,
) {
    if let Some(event_type) = &filter.event_type {
        let p = conditions.text(event_type);
        conditions.push(format!("e.type = {p}"));
    }
    if let Some(decision) = filter.decision {
        let p = conditions.text(decision.as_str());
        conditions.push(format!("({DECISION}) = {p}"));
        // The two kinds that are few in a healthy store are found from their jobs' states.
        match decision {
            DecisionFilter::Dead => conditions
                .lead("e.id IN (SELECT event_id FROM jobs WHERE state = 'dead')".to_owned()),
            DecisionFilter::Waiting => conditions.lead(
                "e.id IN (SELECT event_id FROM jobs \
                 WHERE state IN ('pending', 'waiting', 'running', 'confirming', 'retrying'))"
                    .to_owned(),
            ),
            DecisionFilter::Sent | DecisionFilter::Skipped | DecisionFilter::Ignored => {}
        }
    }
    if let Some(order_id) = &filter.order_id {
        let p = conditions.text(order_id);
        conditions.lead(format!(
            "e.id IN (SELECT event_id FROM jobs WHERE order_id = {p})"
        ));
    }
    if let Some(click_id) = &filter.click_id {
        let p = conditions.text(click_id);
        conditions.lead(format!(
            "e.id IN (SELECT event_id FROM jobs WHERE click_id = {p})"
        ));
    }
    if let Some(customer) = &filter.customer {
        let p = conditions.text(customer);
        conditions.lead(format!(
            "e.id IN (SELECT id FROM events WHERE customer = {p} \
             UNION SELECT event_id FROM jobs WHERE customer_id = {p})"
        ));
    }
    match &filter.event_id {
        Some(IdMatch::Exact(id)) => {
            let p = conditions.text(id);
            conditions.lead(format!("e.id = {p}"));
        }
        Some(IdMatch::Prefix(text)) if !text.is_empty() => {
            match prefix {
                Prefix::Narrow => {
                    // The LIMIT tells PostgreSQL's planner how few rows come (it guesses 1 %
                    // of the table for a range, and then hash-joins a full scan). At most
                    // NARROW_PREFIX matched a moment ago; twice that can only be cut short if a
                    // thousand events with this prefix arrived meanwhile.
                    let range = prefix_range(backend, "id", text, conditions);
                    conditions.lead(format!(
                        "e.id IN (SELECT id FROM events WHERE {range} LIMIT {})",
                        2 * NARROW_PREFIX
                    ));
                }
                Prefix::Broad => {
                    let range = prefix_range(backend, "e.id", text, conditions);
                    conditions.push(range);
                }
            }
        }
        Some(IdMatch::Prefix(_)) | None => {}
    }
    if let Some(since) = filter.since {
        let p = conditions.param(Param::Int(since));
        conditions.push(format!("e.received_at >= {p}"));
    }
    if let Some(until) = filter.until {
        let p = conditions.param(Param::Int(until));
        conditions.push(format!("e.received_at < {p}"));
    }
}

/// The one-line decision of a listed event.
fn decision_text(
    event_outcome: &str,
    job: Option<i64>,
    kind: Option<&str>,
    job_outcome: Option<&str>,
) -> String {
    match (job, job_outcome, kind) {
        (Some(_), Some(outcome), _) => outcome.to_owned(),
        (Some(_), None, Some(kind)) => kind.to_owned(),
        (Some(_), None, None) => "not decided yet".to_owned(),
        (None, ..) if event_outcome == "duplicate" => {
            "duplicate: another event already has this change's job".to_owned()
        }
        (None, ..) => "ignored: the rules do not handle this event type".to_owned(),
    }
}

/// Shortens what an error quotes back.
fn clip(text: &str) -> String {
    const MAX: usize = 64;
    match text.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}...", &text[..end]),
        None => text.to_owned(),
    }
}

impl Store {
    /// A page of events, newest first (`received_at`, then id, descending), with their job and
    /// decision: at most `limit` rows (1 to [`MAX_PAGE`]) after `after` (the previous page's
    /// [`EventPage::next`]), matching `filter`. Keyset paging: see the module's documentation.
    pub async fn console_events(
        &self,
        filter: &EventFilter,
        after: Option<&EventCursor>,
        limit: u32,
    ) -> Result<EventPage, Error> {
        let limit = limit.clamp(1, MAX_PAGE);
        let prefix = match &filter.event_id {
            Some(IdMatch::Prefix(text)) if !text.is_empty() => self.prefix_reach(text).await?,
            _ => Prefix::Broad,
        };
        let mut conditions = Conditions::starting_at(1);
        filter_conditions(filter, self.backend, prefix, &mut conditions);
        if let Some(after) = after {
            let at = conditions.param(Param::Int(after.received_at));
            let id = conditions.text(&after.id);
            conditions.push(format!("(e.received_at, e.id) < ({at}, {id})"));
        }
        // One row more than the page: whether there is a next page.
        let fetch = conditions.param(Param::Int(i64::from(limit) + 1));
        // With a selective term, `+ 0` keeps the planner from walking `events_received` for the
        // order and probing each row (PostgreSQL guesses a range matches 1 % of the rows, and
        // walked 10^6 events for a prefix matching 100): the few rows are read, then sorted.
        let order = if conditions.selective {
            "e.received_at + 0 DESC, e.id DESC"
        } else {
            "e.received_at DESC, e.id DESC"
        };
        let sql = format!(
            "SELECT e.id, e.type, e.received_at, e.source, e.outcome, e.customer, j.id, j.state, \
             j.kind, j.order_id, j.outcome, j.click_id, j.customer_id, {DECISION} \
             FROM events e LEFT JOIN jobs j ON j.event_id = e.id WHERE {} \
             ORDER BY {order} LIMIT {fetch}",
            conditions.sql()
        );
        let rows = bind_params(sqlx::query(sqlx::AssertSqlSafe(sql)), &conditions.params)
            .fetch_all(&self.pool)
            .await?;
        let mut page = EventPage::default();
        for r in &rows {
            let outcome: String = r.try_get(4)?;
            let job: Option<i64> = r.try_get(6)?;
            let kind: Option<String> = r.try_get(8)?;
            let job_outcome: Option<String> = r.try_get(10)?;
            let decision: String = r.try_get(13)?;
            let customer: Option<String> = r.try_get(5)?;
            let customer_id: Option<String> = r.try_get(12)?;
            page.rows.push(EventRow {
                id: r.try_get(0)?,
                event_type: r.try_get(1)?,
                received_at: r.try_get(2)?,
                source: r.try_get(3)?,
                decision_text: decision_text(
                    &outcome,
                    job,
                    kind.as_deref(),
                    job_outcome.as_deref(),
                ),
                outcome,
                job,
                state: r.try_get(7)?,
                kind,
                order_id: r.try_get(9)?,
                decision: DecisionFilter::parse(&decision).ok_or_else(|| Error::Corrupt {
                    context: format!("the decision {decision:?} of a listed event"),
                    source: None,
                })?,
                click_id: r.try_get(11)?,
                customer: customer.or(customer_id),
            });
        }
        if page.rows.len() > limit as usize {
            page.rows.truncate(limit as usize);
            page.next = page.rows.last().map(EventRow::cursor);
        }
        Ok(page)
    }

    /// Whether an event id prefix matches few events (then read through the id index) or many
    /// (then checked while walking the received order, where matches come soon): a count that
    /// stops after [`NARROW_PREFIX`] + 1 index entries.
    async fn prefix_reach(&self, prefix: &str) -> Result<Prefix, Error> {
        let mut conditions = Conditions::starting_at(1);
        let range = prefix_range(self.backend, "id", prefix, &mut conditions);
        let stop = conditions.param(Param::Int(NARROW_PREFIX + 1));
        let sql =
            format!("SELECT COUNT(*) FROM (SELECT 1 FROM events WHERE {range} LIMIT {stop}) n");
        let row = bind_params(sqlx::query(sqlx::AssertSqlSafe(sql)), &conditions.params)
            .fetch_one(&self.pool)
            .await?;
        let matches: i64 = row.try_get(0)?;
        Ok(if matches > NARROW_PREFIX {
            Prefix::Broad
        } else {
            Prefix::Narrow
        })
    }

    /// One event: its raw payload, its job with the decided request, and every attempt, oldest
    /// first. `None` when no event has this id.
    pub async fn console_event(&self, id: &str) -> Result<Option<EventDetail>, Error> {
        let Some(e) = sqlx::query(
            "SELECT id, type, created, received_at, source, outcome, customer, payload \
             FROM events WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let job_rows = sqlx::query(
            "SELECT id, state, kind, order_id, tracker, run_at, attempts, tries, failures, polls, \
             outcome, note, verdict, answer, request, after_job, click_id, customer_id, \
             created_at, updated_at FROM jobs WHERE event_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let mut jobs = job_rows
            .iter()
            .map(|r| {
                Ok(JobDetail {
                    id: r.try_get(0)?,
                    state: r.try_get(1)?,
                    kind: r.try_get(2)?,
                    order_id: r.try_get(3)?,
                    tracker: r.try_get(4)?,
                    run_at: r.try_get(5)?,
                    attempts: r.try_get(6)?,
                    tries: r.try_get(7)?,
                    failures: r.try_get(8)?,
                    polls: r.try_get(9)?,
                    outcome: r.try_get(10)?,
                    note: r.try_get(11)?,
                    verdict: r.try_get(12)?,
                    answer: r.try_get(13)?,
                    request: r.try_get(14)?,
                    after_job: r.try_get(15)?,
                    click_id: r.try_get(16)?,
                    customer_id: r.try_get(17)?,
                    created_at: r.try_get(18)?,
                    updated_at: r.try_get(19)?,
                    history: Vec::new(),
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        if !jobs.is_empty() {
            let sql = format!(
                "SELECT id, job_id, at, duration_ms, method, path, params, status, outcome, excerpt \
                 FROM attempts WHERE job_id IN ({}) ORDER BY job_id, id",
                numbered(1, jobs.len())
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for job in &jobs {
                query = query.bind(job.id);
            }
            for r in query.fetch_all(&self.pool).await? {
                let job_id: i64 = r.try_get(1)?;
                let attempt = AttemptRow {
                    id: r.try_get(0)?,
                    at: r.try_get(2)?,
                    duration_ms: r.try_get(3)?,
                    method: r.try_get(4)?,
                    path: r.try_get(5)?,
                    params: r.try_get(6)?,
                    status: r.try_get(7)?,
                    outcome: r.try_get(8)?,
                    excerpt: r.try_get(9)?,
                };
                if let Some(job) = jobs.iter_mut().find(|j| j.id == job_id) {
                    job.history.push(attempt);
                }
            }
        }
        Ok(Some(EventDetail {
            id: e.try_get(0)?,
            event_type: e.try_get(1)?,
            created: e.try_get(2)?,
            received_at: e.try_get(3)?,
            source: e.try_get(4)?,
            outcome: e.try_get(5)?,
            customer: e.try_get(6)?,
            payload: e.try_get(7)?,
            jobs,
        }))
    }

    /// What was sent about `order_id`: its conversion row(s) (one per tracker) and every job
    /// decided for it, in job order (the conversion, then its modifications and reversal), each
    /// with the amount its request carries.
    pub async fn order_history(&self, order_id: &str) -> Result<OrderHistory, Error> {
        let conversions = sqlx::query(
            "SELECT tracker, currency, amount, current_amount, amount_refunded, reversed, \
             payment_intent, charge, subscription, job_id, last_job \
             FROM conversions WHERE order_id = $1 ORDER BY tracker",
        )
        .bind(order_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(ConversionRow {
                tracker: r.try_get(0)?,
                currency: r.try_get(1)?,
                amount: r.try_get(2)?,
                current_amount: r.try_get(3)?,
                amount_refunded: r.try_get(4)?,
                reversed: r.try_get::<i64, _>(5)? != 0,
                payment_intent: r.try_get(6)?,
                charge: r.try_get(7)?,
                subscription: r.try_get(8)?,
                job_id: r.try_get(9)?,
                last_job: r.try_get(10)?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
        let rows = sqlx::query(
            "SELECT j.id, j.event_id, e.type, j.kind, j.state, j.run_at, j.outcome, j.request, \
             j.after_job FROM jobs j JOIN events e ON e.id = j.event_id \
             WHERE j.order_id = $1 ORDER BY j.id",
        )
        .bind(order_id)
        .fetch_all(&self.pool)
        .await?;
        let mut jobs = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: i64 = r.try_get(0)?;
            let request: Option<String> = r.try_get(7)?;
            jobs.push(OrderJob {
                id,
                event_id: r.try_get(1)?,
                event_type: r.try_get(2)?,
                kind: r.try_get(3)?,
                state: r.try_get(4)?,
                run_at: r.try_get(5)?,
                outcome: r.try_get(6)?,
                amount: request_amount(id, request.as_deref())?,
                after_job: r.try_get(8)?,
            });
        }
        Ok(OrderHistory {
            order_id: order_id.to_owned(),
            conversions,
            jobs,
        })
    }

    /// Dead letters whose event matches `filter`, newest job first, at most `limit`: each with
    /// its reason (`outcome`) and impact.com's last answer (`answer`).
    pub async fn dead_letters(
        &self,
        filter: &EventFilter,
        limit: u32,
    ) -> Result<Vec<JobRow>, Error> {
        let mut conditions = Conditions::starting_at(1);
        conditions.push("j.state = 'dead'".to_owned());
        filter_conditions(filter, self.backend, Prefix::Broad, &mut conditions);
        let fetch = conditions.param(Param::Int(i64::from(limit.clamp(1, MAX_PAGE))));
        let sql = format!(
            "SELECT {JOB_ROW_COLUMNS} FROM jobs j JOIN events e ON e.id = j.event_id \
             WHERE {} ORDER BY j.id DESC LIMIT {fetch}",
            conditions.sql()
        );
        let rows = bind_params(sqlx::query(sqlx::AssertSqlSafe(sql)), &conditions.params)
            .fetch_all(&self.pool)
            .await?;
        JobRow::read_all(&rows)
    }

    /// Puts back in the queue every dead letter whose event matches `filter`, as
    /// [`Store::retry_job`] puts back one (the same statement): now, with a fresh retry
    /// schedule, waiting again when the job it follows is not delivered yet, and the jobs that
    /// died waiting for it waiting for it again. Returns how many dead letters were put back.
    pub async fn retry_filtered(&self, filter: &EventFilter) -> Result<u64, Error> {
        // `requeue` numbers its own `$1`; the filter's parameters follow.
        let mut conditions = Conditions::starting_at(2);
        filter_conditions(filter, self.backend, Prefix::Broad, &mut conditions);
        let which = format!(
            "state = 'dead' AND id IN (SELECT j.id FROM jobs j JOIN events e ON e.id = j.event_id \
             WHERE j.state = 'dead' AND {})",
            conditions.sql()
        );
        let mut tx = self.begin().await?;
        let requeued = requeue(&mut tx, &which, &conditions.params, self.now_ms()).await?;
        tx.commit().await?;
        Ok(requeued.len() as u64)
    }

    /// Requests sent in each of the last `hours` hours (at most [`MAX_HOURS`]), the current one
    /// included, oldest first; an hour without any is there with zeros.
    pub async fn sends_per_hour(&self, hours: u32) -> Result<Vec<HourSends>, Error> {
        let hours = i64::from(hours.min(MAX_HOURS));
        if hours == 0 {
            return Ok(Vec::new());
        }
        let now = self.now_ms();
        let current = now - now.rem_euclid(HOUR_MS);
        let first = current - (hours - 1) * HOUR_MS;
        let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT at / 3600000, COUNT(CASE WHEN outcome = 'queued' THEN 1 END), \
             COUNT(CASE WHEN outcome <> 'queued' THEN 1 END) \
             FROM attempts WHERE at >= $1 AND at < $2 GROUP BY at / 3600000",
        )
        .bind(first)
        .bind(current + HOUR_MS)
        .fetch_all(&self.pool)
        .await?;
        Ok((0..hours)
            .map(|n| {
                let hour = first + n * HOUR_MS;
                let (delivered, failed) = rows
                    .iter()
                    .find(|(h, ..)| h * HOUR_MS == hour)
                    .map_or((0, 0), |(_, d, f)| (*d, *f));
                HourSends {
                    hour,
                    delivered,
                    failed,
                }
            })
            .collect())
    }

    /// Modifications and reversals held until a later `run_at` (the refund hold): how many, and
    /// the `limit` soonest due, soonest first.
    pub async fn held_refunds(&self, limit: u32) -> Result<HeldRefunds, Error> {
        const HELD: &str =
            "state = 'pending' AND run_at > $1 AND kind IN ('modification', 'reversal')";
        let now = self.now_ms();
        let (total,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM jobs WHERE {HELD}"
        )))
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        let jobs: Vec<(i64, String, String, i64, String)> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT id, kind, order_id, run_at, event_id FROM jobs WHERE {HELD} \
                 ORDER BY run_at, id LIMIT $2"
            )))
            .bind(now)
            .bind(i64::from(limit.clamp(1, MAX_PAGE)))
            .fetch_all(&self.pool)
            .await?;
        Ok(HeldRefunds {
            total,
            jobs: jobs
                .into_iter()
                .map(|(job, kind, order_id, run_at, event_id)| HeldRefund {
                    job,
                    kind,
                    order_id,
                    run_at,
                    event_id,
                })
                .collect(),
        })
    }
}

/// The amount job `id`'s stored request carries (see [`OrderJob::amount`]).
fn request_amount(id: i64, request: Option<&str>) -> Result<Option<String>, Error> {
    let Some(json) = request else {
        return Ok(None);
    };
    let request: ImpactRequest = serde_json::from_str(json)
        .map_err(|e| Error::corrupt(format!("job {id}: stored request"), e))?;
    Ok(match &request {
        ImpactRequest::Conversion(c) => Some(
            c.sale_amount()
                .map_err(|e| Error::corrupt(format!("job {id}: the conversion's sale amount"), e))?
                .to_string(),
        ),
        ImpactRequest::Modification(_) => request
            .params()
            .into_iter()
            .find(|(key, _)| key == "Amount")
            .map(|(_, value)| value),
        ImpactRequest::Reversal(_) => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{DatabaseUrl, Synchronous};
    use crate::store::{Ingested, NewEvent, Source};

    #[test]
    fn a_cursor_token_round_trips_and_a_malformed_one_is_refused() {
        let cursor = EventCursor {
            received_at: 1_767_225_600_123,
            id: "evt_1Qb.x_9".to_owned(),
        };
        let token = cursor.to_token();
        assert_eq!(token, "1767225600123.evt_1Qb.x_9");
        assert_eq!(EventCursor::parse(&token), Ok(cursor));
        for (bad, why) in [
            ("", "no `.`"),
            ("evt_1", "no `.`"),
            (".evt_1", "not unix milliseconds"),
            ("-5.evt_1", "not unix milliseconds"),
            ("12a.evt_1", "not unix milliseconds"),
            ("99999999999999999999.evt_1", "too large"),
            ("17.", "EVENT_ID is empty"),
            ("17.evt 1", "holds spaces"),
            ("17.evt\n1", "holds spaces"),
        ] {
            let err = EventCursor::parse(bad).unwrap_err();
            assert_eq!(err.field, "after");
            let text = err.to_string();
            assert!(text.starts_with("after: "), "{text}");
            assert!(text.contains(why), "{bad:?}: {text}");
            assert!(text.contains("expected RECEIVED_AT.EVENT_ID"), "{text}");
        }
        let long = format!("17.{}", "x".repeat(256));
        assert!(EventCursor::parse(&long).is_err());
        let text = EventCursor::parse(&long).unwrap_err().to_string();
        assert!(
            text.contains(&format!("\"17.{}...\"", "x".repeat(61)))
                && !text.contains(&"x".repeat(62)),
            "the token is clipped in the message: {text}"
        );
    }

    #[test]
    fn decisions_parse_by_name() {
        for d in DecisionFilter::ALL {
            assert_eq!(DecisionFilter::parse(d.as_str()), Some(d));
            assert_eq!(d.to_string(), d.as_str());
        }
        assert_eq!(DecisionFilter::parse("Sent"), None);
        assert_eq!(DecisionFilter::parse(""), None);
    }

    #[test]
    fn a_filter_is_read_from_a_query_string_and_written_back() {
        let filter = EventFilter::from_query([
            ("type", "invoice.paid"),
            ("decision", "dead"),
            ("order", " in_1 "),
            ("click", "Qx9"),
            ("customer", "cus_1"),
            ("event", "evt_1Qb*"),
            ("since", "2026-01-01"),
            ("until", "1767312000000"),
            ("after", "ignored by the filter"),
            ("limit", "50"),
        ])
        .unwrap();
        assert_eq!(
            filter,
            EventFilter {
                event_type: Some("invoice.paid".into()),
                decision: Some(DecisionFilter::Dead),
                order_id: Some("in_1".into()),
                click_id: Some("Qx9".into()),
                customer: Some("cus_1".into()),
                event_id: Some(IdMatch::Prefix("evt_1Qb".into())),
                since: Some(1_767_225_600_000),
                until: Some(1_767_312_000_000),
            }
        );
        let pairs = filter.to_query();
        let back = EventFilter::from_query(pairs.iter().map(|(k, v)| (*k, v.as_str()))).unwrap();
        assert_eq!(back, filter);

        // Empty fields are no filter; an exact id has no star.
        let empty =
            EventFilter::from_query([("type", ""), ("decision", " "), ("event", "evt_1")]).unwrap();
        assert_eq!(empty.event_type, None);
        assert_eq!(empty.decision, None);
        assert_eq!(empty.event_id, Some(IdMatch::Exact("evt_1".into())));

        let err = EventFilter::from_query([("decision", "lost")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "decision: \"lost\" is not one of sent, skipped, waiting, dead, ignored"
        );
        let err = EventFilter::from_query([("since", "yesterday")]).unwrap_err();
        assert_eq!(err.field, "since");
        assert!(err.to_string().contains("YYYY-MM-DD"), "{err}");
    }

    #[test]
    fn times_are_read_in_every_form_the_console_sends() {
        let t = |text| parse_time("since", text);
        assert_eq!(t("1767225600000"), Ok(1_767_225_600_000));
        assert_eq!(t("2026-01-01"), Ok(1_767_225_600_000));
        assert_eq!(t("2026-01-01T09:30"), Ok(1_767_225_600_000 + 34_200_000));
        assert_eq!(t("2026-01-01T09:30:15"), Ok(1_767_225_600_000 + 34_215_000));
        assert_eq!(
            t("2026-01-01T09:30:00+01:00"),
            Ok(1_767_225_600_000 + 30_600_000)
        );
        assert_eq!(t("2026-01-01T00:00:00.250Z"), Ok(1_767_225_600_250));
        for bad in [
            "",
            "2026-13-01",
            "01/01/2026",
            "-1",
            "1e3",
            "99999999999999999999",
        ] {
            assert!(t(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_prefix_range_holds_exactly_the_ids_with_the_prefix() {
        assert_eq!(prefix_upper("evt_1Qb").as_deref(), Some("evt_1Qc"));
        assert_eq!(prefix_upper("a\u{D7FF}").as_deref(), Some("a\u{E000}"));
        assert_eq!(prefix_upper("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(prefix_upper("\u{10FFFF}"), None);
        let prefix = "evt_1Q";
        let upper = prefix_upper(prefix).unwrap();
        for id in ["evt_1Q", "evt_1Qz", "evt_1Q\u{10FFFF}x", "evt_1Q~~"] {
            assert!(id >= prefix && id < upper.as_str(), "{id}");
        }
        for id in ["evt_1P~", "evt_1R", "evt_1", "evt_1q"] {
            assert!(!(id >= prefix && id < upper.as_str()), "{id}");
        }
    }

    #[test]
    fn the_decision_text_says_what_became_of_an_event() {
        assert_eq!(
            decision_text("queued", Some(1), Some("conversion"), Some("delivered")),
            "delivered"
        );
        assert_eq!(
            decision_text("queued", Some(1), Some("reversal"), None),
            "reversal"
        );
        assert_eq!(
            decision_text("queued", Some(1), None, None),
            "not decided yet"
        );
        assert!(decision_text("duplicate", None, None, None).starts_with("duplicate: "));
        assert!(decision_text("ignored", None, None, None).starts_with("ignored: "));
    }

    async fn store(dir: &tempfile::TempDir) -> Store {
        let url =
            DatabaseUrl::new(&format!("sqlite://{}", dir.path().join("t.db").display())).unwrap();
        Store::connect(&url, Synchronous::Normal).await.unwrap()
    }

    fn event(id: &str, event_type: &str, key: Option<&str>) -> NewEvent {
        NewEvent {
            id: id.to_owned(),
            event_type: event_type.to_owned(),
            created: 1,
            raw: format!(r#"{{"id":"{id}"}}"#),
            customer: None,
            source: Source::Webhook,
            dedupe_key: key.map(str::to_owned),
        }
    }

    /// (event id, job state, kind, job outcome, the decision expected).
    type Case<'a> = (
        &'a str,
        &'a str,
        Option<&'a str>,
        Option<&'a str>,
        DecisionFilter,
    );

    /// Every combination of job state, request and outcome lands in exactly one decision, the
    /// one its row shows, and each decision filter lists exactly those events.
    #[tokio::test]
    async fn every_event_has_exactly_one_decision() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir).await;
        // (event id, job state, kind, job outcome, expected)
        let cases: [Case<'_>; 14] = [
            (
                "evt_undecided",
                "pending",
                None,
                None,
                DecisionFilter::Waiting,
            ),
            (
                "evt_clickwait",
                "pending",
                None,
                Some("waiting: no click id yet"),
                DecisionFilter::Waiting,
            ),
            (
                "evt_held",
                "pending",
                Some("modification"),
                Some("held until run_at"),
                DecisionFilter::Waiting,
            ),
            (
                "evt_blocked",
                "waiting",
                Some("modification"),
                Some("waiting for conversion job 1"),
                DecisionFilter::Waiting,
            ),
            (
                "evt_deciding",
                "running",
                None,
                None,
                DecisionFilter::Waiting,
            ),
            (
                "evt_lookup",
                "retrying",
                None,
                Some("Stripe: 503"),
                DecisionFilter::Waiting,
            ),
            (
                "evt_sending",
                "running",
                Some("conversion"),
                None,
                DecisionFilter::Sent,
            ),
            (
                "evt_confirm",
                "confirming",
                Some("conversion"),
                Some("queued"),
                DecisionFilter::Sent,
            ),
            (
                "evt_retry",
                "retrying",
                Some("conversion"),
                Some("transient (503)"),
                DecisionFilter::Sent,
            ),
            (
                "evt_done",
                "done",
                Some("conversion"),
                Some("delivered: Complete"),
                DecisionFilter::Sent,
            ),
            (
                "evt_skip",
                "done",
                None,
                Some("skipped: no click id"),
                DecisionFilter::Skipped,
            ),
            (
                "evt_supersede",
                "done",
                Some("modification"),
                Some("superseded by job 9: a newer state"),
                DecisionFilter::Skipped,
            ),
            (
                "evt_dead",
                "dead",
                Some("conversion"),
                Some("rejected by impact.com (400)"),
                DecisionFilter::Dead,
            ),
            (
                "evt_deadlook",
                "dead",
                None,
                Some("Stripe: gone"),
                DecisionFilter::Dead,
            ),
        ];
        let mut batch: Vec<NewEvent> = cases
            .iter()
            .map(|(id, ..)| event(id, "invoice.paid", Some(id)))
            .collect();
        batch.push(event("evt_ignored", "customer.created", None));
        batch.push(event("evt_duplicate", "invoice.paid", Some("evt_done")));
        let out = store.insert_events(&batch).await.unwrap();
        assert_eq!(out[cases.len()], Ingested::Ignored);
        assert_eq!(out[cases.len() + 1], Ingested::DuplicateChange);
        for (id, state, kind, outcome, _) in &cases {
            sqlx::query("UPDATE jobs SET state = $1, kind = $2, outcome = $3 WHERE event_id = $4")
                .bind(*state)
                .bind(*kind)
                .bind(*outcome)
                .bind(*id)
                .execute(store.pool())
                .await
                .unwrap();
        }
        let mut expected: Vec<(String, DecisionFilter)> = cases
            .iter()
            .map(|(id, .., d)| ((*id).to_owned(), *d))
            .collect();
        expected.push(("evt_ignored".into(), DecisionFilter::Ignored));
        expected.push(("evt_duplicate".into(), DecisionFilter::Ignored));

        let all = store
            .console_events(&EventFilter::default(), None, MAX_PAGE)
            .await
            .unwrap();
        assert_eq!(all.rows.len(), expected.len());
        assert_eq!(all.next, None);
        for row in &all.rows {
            let want = expected.iter().find(|(id, _)| *id == row.id).unwrap().1;
            assert_eq!(row.decision, want, "{row:?}");
        }
        let duplicate = all.rows.iter().find(|r| r.id == "evt_duplicate").unwrap();
        assert_eq!(duplicate.outcome, "duplicate");
        assert!(
            duplicate.decision_text.starts_with("duplicate: "),
            "{duplicate:?}"
        );
        let skipped = all.rows.iter().find(|r| r.id == "evt_skip").unwrap();
        assert_eq!(skipped.decision_text, "skipped: no click id");

        let mut seen = 0;
        for decision in DecisionFilter::ALL {
            let filter = EventFilter {
                decision: Some(decision),
                ..EventFilter::default()
            };
            let page = store.console_events(&filter, None, MAX_PAGE).await.unwrap();
            let mut got: Vec<&str> = page.rows.iter().map(|r| r.id.as_str()).collect();
            let mut want: Vec<&str> = expected
                .iter()
                .filter(|(_, d)| *d == decision)
                .map(|(id, _)| id.as_str())
                .collect();
            got.sort_unstable();
            want.sort_unstable();
            assert_eq!(got, want, "{decision}");
            seen += got.len();
        }
        assert_eq!(seen, expected.len(), "the decisions split the events");
        store.close().await;
    }

    /// A prefix matching many events and one matching a few find the same events either way
    /// they are read, in order, and page by cursor.
    #[tokio::test]
    async fn narrow_and_broad_prefixes_find_the_same_events() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir).await;
        let mut events: Vec<NewEvent> = (0..1_100)
            .map(|n| event(&format!("evt_a{n:05}"), "customer.created", None))
            .collect();
        events.extend((0..7).map(|n| event(&format!("evt_b{n}"), "customer.created", None)));
        events.push(event("evt_B0", "customer.created", None));
        events.push(event("evt_c", "customer.created", None));
        store.insert_events(&events).await.unwrap();

        let by_prefix = |prefix: &str| EventFilter {
            event_id: Some(IdMatch::Prefix(prefix.to_owned())),
            ..EventFilter::default()
        };
        assert_eq!(store.prefix_reach("evt_a").await.unwrap(), Prefix::Broad);
        assert_eq!(store.prefix_reach("evt_b").await.unwrap(), Prefix::Narrow);
        let page = store
            .console_events(&by_prefix("evt_b"), None, 5)
            .await
            .unwrap();
        let ids: Vec<&str> = page.rows.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["evt_b6", "evt_b5", "evt_b4", "evt_b3", "evt_b2"]);
        let rest = store
            .console_events(&by_prefix("evt_b"), page.next.as_ref(), 5)
            .await
            .unwrap();
        let ids: Vec<&str> = rest.rows.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["evt_b1", "evt_b0"], "case-sensitive: not evt_B0");
        assert_eq!(rest.next, None);

        let mut broad = Vec::new();
        let mut after = None;
        loop {
            let page = store
                .console_events(&by_prefix("evt_a"), after.as_ref(), MAX_PAGE)
                .await
                .unwrap();
            broad.extend(page.rows.into_iter().map(|r| r.id));
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        assert_eq!(broad.len(), 1_100);
        assert!(broad.iter().all(|id| id.starts_with("evt_a")));
        assert!(
            broad.windows(2).all(|w| w[0] > w[1]),
            "one batch: by id, descending"
        );
        let exact = EventFilter {
            event_id: Some(IdMatch::Exact("evt_a00042".into())),
            ..EventFilter::default()
        };
        let page = store.console_events(&exact, None, 10).await.unwrap();
        assert_eq!(page.rows.len(), 1);
        assert_eq!(page.rows[0].id, "evt_a00042");
        store.close().await;
    }

    /// Rows stored before migration 0004 list and show with no customer and no click id.
    #[tokio::test]
    async fn rows_stored_before_the_console_migration_have_nulls() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        sqlx::any::install_default_drivers();
        let old = sqlx::AnyPool::connect(&format!("sqlite://{}?mode=rwc", path.display()))
            .await
            .unwrap();
        super::super::SQLITE_MIGRATIONS
            .run_to(3, &old)
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO events (id, type, created, source, outcome, received_at, payload) \
             VALUES ('evt_old', 'invoice.paid', 1, 'webhook', 'queued', 5, '{\"data\":{\"object\":{\"customer\":\"cus_1\"}}}')",
        )
        .execute(&old)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO jobs (event_id, dedupe_key, state, run_at, kind, order_id, outcome, \
             created_at, updated_at) VALUES ('evt_old', 'k', 'done', 5, 'conversion', 'in_1', \
             'delivered', 5, 5)",
        )
        .execute(&old)
        .await
        .unwrap();
        old.close().await;

        let store = store(&dir).await;
        let page = store
            .console_events(&EventFilter::default(), None, 10)
            .await
            .unwrap();
        assert_eq!(page.rows.len(), 1);
        let row = &page.rows[0];
        assert_eq!(
            (row.customer.as_deref(), row.click_id.as_deref()),
            (None, None)
        );
        assert_eq!(row.decision, DecisionFilter::Sent);
        assert_eq!(row.order_id.as_deref(), Some("in_1"));
        let by_customer = EventFilter {
            customer: Some("cus_1".into()),
            ..EventFilter::default()
        };
        assert!(
            store
                .console_events(&by_customer, None, 10)
                .await
                .unwrap()
                .rows
                .is_empty(),
            "not filled in afterwards"
        );
        let detail = store.console_event("evt_old").await.unwrap().unwrap();
        assert_eq!(detail.customer, None);
        assert_eq!(detail.jobs[0].click_id, None);
        store.close().await;
    }
}
