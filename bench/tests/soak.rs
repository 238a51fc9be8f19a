//! The short soak that runs in CI: steady signed traffic with Stripe-style redeliveries, random
//! impact.com faults (503, 429 with a reset, slow answers, dropped connections) and one restart
//! of the forwarder (in process, graceful), then: zero events lost, zero duplicate sends, no
//! dead letters. The long soak with a SIGKILL restart is `cargo xtask soak`.

use std::time::Duration;

use clicktrail_bench::scenario::soak::{self, Mode, SoakOptions};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn short_soak_loses_nothing_and_sends_nothing_twice() {
    let options = SoakOptions {
        mode: Mode::InProcess,
        duration: Duration::from_secs(20),
        rate: 15,
        fault_every: Duration::from_millis(700),
        drain: Duration::from_secs(60),
    };
    let report = soak::run(&options).await.expect("the soak runs");
    println!("{report:?}");
    assert!(report.acknowledged >= 250, "traffic flowed: {report:?}");
    assert!(
        report.faults.values().sum::<u64>() >= 20,
        "faults were injected: {report:?}"
    );
    assert_eq!(
        report.lost, 0,
        "acknowledged events without a conversion: {report:?}"
    );
    assert_eq!(
        report.duplicate_sends, 0,
        "conversions sent twice: {report:?}"
    );
    assert_eq!(report.dead, 0, "dead letters: {report:?}");
}
