//! `cargo xtask test`: every check the project has, in one command, ending with one summary line.

use std::process::Command;

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
}

/// Runs formatting, lints, host tests, browser tests and the size budget.
pub fn run(args: &[String]) -> Result<(), String> {
    if let Some(unknown) = args.first() {
        return Err(format!(
            "`cargo xtask test` takes no arguments (got `{unknown}`)"
        ));
    }
    if !setup::all_present() {
        println!("test: something the tests need is missing; running `cargo xtask setup` first");
        setup::run()?;
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

    let mut host = cargo(&["test", "--workspace", "--no-fail-fast"]);
    host.env("CLICKTRAIL_PEERS_DIR", workspace::peers_dir());
    steps.push(tests("host tests", host, &mut counts)?);

    if workspace::root().join("crates/clicktrail-web").exists() {
        steps.push(browser_tests(&mut counts)?);
        steps.push(match web::run() {
            Ok(report) => Step {
                name: "browser kit size",
                ok: report.total_gzip() <= WEB_BUDGET_BYTES,
                detail: format!("{report} (budget {WEB_BUDGET_BYTES} B)"),
            },
            Err(e) => Step {
                name: "browser kit size",
                ok: false,
                detail: e,
            },
        });
    }

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
    for step in steps
        .iter()
        .filter(|s| !s.ok && !s.detail.contains("tests failed"))
    {
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
    Ok(Step {
        name,
        ok: finished.success,
        detail: format!("{:.1?}", finished.elapsed),
    })
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
    counts.add(step_counts);
    Ok(Step { name, ok, detail })
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
