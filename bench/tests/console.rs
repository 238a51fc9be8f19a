//! The console paging scenario at a small size: it runs, every query answers the rows the
//! seeding implies, and the report carries its table and goals.

use clicktrail_bench::report;
use clicktrail_bench::scenario::console;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_paging_runs_and_reports() {
    let mut reports = console::run(&[30_000], 2).await.expect("the scenario runs");
    let rows: Vec<(&str, usize)> = reports[0]
        .rows
        .iter()
        .map(|r| (r.query.as_str(), r.rows))
        .collect();
    let rows_of = |starts: &str| {
        rows.iter()
            .find(|(q, _)| q.starts_with(starts))
            .unwrap_or_else(|| panic!("{starts}: {rows:?}"))
            .1
    };
    assert_eq!(rows_of("first page"), 50);
    assert_eq!(rows_of("page 500"), 50, "30,000 events: page 500 is full");
    assert_eq!(rows_of("click id"), 1);
    assert_eq!(rows_of("order id"), 1);
    assert!(rows_of("customer") >= 1);
    // 28,500 jobs (none for the one event in 20 typed `customer.created`), one in 1,000 dead.
    assert_eq!(rows_of("decision dead"), 29, "{rows:?}");
    assert_eq!(rows_of("dead letters"), 29, "{rows:?}");
    assert_eq!(rows_of("one event"), 1);
    let text = report::console(&mut reports, 2);
    assert!(text.starts_with("## Console paging\n"), "{text}");
    assert!(text.contains("| first page | 50 |"), "{text}");
    assert!(
        text.contains("\nGoal: at 30000 events, every query"),
        "{text}"
    );
}
