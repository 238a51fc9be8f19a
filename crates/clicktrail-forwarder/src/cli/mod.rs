//! The `clicktrail` commands.

mod explain;
mod queue;
mod serve;

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
        }
    }
}
