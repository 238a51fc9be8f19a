//! The [`Knowledge`] trait over the database.
//!
//! The rules are synchronous and pure; the database is asynchronous. A [`Snapshot`] answers from
//! what it has loaded and notes every question it could not answer; the caller loads those
//! ([`Snapshot::load_missing`]) inside the decision's transaction and decides again, until a
//! decision asks nothing new. Deciding is cheap, so two or three rounds cost less than loading
//! everything an event might touch.

use std::collections::HashMap;
use std::sync::Mutex;

use clicktrail_clickid::ClickId;
use sqlx::Row;

use super::Conn;
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

    /// Whether the last decision asked something not loaded yet.
    pub fn has_misses(&self) -> bool {
        !self
            .inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .misses
            .is_empty()
    }

    /// Loads the answers to every question asked but not answered yet.
    pub(crate) async fn load_missing(&self, conn: &mut Conn) -> Result<(), Error> {
        let misses =
            std::mem::take(&mut self.inner.lock().unwrap_or_else(|p| p.into_inner()).misses);
        for question in misses {
            let answer = load(conn, &question).await?;
            self.inner
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .answers
                .insert(question, answer);
        }
        Ok(())
    }
}

async fn load(conn: &mut Conn, question: &Question) -> Result<Answer, Error> {
    Ok(match question {
        Question::EventSeen(id) => Answer::Yes(
            sqlx::query("SELECT 1 FROM handled_events WHERE event_id = $1")
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
                .is_some(),
        ),
        Question::KeySeen(key) => Answer::Yes(
            sqlx::query("SELECT 1 FROM handled_events WHERE business_key = $1 LIMIT 1")
                .bind(key)
                .fetch_optional(&mut *conn)
                .await?
                .is_some(),
        ),
        Question::ClickId(owner) => {
            let (kind, id) = owner_parts(owner);
            let row: Option<(String, Option<i64>)> = sqlx::query_as(
                "SELECT click_id, recorded_at FROM click_ids WHERE owner_kind = $1 AND owner_id = $2",
            )
            .bind(kind)
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
            Answer::ClickId(row.and_then(|(c, recorded_at)| {
                Some(Learned {
                    click_id: ClickId::new(&c).ok()?,
                    recorded_at,
                })
            }))
        }
        Question::Payment(reference) => {
            let row: Option<(Option<String>,)> =
                sqlx::query_as("SELECT order_id FROM payments WHERE payment_ref = $1")
                    .bind(reference)
                    .fetch_optional(&mut *conn)
                    .await?;
            Answer::Payment(row.map(|(order,)| order))
        }
        Question::ByOrder(order) => Answer::Conversion(
            conversion(
                conn,
                "SELECT * FROM conversions WHERE order_id = $1 ORDER BY tracker LIMIT 1",
                order,
            )
            .await?,
        ),
        Question::ByPayment(PaymentRef::PaymentIntent(pi)) => Answer::Conversion(
            conversion(
                conn,
                "SELECT * FROM conversions WHERE payment_intent = $1 ORDER BY order_id LIMIT 1",
                pi,
            )
            .await?,
        ),
        Question::ByPayment(PaymentRef::Charge(ch)) => Answer::Conversion(
            conversion(
                conn,
                "SELECT * FROM conversions WHERE charge = $1 ORDER BY order_id LIMIT 1",
                ch,
            )
            .await?,
        ),
        Question::Trial(sub) => {
            let row: Option<(String,)> =
                sqlx::query_as("SELECT state FROM trials WHERE subscription = $1")
                    .bind(sub)
                    .fetch_optional(&mut *conn)
                    .await?;
            Answer::Trial(match row.as_ref().map(|(s,)| s.as_str()) {
                None => None,
                Some("awaiting_first_payment") => Some(TrialState::AwaitingFirstPayment),
                Some("first_payment_handled") => Some(TrialState::FirstPaymentHandled),
                Some(other) => return Err(Error::Corrupt(format!("trial state {other:?}"))),
            })
        }
    })
}

async fn conversion(
    conn: &mut Conn,
    sql: &'static str,
    key: &str,
) -> Result<Option<SentConversion>, Error> {
    let Some(r) = sqlx::query(sql).bind(key).fetch_optional(conn).await? else {
        return Ok(None);
    };
    Ok(Some(SentConversion {
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
    }))
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
                for reference in refs {
                    // A conversion, once decided, is never forgotten by a later skip.
                    sqlx::query(
                        "INSERT INTO payments (payment_ref, order_id) VALUES ($1, $2) \
                         ON CONFLICT (payment_ref) DO UPDATE SET order_id = COALESCE(excluded.order_id, payments.order_id)",
                    )
                    .bind(reference)
                    .bind(order_id)
                    .execute(&mut *conn)
                    .await?;
                    // Refunds and disputes waiting for this payment: decide them again now. Read
                    // first (almost always none), then update by id: one statement would let the
                    // planner walk every pending job.
                    let waiting: Vec<(i64,)> =
                        sqlx::query_as("SELECT job_id FROM awaiting WHERE payment_ref = $1")
                            .bind(reference)
                            .fetch_all(&mut *conn)
                            .await?;
                    for (job,) in waiting {
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
