//! The impact.com emulator's state and its processing rules, free of HTTP.
//!
//! Requests are queued as records; a record is processed once the processing delay has passed
//! since it arrived (measured on `tokio::time`, so tests drive it with `tokio::time::pause` and
//! `advance`). Processing is lazy and in arrival order: it runs before anything reads the state.
//! - a conversion creates an action, unless an action with the same `OrderId` and event type exists
//!   (`CONV_DUPLICATE`, nothing created);
//! - a modification sets the action's amount (`Amount` is the new total; 0 reverses it);
//! - a reversal sets its state to `REVERSED`;
//! - either, on an action that does not exist (yet), completes as `ACTION_REF_NOT_FOUND`;
//! - a request accepted under a `verdict` fault completes with the fault's reason instead, and
//!   creates or changes nothing; one accepted under `lost_answer` is marked so, and processed as
//!   usual ([`super::faults`]).
//!
//! Look-ups are indexed (records by id, actions by id and by event type and `OrderId`) and
//! processing resumes where it stopped, so a request costs the same with a million records as
//! with ten: the delivery benchmarks send tens of thousands through one emulator.

use std::collections::HashMap;
use std::time::Duration;

use tokio::time::Instant;

use super::faults::{FaultKind, FaultSpec};
use super::records::{Action, Kind, Record};
use super::validate::{Fields, parse_decimal, sale_amount};
use crate::ids;

/// Everything the emulator holds.
#[derive(Debug, Default)]
pub struct ImpactStore {
    /// Accepted requests, in arrival order.
    pub records: Vec<Record>,
    /// Actions, in creation order.
    pub actions: Vec<Action>,
    /// Faults to inject.
    pub faults: super::faults::Faults,
    next_action: u64,
    /// Every record before this one is processed.
    processed_upto: usize,
    /// Records by id.
    record_at: HashMap<String, usize>,
    /// Actions by id.
    action_at: HashMap<String, usize>,
    /// Actions by (event type, `OrderId`).
    order_at: HashMap<(String, String), usize>,
}

fn field<'a>(f: &'a Fields, key: &str) -> Option<&'a str> {
    f.get(key).map(|s| s.trim()).filter(|s| !s.is_empty())
}

/// The event type a request names: `ActionTrackerId`, `EventTypeId` (the same thing) or
/// `EventTypeCode`.
fn event_type(f: &Fields) -> String {
    field(f, "ActionTrackerId")
        .or_else(|| field(f, "EventTypeId"))
        .or_else(|| field(f, "EventTypeCode"))
        .unwrap_or_default()
        .to_owned()
}

impl ImpactStore {
    /// Queues an accepted request; returns its batch id.
    pub fn accept(
        &mut self,
        kind: Kind,
        params: Fields,
        received_at: String,
        received: Instant,
    ) -> String {
        self.accept_with_fault(kind, params, received_at, received, None)
    }

    /// [`ImpactStore::accept`] under the fault the request took, if any: a `verdict` fixes the
    /// outcome its processing will have, a `lost_answer` is noted on the record; other kinds
    /// change nothing here.
    pub fn accept_with_fault(
        &mut self,
        kind: Kind,
        params: Fields,
        received_at: String,
        received: Instant,
        fault: Option<&FaultSpec>,
    ) -> String {
        let id = ids::random_id("A-", 16);
        // Arrival order is processing order: a request timed just before another but queued
        // just after it counts as arriving with it.
        let received = self
            .records
            .last()
            .map_or(received, |last| last.received.max(received));
        self.record_at.insert(id.clone(), self.records.len());
        self.records.push(Record {
            id: id.clone(),
            kind,
            received_at,
            received,
            params,
            outcome: "QUEUED".into(),
            completed_at: None,
            action_id: None,
            verdict: fault.and_then(FaultSpec::verdict_reason).map(str::to_owned),
            answer_lost: fault.is_some_and(|f| f.kind() == FaultKind::LostAnswer),
        });
        id
    }

    /// The record (API submission) with this id.
    pub fn record(&self, id: &str) -> Option<&Record> {
        self.record_at.get(id).map(|&i| &self.records[i])
    }

    /// Processes, in arrival order, every record whose delay has passed at `now`; stops at the
    /// first that is not due yet (those after it arrived later).
    pub fn process_due(&mut self, now: Instant, delay: Duration, completed_at: &str) {
        for i in self.processed_upto..self.records.len() {
            let record = &self.records[i];
            if now.saturating_duration_since(record.received) < delay {
                break;
            }
            self.processed_upto = i + 1;
            let (outcome, action) = if let Some(reason) = &record.verdict {
                (reason.clone(), None)
            } else {
                let params = record.params.clone();
                let (outcome, action) = match record.kind {
                    Kind::Conversion => self.convert(&params),
                    Kind::Modification => self.modify(&params),
                    Kind::Reversal => self.reverse(&params),
                };
                (outcome.to_owned(), action)
            };
            let record = &mut self.records[i];
            record.outcome = outcome;
            record.action_id = action;
            record.completed_at = Some(completed_at.to_owned());
        }
    }

    fn convert(&mut self, f: &Fields) -> (&'static str, Option<String>) {
        let kind = event_type(f);
        let order = field(f, "OrderId").unwrap_or_default();
        let key = (kind, order.to_owned());
        if let Some(&existing) = self.order_at.get(&key) {
            return ("CONV_DUPLICATE", Some(self.actions[existing].id.clone()));
        }
        let kind = key.0.clone();
        self.next_action += 1;
        let campaign = field(f, "CampaignId").unwrap_or("0").to_owned();
        let id = format!(
            "{campaign}.{}.{}",
            4000 + self.next_action,
            100_000 + self.next_action
        );
        self.action_at.insert(id.clone(), self.actions.len());
        self.order_at.insert(key, self.actions.len());
        self.actions.push(Action {
            id: id.clone(),
            campaign_id: campaign,
            event_type: kind,
            order_id: order.to_owned(),
            amount: sale_amount(f),
            currency: field(f, "CurrencyCode").map(str::to_ascii_uppercase),
            state: "PENDING".into(),
            click_id: field(f, "ClickId").map(str::to_owned),
            customer_id: field(f, "CustomerId").map(str::to_owned),
            event_date: field(f, "EventDate").unwrap_or_default().to_owned(),
            modifications: 0,
        });
        ("ACTION_CREATED", Some(id))
    }

    fn find(&mut self, f: &Fields) -> Option<&mut Action> {
        let at = match field(f, "ActionId") {
            Some(id) => self.action_at.get(id),
            None => self
                .order_at
                .get(&(event_type(f), field(f, "OrderId")?.to_owned())),
        };
        at.map(|&i| &mut self.actions[i])
    }

    fn modify(&mut self, f: &Fields) -> (&'static str, Option<String>) {
        let amount = field(f, "Amount").and_then(parse_decimal);
        let delta = field(f, "ItemSubTotalDelta").and_then(parse_decimal);
        let Some(action) = self.find(f) else {
            return ("ACTION_REF_NOT_FOUND", None);
        };
        if action.state == "REVERSED" || action.modifications >= 1000 {
            return ("ACTION_LOCKED", Some(action.id.clone()));
        }
        action.amount = match (amount, delta) {
            (Some(a), _) => a,
            (None, Some(d)) => (action.amount + d).max(0),
            (None, None) => action.amount,
        };
        action.modifications += 1;
        if action.amount == 0 {
            action.state = "REVERSED".into();
            return ("ACTION_REVERSED", Some(action.id.clone()));
        }
        ("ACTION_MODIFIED", Some(action.id.clone()))
    }

    fn reverse(&mut self, f: &Fields) -> (&'static str, Option<String>) {
        let Some(action) = self.find(f) else {
            return ("ACTION_REF_NOT_FOUND", None);
        };
        action.state = "REVERSED".into();
        action.amount = 0;
        ("ACTION_REVERSED", Some(action.id.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn conversion(order: &str) -> Fields {
        fields(&[
            ("CampaignId", "1000"),
            ("ActionTrackerId", "4000"),
            ("OrderId", order),
            ("EventDate", "NOW"),
            ("ClickId", "click1"),
            ("CurrencyCode", "usd"),
            ("ItemSubTotal1", "20.00"),
        ])
    }

    #[tokio::test(start_paused = true)]
    async fn conversions_become_actions_after_the_delay_and_duplicates_create_nothing() {
        let delay = Duration::from_secs(60);
        let mut s = ImpactStore::default();
        s.accept(
            Kind::Conversion,
            conversion("in_1"),
            "t0".into(),
            Instant::now(),
        );
        s.accept(
            Kind::Conversion,
            conversion("in_1"),
            "t0".into(),
            Instant::now(),
        );
        s.process_due(Instant::now(), delay, "t1");
        assert!(s.actions.is_empty());
        assert_eq!(s.records[0].outcome, "QUEUED");
        tokio::time::advance(delay).await;
        s.process_due(Instant::now(), delay, "t2");
        assert_eq!(s.actions.len(), 1);
        assert_eq!(s.actions[0].amount, 2000);
        assert_eq!(s.actions[0].currency.as_deref(), Some("USD"));
        assert_eq!(s.records[0].outcome, "ACTION_CREATED");
        assert_eq!(s.records[1].outcome, "CONV_DUPLICATE");
    }

    #[tokio::test(start_paused = true)]
    async fn modifications_and_reversals() {
        let mut s = ImpactStore::default();
        let now = Instant::now();
        // Too early: the action does not exist yet when the reversal is processed first.
        s.accept(
            Kind::Reversal,
            fields(&[
                ("ActionTrackerId", "4000"),
                ("OrderId", "in_1"),
                ("DispositionCode", "OTHER"),
            ]),
            "t".into(),
            now,
        );
        s.accept(Kind::Conversion, conversion("in_1"), "t".into(), now);
        s.accept(
            Kind::Modification,
            fields(&[
                ("ActionTrackerId", "4000"),
                ("OrderId", "in_1"),
                ("Reason", "ORDER_UPDATE"),
                ("Amount", "12.50"),
            ]),
            "t".into(),
            now,
        );
        s.process_due(now, Duration::ZERO, "t");
        assert_eq!(s.records[0].outcome, "ACTION_REF_NOT_FOUND");
        assert_eq!(s.records[2].outcome, "ACTION_MODIFIED");
        assert_eq!(s.actions[0].amount, 1250);
        let id = s.actions[0].id.clone();
        s.accept(
            Kind::Reversal,
            fields(&[("ActionId", &id), ("DispositionCode", "ITEM_RETURNED")]),
            "t".into(),
            now,
        );
        s.process_due(now, Duration::ZERO, "t");
        assert_eq!(s.records[3].outcome, "ACTION_REVERSED");
        assert_eq!(s.actions[0].state, "REVERSED");
    }

    #[tokio::test(start_paused = true)]
    async fn a_verdict_completes_with_its_reason_and_changes_nothing() {
        let mut s = ImpactStore::default();
        let now = Instant::now();
        let contract = FaultSpec::verdict("CONTRACT_NOT_FOUND", 1);
        s.accept_with_fault(
            Kind::Conversion,
            conversion("in_1"),
            "t".into(),
            now,
            Some(&contract),
        );
        assert_eq!(s.records[0].outcome, "QUEUED", "accepted as usual");
        s.process_due(now, Duration::ZERO, "t1");
        assert_eq!(s.records[0].outcome, "CONTRACT_NOT_FOUND");
        assert_eq!(s.records[0].action_id, None);
        assert!(s.actions.is_empty(), "no action created");
        let submission = s.records[0].submission("IR1");
        assert_eq!(submission["Status"], "Complete");
        assert_eq!(submission["ErrorType"], "Contract Error");
        assert_eq!(submission["ErrorReason"], "CONTRACT_NOT_FOUND");

        // The same order again, normally: it creates the action the verdict kept away.
        s.accept(Kind::Conversion, conversion("in_1"), "t".into(), now);
        // A modification under a verdict leaves the action as it was.
        let locked = FaultSpec::verdict("ACTION_LOCKED", 1);
        s.accept_with_fault(
            Kind::Modification,
            fields(&[
                ("ActionTrackerId", "4000"),
                ("OrderId", "in_1"),
                ("Reason", "ORDER_UPDATE"),
                ("Amount", "1.00"),
            ]),
            "t".into(),
            now,
            Some(&locked),
        );
        s.process_due(now, Duration::ZERO, "t2");
        assert_eq!(s.records[1].outcome, "ACTION_CREATED");
        assert_eq!(s.records[2].outcome, "ACTION_LOCKED");
        assert_eq!(
            s.actions[0].amount, 2000,
            "the modification changed nothing"
        );
        assert_eq!(s.actions[0].modifications, 0);
        assert_eq!(s.records[2].submission("IR1")["ErrorType"], "Action Error");
    }

    #[tokio::test(start_paused = true)]
    async fn a_lost_answer_is_noted_and_processed_as_usual() {
        let mut s = ImpactStore::default();
        let now = Instant::now();
        let lost: FaultSpec = serde_json::from_str(r#"{"kind":"lost_answer"}"#).unwrap();
        s.accept_with_fault(
            Kind::Conversion,
            conversion("in_1"),
            "t".into(),
            now,
            Some(&lost),
        );
        s.process_due(now, Duration::ZERO, "t1");
        assert!(s.records[0].answer_lost);
        assert_eq!(s.records[0].verdict, None);
        assert_eq!(s.records[0].outcome, "ACTION_CREATED");
        assert_eq!(s.actions.len(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn processing_resumes_in_arrival_order_and_lookups_are_indexed() {
        let mut s = ImpactStore::default();
        let delay = Duration::from_secs(2);
        let first = s.accept(
            Kind::Conversion,
            conversion("in_a"),
            "t0".into(),
            Instant::now(),
        );
        tokio::time::advance(Duration::from_secs(1)).await;
        // Timed before the first but queued after it: it counts as arriving with it.
        let early = Instant::now() - Duration::from_secs(5);
        let second = s.accept(Kind::Conversion, conversion("in_b"), "t1".into(), early);
        let third = s.accept(
            Kind::Conversion,
            conversion("in_a"),
            "t1".into(),
            Instant::now(),
        );
        tokio::time::advance(Duration::from_secs(1)).await;
        s.process_due(Instant::now(), delay, "t2");
        assert_eq!(s.record(&first).unwrap().outcome, "ACTION_CREATED");
        assert_eq!(s.record(&second).unwrap().outcome, "ACTION_CREATED");
        assert_eq!(s.record(&third).unwrap().outcome, "QUEUED", "not due yet");
        tokio::time::advance(Duration::from_secs(1)).await;
        s.process_due(Instant::now(), delay, "t3");
        assert_eq!(s.record(&third).unwrap().outcome, "CONV_DUPLICATE");
        assert!(s.record("A-missing").is_none());
        // A change found by ActionId, another by OrderId.
        let b = s.actions[1].id.clone();
        s.accept(
            Kind::Modification,
            fields(&[
                ("ActionId", &b),
                ("Reason", "ORDER_UPDATE"),
                ("Amount", "5.00"),
            ]),
            "t4".into(),
            Instant::now() - delay,
        );
        s.accept(
            Kind::Reversal,
            fields(&[("ActionTrackerId", "4000"), ("OrderId", "in_a")]),
            "t4".into(),
            Instant::now() - delay,
        );
        s.process_due(Instant::now(), delay, "t5");
        assert_eq!(s.actions[1].amount, 500);
        assert_eq!(s.actions[0].state, "REVERSED");
        assert_eq!(s.actions[1].state, "PENDING");
    }
}
