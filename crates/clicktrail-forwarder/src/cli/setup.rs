//! `clicktrail setup --url https://HOST/webhooks/stripe [--dry-run] [--config FILE]`
//!
//! Exit codes: 0 done (or nothing to do), 1 an error (a bad --url, Stripe, database), 2 refused:
//! the account already holds 16 webhook endpoints, or the configuration cannot be loaded.

use std::process::ExitCode;

use clicktrail_forwarder::account::{self, SetupPlan, SetupReport, WebhookUrl};
use clicktrail_forwarder::config::DatabaseUrl;
use clicktrail_forwarder::store::Store;

use super::{ConfigArg, Runtime};

/// Arguments of `clicktrail setup`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The URL Stripe posts to: https://HOST/PATH (plain http only to a loopback host).
    #[arg(long, value_name = "URL")]
    url: String,
    /// Say what would change, change nothing.
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    config: ConfigArg,
}

pub(crate) fn run(args: Args) -> ExitCode {
    let url = match WebhookUrl::parse(&args.url) {
        Ok(url) => url,
        Err(e) => {
            eprintln!("clicktrail setup: error: --url {e}");
            return ExitCode::FAILURE;
        }
    };
    super::run(
        "setup",
        &args.config,
        Runtime::CurrentThread,
        async |config| {
            let stripe = account::stripe_client(&config)?;
            let store = if args.dry_run {
                None
            } else {
                Some(Store::connect(&config.database_url, config.sqlite_synchronous).await?)
            };
            let result = account::setup::run(&stripe, store.as_ref(), &url).await;
            if let Some(store) = store {
                store.close().await;
            }
            Ok(print(&result?, &url, &config.database_url, args.dry_run))
        },
    )
}

fn print(
    report: &SetupReport,
    url: &WebhookUrl,
    database: &DatabaseUrl,
    dry_run: bool,
) -> ExitCode {
    let would = if dry_run { "would " } else { "" };
    match &report.plan {
        SetupPlan::Full { endpoints } => {
            eprintln!(
                "clicktrail setup: refused: the account already has {} webhook endpoints, Stripe's maximum, and none delivers to {}.",
                endpoints.len(),
                url.as_str()
            );
            eprintln!(
                "Delete one first (Dashboard > Developers > Webhooks, or DELETE /v1/webhook_endpoints/ID), then run setup again:"
            );
            for e in endpoints {
                eprintln!("  {}  {}  {}", e.id, e.url, e.enabled_events.join(","));
            }
            return ExitCode::from(2);
        }
        SetupPlan::Create(new) => {
            match &report.created {
                Some(id) => println!("created webhook endpoint {id} for {}", new.url),
                None => println!("{would}create a webhook endpoint for {}", new.url),
            }
            println!("  events: {}", new.enabled_events.join(", "));
            if let Some(v) = &new.api_version {
                println!("  API version: {v}");
            }
            if report.created.is_some() {
                println!(
                    "  signing secret: kept in the database {} (table webhook_secrets); `clicktrail serve` reads it, also while running",
                    location(database)
                );
            }
        }
        SetupPlan::Update {
            endpoint,
            add,
            enable,
            notes,
            ..
        } => {
            let verb = if dry_run { "would update" } else { "updated" };
            println!("{verb} webhook endpoint {} ({})", endpoint.id, endpoint.url);
            if !add.is_empty() {
                println!("  added events: {}", add.join(", "));
            }
            if !endpoint.enabled_events.is_empty() {
                println!("  kept events: {}", endpoint.enabled_events.join(", "));
            }
            if *enable {
                println!("  enabled it (it was disabled)");
            }
            notes_and_secret(&endpoint.id, notes, report.secret_stored);
        }
        SetupPlan::Unchanged { endpoint, notes } => {
            println!(
                "nothing to change: webhook endpoint {} ({}) delivers {}",
                endpoint.id,
                endpoint.url,
                endpoint.enabled_events.join(", ")
            );
            notes_and_secret(&endpoint.id, notes, report.secret_stored);
        }
    }
    ExitCode::SUCCESS
}

fn notes_and_secret(id: &str, notes: &[String], secret_stored: Option<bool>) {
    for note in notes {
        println!("  note: {note}");
    }
    if secret_stored == Some(false) {
        println!(
            "  note: the signing secret of {id} is not in the database (Stripe shows it only at creation); \
             unless [stripe] webhook_secrets holds it, copy it from the Dashboard (Developers > Webhooks > {id} > Signing secret) \
             into CLICKTRAIL_STRIPE__WEBHOOK_SECRETS"
        );
    }
}

/// Where the database is, for people: a SQLite file's absolute path, else the URL without its
/// password.
fn location(url: &DatabaseUrl) -> String {
    if url.is_postgres() {
        return url.redacted();
    }
    let text = url.expose();
    let path = text
        .strip_prefix("sqlite://")
        .or_else(|| text.strip_prefix("sqlite:"))
        .unwrap_or(text);
    let path = path.split('?').next().unwrap_or(path);
    std::fs::canonicalize(path)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| url.redacted())
}
