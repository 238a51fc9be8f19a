//! `clicktrail`: the forwarder's command line. Argument parsing lives in `cli/`, one module per
//! command; the work lives in the library.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    cli::Cli::parse().run()
}
