//! `GET /events`: every event newest first, filtered and paged by keyset; `GET /api/events`,
//! the same as JSON.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde_json::json;

use super::pages::{self, Frame, decision_badge, when};
use super::query::Listing;
use super::{Caller, Console, bad_input, failed, page};
use crate::store::{DecisionFilter, EventFilter, EventPage, IdMatch};

/// The listing the query asks for and its page of events; `Err` is the answer to send instead
/// (a value the page cannot use, or the store failing).
async fn listed(console: &Console, query: Option<&str>) -> Result<(Listing, EventPage), Response> {
    let listing = Listing::parse(query).map_err(|e| bad_input(&e))?;
    let found = console
        .store
        .console_events(&listing.filter, listing.after.as_ref(), listing.limit)
        .await
        .map_err(|e| failed(&e))?;
    Ok((listing, found))
}

pub(super) async fn html(
    State(console): State<Arc<Console>>,
    axum::Extension(caller): axum::Extension<Caller>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    match listed(&console, query.as_deref()).await {
        Ok((listing, found)) => page(&console, &caller, &headers, "Events", |frame| {
            render(frame, &listing, &found)
        }),
        Err(answer) => answer,
    }
}

pub(super) async fn api(
    State(console): State<Arc<Console>>,
    RawQuery(query): RawQuery,
) -> Response {
    match listed(&console, query.as_deref()).await {
        Ok((_, found)) => axum::Json(json!({
            "events": found.rows.iter().map(|r| json!({
                "id": r.id, "type": r.event_type, "received_at": pages::rfc3339_ms(r.received_at),
                "source": r.source, "decision": r.decision.as_str(), "text": r.decision_text,
                "job": r.job, "state": r.state, "kind": r.kind, "order_id": r.order_id,
                "click_id": r.click_id, "customer": r.customer,
            })).collect::<Vec<_>>(),
            "next": found.next.map(|n| n.to_token()),
        }))
        .into_response(),
        Err(answer) => answer,
    }
}

fn render(frame: &Frame<'_>, listing: &Listing, found: &EventPage) -> Markup {
    let f = &listing.filter;
    let event = f.event_id.as_ref().map(|m| match m {
        IdMatch::Exact(id) => id.clone(),
        IdMatch::Prefix(p) => format!("{p}*"),
    });
    // The first page refreshes itself; a later one stays put while it is read.
    let live = listing.after.is_none();
    pages::layout(
        frame,
        html! {
            h1 { "Events" }
            form.filters method="get" action="/events" {
                (field("type", "Type", f.event_type.as_deref(), "invoice.paid"))
                label { "Decision"
                    select name="decision" {
                        option value="" { "any" }
                        @for d in DecisionFilter::ALL {
                            option value=(d.as_str()) selected[f.decision == Some(d)] { (d.as_str()) }
                        }
                    }
                }
                (field("order", "OrderId", f.order_id.as_deref(), "in_… / pi_…"))
                (field("click", "Click id", f.click_id.as_deref(), ""))
                (field("customer", "Customer", f.customer.as_deref(), "cus_…"))
                (field("event", "Event id", event.as_deref(), "evt_… (end with * for a prefix)"))
                (field("since", "Since (UTC)", f.since.map(pages::rfc3339_ms).as_deref(), "2026-12-01"))
                (field("until", "Until (UTC)", f.until.map(pages::rfc3339_ms).as_deref(), ""))
                button type="submit" { "Filter" }
                a href="/events" { "Clear" }
            }
            table.events #events data-reload[live] {
                thead { tr {
                    th { "Received" } th { "Event" } th { "Type" } th { "Decision" }
                    th { "OrderId" } th { "Click id" } th { "Customer" }
                } }
                tbody {
                    @for r in &found.rows {
                        tr {
                            td { (when(r.received_at)) }
                            td { a href=(format!("/events/{}", r.id)) { code { (r.id) } } }
                            td { (r.event_type) }
                            td { (decision_badge(r.decision)) " " span.text { (r.decision_text) } }
                            td { @if let Some(order) = &r.order_id { a href=(format!("/orders/{order}")) { code { (order) } } } }
                            td { @if let Some(c) = &r.click_id { code { (c) } } }
                            td { @if let Some(c) = &r.customer { code { (c) } } }
                        }
                    }
                    @if found.rows.is_empty() {
                        tr { td colspan="7" { "No event matches." } }
                    }
                }
            }
            p.paging {
                @if listing.after.is_some() { a href="/events" { "Newest" } " · " }
                @if let Some(next) = &found.next {
                    a rel="next" href=(format!("/events?{}", listing.next_page(next))) { "Older →" }
                } @else {
                    "No older events."
                }
            }
        },
    )
}

fn field(name: &str, label: &str, value: Option<&str>, placeholder: &str) -> Markup {
    html! {
        label { (label)
            input type="text" name=(name) value=[value] placeholder=(placeholder);
        }
    }
}

/// The filter of the dead letters' "Replay all" form, as hidden fields.
pub(super) fn hidden_filter(filter: &EventFilter) -> Markup {
    html! {
        @for (key, value) in filter.to_query() {
            input type="hidden" name=(key) value=(value);
        }
    }
}
