//! The console's HTML, rendered with maud (checked at compile time, escaped by default). No
//! front-end build step and nothing loaded from the internet: one stylesheet and one small
//! script, both served by the console itself.

use maud::{DOCTYPE, Markup, html};

use super::overview::Overview;
use crate::store::{DecisionFilter, HourSends};

/// What every page needs besides its body.
#[derive(Debug, Clone)]
pub struct Frame<'a> {
    /// The page title.
    pub title: &'a str,
    /// No token configured: every page says the console answers only on loopback.
    pub loopback_only: bool,
    /// The CSRF token for forms, when the caller has a session.
    pub csrf: Option<&'a str>,
}

/// The page around `body`.
pub fn layout(frame: &Frame<'_>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="same-origin";
                title { (frame.title) " · clicktrail console" }
                link rel="stylesheet" href="/console.css";
                script src="/console.js" defer {}
            }
            body {
                header {
                    a.brand href="/" { "clicktrail" }
                    nav {
                        a href="/" { "Overview" }
                        a href="/events" { "Events" }
                        a href="/dead" { "Dead letters" }
                    }
                    @if let Some(csrf) = frame.csrf {
                        form.logout method="post" action="/logout" {
                            input type="hidden" name="csrf" value=(csrf);
                            button type="submit" { "Log out" }
                        }
                    }
                }
                @if frame.loopback_only {
                    p.notice role="status" {
                        "No " code { "[admin] token" } " is configured: this console answers only on loopback. "
                        "Set " code { "CLICKTRAIL_ADMIN__TOKEN" } " before putting it behind a proxy."
                    }
                }
                main { (body) }
            }
        }
    }
}

/// A value the page was given that it cannot use, with what is expected.
pub fn bad_input(message: &str) -> Markup {
    let frame = Frame {
        title: "Bad request",
        loopback_only: false,
        csrf: None,
    };
    layout(
        &frame,
        html! { h1 { "Bad request" } p.error { (message) } p { a href="/events" { "Events" } } },
    )
}

/// The login form; `error` after a wrong token.
pub fn login(error: Option<&str>) -> Markup {
    let frame = Frame {
        title: "Log in",
        loopback_only: false,
        csrf: None,
    };
    layout(
        &frame,
        html! {
            h1 { "Log in" }
            @if let Some(error) = error { p.error role="alert" { (error) } }
            form.login method="post" action="/login" {
                label for="token" { "Console token (" code { "[admin] token" } ")" }
                input #token type="password" name="token" autocomplete="current-password" required autofocus;
                button type="submit" { "Log in" }
            }
        },
    )
}

/// A refusal as a page.
pub fn refused(message: &str) -> Markup {
    let frame = Frame {
        title: "Not allowed",
        loopback_only: false,
        csrf: None,
    };
    layout(&frame, html! { h1 { "Not allowed" } p.error { (message) } })
}

/// The overview: the queue, deliveries, dead letters, held refunds, Stripe, configuration.
pub fn overview(frame: &Frame<'_>, o: &Overview) -> Markup {
    layout(
        frame,
        html! {
            h1 { "Overview" }
            section.cards data-live="/api/overview" {
                (card("Due now", "due", o.due.to_string()))
                (card("Oldest due job", "oldest_due", o.oldest_due.clone().unwrap_or_else(|| "none".into())))
                (card("Dead letters", "dead", o.dead.to_string()))
                (card("Held refunds", "held", o.held_refunds.to_string()))
                (card("Last delivery", "last_success", o.last_success.clone().unwrap_or_else(|| "never".into())))
                (card("Last failure", "last_failure", o.last_failure.clone().unwrap_or_else(|| "never".into())))
            }
            h2 { "Requests to impact.com per hour, last 48 hours" }
            (chart(&o.hours))
            h2 { "Held refunds" }
            @if o.held_refunds == 0 {
                p { "None: no refund or lost dispute is waiting for its hold." }
            } @else {
                table.held {
                    thead { tr { th { "Job" } th { "Request" } th { "OrderId" } th { "Due" } } }
                    tbody {
                        @for h in &o.held {
                            tr {
                                td { (h.job) }
                                td { (h.kind) }
                                td { a href=(format!("/orders/{}", h.order_id)) { code { (h.order_id) } } }
                                td { (h.due) }
                            }
                        }
                    }
                }
            }
            h2 { "Jobs by state" }
            table.states {
                thead { tr { th { "State" } th { "Jobs" } } }
                tbody {
                    @for (state, count) in &o.by_state {
                        tr { td { (state) } td.num data-field=(format!("state.{state}")) { (count) } }
                    }
                }
            }
            h2 { "Stripe" }
            p { (o.reconcile) }
            @if !o.endpoints.is_empty() {
                ul.endpoints { @for line in &o.endpoints { li { (line) } } }
            }
            h2 { "Configuration" }
            table.settings {
                tbody {
                    @for (key, value) in &o.settings {
                        tr { th { code { (key) } } td { (value) } }
                    }
                }
            }
        },
    )
}

/// A bar chart of `hours` (delivered above, failed stacked on top in red), as inline SVG: no
/// script, no library. Each bar has a title with its hour and counts.
pub fn chart(hours: &[HourSends]) -> Markup {
    const W: usize = 12;
    const H: i64 = 80;
    let top = hours
        .iter()
        .map(|h| h.delivered + h.failed)
        .max()
        .unwrap_or(0)
        .max(1);
    let scale = |n: i64| n * H / top;
    let width = hours.len() * W;
    html! {
        svg.chart role="img" aria-label="requests per hour" width=(width) height=(H + 14) viewBox=(format!("0 0 {width} {}", H + 14)) {
            @for (i, h) in hours.iter().enumerate() {
                @let x = i * W;
                @let ok = scale(h.delivered);
                @let bad = scale(h.failed);
                g {
                    title { (rfc3339_ms(h.hour)) ": " (h.delivered) " delivered, " (h.failed) " failed" }
                    rect x=(x + 1) y=(H - ok) width=(W - 2) height=(ok) fill="#3154c8" {}
                    rect x=(x + 1) y=(H - ok - bad) width=(W - 2) height=(bad) fill="#b3261e" {}
                }
            }
            line x1="0" y1=(H) x2=(width) y2=(H) stroke="#5b6475" {}
            text x="0" y=(H + 12) font-size="10" fill="#5b6475" { "48 h ago" }
            text x=(width) y=(H + 12) font-size="10" fill="#5b6475" text-anchor="end" { "now (max " (top) "/h)" }
        }
    }
}

/// A decision as a small label.
pub fn decision_badge(decision: DecisionFilter) -> Markup {
    html! { span class=(format!("badge {}", decision.as_str())) { (decision.as_str()) } }
}

/// Unix milliseconds as a `<time>` element in RFC 3339 UTC.
pub fn when(ms: i64) -> Markup {
    let text = rfc3339_ms(ms);
    html! { time datetime=(text) { (text) } }
}

/// Unix milliseconds as RFC 3339 UTC, to the second.
pub fn rfc3339_ms(ms: i64) -> String {
    crate::account::backfill::rfc3339(ms.div_euclid(1000))
}

fn card(label: &str, field: &str, value: String) -> Markup {
    html! {
        div.card {
            span.label { (label) }
            span.value data-field=(field) { (value) }
        }
    }
}

/// The stylesheet.
pub const CSS: &str = include_str!("console.css");

/// The script: live updates of `data-field` elements from the page's `data-live` API.
pub const JS: &str = include_str!("console.js");
