//! `cargo xtask test`: every check the project has, in one command, ending with one summary line.

use std::process::Command;

use crate::flags::Flags;
use crate::process::run_streaming;
use crate::summary::Counts;
use crate::{setup, web, workspace};

/// The browser kit's budget: its `.wasm` plus its JS glue, each gzipped with `-9`, together.
pub const WEB_BUDGET_BYTES: u64 = 12_288;

/// One step's outcome, for the closing table.
struct Step {
    name: &'static str,
    ok: bool,
    detail: String,
    /// Failed tests this step already counted (a test step's own count).
    failed_tests: u64,
}

impl Step {
    fn new(name: &'static str, ok: bool, detail: String) -> Self {
        Self {
            name,
            ok,
            detail,
            failed_tests: 0,
        }
    }
}

/// Runs formatting, lints, host tests, browser tests and the size budget.
pub fn run(args: &[String]) -> Result<(), String> {
    Flags::parse("test", args, &[])?;
    if !setup::present(setup::Purpose::Everything) {
        println!("test: something the tests need is missing; running `cargo xtask setup` first");
        setup::run(setup::Purpose::Everything)?;
    }

    let mut steps = Vec::new();
    let mut counts = Counts::default();

    steps.push(check(
        "cargo fmt --check",
        cargo(&["fmt", "--all", "--check"]),
    )?);
    steps.push(check(
        "cargo clippy",
        cargo(&[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]),
    )?);

    // The browser kit is built first: the sample shop and the end-to-end tests serve `www/pkg/`.
    // A missing kit crate fails both of its steps by name: they are never silently dropped.
    let kit = kit_present(&workspace::root());
    steps.push(match kit.clone().and_then(|()| web::run()) {
        Ok(report) => Step::new(
            "browser kit size",
            report.total_gzip() <= WEB_BUDGET_BYTES,
            format!("{report} (budget {WEB_BUDGET_BYTES} B)"),
        ),
        Err(e) => Step::new("browser kit size", false, e),
    });

    let mut host = cargo(&["test", "--workspace", "--no-fail-fast"]);
    host.env("CLICKTRAIL_PEERS_DIR", workspace::peers_dir());
    steps.push(tests("host tests", host, &mut counts)?);

    steps.push(postgres_tests(&mut counts)?);

    steps.push(match kit {
        Ok(()) => browser_tests(&mut counts)?,
        Err(e) => Step::new("browser tests", false, e),
    });

    println!();
    println!("==== summary ====");
    for step in &steps {
        println!(
            "{:<20} {:<4} {}",
            step.name,
            if step.ok { "ok" } else { "FAIL" },
            step.detail
        );
    }
    // A failed step that is not itself counted as failed tests (fmt, clippy, a build error, the
    // size budget) still counts as one failure, so the closing line never hides it.
    for step in steps.iter().filter(|s| !s.ok && s.failed_tests == 0) {
        counts.failed += 1;
        println!("counted as 1 failure: {}", step.name);
    }
    for skipped in &counts.skipped {
        println!("skipped: {skipped}");
    }
    println!("{}", counts.line());
    if steps.iter().all(|s| s.ok) && counts.failed == 0 {
        Ok(())
    } else {
        Err("some checks failed (see the summary above)".to_owned())
    }
}

fn cargo(args: &[&str]) -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
    cmd.args(args).current_dir(workspace::root());
    cmd
}

fn check(name: &'static str, cmd: Command) -> Result<Step, String> {
    let finished = run_streaming(cmd, false)?;
    Ok(Step::new(
        name,
        finished.success,
        format!("{:.1?}", finished.elapsed),
    ))
}

fn tests(name: &'static str, cmd: Command, counts: &mut Counts) -> Result<Step, String> {
    let finished = run_streaming(cmd, false)?;
    let step_counts = Counts::parse(&finished.lines);
    let detail = if step_counts.failed > 0 {
        format!(
            "{} tests failed, {:.1?}",
            step_counts.failed, finished.elapsed
        )
    } else if finished.success {
        format!("{} passed, {:.1?}", step_counts.passed, finished.elapsed)
    } else {
        format!("did not build or did not finish, {:.1?}", finished.elapsed)
    };
    let ok = finished.success && step_counts.failed == 0;
    let failed_tests = step_counts.failed;
    counts.add(step_counts);
    Ok(Step {
        name,
        ok,
        detail,
        failed_tests,
    })
}

/// Runs the PostgreSQL tests (the workspace's `#[ignore]`d tests: `#[ignore]` is reserved for
/// them) when a server is reachable. Without one they stay listed as skipped with their reason, except
/// in CI, where PostgreSQL is required.
fn postgres_tests(counts: &mut Counts) -> Result<Step, String> {
    const NAME: &str = "postgres tests";
    let url = std::env::var("CLICKTRAIL_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned());
    if !postgres_reachable(&url) {
        let in_ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false");
        let notice = format!("no PostgreSQL server answers at {}", postgres_addr(&url));
        if in_ci {
            return Ok(Step::new(NAME, false, format!("{notice} (required in CI)")));
        }
        println!("\n*** NOTICE: {notice}: the PostgreSQL tests are SKIPPED (listed below). ***\n");
        return Ok(Step::new(NAME, true, format!("skipped: {notice}")));
    }
    let mut cmd = cargo(&["test", "--workspace", "--no-fail-fast", "--", "--ignored"]);
    cmd.env("CLICKTRAIL_TEST_POSTGRES_URL", &url)
        .env("CLICKTRAIL_PEERS_DIR", workspace::peers_dir());
    let step = tests(NAME, cmd, counts)?;
    // They ran: they are no longer skipped.
    counts.skipped.retain(|s| !s.contains("needs PostgreSQL"));
    Ok(step)
}

const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// `host:port` of a `postgres://user@host:port/db` URL (5432 when no port is given).
fn postgres_addr(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?']).next().unwrap_or(rest);
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    if host_port.contains(':') {
        host_port.to_owned()
    } else {
        format!("{host_port}:5432")
    }
}

fn postgres_reachable(url: &str) -> bool {
    use std::net::{TcpStream, ToSocketAddrs};
    let Ok(addrs) = postgres_addr(url).to_socket_addrs() else {
        return false;
    };
    addrs
        .into_iter()
        .any(|addr| TcpStream::connect_timeout(&addr, std::time::Duration::from_secs(2)).is_ok())
}

/// `Ok` when the browser kit crate is in the workspace at `root`; otherwise the reason its steps
/// fail.
fn kit_present(root: &std::path::Path) -> Result<(), String> {
    let manifest = root.join("crates/clicktrail-web/Cargo.toml");
    if manifest.is_file() {
        Ok(())
    } else {
        Err(format!(
            "the browser kit crate is missing ({} not found): its size budget and browser \
             tests cannot run",
            manifest.display()
        ))
    }
}

fn browser_tests(counts: &mut Counts) -> Result<Step, String> {
    // Each run leaves a Chromium profile in TMPDIR: give it a folder we remove afterwards.
    let tmp = workspace::target_dir().join("browser-tests-tmp");
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).map_err(|e| format!("creating {}: {e}", tmp.display()))?;
    let mut cmd = cargo(&[
        "test",
        "--target",
        "wasm32-unknown-unknown",
        "-p",
        "clicktrail-web",
    ]);
    cmd.env("CHROMEDRIVER", "/usr/bin/chromedriver")
        .env("TMPDIR", &tmp);
    let step = tests("browser tests", cmd, counts);
    let _ = std::fs::remove_dir_all(&tmp);
    step
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_kit_crate_is_a_named_failure() {
        assert_eq!(kit_present(&workspace::root()), Ok(()));
        let empty = std::env::temp_dir().join(format!("xtask-no-kit-{}", std::process::id()));
        std::fs::create_dir_all(&empty).unwrap();
        let err = kit_present(&empty).unwrap_err();
        std::fs::remove_dir_all(&empty).unwrap();
        assert!(err.contains("the browser kit crate is missing"), "{err}");
        assert!(err.contains("crates/clicktrail-web/Cargo.toml"), "{err}");
    }

    #[test]
    fn postgres_addr_reads_host_and_port() {
        assert_eq!(
            postgres_addr("postgres://postgres@127.0.0.1:5432/test"),
            "127.0.0.1:5432"
        );
        assert_eq!(
            postgres_addr("postgres://u:p@db.internal/x?sslmode=disable"),
            "db.internal:5432"
        );
        assert_eq!(
            postgres_addr("postgresql://localhost:6543"),
            "localhost:6543"
        );
    }
}
