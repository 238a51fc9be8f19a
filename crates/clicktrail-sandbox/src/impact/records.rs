//! What the impact.com emulator keeps: every accepted request (a record, also its API submission)
//! and the actions conversions became. Both are what `/_sandbox/records` and `/_sandbox/actions`
//! show.

use serde::Serialize;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::validate::{Fields, format_decimal};

/// The kind of an accepted request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// `POST /Conversions`
    Conversion,
    /// `PUT /Actions`
    Modification,
    /// `DELETE /Actions`
    Reversal,
}

impl Kind {
    /// The submission `Type` impact reports.
    pub fn submission_type(self) -> &'static str {
        match self {
            Self::Conversion => "Conversion",
            Self::Modification => "Modification",
            Self::Reversal => "Reversal",
        }
    }
}

/// One accepted request and what became of it.
#[derive(Debug, Clone)]
pub struct Record {
    /// The batch id (`A-...`), also the API submission id.
    pub id: String,
    /// What was asked.
    pub kind: Kind,
    /// When it arrived (wall clock, RFC 3339).
    pub received_at: String,
    /// When it arrived (monotonic, for the processing delay).
    pub received: Instant,
    /// The fields as sent.
    pub params: Fields,
    /// `QUEUED` until processed, then `ACTION_CREATED`, `ACTION_MODIFIED`, `ACTION_REVERSED`, or an
    /// error reason (`CONV_DUPLICATE`, `ACTION_REF_NOT_FOUND`, `ACTION_LOCKED`, or a `verdict`
    /// fault's reason).
    pub outcome: String,
    /// When it was processed (RFC 3339).
    pub completed_at: Option<String>,
    /// The action it created or changed.
    pub action_id: Option<String>,
    /// The error reason a `verdict` fault imposed: processing completes with it and changes
    /// nothing.
    pub verdict: Option<String>,
    /// Whether a `lost_answer` fault dropped the connection instead of answering it.
    pub answer_lost: bool,
}

/// The `ErrorType` impact reports with an error reason: `Contract Error` when the campaign's
/// contract or its action tracker cannot be found, `Action Error` for everything else.
pub fn error_type(reason: &str) -> &'static str {
    match reason {
        "CONTRACT_NOT_FOUND" | "ACTIONTRACKER_NOT_FOUND" => "Contract Error",
        _ => "Action Error",
    }
}

impl Record {
    /// Whether it has been processed.
    pub fn processed(&self) -> bool {
        self.completed_at.is_some()
    }

    /// The `/_sandbox/records` entry.
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id, "kind": self.kind, "received_at": self.received_at, "params": self.params,
            "outcome": self.outcome, "completed_at": self.completed_at, "action_id": self.action_id,
            "verdict": self.verdict, "answer_lost": self.answer_lost,
        })
    }

    /// The `GET /APISubmissions/{id}` answer, in impact's field names.
    pub fn submission(&self, sid: &str) -> Value {
        let ok = matches!(
            self.outcome.as_str(),
            "ACTION_CREATED" | "ACTION_MODIFIED" | "ACTION_REVERSED"
        );
        let error = self.processed() && (self.verdict.is_some() || !ok);
        json!({
            "BatchId": self.id,
            "AccountId": sid,
            "SubmissionDate": self.received_at,
            "CampaignId": self.params.get("CampaignId").cloned().unwrap_or_default(),
            "ActionTrackerId": self.params.get("ActionTrackerId").or_else(|| self.params.get("EventTypeId")).cloned().unwrap_or_default(),
            "OrderId": self.params.get("OrderId").cloned().unwrap_or_default(),
            "Type": self.kind.submission_type(),
            "Status": if self.processed() { "Complete" } else { "Queued" },
            "CompletionDate": self.completed_at.clone().unwrap_or_default(),
            "ErrorType": if error { error_type(&self.outcome) } else { "" },
            "ErrorReason": if error { self.outcome.as_str() } else { "" },
            "Uri": format!("/Advertisers/{sid}/APISubmissions/{}", self.id),
        })
    }
}

/// A tracked action.
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    /// `ActionId` (`<campaign>.<n>.<n>`).
    pub id: String,
    /// `CampaignId`
    pub campaign_id: String,
    /// The event type: `ActionTrackerId`/`EventTypeId`, or `EventTypeCode`.
    pub event_type: String,
    /// `OrderId`
    pub order_id: String,
    /// Amount in hundredths of `currency`.
    pub amount: i64,
    /// `CurrencyCode`
    pub currency: Option<String>,
    /// `PENDING` or `REVERSED`.
    pub state: String,
    /// `ClickId`
    pub click_id: Option<String>,
    /// `CustomerId`
    pub customer_id: Option<String>,
    /// `EventDate`
    pub event_date: String,
    /// Modifications applied.
    pub modifications: u32,
}

impl Action {
    /// The `/_sandbox/actions` entry.
    pub fn to_json(&self) -> Value {
        json!({
            "ActionId": self.id, "CampaignId": self.campaign_id, "EventTypeId": self.event_type,
            "OrderId": self.order_id, "Amount": format_decimal(self.amount), "CurrencyCode": self.currency,
            "State": self.state, "ClickId": self.click_id, "CustomerId": self.customer_id,
            "EventDate": self.event_date, "Modifications": self.modifications,
        })
    }
}
