//! `GET /orders/{order_id}`: what the forwarder sent about one `OrderId`: its conversion with
//! the amount credited and where the action stands now, then every change, in order.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use clicktrail_stripe::{Currency, Money};
use maud::{Markup, html};

use super::pages::{self, Frame, when};
use super::{Caller, Console, failed, page};
use crate::store::OrderHistory;

pub(super) async fn html(
    State(console): State<Arc<Console>>,
    axum::Extension(caller): axum::Extension<Caller>,
    headers: HeaderMap,
    Path(order): Path<String>,
) -> Response {
    match console.store.order_history(&order).await {
        Ok(history) => page(&console, &caller, &headers, "Order", |frame| {
            render(frame, &history)
        }),
        Err(e) => failed(&e),
    }
}

/// `minor` in `currency` as a decimal (`29.00`), or the minor units with the code when the
/// currency's decimals are unknown.
fn amount(minor: i64, currency: &str) -> String {
    Currency::new(&currency.to_ascii_lowercase())
        .ok()
        .and_then(|c| Money::new(minor, c).to_decimal_string())
        .map_or_else(
            || format!("{minor} (minor units)"),
            |text| format!("{text} {currency}"),
        )
}

fn render(frame: &Frame<'_>, h: &OrderHistory) -> Markup {
    pages::layout(
        frame,
        html! {
            h1 { "OrderId " code { (h.order_id) } }
            (history(h))
        },
    )
}

/// The conversion and every change of an order, with amounts: its page's body, and a section
/// of each of its events' pages.
pub(super) fn history(h: &OrderHistory) -> Markup {
    html! {
            @if h.conversions.is_empty() && h.jobs.is_empty() {
                p { "Nothing was sent about this OrderId." }
            }
            @for c in &h.conversions {
                table.facts { tbody {
                    tr { th { "Event type (tracker)" } td { (c.tracker) } }
                    tr { th { "Credited" } td.amount { (amount(c.amount, &c.currency)) } }
                    tr { th { "Refunded" } td.amount { (amount(c.amount_refunded, &c.currency)) } }
                    tr { th { "Now" } td.amount data-field="current" {
                        @if c.reversed { "reversed" } @else { (amount(c.current_amount, &c.currency)) }
                    } }
                    @if let Some(pi) = &c.payment_intent { tr { th { "Payment intent" } td { code { (pi) } } } }
                    @if let Some(s) = &c.subscription { tr { th { "Subscription" } td { code { (s) } } } }
                } }
            }
            h2 { "History" }
            table.history {
                thead { tr { th { "Job" } th { "Request" } th { "Amount sent" } th { "State" } th { "When" } th { "Event" } th { "Outcome" } } }
                tbody {
                    @for j in &h.jobs {
                        tr data-kind=[j.kind.as_deref()] {
                            td { (j.id) }
                            td { (j.kind.as_deref().unwrap_or("")) }
                            td.amount { (j.amount.as_deref().unwrap_or(if j.kind.as_deref() == Some("reversal") { "0 (reversed)" } else { "" })) }
                            td { (j.state) }
                            td { (when(j.run_at)) }
                            td { a href=(format!("/events/{}", j.event_id)) { code { (j.event_id) } } " " (j.event_type) }
                            td { (j.outcome.as_deref().unwrap_or("")) }
                        }
                    }
                }
            }
    }
}

#[cfg(test)]
mod tests {
    use super::amount;

    #[test]
    fn amounts_use_the_currencys_decimals() {
        assert_eq!(amount(2900, "USD"), "29.00 USD");
        assert_eq!(amount(5000, "JPY"), "5000 JPY");
        assert_eq!(amount(12_345, "KWD"), "12.345 KWD");
    }
}
