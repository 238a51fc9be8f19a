//! `clicktrail serve` end to end against the sandbox's Stripe and impact.com emulators, on
//! SQLite and on PostgreSQL. Every case is written once (`cases.rs`: intake and delivery;
//! `money.rs`: money-exact, order-safe delivery; `account.rs`: `setup`, `check`, `backfill` and
//! reconcile, through the `clicktrail` binary; `console.rs`: the operator console's queries)
//! and instantiated for both stores by [`both_stores!`]; the PostgreSQL ones need `CLICKTRAIL_TEST_POSTGRES_URL`. All of them share
//! one bench (`harness.rs`).

mod account;
mod cases;
mod console;
mod console_pages;
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
    cases::one_time_checkout_items,
    cases::promotion_code_of_a_checkout_payment,
    console_pages::console_pages,
    money::outage_longer_than_the_refund_hold,
    money::dead_conversion_replayed_with_its_refund,
    money::lost_answer_is_read_back_as_delivered,
    money::refused_verdicts_are_dead_letters,
    money::refund_before_its_conversion,
    money::lost_dispute_reverses,
    money::three_decimal_currency,
    account::setup_creates_one_endpoint_then_changes_nothing,
    account::setup_adds_missing_events_and_keeps_the_others,
    account::setup_secret_is_accepted_by_a_running_serve,
    account::backfill_ingests_only_what_is_missing,
    account::reconcile_recovers_an_event_delivered_while_down,
    console::filters_detail_and_history,
    console::keyset_paging,
);

/// Several replicas need a shared database: PostgreSQL only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set CLICKTRAIL_TEST_POSTGRES_URL (cargo xtask test does when one is reachable)"]
async fn postgres_two_replicas() {
    cases::two_replicas(harness::Db::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_refuses_a_full_account_with_the_list() {
    account::setup_refuses_a_full_account_with_the_list().await;
}

#[tokio::test]
async fn setup_refuses_plain_http_to_a_public_host() {
    account::setup_refuses_plain_http_to_a_public_host().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_names_missing_permissions_and_passes_with_a_full_key() {
    account::check_names_missing_permissions_and_passes_with_a_full_key().await;
}

#[tokio::test]
async fn backfill_refuses_a_window_beyond_thirty_days() {
    account::backfill_refuses_a_window_beyond_thirty_days().await;
}
