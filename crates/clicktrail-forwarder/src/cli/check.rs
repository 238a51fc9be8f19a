//! `clicktrail check [--config FILE]`
//!
//! Exit codes: 0 everything the service needs is there, 1 something is missing or could not be
//! checked (write access to webhook endpoints, needed by `setup` only, is shown but never fails
//! the check), 2 the configuration cannot be loaded.

use std::process::ExitCode;

use clicktrail_forwarder::account;

use super::{ConfigArg, Runtime};

/// Arguments of `clicktrail check`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    config: ConfigArg,
}

pub(crate) fn run(args: Args) -> ExitCode {
    super::run(
        "check",
        &args.config,
        Runtime::CurrentThread,
        async |config| {
            let stripe = account::stripe_client(&config)?;
            let impact = account::impact_client(&config)?;
            let report = account::check::run(&stripe, &impact).await;
            print!("{}", report.table());
            if report.passed() {
                println!("check passed: the forwarder has what it needs");
                Ok(ExitCode::SUCCESS)
            } else {
                println!(
                    "check failed: grant what is MISSING (or fix what FAILED) and run check again"
                );
                Ok(ExitCode::FAILURE)
            }
        },
    )
}
