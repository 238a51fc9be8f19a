//! The `clicktrail` commands.

mod backfill;
mod check;
mod explain;
mod queue;
mod serve;
mod setup;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// clicktrail: credits impact.com partners for Stripe payments.
#[derive(Debug, Parser)]
#[command(name = "clicktrail", version, about, long_about = None)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the service: the Stripe webhook endpoint, the delivery worker, health and metrics.
    Serve(serve::Args),
    /// List jobs (a table), newest first.
    Jobs(queue::JobsArgs),
    /// Queue a job, or every dead letter, again now.
    Retry(queue::RetryArgs),
    /// Queue depth by state, oldest due job, last success and failure, dead letters.
    Status(queue::StatusArgs),
    /// Print what the forwarder would do with Stripe events, without sending anything.
    Explain(explain::Args),
    /// Register the forwarder's webhook endpoint at Stripe (one endpoint, every event it needs)
    /// and keep its signing secret in the database.
    Setup(setup::Args),
    /// Probe the Stripe key's permissions and the impact.com credentials.
    Check(check::Args),
    /// Read missed events back from Stripe (the last 30 days at most) into the queue.
    Backfill(backfill::Args),
}

impl Cli {
    /// Runs the chosen command and returns the process exit code.
    pub(crate) fn run(self) -> ExitCode {
        match self.command {
            Command::Serve(args) => serve::run(args),
            Command::Jobs(args) => queue::jobs(args),
            Command::Retry(args) => queue::retry(args),
            Command::Status(args) => queue::status(args),
            Command::Explain(args) => explain::run(args),
            Command::Setup(args) => setup::run(args),
            Command::Check(args) => check::run(args),
            Command::Backfill(args) => backfill::run(args),
        }
    }
}
