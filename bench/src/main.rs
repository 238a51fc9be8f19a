//! `clicktrail-bench`: runs one scenario and prints its Markdown section on stdout (progress on
//! stderr). `cargo xtask bench` and `cargo xtask soak` call it and write `BENCHMARKS.md`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use clicktrail_bench::scenario::{console, delivery, growth, intake, soak};
use clicktrail_bench::{Error, baseline, criterion, forwarder, report};
use clicktrail_stripe::webhook::{Verifier, WebhookSecret};

/// Benchmarks of the clicktrail forwarder.
#[derive(Debug, Parser)]
#[command(name = "clicktrail-bench", about)]
struct Cli {
    /// The `clicktrail` binary (default: next to this one, or CLICKTRAIL_BIN).
    #[arg(long, global = true)]
    clicktrail: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Intake at 1, 16 and 64 connections: baseline, SQLite, PostgreSQL.
    Intake {
        /// Seconds per level.
        #[arg(long, default_value_t = 5)]
        seconds: u64,
        /// PostgreSQL base URL (a fresh schema is made); empty skips PostgreSQL.
        #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/test")]
        postgres: String,
        /// Only the servers whose label contains this text (for investigations).
        #[arg(long)]
        only: Option<String>,
    },
    /// Stored events delivered to the impact.com emulator: clean, with 10 % transient failures,
    /// with verdict polling; on PostgreSQL also with two replicas, one of them killed.
    Delivery {
        /// Events per run.
        #[arg(long, default_value_t = 10_000)]
        events: u64,
        /// `[worker] concurrency` of each replica.
        #[arg(long, default_value_t = delivery::CONCURRENCY)]
        concurrency: usize,
        /// PostgreSQL base URL (a fresh schema per run); empty skips PostgreSQL.
        #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/test")]
        postgres: String,
        /// Only the runs whose store and label contain this text (for investigations).
        #[arg(long)]
        only: Option<String>,
    },
    /// Intake throughput with growing numbers of events stored.
    Growth {
        /// Store sizes, ascending.
        #[arg(long, value_delimiter = ',', default_values_t = [1_000u64, 100_000, 1_000_000])]
        sizes: Vec<u64>,
        /// Seconds per size.
        #[arg(long, default_value_t = 5)]
        seconds: u64,
        /// PostgreSQL base URL (a fresh schema); empty skips PostgreSQL.
        #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/test")]
        postgres: String,
    },
    /// The operator console's queries over a SQLite store of many events: first page, a deep
    /// page, filtered pages.
    Console {
        /// Store sizes (events), each in a fresh store.
        #[arg(long, value_delimiter = ',', default_values_t = [100_000u64, 1_000_000])]
        sizes: Vec<u64>,
        /// Timings per query.
        #[arg(long, default_value_t = 25)]
        repeats: usize,
    },
    /// Steady traffic with faults and a restart (SIGKILL) of the `clicktrail` process.
    Soak {
        /// Minutes of traffic.
        #[arg(long, default_value_t = 10)]
        minutes: u64,
        /// New events per second.
        #[arg(long, default_value_t = 20)]
        rate: u32,
        /// The command to print in the report.
        #[arg(long, default_value = "cargo xtask soak")]
        command: String,
    },
    /// The middleware table from criterion's folder.
    Criterion {
        /// `target/criterion`.
        dir: PathBuf,
    },
    /// The baseline server (used by `intake`): secret in CLICKTRAIL_BENCH_SECRET.
    #[command(hide = true)]
    BaselineServer,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("clicktrail-bench: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(3),
        Err(e) => {
            eprintln!("clicktrail-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the command; `Ok(false)` when a soak found a problem.
async fn run(cli: Cli) -> Result<bool, Error> {
    let binary = cli.clicktrail.unwrap_or_else(forwarder::default_binary);
    match cli.command {
        Command::Intake {
            seconds,
            postgres,
            only,
        } => {
            let options = intake::IntakeOptions {
                binary,
                bench_binary: std::env::current_exe().map_err(|e| Error::Io(e.to_string()))?,
                duration: Duration::from_secs(seconds),
                levels: vec![1, 16, 64],
                postgres: (!postgres.is_empty()).then_some(postgres),
                only,
            };
            eprintln!("intake: {seconds} s per level");
            let mut rows = intake::run(&options).await?;
            print!("{}", report::intake(&mut rows, seconds));
        }
        Command::Delivery {
            events,
            concurrency,
            postgres,
            only,
        } => {
            let postgres = (!postgres.is_empty()).then_some(postgres);
            let mut rows = Vec::new();
            for case in delivery::cases(postgres.as_deref()) {
                let name = format!("{}, {}", case.store_label(), case.label());
                if only.as_deref().is_some_and(|only| !name.contains(only)) {
                    continue;
                }
                eprintln!(
                    "delivery: {events} events, {}, {}",
                    case.store_label(),
                    case.label()
                );
                rows.push(delivery::run(&binary, &case, events, concurrency).await?);
            }
            print!("{}", report::delivery(&rows, postgres.is_none()));
        }
        Command::Growth {
            sizes,
            seconds,
            postgres,
        } => {
            eprintln!("growth: sizes {sizes:?}");
            let postgres = (!postgres.is_empty()).then_some(postgres);
            let mut rows = growth::run(
                &binary,
                &sizes,
                64,
                Duration::from_secs(seconds),
                postgres.as_deref(),
            )
            .await?;
            print!("{}", report::growth(&mut rows, 64, seconds));
        }
        Command::Console { sizes, repeats } => {
            eprintln!("console: sizes {sizes:?}, {repeats} timings per query");
            let mut reports = console::run(&sizes, repeats).await?;
            print!("{}", report::console(&mut reports, repeats));
        }
        Command::Soak {
            minutes,
            rate,
            command,
        } => {
            let options = soak::SoakOptions {
                mode: soak::Mode::Process(binary),
                duration: Duration::from_secs(minutes * 60),
                rate,
                fault_every: Duration::from_secs(2),
                drain: Duration::from_secs(120),
            };
            eprintln!("soak: {minutes} min at {rate} events/s");
            let result = soak::run(&options).await?;
            print!("{}", report::soak(&result, &command));
            return Ok(result.passed() && result.memory_flat() != Some(false));
        }
        Command::Criterion { dir } => print!("{}", criterion::section(&dir)?),
        Command::BaselineServer => {
            let secret = std::env::var("CLICKTRAIL_BENCH_SECRET")
                .map_err(|_| Error::Io("CLICKTRAIL_BENCH_SECRET is not set".into()))?;
            let secret = WebhookSecret::new(secret).map_err(|e| Error::Io(e.to_string()))?;
            let verifier = Verifier::with_default_tolerance(vec![secret])
                .map_err(|e| Error::Io(e.to_string()))?;
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .map_err(|e| Error::Io(e.to_string()))?;
            let addr = listener
                .local_addr()
                .map_err(|e| Error::Io(e.to_string()))?;
            println!("listening on http://{addr}");
            baseline::serve(listener, verifier, "/webhooks/stripe")
                .await
                .map_err(|e| Error::Io(e.to_string()))?;
        }
    }
    Ok(true)
}
