//! The [`Knowledge`] trait over the database.
//!
//! The rules are synchronous and pure; the database is asynchronous. A [`Snapshot`] answers from
//! what it has loaded and notes every question it could not answer; the caller loads those
//! ([`Snapshot::load_missing`]) inside the decision's transaction and decides again, until a
//! decision asks nothing new. Deciding is cheap, so two or three rounds cost less than loading
//! everything an event might touch.
//!
//! One snapshot serves a whole batch of decisions: the worker first lets every decision of the
//! batch ask, loads all the questions with one statement per kind, then decides them in order,
//! each dropping from the snapshot what its records changed ([`Snapshot::forget`]).

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use clicktrail_clickid::ClickId;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::Conn;
use super::events::{ROWS_PER_STATEMENT, numbered, placeholders};
use crate::Error;
use crate::knowledge::{
    BusinessKey, Knowledge, Learned, Owner, PaymentRef, Record, SentConversion, TrialState,
};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Question {
    EventSeen(String),
    KeySeen(String),
    ClickId(Owner),
    ByOrder(String),
    ByPayment(PaymentRef),
    Trial(String),
    Payment(String),
}

#[derive(Debug, Clone)]
enum Answer {
    Yes(bool),
    ClickId(Option<Learned>),
    Conversion(Option<SentConversion>),
    Trial(Option<TrialState>),
    Payment(Option<Option<String>>),
}

#[derive(Debug, Default)]
struct Inner {
    answers: HashMap<Question, Answer>,
    misses: Vec<Question>,
}

/// Knowledge loaded from the database on demand; see the module docs.
#[derive(Debug, Default)]
pub struct Snapshot {
    inner: Mutex<Inner>,
}

impl Snapshot {
    fn ask(&self, question: Question) -> Option<Answer> {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        match inner.answers.get(&question) {
            Some(answer) => Some(answer.clone()),
            None => {
                if !inner.misses.contains(&question) {
                    inner.misses.push(question);
                }
                None
            }
        }
    }

    /// Whether a decision asked something not loaded yet.
    pub fn has_misses(&self) -> bool {
        !self
            .inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .misses
            .is_empty()
    }

    /// Loads the answers to every question asked but not answered yet: one statement per kind
    /// of question, whichever decisions (of a whole batch) asked them.
    pub(crate) async fn load_missing(&self, conn: &mut Conn) -> Result<(), Error> {
        let misses =
            std::mem::take(&mut self.inner.lock().unwrap_or_else(|p| p.into_inner()).misses);
        let answers = load_many(conn, misses).await?;
        self.inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .answers
            .extend(answers);
        Ok(())
    }

    /// Drops every answer that `records`, just stored, may have changed, so that a later
    /// decision in the same transaction reads it again: one snapshot serves a batch of
    /// decisions, each seeing what the earlier ones recorded.
    pub(crate) fn forget(&self, records: &[Record]) {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let answers = &mut inner.answers;
        for record in records {
            match record {
                Record::EventHandled { event_id, key } => {
                    answers.remove(&Question::EventSeen(event_id.clone()));
                    answers.remove(&Question::KeySeen(key.to_string()));
                }
                Record::ClickIdLearned { owner, .. } => {
                    answers.remove(&Question::ClickId(owner.clone()));
                }
                Record::PaymentDecided { refs, .. } => {
                    for reference in refs {
                        answers.remove(&Question::Payment(reference.clone()));
                    }
                }
                Record::ConversionSent(c) => {
                    answers.remove(&Question::ByOrder(c.order_id.clone()));
                    if let Some(pi) = &c.payment_intent {
                        answers.remove(&Question::ByPayment(PaymentRef::PaymentIntent(pi.clone())));
                    }
                    if let Some(ch) = &c.charge {
                        answers.remove(&Question::ByPayment(PaymentRef::Charge(ch.clone())));
                    }
                }
                Record::ActionChanged { order_id, .. } => {
                    // Every cached conversion of that order, however it was asked for.
                    answers.retain(|question, answer| {
                        !matches!(
                            (question, answer),
                            (Question::ByOrder(_) | Question::ByPayment(_), Answer::Conversion(Some(c)))
                                if c.order_id == *order_id
                        )
                    });
                }
                Record::Trial { subscription, .. } => {
                    answers.remove(&Question::Trial(subscription.clone()));
                }
            }
        }
    }
}

/// The keys of one kind of question.
#[derive(Debug, Default)]
struct Keys {
    events: Vec<String>,
    business_keys: Vec<String>,
    subscriptions: Vec<String>,
    customers: Vec<String>,
    payments: Vec<String>,
    orders: Vec<String>,
    intents: Vec<String>,
    charges: Vec<String>,
    trials: Vec<String>,
}

/// Answers `questions`: one statement per kind of question (and per
/// [`ROWS_PER_STATEMENT`] keys), each answer the one a single-row look-up would give.
async fn load_many(
    conn: &mut Conn,
    questions: Vec<Question>,
) -> Result<Vec<(Question, Answer)>, Error> {
    let mut keys = Keys::default();
    for question in &questions {
        let (list, key) = match question {
            Question::EventSeen(id) => (&mut keys.events, id),
            Question::KeySeen(key) => (&mut keys.business_keys, key),
            Question::ClickId(Owner::Subscription(id)) => (&mut keys.subscriptions, id),
            Question::ClickId(Owner::Customer(id)) => (&mut keys.customers, id),
            Question::Payment(reference) => (&mut keys.payments, reference),
            Question::ByOrder(order) => (&mut keys.orders, order),
            Question::ByPayment(PaymentRef::PaymentIntent(pi)) => (&mut keys.intents, pi),
            Question::ByPayment(PaymentRef::Charge(ch)) => (&mut keys.charges, ch),
            Question::Trial(sub) => (&mut keys.trials, sub),
        };
        list.push(key.clone());
    }
    let events: HashSet<String> = rows_in(
        conn,
        "SELECT event_id FROM handled_events WHERE event_id IN ({})",
        &[],
        &keys.events,
    )
    .await?
    .iter()
    .map(|r| r.try_get(0))
    .collect::<Result<_, _>>()?;
    let business_keys: HashSet<String> = rows_in(
        conn,
        "SELECT DISTINCT business_key FROM handled_events WHERE business_key IN ({})",
        &[],
        &keys.business_keys,
    )
    .await?
    .iter()
    .map(|r| r.try_get(0))
    .collect::<Result<_, _>>()?;
    let mut click_ids = HashMap::new();
    for (kind, ids) in [
        ("subscription", &keys.subscriptions),
        ("customer", &keys.customers),
    ] {
        for r in rows_in(
            conn,
            "SELECT owner_id, click_id, recorded_at FROM click_ids WHERE owner_kind = $1 AND owner_id IN ({})",
            &[kind],
            ids,
        )
        .await?
        {
            let (id, click_id, recorded_at): (String, String, Option<i64>) =
                (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
            let learned = ClickId::new(&click_id).ok().map(|click_id| Learned {
                click_id,
                recorded_at,
            });
            click_ids.insert((kind, id), learned);
        }
    }
    let mut payments = HashMap::new();
    for r in rows_in(
        conn,
        "SELECT payment_ref, order_id FROM payments WHERE payment_ref IN ({})",
        &[],
        &keys.payments,
    )
    .await?
    {
        payments.insert(
            r.try_get::<String, _>(0)?,
            r.try_get::<Option<String>, _>(1)?,
        );
    }
    // The first row per key in the database's order: what `ORDER BY ... LIMIT 1` gives.
    let by_order = first_conversions(
        conn,
        "SELECT * FROM conversions WHERE order_id IN ({}) ORDER BY order_id, tracker",
        "order_id",
        &keys.orders,
    )
    .await?;
    let by_intent = first_conversions(
        conn,
        "SELECT * FROM conversions WHERE payment_intent IN ({}) ORDER BY payment_intent, order_id",
        "payment_intent",
        &keys.intents,
    )
    .await?;
    let by_charge = first_conversions(
        conn,
        "SELECT * FROM conversions WHERE charge IN ({}) ORDER BY charge, order_id",
        "charge",
        &keys.charges,
    )
    .await?;
    let mut trials = HashMap::new();
    for r in rows_in(
        conn,
        "SELECT subscription, state FROM trials WHERE subscription IN ({})",
        &[],
        &keys.trials,
    )
    .await?
    {
        let state: String = r.try_get(1)?;
        let state = match state.as_str() {
            "awaiting_first_payment" => TrialState::AwaitingFirstPayment,
            "first_payment_handled" => TrialState::FirstPaymentHandled,
            other => {
                return Err(Error::Corrupt {
                    context: format!("trial state {other:?}"),
                    source: None,
                });
            }
        };
        trials.insert(r.try_get::<String, _>(0)?, state);
    }
    Ok(questions
        .into_iter()
        .map(|question| {
            let answer = match &question {
                Question::EventSeen(id) => Answer::Yes(events.contains(id)),
                Question::KeySeen(key) => Answer::Yes(business_keys.contains(key)),
                Question::ClickId(owner) => {
                    let (kind, id) = owner_parts(owner);
                    Answer::ClickId(click_ids.get(&(kind, id.to_owned())).cloned().flatten())
                }
                Question::Payment(reference) => Answer::Payment(payments.get(reference).cloned()),
                Question::ByOrder(order) => Answer::Conversion(by_order.get(order).cloned()),
                Question::ByPayment(PaymentRef::PaymentIntent(pi)) => {
                    Answer::Conversion(by_intent.get(pi).cloned())
                }
                Question::ByPayment(PaymentRef::Charge(ch)) => {
                    Answer::Conversion(by_charge.get(ch).cloned())
                }
                Question::Trial(sub) => Answer::Trial(trials.get(sub).copied()),
            };
            (question, answer)
        })
        .collect())
}

/// Runs `sql`, whose `{}` is an `IN` list, for `keys` (in chunks), after the `fixed` binds.
async fn rows_in(
    conn: &mut Conn,
    sql: &str,
    fixed: &[&str],
    keys: &[String],
) -> Result<Vec<AnyRow>, Error> {
    let mut rows = Vec::new();
    let mut unique: Vec<&String> = keys.iter().collect();
    unique.sort_unstable();
    unique.dedup();
    for chunk in unique.chunks(ROWS_PER_STATEMENT) {
        let text = sql.replace("{}", &numbered(fixed.len() + 1, chunk.len()));
        let mut query = sqlx::query(sqlx::AssertSqlSafe(text));
        for value in fixed {
            query = query.bind(*value);
        }
        for key in chunk {
            query = query.bind(key.as_str());
        }
        rows.extend(query.fetch_all(&mut *conn).await?);
    }
    Ok(rows)
}

/// The first conversion row per value of `column`, in the order `sql` returns them.
async fn first_conversions(
    conn: &mut Conn,
    sql: &str,
    column: &str,
    keys: &[String],
) -> Result<HashMap<String, SentConversion>, Error> {
    let mut found = HashMap::new();
    for r in rows_in(conn, sql, &[], keys).await? {
        let key: String = r.try_get(column)?;
        if let std::collections::hash_map::Entry::Vacant(slot) = found.entry(key) {
            slot.insert(sent_conversion(&r)?);
        }
    }
    Ok(found)
}

fn sent_conversion(r: &AnyRow) -> Result<SentConversion, Error> {
    Ok(SentConversion {
        order_id: r.try_get("order_id")?,
        tracker: r.try_get("tracker")?,
        currency: r.try_get("currency")?,
        amount: r.try_get("amount")?,
        payment_intent: r.try_get("payment_intent")?,
        charge: r.try_get("charge")?,
        subscription: r.try_get("subscription")?,
        current_amount: r.try_get("current_amount")?,
        amount_refunded: r.try_get("amount_refunded")?,
        reversed: r.try_get::<i64, _>("reversed")? != 0,
    })
}

fn owner_parts(owner: &Owner) -> (&'static str, &str) {
    match owner {
        Owner::Subscription(id) => ("subscription", id),
        Owner::Customer(id) => ("customer", id),
    }
}

fn trial_name(state: TrialState) -> &'static str {
    match state {
        TrialState::AwaitingFirstPayment => "awaiting_first_payment",
        TrialState::FirstPaymentHandled => "first_payment_handled",
    }
}

impl Knowledge for Snapshot {
    fn event_seen(&self, event_id: &str) -> bool {
        matches!(
            self.ask(Question::EventSeen(event_id.to_owned())),
            Some(Answer::Yes(true))
        )
    }

    fn business_key_seen(&self, key: &BusinessKey) -> bool {
        matches!(
            self.ask(Question::KeySeen(key.to_string())),
            Some(Answer::Yes(true))
        )
    }

    fn learned_click_id(&self, owner: &Owner) -> Option<Learned> {
        match self.ask(Question::ClickId(owner.clone())) {
            Some(Answer::ClickId(c)) => c,
            _ => None,
        }
    }

    fn payment_decided(&self, reference: &str) -> Option<Option<String>> {
        match self.ask(Question::Payment(reference.to_owned())) {
            Some(Answer::Payment(p)) => p,
            _ => None,
        }
    }

    fn conversion_by_order(&self, order_id: &str) -> Option<SentConversion> {
        match self.ask(Question::ByOrder(order_id.to_owned())) {
            Some(Answer::Conversion(c)) => c,
            _ => None,
        }
    }

    fn conversion_by_payment(&self, payment: &PaymentRef) -> Option<SentConversion> {
        match self.ask(Question::ByPayment(payment.clone())) {
            Some(Answer::Conversion(c)) => c,
            _ => None,
        }
    }

    fn trial_state(&self, subscription: &str) -> Option<TrialState> {
        match self.ask(Question::Trial(subscription.to_owned())) {
            Some(Answer::Trial(t)) => t,
            _ => None,
        }
    }
}

/// Stores a decision's records, in order, inside its transaction. `sending_job` is the job
/// that sends the decision's request, for a `Send` (it delivers the conversion, or becomes the
/// order's latest change); `now` (unix ms) is when refunds waiting for a decided payment become
/// due.
pub(crate) async fn apply(
    conn: &mut Conn,
    records: &[Record],
    sending_job: Option<i64>,
    now: i64,
) -> Result<(), Error> {
    for record in records {
        match record {
            Record::EventHandled { event_id, key } => {
                sqlx::query(
                    "INSERT INTO handled_events (event_id, business_key) VALUES ($1, $2) \
                     ON CONFLICT (event_id) DO NOTHING",
                )
                .bind(event_id)
                .bind(key.to_string())
                .execute(&mut *conn)
                .await?;
            }
            Record::ClickIdLearned {
                owner,
                click_id,
                session,
                recorded_at,
            } => {
                let (kind, id) = owner_parts(owner);
                sqlx::query(
                    "INSERT INTO click_ids (owner_kind, owner_id, click_id, session, recorded_at) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (owner_kind, owner_id) DO UPDATE \
                     SET click_id = excluded.click_id, session = excluded.session, recorded_at = excluded.recorded_at",
                )
                .bind(kind)
                .bind(id)
                .bind(click_id.as_str())
                .bind(session)
                .bind(*recorded_at)
                .execute(&mut *conn)
                .await?;
            }
            Record::PaymentDecided { refs, order_id } => {
                let refs: Vec<String> = {
                    let mut refs = refs.clone();
                    refs.sort_unstable();
                    refs.dedup();
                    refs
                };
                if refs.is_empty() {
                    continue;
                }
                // A conversion, once decided, is never forgotten by a later skip.
                let sql = format!(
                    "INSERT INTO payments (payment_ref, order_id) VALUES {} \
                     ON CONFLICT (payment_ref) DO UPDATE SET order_id = COALESCE(excluded.order_id, payments.order_id)",
                    placeholders(refs.len(), 2)
                );
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
                for reference in &refs {
                    query = query.bind(reference).bind(order_id);
                }
                query.execute(&mut *conn).await?;
                // Refunds and disputes waiting for this payment: decide them again now. Read
                // first (almost always none), then update by id: one statement would let the
                // planner walk every pending job.
                let waiting = rows_in(
                    conn,
                    "SELECT job_id, payment_ref FROM awaiting WHERE payment_ref IN ({})",
                    &[],
                    &refs,
                )
                .await?;
                for row in waiting {
                    let (job, reference): (i64, String) = (row.try_get(0)?, row.try_get(1)?);
                    sqlx::query(
                        "UPDATE jobs SET run_at = $1, outcome = 'waiting: its payment was decided; deciding again', \
                         updated_at = $1 WHERE id = $2 AND state = 'pending' AND request IS NULL",
                    )
                    .bind(now)
                    .bind(job)
                    .execute(&mut *conn)
                    .await?;
                    sqlx::query("DELETE FROM awaiting WHERE job_id = $1 AND payment_ref = $2")
                        .bind(job)
                        .bind(reference)
                        .execute(&mut *conn)
                        .await?;
                }
            }
            Record::ConversionSent(c) => {
                sqlx::query(
                    "INSERT INTO conversions (order_id, tracker, currency, amount, payment_intent, charge, \
                     subscription, current_amount, amount_refunded, reversed, job_id, last_job) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) ON CONFLICT (order_id, tracker) DO NOTHING",
                )
                .bind(&c.order_id)
                .bind(&c.tracker)
                .bind(&c.currency)
                .bind(c.amount)
                .bind(&c.payment_intent)
                .bind(&c.charge)
                .bind(&c.subscription)
                .bind(c.current_amount)
                .bind(c.amount_refunded)
                .bind(i64::from(c.reversed))
                .bind(sending_job)
                .execute(&mut *conn)
                .await?;
            }
            Record::ActionChanged {
                order_id,
                tracker,
                current_amount,
                amount_refunded,
                reversed,
            } => {
                // A skipped change (nothing to send) records the refund but moves no job.
                sqlx::query(
                    "UPDATE conversions SET current_amount = $1, amount_refunded = $2, reversed = $3, \
                     last_job = COALESCE($4, last_job) WHERE order_id = $5 AND tracker = $6",
                )
                .bind(*current_amount)
                .bind(*amount_refunded)
                .bind(i64::from(*reversed))
                .bind(sending_job)
                .bind(order_id)
                .bind(tracker)
                .execute(&mut *conn)
                .await?;
            }
            Record::Trial {
                subscription,
                state,
            } => {
                sqlx::query(
                    "INSERT INTO trials (subscription, state) VALUES ($1, $2) \
                     ON CONFLICT (subscription) DO UPDATE SET state = excluded.state",
                )
                .bind(subscription)
                .bind(trial_name(*state))
                .execute(&mut *conn)
                .await?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use clicktrail_stripe::Event;

    use super::*;
    use crate::config::{DatabaseUrl, Synchronous};
    use crate::knowledge::MemoryKnowledge;
    use crate::mapping::{self, Decision, Fetched, Settings};
    use crate::store::Store;

    /// Decides with the database's knowledge: load what is asked, decide again, store the
    /// records, as the worker does.
    async fn decide_in_db(store: &Store, event: &Event, settings: &Settings) -> Decision {
        let mut tx = store.begin_serialized().await.unwrap();
        let snapshot = Snapshot::default();
        let decision = loop {
            let d = mapping::decide(
                event,
                settings,
                &snapshot,
                &Fetched::default(),
                event.created,
            );
            if snapshot.has_misses() {
                snapshot.load_missing(&mut tx).await.unwrap();
            } else {
                break d;
            }
        };
        apply(&mut tx, decision.records(), None, 0).await.unwrap();
        tx.commit().await.unwrap();
        decision
    }

    /// Every event sequence of the explain tests decides the same over the database as in
    /// memory: the database implementation answers what `MemoryKnowledge` answers.
    #[tokio::test]
    async fn the_database_knows_what_memory_knows() {
        let data = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");
        let mut files: Vec<_> = std::fs::read_dir(data)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
            .collect();
        files.sort();
        let settings = Settings::demo();
        let mut compared = 0;
        for file in files {
            let dir = tempfile::tempdir().unwrap();
            let url = DatabaseUrl::new(&format!("sqlite://{}", dir.path().join("k.db").display()))
                .unwrap();
            let store = Store::connect(&url, Synchronous::Off).await.unwrap();
            let mut memory = MemoryKnowledge::default();
            for line in std::fs::read_to_string(&file).unwrap().lines() {
                let Ok(event) = Event::from_slice(line.as_bytes()) else {
                    continue;
                };
                let in_memory = mapping::decide(
                    &event,
                    &settings,
                    &memory,
                    &Fetched::default(),
                    event.created,
                );
                memory.apply(in_memory.records());
                let in_db = decide_in_db(&store, &event, &settings).await;
                assert_eq!(in_db, in_memory, "{} {}", file.display(), event.id);
                compared += 1;
            }
            store.close().await;
        }
        assert!(compared >= 12, "{compared} events compared");
    }
}
