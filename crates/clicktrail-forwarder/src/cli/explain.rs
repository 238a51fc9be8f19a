//! `clicktrail explain [--config FILE] PATH...`
//!
//! Exit codes: 0 every input explained, 1 an input could not be read or explained (its line says
//! why), 2 the configuration cannot be loaded (nothing is printed on stdout).

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clicktrail_forwarder::Report;
use clicktrail_forwarder::explain::Explainer;
use clicktrail_forwarder::mapping::Settings;

use super::ConfigArg;

/// Arguments of `clicktrail explain`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Each PATH is a JSON file holding one Stripe event, or a JSONL file with one \
event per line (`-` reads standard input). Events are decided in order with in-memory knowledge; \
nothing is sent and Stripe is never called. One JSON object per event is printed on stdout; a bad \
line prints {\"line\":N,\"file\":..,\"error\":..} and the command exits 1 after the rest."
)]
pub(crate) struct Args {
    #[command(flatten)]
    config: ConfigArg,
    /// Event files (JSON or JSONL), processed in this order.
    #[arg(value_name = "PATH", required = true)]
    paths: Vec<PathBuf>,
}

pub(crate) fn run(args: Args) -> ExitCode {
    let settings = match args.config.given() {
        Some(path) => match super::load("explain", path) {
            Ok(config) => Settings::from(&config),
            Err(code) => return code,
        },
        None => {
            eprintln!(
                "clicktrail explain: no --config given; using built-in demo settings (account SID IRsandbox, \
                 campaign 1000, event types 2000 first payment / 2001 recurring, default [rules])"
            );
            Settings::demo()
        }
    };
    let mut explainer = Explainer::new(settings);
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    for path in &args.paths {
        if let Err(e) = explainer.file(path, &mut out) {
            return cannot_write(&e);
        }
    }
    if let Err(e) = out.flush() {
        return cannot_write(&e);
    }
    if explainer.errors() > 0 {
        eprintln!(
            "clicktrail explain: {} input(s) could not be explained",
            explainer.errors()
        );
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn cannot_write(e: &io::Error) -> ExitCode {
    eprintln!(
        "clicktrail explain: error: cannot write the output: caused by: {}",
        Report(e)
    );
    ExitCode::FAILURE
}
