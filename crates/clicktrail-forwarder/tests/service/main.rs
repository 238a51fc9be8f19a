//! `clicktrail serve` end to end against the sandbox's Stripe and impact.com emulators, on
//! SQLite and on PostgreSQL. Every case is written once (`cases.rs`: intake and delivery;
//! `money.rs`: money-exact, order-safe delivery) and instantiated for both stores by
//! [`both_stores!`]; the PostgreSQL ones need `CLICKTRAIL_TEST_POSTGRES_URL`.

mod cases;
mod harness;
mod money;

/// One `#[tokio::test]` per case and store.
macro_rules! both_stores {
    ($($module:ident :: $case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    crate::$module::$case(crate::harness::Db::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[ignore = "needs PostgreSQL: set CLICKTRAIL_TEST_POSTGRES_URL (cargo xtask test does when one is reachable)"]
                async fn $case() {
                    crate::$module::$case(crate::harness::Db::Postgres).await;
                }
            )*
        }
    };
}

both_stores!(
    cases::flow,
    cases::duplicates,
    cases::bad_input,
    cases::readiness,
    cases::outage,
    cases::permanent_error,
    cases::refund_hold,
    cases::crash,
    cases::lookups,
    money::outage_longer_than_the_refund_hold,
    money::dead_conversion_replayed_with_its_refund,
    money::lost_answer_is_read_back_as_delivered,
    money::refused_verdicts_are_dead_letters,
    money::refund_before_its_conversion,
    money::lost_dispute_reverses,
    money::three_decimal_currency,
);

/// Several replicas need a shared database: PostgreSQL only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set CLICKTRAIL_TEST_POSTGRES_URL (cargo xtask test does when one is reachable)"]
async fn postgres_two_replicas() {
    cases::two_replicas(harness::Db::Postgres).await;
}
