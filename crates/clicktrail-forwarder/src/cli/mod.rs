//! The `clicktrail` commands.

mod explain;

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
    /// Print what the forwarder would do with Stripe events, without sending anything.
    Explain(explain::Args),
}

impl Cli {
    /// Runs the chosen command and returns the process exit code.
    pub(crate) fn run(self) -> ExitCode {
        match self.command {
            Command::Explain(args) => explain::run(args),
        }
    }
}
