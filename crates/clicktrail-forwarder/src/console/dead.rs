//! `GET /dead`: dead letters with their reason and impact.com's last answer, filtered like the
//! events; `POST /dead/replay` puts back every dead letter the filter selects.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};

use super::events::hidden_filter;
use super::pages::{self, Frame, when};
use super::query::{Listing, encode};
use super::{Caller, Console, auth, bad_input, failed, page, refuse};
use crate::store::{EventFilter, JobRow};

pub(super) async fn html(
    State(console): State<Arc<Console>>,
    axum::Extension(caller): axum::Extension<Caller>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let listed = async {
        let listing = Listing::parse(query.as_deref()).map_err(|e| bad_input(&e))?;
        let rows = console
            .store
            .dead_letters(&listing.filter, listing.limit)
            .await;
        let rows = rows.map_err(|e| failed(&e))?;
        Ok::<_, Response>((listing, rows))
    };
    match listed.await {
        Ok((listing, rows)) => page(&console, &caller, &headers, "Dead letters", |frame| {
            render(frame, &listing.filter, &rows)
        }),
        Err(answer) => answer,
    }
}

/// Replays every dead letter the form's filter selects (the filter travels as form fields, so
/// that what is replayed is what the page showed).
pub(super) async fn replay_all(
    State(console): State<Arc<Console>>,
    axum::Extension(caller): axum::Extension<Caller>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let csrf = form_urlencoded::parse(body.as_bytes())
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.into_owned());
    if let Err(refusal) = auth::check_post(&console.keys, &caller, &headers, csrf.as_deref()) {
        return refuse(&refusal, true);
    }
    let listing = match Listing::parse(Some(&body)) {
        Ok(listing) => listing,
        Err(e) => return bad_input(&e),
    };
    match console.store.retry_filtered(&listing.filter).await {
        Ok(n) => {
            tracing::info!(
                jobs = n,
                "console: replay of the dead letters a filter selects"
            );
            let back = encode(&listing.filter.to_query());
            Redirect::to(&format!("/dead?{back}")).into_response()
        }
        Err(e) => failed(&e),
    }
}

fn render(frame: &Frame<'_>, filter: &EventFilter, rows: &[JobRow]) -> Markup {
    pages::layout(
        frame,
        html! {
            h1 { "Dead letters" }
            p { "A dead letter is a request impact.com refused for good, or one that kept failing through every retry. "
                "Replay sends it again as decided; the changes of its order that wait for it follow it out, in order." }
            @if !rows.is_empty() {
                form.replay-all method="post" action="/dead/replay" {
                    @if let Some(csrf) = frame.csrf { input type="hidden" name="csrf" value=(csrf); }
                    (hidden_filter(filter))
                    button type="submit" { "Replay all " (rows.len()) " shown" }
                }
            }
            table.dead #dead data-reload {
                thead { tr { th { "Job" } th { "Event" } th { "OrderId" } th { "Reason" } th { "impact.com's last answer" } th { "" } } }
                tbody {
                    @for j in rows {
                        tr {
                            td { (j.id) br; (j.kind.as_deref().unwrap_or("")) }
                            td { a href=(format!("/events/{}", j.event_id)) { code { (j.event_id) } } br; (j.event_type) br; (when(j.run_at)) }
                            td { @if let Some(order) = &j.order_id { a href=(format!("/orders/{order}")) { code { (order) } } } }
                            td.reason { (j.outcome.as_deref().unwrap_or("")) }
                            td { @if let Some(a) = &j.answer { pre { (a) } } }
                            td {
                                a href=(format!("/events/{}/explain", j.event_id)) { "Explain again" }
                                form method="post" action=(format!("/jobs/{}/replay", j.id)) {
                                    @if let Some(csrf) = frame.csrf { input type="hidden" name="csrf" value=(csrf); }
                                    input type="hidden" name="back" value="/dead";
                                    button type="submit" { "Replay" }
                                }
                            }
                        }
                    }
                    @if rows.is_empty() { tr { td colspan="6" { "No dead letter." } } }
                }
            }
        },
    )
}
