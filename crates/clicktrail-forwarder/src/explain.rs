//! `clicktrail explain`: run the rules over event files and print each decision, sending nothing.
//!
//! Each input is a JSON file holding one Stripe event, or a JSONL file holding one event per line
//! (a file whose first JSON value is followed by more, or named `*.jsonl` / `*.ndjson`). Events
//! are decided in the given order with in-memory knowledge, so a refund after its invoice
//! resolves. No network: a decision that needs Stripe prints what it would fetch. The clock is the
//! event's own `created`, so the output is deterministic.
//!
//! Output, one JSON object per event on the writer and nothing else:
//!
//! - `{"event":"evt_..","type":"invoice.paid","decision":"send","not_before":"<RFC 3339>","request":{"method":"POST","path":"/Advertisers/<SID>/Conversions","params":{...}}}`
//!   A one-time Checkout payment goes out as one item, with `"note":"sent as one item: ..."`:
//!   explain does not fetch its line items (or a promotion code named by id), which never change
//!   the amount.
//! - `{"event":"..","type":"..","decision":"skip","reason":"..."}`
//! - `{"event":"..","type":"..","decision":"lookup","needs":"GET /v1/..."}`
//! - `{"event":"..","type":"..","decision":"wait","until":"<RFC 3339>","reason":"..."}`
//! - `{"event":"..","type":"charge.refunded","decision":"await_conversion","until":"<RFC 3339>","reason":"waiting for its conversion: ..."}`:
//!   a refund or dispute whose payment was not decided yet. It is decided again as soon as a
//!   later input decides that payment, and that line follows the payment's own line, with
//!   `"decided_again_after":"evt_.."`.
//! - `{"line":N,"file":"..","error":".."}` for a line (or file) that is not valid JSON or not an
//!   event; the rest is still processed.
//!
//! ```
//! use clicktrail_forwarder::explain::Explainer;
//! use clicktrail_forwarder::mapping::Settings;
//!
//! let mut explainer = Explainer::new(Settings::demo());
//! let mut out = Vec::new();
//! explainer.text("events.jsonl", "{\"not\": \"an event\"}\n", &mut out).unwrap();
//! assert_eq!(explainer.errors(), 1);
//! assert!(String::from_utf8(out).unwrap().starts_with("{\"line\":1,\"file\":\"events.jsonl\""));
//! ```

use std::io::{self, Write};
use std::path::Path;

use clicktrail_stripe::Event;
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

use crate::account::backfill::rfc3339;
use crate::knowledge::{MemoryKnowledge, Record};
use crate::mapping::{self, Decision, Fetched, Need, Settings};

/// Runs the rules over inputs in order, keeping what they learn between events.
#[derive(Debug)]
pub struct Explainer {
    settings: Settings,
    knowledge: MemoryKnowledge,
    errors: usize,
    /// Refunds and disputes waiting for their payment, with the ids that name it.
    awaiting: Vec<(Event, Vec<String>)>,
}

impl Explainer {
    /// An explainer with empty knowledge.
    pub fn new(settings: Settings) -> Self {
        Self {
            settings,
            knowledge: MemoryKnowledge::default(),
            errors: 0,
            awaiting: Vec::new(),
        }
    }

    /// How many lines or files could not be explained so far.
    pub fn errors(&self) -> usize {
        self.errors
    }

    /// Explains the file at `path` (`-` reads standard input). An unreadable file is reported
    /// on `out` like a bad line and counted as an error.
    pub fn file(&mut self, path: &Path, out: &mut impl Write) -> io::Result<()> {
        let name = path.display().to_string();
        let text = if name == "-" {
            io::read_to_string(io::stdin())
        } else {
            std::fs::read_to_string(path)
        };
        match text {
            Ok(text) => self.text(&name, &text, out),
            Err(e) => self.error(out, &name, None, &format!("cannot read the file: {e}")),
        }
    }

    /// Explains `text`, the content of the input called `name`.
    pub fn text(&mut self, name: &str, text: &str, out: &mut impl Write) -> io::Result<()> {
        let by_lines = name.ends_with(".jsonl") || name.ends_with(".ndjson") || {
            let mut values = serde_json::Deserializer::from_str(text).into_iter::<Value>();
            matches!((values.next(), values.next()), (Some(Ok(_)), Some(_)))
        };
        if by_lines {
            for (i, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                match serde_json::from_str::<Value>(line) {
                    Ok(value) => self.value(name, i + 1, value, out)?,
                    Err(e) => {
                        self.error(out, name, Some(i + 1), &format!("not valid JSON: {e}"))?
                    }
                }
            }
            return Ok(());
        }
        match serde_json::from_str::<Value>(text) {
            Ok(value) => self.value(name, 1, value, out),
            Err(e) => self.error(
                out,
                name,
                Some(e.line().max(1)),
                &format!("not valid JSON: {e}"),
            ),
        }
    }

    fn value(
        &mut self,
        name: &str,
        line: usize,
        value: Value,
        out: &mut impl Write,
    ) -> io::Result<()> {
        match Event::from_value(value) {
            Ok(event) => {
                for rendered in self.event(&event) {
                    writeln!(out, "{rendered}")?;
                }
                Ok(())
            }
            Err(e) => self.error(out, name, Some(line), &format!("not a Stripe event: {e}")),
        }
    }

    /// Decides `event` (with `now` = its `created`), remembers what the decision records, and
    /// returns the JSON line describing it, followed by the lines of the refunds and disputes
    /// that waited for the payment it decided.
    pub fn event(&mut self, event: &Event) -> Vec<String> {
        let decision = self.decide(event, event.created);
        let mut lines = vec![render(&Line::new(
            event,
            &decision,
            &self.settings.account_sid,
        ))];
        let decided: Vec<String> = decision
            .records()
            .iter()
            .filter_map(|r| match r {
                Record::PaymentDecided { refs, .. } => Some(refs.clone()),
                _ => None,
            })
            .flatten()
            .collect();
        if let Decision::AwaitConversion { refs, .. } = &decision {
            self.awaiting.push((event.clone(), refs.clone()));
        }
        if decided.is_empty() {
            return lines;
        }
        let (ready, still): (Vec<_>, Vec<_>) = std::mem::take(&mut self.awaiting)
            .into_iter()
            .partition(|(_, refs)| refs.iter().any(|r| decided.contains(r)));
        self.awaiting = still;
        for (waiting, _) in ready {
            // Decided again now, as the service does: "now" is the payment event's time.
            let again = self.decide(&waiting, event.created.max(waiting.created));
            let mut line = Line::new(&waiting, &again, &self.settings.account_sid);
            line.decided_again_after = Some(&event.id);
            lines.push(render(&line));
            if let Decision::AwaitConversion { refs, .. } = &again {
                self.awaiting.push((waiting.clone(), refs.clone()));
            }
        }
        lines
    }

    fn decide(&mut self, event: &Event, now: i64) -> Decision {
        let mut fetched = Fetched::default();
        let decision = loop {
            let decision = mapping::decide(event, &self.settings, &self.knowledge, &fetched, now);
            match &decision {
                Decision::Lookup { needs } if answer_offline(needs, &mut fetched) => {}
                _ => break decision,
            }
        };
        self.knowledge.apply(decision.records());
        decision
    }

    fn error(
        &mut self,
        out: &mut impl Write,
        file: &str,
        line: Option<usize>,
        error: &str,
    ) -> io::Result<()> {
        self.errors += 1;
        let entry = ErrorLine { line, file, error };
        let text = serde_json::to_string(&entry).map_err(io::Error::other)?;
        writeln!(out, "{text}")
    }
}

/// Answers, without Stripe, the look-ups that only dress a conversion (its line items, its
/// promotion code) and never change its amount: explain then shows the send, as one item with a
/// note saying why. `false` for look-ups a decision depends on (a click id, a first payment):
/// explain prints what it would fetch.
fn answer_offline(needs: &Need, fetched: &mut Fetched) -> bool {
    const OFFLINE: &str = "explain does not call Stripe";
    match needs {
        Need::CheckoutLineItems { session } => {
            fetched.checkout_line_items(session.clone(), Err(OFFLINE.to_owned()));
            true
        }
        Need::PromotionCode { id } => {
            fetched.promotion_code(id.clone(), None);
            true
        }
        _ => false,
    }
}

/// One line of JSON; a serialization failure becomes a valid JSON error line naming the event
/// (serialized by serde_json too, so whatever the texts hold, the line stays JSON).
fn render(line: &Line<'_>) -> String {
    serde_json::to_string(line).unwrap_or_else(|e| {
        serde_json::json!({ "event": line.event, "type": line.event_type, "error": e.to_string() })
            .to_string()
    })
}

#[derive(serde::Serialize)]
struct ErrorLine<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    file: &'a str,
    error: &'a str,
}

/// One output line, fields in the documented order.
#[derive(serde::Serialize)]
struct Line<'a> {
    event: &'a str,
    #[serde(rename = "type")]
    event_type: &'a str,
    decision: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    not_before: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request: Option<RequestOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    until: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    needs: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    decided_again_after: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
}

impl<'a> Line<'a> {
    fn new(event: &'a Event, decision: &'a Decision, sid: &str) -> Self {
        let mut line = Line {
            event: &event.id,
            event_type: &event.event_type,
            decision: decision.kind(),
            not_before: None,
            request: None,
            until: None,
            reason: None,
            needs: None,
            decided_again_after: None,
            note: None,
        };
        match decision {
            Decision::Send {
                request,
                not_before,
                note,
                ..
            } => {
                line.not_before = Some(rfc3339(*not_before));
                line.note = note.as_deref();
                line.request = Some(RequestOut {
                    method: request.method().as_str(),
                    path: request.path(sid),
                    params: Params(request.params()),
                });
            }
            Decision::Skip { reason, .. } => line.reason = Some(reason),
            Decision::Lookup { needs } => line.needs = Some(needs.to_string()),
            Decision::Wait { until, reason } | Decision::AwaitConversion { until, reason, .. } => {
                line.until = Some(rfc3339(*until));
                line.reason = Some(reason);
            }
        }
        line
    }
}

#[derive(serde::Serialize)]
struct RequestOut {
    method: &'static str,
    path: String,
    params: Params,
}

/// Form parameters as a JSON object, in the order they are sent.
struct Params(Vec<(String, String)>);

impl Serialize for Params {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}
