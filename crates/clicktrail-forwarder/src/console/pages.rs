//! The console's HTML, rendered with maud (checked at compile time, escaped by default). No
//! front-end build step and nothing loaded from the internet: one stylesheet and one small
//! script, both served by the console itself.

use maud::{DOCTYPE, Markup, html};

use super::overview::Overview;

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
                meta name="referrer" content="no-referrer";
                title { (frame.title) " · clicktrail console" }
                link rel="stylesheet" href="/console.css";
                script src="/console.js" defer {}
            }
            body {
                header {
                    a.brand href="/" { "clicktrail" }
                    nav {
                        a href="/" { "Overview" }
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
