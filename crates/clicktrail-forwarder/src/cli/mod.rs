//! The `clicktrail` commands.
//!
//! Every command takes `--config FILE` the same way ([`ConfigArg`], flattened into its
//! arguments) and goes through one preamble, [`run`]: load the configuration, build a runtime,
//! do the work, print any error with its causes (`clicktrail jobs: error: database: cannot
//! connect to ...: caused by: ...`).

mod backfill;
mod check;
mod explain;
mod queue;
mod serve;
mod setup;

use std::error::Error as StdError;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use clicktrail_forwarder::Report;
use clicktrail_forwarder::config::Config;

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

/// Where `--config` points when it is not given.
const DEFAULT_CONFIG: &str = "clicktrail.toml";

/// `--config FILE`, flattened into every command's arguments.
#[derive(Debug, clap::Args)]
pub(crate) struct ConfigArg {
    /// The configuration file (TOML; default clicktrail.toml, except for `explain`, which uses
    /// built-in demo settings without it); every key can be overridden by
    /// CLICKTRAIL_<SECTION>__<KEY>.
    #[arg(long = "config", value_name = "FILE")]
    config: Option<PathBuf>,
}

impl ConfigArg {
    /// The file given, if any.
    pub(crate) fn given(&self) -> Option<&Path> {
        self.config.as_deref()
    }

    /// The file given, or `clicktrail.toml`.
    pub(crate) fn path(&self) -> &Path {
        self.given().unwrap_or(Path::new(DEFAULT_CONFIG))
    }
}

/// Why a command failed; printed with its causes.
pub(crate) type Failure = Box<dyn StdError>;

/// Which runtime a command needs: `serve` uses every core, the one-shot commands one thread.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Runtime {
    CurrentThread,
    MultiThread,
}

/// Prints `clicktrail COMMAND: error: MESSAGE: caused by: ...` and returns `code`.
pub(crate) fn fail(command: &str, error: &(dyn StdError + 'static), code: u8) -> ExitCode {
    eprintln!("clicktrail {command}: error: {}", Report(error));
    ExitCode::from(code)
}

/// Loads the configuration `--config` names (with the environment overrides); on failure,
/// prints why (the file, the key) and gives exit code 2.
pub(crate) fn load(command: &str, config: &Path) -> Result<Config, ExitCode> {
    Config::load(config).map_err(|e| fail(command, &e, 2))
}

/// The preamble of every command that reads the configuration: loads it, builds the runtime and
/// runs `work` on it. Exit codes: what `work` answers; 2 when the configuration cannot be
/// loaded; 1 when the runtime cannot be built or `work` fails (the error is printed with its
/// causes).
pub(crate) fn run<F>(command: &str, config: &ConfigArg, runtime: Runtime, work: F) -> ExitCode
where
    F: AsyncFnOnce(Config) -> Result<ExitCode, Failure>,
{
    let config = match load(command, config.path()) {
        Ok(config) => config,
        Err(code) => return code,
    };
    let runtime = match runtime {
        Runtime::CurrentThread => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build(),
        Runtime::MultiThread => tokio::runtime::Runtime::new(),
    };
    let runtime = match runtime {
        Ok(runtime) => runtime,
        Err(e) => return fail(command, &e, 1),
    };
    runtime
        .block_on(work(config))
        .unwrap_or_else(|e| fail(command, e.as_ref(), 1))
}
