//! `GET /events/{id}`: one event, its decision and every job and attempt; `POST
//! /jobs/{id}/replay` puts a dead letter back in the queue; `GET /events/{id}/explain` decides
//! the event again with today's rules, sending nothing.

use std::sync::Arc;

use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::pages::{self, Frame, when};
use super::{Caller, Console, auth, failed, page, refuse};
use crate::explain::Explainer;
use crate::store::{EventDetail, JobDetail, OrderHistory};

/// The stored event `id` and its order's history (when it has an order); `Err` is the answer
/// to send instead (404, or the store failing).
async fn stored(
    console: &Console,
    id: &str,
) -> Result<(EventDetail, Option<OrderHistory>), Response> {
    let event = match console.store.console_event(id).await {
        Ok(Some(event)) => event,
        Ok(None) => return Err(not_found(id)),
        Err(e) => return Err(failed(&e)),
    };
    let history = match event.jobs.iter().find_map(|j| j.order_id.as_deref()) {
        Some(order) => Some(
            console
                .store
                .order_history(order)
                .await
                .map_err(|e| failed(&e))?,
        ),
        None => None,
    };
    Ok((event, history))
}

pub(super) async fn html(
    State(console): State<Arc<Console>>,
    axum::Extension(caller): axum::Extension<Caller>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    match stored(&console, &id).await {
        Ok((event, history)) => page(&console, &caller, &headers, "Event", |frame| {
            render(frame, &event, history.as_ref(), None)
        }),
        Err(answer) => answer,
    }
}

/// Today's rules over the event, and before it the other events of its order (so that a refund
/// meets its conversion), in memory: `clicktrail explain` over them, nothing stored or sent.
pub(super) async fn explain(
    State(console): State<Arc<Console>>,
    axum::Extension(caller): axum::Extension<Caller>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let (event, history) = match stored(&console, &id).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let mut ids: Vec<String> = history
        .as_ref()
        .map(|h| h.jobs.iter().map(|j| j.event_id.clone()).collect())
        .unwrap_or_default();
    if !ids.contains(&event.id) {
        ids.push(event.id.clone());
    }
    // The order's other events in one read; this one's payload is at hand.
    let others: Vec<&str> = ids
        .iter()
        .map(String::as_str)
        .filter(|one| *one != event.id)
        .collect();
    let mut payloads = match console.store.event_payloads(&others).await {
        Ok(payloads) => payloads,
        Err(e) => return failed(&e),
    };
    payloads.insert(event.id.clone(), event.payload.clone());
    let mut explainer = Explainer::new(console.settings_for_rules.clone());
    let mut lines = Vec::new();
    for one in &ids {
        let Some(payload) = payloads.get(one) else {
            continue;
        };
        let mut out = Vec::new();
        let _ = explainer.text(one, payload, &mut out);
        lines.extend(
            String::from_utf8_lossy(&out)
                .lines()
                .map(|l| (one.clone(), pretty(l))),
        );
    }
    page(&console, &caller, &headers, "Event", |frame| {
        render(frame, &event, history.as_ref(), Some(&lines))
    })
}

#[derive(Deserialize)]
pub(super) struct ReplayForm {
    csrf: Option<String>,
    /// Where to go back to.
    back: Option<String>,
}

pub(super) async fn replay(
    State(console): State<Arc<Console>>,
    axum::Extension(caller): axum::Extension<Caller>,
    headers: HeaderMap,
    Path(job): Path<i64>,
    Form(form): Form<ReplayForm>,
) -> Response {
    if let Err(refusal) = auth::check_post(&console.keys, &caller, &headers, form.csrf.as_deref()) {
        return refuse(&refusal, true);
    }
    match console.store.retry_job(job).await {
        Ok(requeued) => {
            tracing::info!(job, requeued, "console: replay");
            let back = form
                .back
                .filter(|b| b.starts_with('/') && !b.starts_with("//"))
                .unwrap_or_else(|| "/dead".to_owned());
            Redirect::to(&back).into_response()
        }
        Err(e) => failed(&e),
    }
}

fn not_found(id: &str) -> Response {
    (StatusCode::NOT_FOUND, format!("no event {id} is stored\n")).into_response()
}

fn pretty(json: &str) -> String {
    serde_json::from_str::<serde_json::Value>(json)
        .and_then(|v| serde_json::to_string_pretty(&v))
        .unwrap_or_else(|_| json.to_owned())
}

fn render(
    frame: &Frame<'_>,
    event: &EventDetail,
    history: Option<&OrderHistory>,
    explained: Option<&[(String, String)]>,
) -> Markup {
    let back = format!("/events/{}", event.id);
    pages::layout(
        frame,
        html! {
            h1 { "Event " code { (event.id) } }
            table.facts { tbody {
                tr { th { "Type" } td { (event.event_type) } }
                tr { th { "Created at Stripe" } td { (pages::rfc3339_ms(event.created.saturating_mul(1000))) } }
                tr { th { "Received" } td { (when(event.received_at)) " from " (event.source) } }
                tr { th { "Intake" } td { (event.outcome) } }
                @if let Some(c) = &event.customer { tr { th { "Customer" } td { code { (c) } } } }
            } }
            p.actions {
                a.button href=(format!("/events/{}/explain", event.id)) { "Explain again with today's rules" }
            }
            @if let Some(lines) = explained {
                section.explain {
                    h2 { "Today's rules (dry run: nothing stored or sent)" }
                    @for (id, line) in lines {
                        p { "for " code { (id) } }
                        pre { (line) }
                    }
                }
            }
            @for job in &event.jobs { (job_section(frame, job, &back)) }
            @if event.jobs.is_empty() { p { "No job: the event was " (event.outcome) "." } }
            @if let Some(h) = history {
                section.order {
                    h2 { "The order's history: " a href=(format!("/orders/{}", h.order_id)) { code { (h.order_id) } } }
                    (super::orders::history(h))
                }
            }
            details.payload {
                summary { "Raw payload" }
                pre { (pretty(&event.payload)) }
            }
        },
    )
}

fn job_section(frame: &Frame<'_>, job: &JobDetail, back: &str) -> Markup {
    html! {
        section.job {
            h2 { "Job " (job.id) ": " (job.kind.as_deref().unwrap_or("not decided to send")) " · " span.state { (job.state) } }
            table.facts { tbody {
                @if let Some(order) = &job.order_id {
                    tr { th { "OrderId" } td { a href=(format!("/orders/{order}")) { code { (order) } } } }
                }
                @if let Some(t) = &job.tracker { tr { th { "Event type (tracker)" } td { (t) } } }
                tr { th { "Decision" } td.reason { (job.outcome.as_deref().unwrap_or("")) } }
                @if let Some(note) = &job.note { tr { th { "Note" } td { (note) } } }
                @if let Some(v) = &job.verdict { tr { th { "impact.com's verdict" } td { (v) } } }
                tr { th { "Runs at" } td { (when(job.run_at)) } }
                tr { th { "Attempts" } td { (job.attempts) " sent, " (job.failures) " transient failures, " (job.polls) " verdict reads" } }
                @if let Some(after) = job.after_job { tr { th { "After job" } td { (after) } } }
                @if let Some(answer) = &job.answer { tr { th { "Last answer" } td { pre { (answer) } } } }
            } }
            @if job.state == "dead" || job.state == "retrying" {
                form.replay method="post" action=(format!("/jobs/{}/replay", job.id)) {
                    @if let Some(csrf) = frame.csrf { input type="hidden" name="csrf" value=(csrf); }
                    input type="hidden" name="back" value=(back);
                    button type="submit" { "Replay" }
                }
            }
            @if let Some(request) = &job.request {
                details { summary { "The decided request" } pre { (pretty(request)) } }
            }
            @if !job.history.is_empty() {
                table.attempts {
                    thead { tr { th { "At" } th { "Request" } th { "Status" } th { "Outcome" } th { "impact.com's answer" } } }
                    tbody {
                        @for a in &job.history {
                            tr {
                                td { (when(a.at)) " (" (a.duration_ms) " ms)" }
                                td {
                                    code { (a.method) " " (a.path) }
                                    br;
                                    code.masked { "Authorization: Basic ••••• (never stored)" }
                                    details { summary { "params" } pre { (pretty(&a.params)) } }
                                }
                                td { (a.status.map(|s| s.to_string()).unwrap_or_default()) }
                                td { (a.outcome) }
                                td { pre { (a.excerpt) } }
                            }
                        }
                    }
                }
            }
        }
    }
}
