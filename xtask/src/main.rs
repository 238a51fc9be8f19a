//! `cargo xtask`: the project's own automation, so that a fresh machine needs nothing but
//! `cargo` to run the demo and the tests.
//!
//! # Layout
//!
//! - `setup`: installs what the project needs, idempotently (wasm target, wasm-bindgen-cli at the
//!   Cargo.lock version, Debian's chromium and chromium-driver, the npm and PyPI test peers).
//! - `test`: formatting, clippy, host tests, browser tests, size budget; ends with one summary line.
//! - `web`: builds the browser kit into `www/pkg/` and measures its size; `package` makes its
//!   classic-script build and npm tarball.
//! - `bench`: `bench` and `soak` run `clicktrail-bench` and write `BENCHMARKS.md`.
//! - `docs`: regenerates `docs/config.md` from the forwarder's configuration reference.
//! - `demo`: runs the whole flow on one machine (the stack launcher is `clicktrail_e2e::Stack`).
//! - `process`: running child commands, streaming and capturing their output.
//! - `summary`: counting test results from the runners' closing lines.
//! - `workspace`: where things are (root, target dir, peers folder, Cargo.lock versions).
//!
//! Everything here uses only the standard library, plus `ctrlc` (the demo waits for its children
//! on ctrl-c) and the std-only stack launcher `clicktrail-e2e`: it must build in seconds on a
//! fresh machine.

mod bench;
mod demo;
mod docs;
mod flags;
mod package;
mod process;
mod setup;
mod summary;
mod test;
mod web;
mod workspace;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  setup    install what the project needs (idempotent): wasm32 target, wasm-bindgen-cli,
           chromium + chromium-driver, npm and PyPI test peers (into .peers/)
  test     fmt, clippy, host tests, browser tests and the size budget; one summary line at the end
  web      build the browser kit into www/pkg/ (ES module and classic script) and its npm package
           into dist/clicktrail-web-<version>.tgz, and print the sizes; needs no browser
  bench    run the benchmarks (release builds) and write BENCHMARKS.md (--quick: under 5 min;
           --only console,growth,...: just those sections)
           [--seconds N per level] [--sizes 1000,100000,1000000] [--events N] [--postgres URL]
           [--console-sizes 100000,1000000]
  soak     steady traffic with impact.com faults and a forwarder restart; writes its section of
           BENCHMARKS.md [--minutes N, default 10] [--rate events/s]
  docs     regenerate docs/config.md (the configuration reference) from the code
  demo     run the Stripe and impact.com emulators, the forwarder and the sample shop;
           prints the URL to open; ctrl-c stops everything
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("setup") => flags::Flags::parse("setup", &args[1..], &[])
            .and_then(|_| setup::run(setup::Purpose::Everything)),
        Some("test") => test::run(&args[1..]),
        Some("web") => flags::Flags::parse("web", &args[1..], &[])
            .and_then(|_| web::run())
            .map(|report| {
                println!("{report}");
            }),
        Some("demo") => demo::run(&args[1..]),
        Some("docs") => docs::run(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        Some("soak") => bench::soak(&args[1..]),
        Some("help" | "--help" | "-h") | None => {
            print!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command `{other}`\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}
