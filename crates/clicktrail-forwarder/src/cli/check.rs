//! `clicktrail check [--config FILE]`
//!
//! Exit codes: 0 everything the service needs is there, 1 something is missing or could not be
//! checked (write access to webhook endpoints, needed by `setup` only, is shown but never fails
//! the check).

use std::path::PathBuf;
use std::process::ExitCode;

use clicktrail_forwarder::account;
use clicktrail_forwarder::config::Config;

/// Arguments of `clicktrail check`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The configuration file (TOML); every key can be overridden by CLICKTRAIL_<SECTION>__<KEY>.
    #[arg(long, value_name = "FILE", default_value = "clicktrail.toml")]
    config: PathBuf,
}

pub(crate) fn run(args: Args) -> ExitCode {
    let fail = |e: &dyn std::fmt::Display| {
        eprintln!("clicktrail check: {e}");
        ExitCode::FAILURE
    };
    let config = match Config::load(&args.config) {
        Ok(config) => config,
        Err(e) => return fail(&e),
    };
    let clients = account::stripe_client(&config)
        .and_then(|s| account::impact_client(&config).map(|i| (s, i)));
    let (stripe, impact) = match clients {
        Ok(clients) => clients,
        Err(e) => return fail(&e),
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(&e),
    };
    let report = runtime.block_on(account::check::run(&stripe, &impact));
    print!("{}", report.table());
    if report.passed() {
        println!("check passed: the forwarder has what it needs");
        ExitCode::SUCCESS
    } else {
        println!("check failed: grant what is MISSING (or fix what FAILED) and run check again");
        ExitCode::FAILURE
    }
}
