//! `cargo xtask demo`: the whole flow on this machine. Builds the browser kit (installing what
//! is missing first) and the binaries, starts the Stripe and impact.com emulators, the forwarder
//! (SQLite in a temporary folder, a short refund hold) with its webhook registered through
//! `clicktrail setup`, and the sample shop; prints the one URL to open and what to try; on
//! ctrl-c stops every process and says so.
//!
//! The processes are started and stopped by `clicktrail_e2e::Stack`, the same launcher the
//! end-to-end test uses.

use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clicktrail_e2e::{Stack, StackConfig};

use crate::flags::Flags;
use crate::process::run_checked;
use crate::{web, workspace};

/// Runs the demo until ctrl-c.
pub fn run(args: &[String]) -> Result<(), String> {
    Flags::parse("demo", args, &[])?;
    println!("demo: building the browser kit (and installing what is missing first)");
    let kit = web::run()?;
    println!("demo: {kit}");

    let mut build = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
    build
        .args([
            "build",
            "-p",
            "clicktrail-sandbox",
            "-p",
            "clicktrail-forwarder",
        ])
        .args(["-p", "sample-shop"])
        .current_dir(workspace::root());
    run_checked(build)?;

    let work_dir = std::env::temp_dir().join(format!("clicktrail-demo-{}", std::process::id()));
    let mut config = StackConfig::on_fixed_ports(work_dir.clone());
    config.bin_dir = workspace::target_dir().join("debug");
    println!(
        "demo: forwarder on SQLite in {}; refund hold shortened to {} for the demo (the default is 1h)",
        work_dir.display(),
        config.refund_delay
    );

    // ctrl-c reaches the children too (same terminal); this handler only makes sure the demo
    // waits for them, kills any that lingers, and says so.
    let (stop_tx, stop_rx) = mpsc::channel();
    ctrlc::set_handler(move || {
        let _ = stop_tx.send(());
    })
    .map_err(|e| format!("cannot handle ctrl-c: {e}"))?;

    let result = Stack::start(config).and_then(|mut stack| {
        print_banner(&stack);
        let outcome = loop {
            match stop_rx.recv_timeout(Duration::from_millis(500)) {
                Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => break Ok(()),
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if let Some((name, status)) = stack.exited() {
                        break Err(format!(
                            "the {name} stopped on its own ({status}); see its log above"
                        ));
                    }
                }
            }
        };
        println!("\ndemo: stopping the shop, the forwarder and the emulators");
        for (name, status) in stack.stop() {
            println!("demo: {name} stopped ({status})");
        }
        outcome
    });
    let _ = std::fs::remove_dir_all(&work_dir);
    if result.is_ok() {
        println!("demo: everything stopped; nothing is left running");
    }
    result
}

fn print_banner(stack: &Stack) {
    let url = format!("{}/?irclickid={}", stack.shop_url(), demo_click_id());
    let config = stack.config_file().display();
    let clicktrail = stack.config().bin_dir.join("clicktrail");
    let clicktrail = clicktrail.display();
    let hold = &stack.config().refund_delay;
    println!(
        "
================================================================================
  clicktrail demo is running. Open this partner link in a browser:

      {url}

  Then try:
   1. Pricing > Subscribe to Starter (any email). Open \"impact.com view\": a
      conversion with the link's click id, the invoice as OrderId, 29.00 USD.
   2. Your account > Refund part of that payment: {hold} later (the refund
      hold) a modification with what is left.
   3. Be a new visitor (bottom of Your account), open the link again, buy the
      workshop, pay on the emulator's checkout page: a one-time conversion.
      Refund all of it: a reversal.
   4. The 14-day trial plan: a 0.00 sign-up conversion (rules.trial = \"signup\").
   5. Be a new visitor, subscribe without the link: no conversion; the
      forwarder says why:
        {clicktrail} jobs --config {config}
   6. Last: Your account > Bill next month: a recurring conversion on the
      recurring tracker. (The emulator moves its clock a month ahead for good
      to bill it; the forwarder holds future-dated events from now, not until
      their date.)

  Operator console: {console}  (token: {token})
    every event, decision, delivery and dead letter, with Replay.

  Stripe emulator {stripe} (key sk_test_sandbox), impact.com emulator {impact},
  forwarder {forwarder}. Ctrl-C stops everything.
================================================================================
",
        stripe = stack.stripe_url(),
        impact = stack.impact_url(),
        forwarder = stack.forwarder_url(),
        console = stack.console_url(),
        token = stack.console_token(),
    );
}

/// `DEMO` and eight hex digits, different on each run (no randomness crate needed).
fn demo_click_id() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("DEMO{:08x}", nanos ^ std::process::id().rotate_left(16))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_click_ids_are_valid_click_ids() {
        let id = demo_click_id();
        assert_eq!(id.len(), 12);
        assert!(id.starts_with("DEMO"));
        assert!(id[4..].bytes().all(|b| b.is_ascii_hexdigit()));
    }
}
