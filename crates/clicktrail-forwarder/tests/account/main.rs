//! `clicktrail setup`, `check`, `backfill` and the reconcile loop of `serve`, against the
//! sandbox's Stripe and impact.com emulators, through the `clicktrail` binary (its output and
//! exit codes) and the service in process. The cases that touch the database run on SQLite and
//! on PostgreSQL (`CLICKTRAIL_TEST_POSTGRES_URL`), on the service tests' bench.

mod cases;
#[allow(dead_code)]
#[path = "../service/harness.rs"]
mod harness;
mod tools;

/// One `#[tokio::test]` per case and store, as in the service tests.
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
    setup_creates_one_endpoint_then_changes_nothing,
    setup_adds_missing_events_and_keeps_the_others,
    setup_secret_is_accepted_by_a_running_serve,
    backfill_ingests_only_what_is_missing,
    reconcile_recovers_an_event_delivered_while_down,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_refuses_a_full_account_with_the_list() {
    cases::setup_refuses_a_full_account_with_the_list().await;
}

#[tokio::test]
async fn setup_refuses_plain_http_to_a_public_host() {
    cases::setup_refuses_plain_http_to_a_public_host().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_names_missing_permissions_and_passes_with_a_full_key() {
    cases::check_names_missing_permissions_and_passes_with_a_full_key().await;
}

#[tokio::test]
async fn backfill_refuses_a_window_beyond_thirty_days() {
    cases::backfill_refuses_a_window_beyond_thirty_days().await;
}
