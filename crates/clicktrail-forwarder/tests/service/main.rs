//! `clicktrail serve` end to end against the sandbox's Stripe and impact.com emulators, on
//! SQLite and on PostgreSQL. Every case is written once (`cases.rs`) and instantiated for both
//! stores by [`both_stores!`]; the PostgreSQL ones need `CLICKTRAIL_TEST_POSTGRES_URL`.

mod cases;
mod harness;

/// One `#[tokio::test]` per case and store.
macro_rules! both_stores {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    crate::cases::$case(crate::harness::Db::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[ignore = "needs PostgreSQL: set CLICKTRAIL_TEST_POSTGRES_URL (cargo xtask test does when one is reachable)"]
                async fn $case() {
                    crate::cases::$case(crate::harness::Db::Postgres).await;
                }
            )*
        }
    };
}

both_stores!(
    flow,
    duplicates,
    bad_input,
    outage,
    permanent_error,
    refund_hold,
    crash,
    lookups,
);

/// Several replicas need a shared database: PostgreSQL only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set CLICKTRAIL_TEST_POSTGRES_URL (cargo xtask test does when one is reachable)"]
async fn postgres_two_replicas() {
    cases::two_replicas(harness::Db::Postgres).await;
}
