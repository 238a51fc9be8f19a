//! `clicktrail backfill --since 72h|<RFC 3339> [--until ...] [--dry-run] [--config FILE]`
//!
//! Progress goes to standard error: one line rewritten in place on a terminal, a line per page
//! and per day otherwise. The counts go to standard output. Exit codes: 0 done, 1 an error, 2 a
//! window Stripe cannot serve (beyond its 30 days) or that is not a window, or a configuration
//! that cannot be loaded.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;

use clicktrail_forwarder::account::backfill::rfc3339;
use clicktrail_forwarder::account::{self, Counts, Progress, Window};
use clicktrail_forwarder::intake::Intake;
use clicktrail_forwarder::metrics::Metrics;
use clicktrail_forwarder::store::Store;
use tokio::sync::Notify;

use super::{ConfigArg, Runtime};

/// Arguments of `clicktrail backfill`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Where the window starts: a duration back from now ("72h", "3d") or an RFC 3339 time; at
    /// most 30 days back (what Stripe keeps).
    #[arg(long, value_name = "WHEN")]
    since: String,
    /// Where the window ends (default: now); same forms as --since.
    #[arg(long, value_name = "WHEN")]
    until: Option<String>,
    /// Count what would be ingested, store nothing.
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    config: ConfigArg,
}

pub(crate) fn run(args: Args) -> ExitCode {
    let window = match Window::parse(&args.since, args.until.as_deref(), account::unix_now()) {
        Ok(window) => window,
        Err(e) => {
            eprintln!("clicktrail backfill: refused: {e}");
            return ExitCode::from(2);
        }
    };
    super::run(
        "backfill",
        &args.config,
        Runtime::CurrentThread,
        async |config| {
            let stripe = account::stripe_client(&config)?;
            let terminal = std::io::stderr().is_terminal();
            eprintln!(
                "backfill: handled events from {} to {}{}",
                rfc3339(window.since),
                rfc3339(window.until),
                if args.dry_run { " (dry run)" } else { "" }
            );
            let store = Store::connect(&config.database_url, config.sqlite_synchronous).await?;
            let (intake, committers) = if args.dry_run {
                (None, Vec::new())
            } else {
                let (intake, committers) = Intake::start(
                    store.clone(),
                    config.intake.batch_max,
                    Arc::new(Notify::new()),
                    Arc::new(Metrics::default()),
                );
                (Some(intake), committers)
            };
            let mut display = Display {
                terminal,
                open: false,
            };
            let result = account::backfill::run(&stripe, &store, intake.as_ref(), window, |p| {
                display.show(p);
            })
            .await;
            display.finish();
            drop(intake);
            for committer in committers {
                let _ = committer.await;
            }
            store.close().await;
            summary(&result?, args.dry_run);
            Ok(ExitCode::SUCCESS)
        },
    )
}

fn summary(c: &Counts, dry_run: bool) {
    if dry_run {
        println!(
            "dry run: {} events, {} already stored, {} to ingest (nothing was stored)",
            c.fetched, c.known, c.new
        );
    } else {
        println!(
            "backfill: {} events: {} new, {} already known, {} ignored{}",
            c.fetched,
            c.new,
            c.known,
            c.ignored,
            if c.invalid > 0 {
                format!(", {} unreadable (see the log)", c.invalid)
            } else {
                String::new()
            }
        );
    }
}

/// The progress display: one line rewritten in place on a terminal; otherwise a line per page
/// read and per day done.
struct Display {
    terminal: bool,
    /// Whether the terminal line is in use (to end it with a newline).
    open: bool,
}

impl Display {
    fn show(&mut self, progress: Progress) {
        let line = match progress {
            Progress::Fetched {
                slice,
                slices,
                events,
            } => {
                format!("day {slice}/{slices}: {events} events read")
            }
            Progress::Ingested {
                slice,
                slices,
                counts,
            }
            | Progress::SliceDone {
                slice,
                slices,
                counts,
            } => format!(
                "day {slice}/{slices}: {} new, {} already known, {} ignored",
                counts.new, counts.known, counts.ignored
            ),
        };
        if let Progress::Ingested { counts, .. } = progress {
            // On a terminal, every 25 events is lively enough; in a log, only pages and days.
            let done = counts.new + counts.known + counts.ignored + counts.invalid;
            if !self.terminal || done % 25 != 0 {
                return;
            }
        }
        let mut err = std::io::stderr().lock();
        if self.terminal {
            let _ = write!(err, "\r\x1b[2K{line}");
            let _ = err.flush();
            self.open = true;
        } else {
            let _ = writeln!(err, "{line}");
        }
    }

    fn finish(&mut self) {
        if self.open {
            eprintln!();
        }
    }
}
