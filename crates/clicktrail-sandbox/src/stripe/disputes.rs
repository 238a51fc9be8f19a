//! Disputes: a cardholder disputes a charge. Stripe's test cards make disputes on their own; here the
//! helper `POST /_sandbox/charges/{id}/dispute` does ([`super::helpers`]). The dispute opens
//! (`charge.dispute.created`, status `needs_response`, or `warning_needs_response` for an inquiry)
//! and closes at once with its outcome (`charge.dispute.closed`, status `lost`, `won`, or
//! `warning_closed` for an inquiry); the charge renders `disputed: true` from then on. Disputes are
//! read through `GET /v1/disputes` (`charge`, `payment_intent`, `created`, pagination) and
//! `GET /v1/disputes/{id}`, which need `rak_dispute_read` with a restricted key.

use axum::Json;
use axum::extract::State;
use serde_json::Value;

use super::StripeApp;
use super::auth::Resource;
use super::context::{Ctx, Origin};
use super::error::ApiError;
use super::events::CreatedFilter;
use super::form::Params;
use super::list;
use super::render;
use super::retrieve;
use super::state::{Dispute, Store};
use crate::ids;

/// Stripe's dispute reasons.
pub const REASONS: [&str; 15] = [
    "bank_cannot_process",
    "check_returned",
    "credit_not_processed",
    "customer_initiated",
    "debit_not_authorized",
    "duplicate",
    "fraudulent",
    "general",
    "incorrect_account_details",
    "insufficient_funds",
    "noncompliant",
    "product_not_received",
    "product_unacceptable",
    "subscription_canceled",
    "unrecognized",
];

/// How a dispute ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// `lost`: the cardholder keeps the money.
    Lost,
    /// `won`: the merchant keeps it.
    Won,
    /// `warning_closed`: an inquiry that closed without becoming a chargeback.
    WarningClosed,
}

impl Outcome {
    /// `lost`, `won` or `warning_closed`.
    pub fn parse(status: &str) -> Option<Self> {
        match status {
            "lost" => Some(Self::Lost),
            "won" => Some(Self::Won),
            "warning_closed" => Some(Self::WarningClosed),
            _ => None,
        }
    }

    /// The status the dispute opens with: `warning_needs_response` for an inquiry,
    /// `needs_response` otherwise.
    pub fn opening_status(self) -> &'static str {
        match self {
            Self::WarningClosed => "warning_needs_response",
            Self::Lost | Self::Won => "needs_response",
        }
    }

    /// The status it closes with.
    pub fn closing_status(self) -> &'static str {
        match self {
            Self::Lost => "lost",
            Self::Won => "won",
            Self::WarningClosed => "warning_closed",
        }
    }
}

/// What the dispute helper asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDispute {
    /// How it ends (`status`, default `lost`).
    pub outcome: Outcome,
    /// The disputed amount (`amount`, default the charge's amount).
    pub amount: Option<i64>,
    /// `reason` (default `fraudulent`).
    pub reason: String,
}

impl NewDispute {
    /// Reads `status`, `amount` and `reason`, refusing anything else.
    pub fn from_params(p: &Params) -> Result<Self, ApiError> {
        p.allow(&["status", "amount", "reason"])?;
        let status = p.str("status")?.filter(|s| !s.is_empty()).unwrap_or("lost");
        let outcome = Outcome::parse(status).ok_or_else(|| {
            ApiError::invalid_request(
                format!(
                    "Invalid status: must be one of lost, won, or warning_closed (got {status})"
                ),
                Some("status".into()),
            )
        })?;
        let amount = p.int("amount")?;
        if amount.is_some_and(|a| a < 1) {
            return Err(ApiError::invalid_request(
                "Invalid positive integer",
                Some("amount".into()),
            ));
        }
        let reason = p
            .str("reason")?
            .filter(|s| !s.is_empty())
            .unwrap_or("fraudulent");
        if !REASONS.contains(&reason) {
            return Err(ApiError::invalid_request(
                format!("Invalid reason: must be one of {}", REASONS.join(", ")),
                Some("reason".into()),
            ));
        }
        Ok(Self {
            outcome,
            amount,
            reason: reason.to_owned(),
        })
    }
}

impl Store {
    /// Opens a dispute on charge `charge_id` and closes it with its outcome: marks the charge
    /// disputed, emits `charge.dispute.created` then `charge.dispute.closed`. Returns the dispute id.
    /// A charge that does not exist is a 404; a charge already disputed, or an amount above the
    /// charge's, a 400.
    pub fn dispute_charge(
        &mut self,
        origin: &Origin,
        now: i64,
        charge_id: &str,
        new: NewDispute,
    ) -> Result<String, ApiError> {
        let charge = self
            .charges
            .get(charge_id)
            .ok_or_else(|| ApiError::no_such("charge", charge_id, "id"))?;
        if charge.disputed {
            return Err(ApiError::invalid_request(
                format!("Charge {charge_id} has already been disputed."),
                None,
            ));
        }
        let amount = new.amount.unwrap_or(charge.amount);
        if amount > charge.amount {
            return Err(ApiError::invalid_request(
                format!(
                    "The disputed amount ({amount}) is greater than the charge's amount ({}).",
                    charge.amount
                ),
                Some("amount".into()),
            ));
        }
        let id = ids::stripe_id("dp");
        let dispute = Dispute {
            id: id.clone(),
            created: now,
            amount,
            currency: charge.currency.clone(),
            charge: charge_id.to_owned(),
            payment_intent: charge.payment_intent.clone(),
            reason: new.reason,
            status: new.outcome.opening_status().to_owned(),
            metadata: Default::default(),
        };
        self.disputes.insert(id.clone(), dispute);
        if let Some(charge) = self.charges.get_mut(charge_id) {
            charge.disputed = true;
        }
        self.emit(origin, now, "charge.dispute.created", &id);
        if let Some(dispute) = self.disputes.get_mut(&id) {
            dispute.status = new.outcome.closing_status().to_owned();
        }
        self.emit(origin, now, "charge.dispute.closed", &id);
        Ok(id)
    }
}

/// `GET /v1/disputes/{id}`
pub const RETRIEVE: retrieve::One =
    retrieve::One::expanded(Resource::Disputes, "dispute", |store, id, _, _| {
        store.disputes.get(id).map(render::dispute)
    })
    .with_param("dispute");

/// `GET /v1/disputes`: `charge`, `payment_intent`, `created`, pagination.
pub async fn list(State(app): State<StripeApp>, ctx: Ctx) -> Result<Json<Value>, ApiError> {
    let page = ctx.list_page(Resource::Disputes, &["charge", "payment_intent", "created"])?;
    let p = &ctx.params;
    let charge = p.str("charge")?.map(str::to_owned);
    let pi = p.str("payment_intent")?.map(str::to_owned);
    let created = CreatedFilter::from_params(p)?;
    let expand = ctx.expand()?;
    app.read(|store| {
        let items = store
            .disputes
            .newest_first()
            .filter(|(_, d)| charge.as_deref().is_none_or(|c| d.charge == c))
            .filter(|(_, d)| list::keeps(pi.as_deref(), d.payment_intent.as_deref()))
            .filter(|(_, d)| created.matches(d.created))
            .map(|(rank, d)| (rank, render::dispute(d)))
            .collect();
        let mut v = page.apply(
            items,
            |id| store.disputes.rank(id),
            "dispute",
            "/v1/disputes",
        )?;
        super::expand::apply(store, &mut v, &expand, ctx.shape);
        Ok(Json(v))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stripe::state::Charge;

    fn charge(store: &mut Store, id: &str, amount: i64) {
        store.charges.insert(
            id.to_owned(),
            Charge {
                id: id.to_owned(),
                created: 1,
                amount,
                amount_refunded: 0,
                currency: "kwd".into(),
                customer: None,
                payment_intent: Some("pi_1".into()),
                invoice: None,
                description: None,
                email: None,
                metadata: Default::default(),
                disputed: false,
            },
        );
    }

    fn new(query: &str) -> Result<NewDispute, ApiError> {
        NewDispute::from_params(&Params::parse(query.as_bytes()).unwrap())
    }

    #[test]
    fn parameters_default_to_a_lost_fraudulent_dispute_of_the_whole_charge() {
        let d = new("").unwrap();
        assert_eq!(
            d,
            NewDispute {
                outcome: Outcome::Lost,
                amount: None,
                reason: "fraudulent".into()
            }
        );
        let d = new("status=warning_closed&amount=500&reason=product_not_received").unwrap();
        assert_eq!(d.outcome.opening_status(), "warning_needs_response");
        assert_eq!(d.outcome.closing_status(), "warning_closed");
        assert_eq!(d.amount, Some(500));
        for bad in ["status=open", "amount=0", "reason=angry", "charge=ch_1"] {
            assert!(new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_dispute_opens_then_closes_and_marks_the_charge() {
        let mut store = Store::default();
        charge(&mut store, "ch_1", 12_340);
        let origin = Origin::default();
        let id = store
            .dispute_charge(&origin, 7, "ch_1", new("status=won").unwrap())
            .unwrap();
        let d = store.disputes.get(&id).unwrap();
        assert!(id.starts_with("dp_"));
        assert_eq!(
            (d.amount, d.currency.as_str(), d.status.as_str()),
            (12_340, "kwd", "won")
        );
        assert_eq!(d.payment_intent.as_deref(), Some("pi_1"));
        assert!(store.charges.get("ch_1").unwrap().disputed);
        let mut events: Vec<_> = store
            .events
            .newest_first()
            .map(|(_, e)| (e.kind.clone(), e.object_basil["status"].clone()))
            .collect();
        events.reverse();
        assert_eq!(
            events,
            [
                ("charge.dispute.created".to_owned(), "needs_response".into()),
                ("charge.dispute.closed".to_owned(), "won".into()),
            ]
        );
        // One dispute per charge; amounts within the charge; charges that exist.
        let again = store.dispute_charge(&origin, 8, "ch_1", new("").unwrap());
        assert_eq!(again.unwrap_err().status.as_u16(), 400);
        charge(&mut store, "ch_2", 100);
        let too_much = store.dispute_charge(&origin, 8, "ch_2", new("amount=101").unwrap());
        assert_eq!(too_much.unwrap_err().param.as_deref(), Some("amount"));
        let missing = store.dispute_charge(&origin, 8, "ch_nope", new("").unwrap());
        assert_eq!(missing.unwrap_err().status.as_u16(), 404);
        assert_eq!(store.disputes.len(), 1);
    }
}
