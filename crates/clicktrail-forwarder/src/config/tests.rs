//! Loader tests: the example file, defaults, and errors that name the key, the value and what is
//! allowed.

use super::*;

const MINIMAL: &str = r#"
[impact]
account_sid = "IRabc123"
auth_token = "tok_secret_value"
campaign_id = "1000"
event_type_id = "2000"
recurring_event_type_id = "2001"
"#;

fn with(extra: &str) -> Result<Config, Error> {
    Config::from_toml_str(&format!("{MINIMAL}\n{extra}"))
}

fn error(text: &str) -> String {
    Config::from_toml_str(text).unwrap_err().to_string()
}

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/clicktrail.example.toml");

#[test]
fn the_example_file_loads_and_shows_the_defaults() {
    let config = Config::from_figment(&Config::figment(Path::new(EXAMPLE)).unwrap()).unwrap();
    assert_eq!(config.impact.account_sid.as_str(), "IRxxxxxxxx");
    assert_eq!(config.impact.campaign_id.as_str(), "1000");
    assert_eq!(config.impact.api_base.as_str(), "https://api.impact.com");
    assert!(config.impact.one_time_event_type_id.is_none());
    let defaults = Rules::default();
    let r = &config.rules;
    assert_eq!(r.refund_delay, defaults.refund_delay);
    assert_eq!(r.trial, defaults.trial);
    assert_eq!(r.refund_reason, defaults.refund_reason);
    assert_eq!(r.refund_disposition, defaults.refund_disposition);
    assert_eq!(r.hash_customer_email, defaults.hash_customer_email);
    assert_eq!(r.click_id_keys, defaults.click_id_keys);
    assert_eq!(r.click_id_wait, defaults.click_id_wait);
    let stripe = config.stripe.unwrap();
    assert_eq!(stripe.webhook_secrets.len(), 1);
    assert_eq!(stripe.api_base.as_str(), "https://api.stripe.com");
}

#[test]
fn rules_and_stripe_are_optional_with_documented_defaults() {
    let config = with("").unwrap();
    assert!(config.stripe.is_none());
    assert_eq!(config.rules.refund_delay, Duration::from_secs(3600));
    assert_eq!(config.rules.trial, Trial::Signup);
    assert_eq!(config.rules.refund_reason.as_str(), "ITEM_RETURNED");
    assert_eq!(config.rules.refund_disposition.as_str(), "ITEM_RETURNED");
    assert!(config.rules.hash_customer_email);
    let keys: Vec<&str> = config.rules.click_id_keys.iter().collect();
    assert_eq!(
        keys,
        ["impact_click_id", "impact_clickid", "irclickid", "im_ref"]
    );
    // A partial [rules] keeps the defaults of the keys it does not set.
    let config = with("[rules]\ntrial = \"first-payment\"\nrefund_delay = \"90m\"").unwrap();
    assert_eq!(config.rules.trial, Trial::FirstPayment);
    assert_eq!(config.rules.refund_delay, Duration::from_secs(5400));
    assert!(config.rules.hash_customer_email);
}

#[test]
fn every_key_is_read() {
    let config = with(
        r#"
[rules]
refund_delay = "2s"
refund_reason = "ORDER_UPDATE"
refund_disposition = "CONS_ERROR"
hash_customer_email = false
click_id_keys = ["My_Click"]
click_id_wait = "0s"

[stripe]
api_key = "rk_test_abc"
webhook_secrets = ["whsec_a", "whsec_b"]
api_base = "http://127.0.0.1:12111"
"#,
    )
    .unwrap();
    assert_eq!(config.rules.refund_delay, Duration::from_secs(2));
    assert_eq!(config.rules.refund_reason.as_str(), "ORDER_UPDATE");
    assert_eq!(config.rules.refund_disposition.as_str(), "CONS_ERROR");
    assert!(!config.rules.hash_customer_email);
    assert!(config.rules.click_id_keys.matches("MY_CLICK"));
    assert_eq!(config.rules.click_id_wait, Duration::ZERO);
    let stripe = config.stripe.unwrap();
    assert_eq!(stripe.api_key.expose(), "rk_test_abc");
    assert_eq!(stripe.webhook_secrets[1].expose(), "whsec_b");
    assert_eq!(stripe.api_base.as_str(), "http://127.0.0.1:12111");

    let ids = Config::from_toml_str(&MINIMAL.replace(
        "recurring_event_type_id = \"2001\"",
        "recurring_event_type_id = 2001\none_time_event_type_id = \"2002\"\nupgrade_event_type_id = 2003\napi_base = \"https://sandbox.example/\"",
    ))
    .unwrap();
    assert_eq!(ids.impact.recurring_event_type_id.as_str(), "2001");
    assert_eq!(ids.impact.one_time_event_type_id.unwrap().as_str(), "2002");
    assert_eq!(ids.impact.upgrade_event_type_id.unwrap().as_str(), "2003");
    assert_eq!(ids.impact.api_base.as_str(), "https://sandbox.example");
}

#[test]
fn bad_values_name_the_key_the_value_and_what_is_allowed() {
    let cases = [
        (
            "[rules]\ntrial = \"weekly\"",
            "rules.trial",
            "weekly",
            "first-payment",
        ),
        (
            "[rules]\nrefund_delay = \"soon\"",
            "rules.refund_delay",
            "soon",
            "duration",
        ),
        (
            "[rules]\nrefund_delay = 5",
            "rules.refund_delay",
            "5",
            "string",
        ),
        (
            "[rules]\nrefund_reason = \"returned\"",
            "rules.refund_reason",
            "returned",
            "upper-case",
        ),
        (
            "[rules]\nrefund_disposition = \"\"",
            "rules.refund_disposition",
            "\"\"",
            "ITEM_RETURNED",
        ),
        (
            "[rules]\nhash_customer_email = \"yes\"",
            "rules.hash_customer_email",
            "yes",
            "bool",
        ),
        (
            "[rules]\nclick_id_keys = []",
            "rules.click_id_keys",
            "empty list",
            "at least one",
        ),
        (
            "[rules]\nclick_id_keys = [\"a[0]\"]",
            "rules.click_id_keys",
            "a[0]",
            "without [ or ]",
        ),
        (
            "[stripe]\napi_key = \"rk_test_x\"\napi_base = \"http://api.stripe.com\"",
            "stripe.api_base",
            "http://api.stripe.com",
            "https://",
        ),
    ];
    for (extra, key, value, allowed) in cases {
        let err = with(extra).unwrap_err().to_string();
        assert!(err.contains(key), "{extra}: {err}");
        assert!(err.contains(value), "{extra}: {err}");
        assert!(err.contains(allowed), "{extra}: {err}");
    }
    let err = error(&MINIMAL.replace("\"1000\"", "\"ten\""));
    assert!(
        err.contains("impact.campaign_id") && err.contains("ten") && err.contains("digits"),
        "{err}"
    );
    let err = error(&MINIMAL.replace("\"IRabc123\"", "\"IR abc\""));
    assert!(
        err.contains("impact.account_sid") && err.contains("IR abc"),
        "{err}"
    );
}

#[test]
fn unknown_and_missing_keys_are_named() {
    let err = with("[rules]\nrefund_dealy = \"1h\"")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("refund_dealy") && err.contains("refund_delay"),
        "{err}"
    );
    let err = with("[impct]\nx = 1").unwrap_err().to_string();
    assert!(err.contains("impct") && err.contains("impact"), "{err}");
    let err = error(&MINIMAL.replace("event_type_id = \"2000\"\n", "event_typ_id = \"2000\"\n"));
    assert!(err.contains("event_typ_id"), "{err}");
    let err = error(&MINIMAL.replace("campaign_id = \"1000\"\n", ""));
    assert!(
        err.contains("impact.campaign_id") && err.contains("missing"),
        "{err}"
    );
    let err = error("");
    assert!(err.contains("impact") && err.contains("missing"), "{err}");
}

#[test]
fn secrets_never_appear_in_errors_or_debug() {
    let config =
        with("[stripe]\napi_key = \"rk_test_verysecret\"\nwebhook_secrets = [\"whsec_topsecret\"]")
            .unwrap();
    let debug = format!("{config:?}");
    for secret in ["tok_secret_value", "rk_test_verysecret", "whsec_topsecret"] {
        assert!(!debug.contains(secret), "{debug}");
    }
    let err = with("[stripe]\napi_key = \"pk_live_publishable\"")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("stripe.api_key") && err.contains("rk_live_"),
        "{err}"
    );
    assert!(!err.contains("pk_live_publishable"), "{err}");
    let err = with(
        "[stripe]\napi_key = \"rk_test_x\"\nwebhook_secrets = [\"whsec_ok\", \"oops_secret\"]",
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("stripe.webhook_secrets") && err.contains("item 1"),
        "{err}"
    );
    assert!(!err.contains("oops_secret"), "{err}");
    let err = error(&MINIMAL.replace("\"tok_secret_value\"", "[\"tok_secret_value\"]"));
    assert!(
        err.contains("impact.auth_token") && !err.contains("tok_secret_value"),
        "{err}"
    );
}

#[test]
fn a_missing_file_is_a_clear_error() {
    let err = Config::load(Path::new("/nonexistent/clicktrail.toml"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("/nonexistent/clicktrail.toml") && err.contains("no such file"),
        "{err}"
    );
}

#[test]
#[allow(clippy::result_large_err)] // figment::Jail's own signature
fn environment_overrides_win_and_their_errors_name_the_variable() {
    figment::Jail::expect_with(|jail| {
        jail.create_file("clicktrail.toml", MINIMAL)?;
        jail.set_env("CLICKTRAIL_IMPACT__AUTH_TOKEN", "from_env");
        jail.set_env("CLICKTRAIL_RULES__REFUND_DELAY", "2s");
        jail.set_env("CLICKTRAIL_RULES__TRIAL", "first-payment");
        jail.set_env("CLICKTRAIL_IMPACT__EVENT_TYPE_ID", "3000");
        let config = Config::load(Path::new("clicktrail.toml")).map_err(|e| e.to_string())?;
        assert_eq!(config.impact.auth_token.expose(), "from_env");
        assert_eq!(config.rules.refund_delay, Duration::from_secs(2));
        assert_eq!(config.rules.trial, Trial::FirstPayment);
        assert_eq!(config.impact.event_type_id.as_str(), "3000");

        jail.set_env("CLICKTRAIL_RULES__REFUND_DELAY", "later");
        let err = Config::load(Path::new("clicktrail.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("rules.refund_delay") && err.contains("later"),
            "{err}"
        );
        assert!(err.contains("CLICKTRAIL_RULES__REFUND_DELAY"), "{err}");
        Ok(())
    });
}

#[test]
#[allow(clippy::result_large_err)] // figment::Jail's own signature
fn service_keys_have_defaults_env_overrides_and_other_variables_are_ignored() {
    figment::Jail::expect_with(|jail| {
        jail.create_file("clicktrail.toml", MINIMAL)?;
        jail.set_env(
            "CLICKTRAIL_TEST_POSTGRES_URL",
            "postgres://x@127.0.0.1/test",
        );
        jail.set_env("CLICKTRAIL_PEERS_DIR", "/tmp");
        let config = Config::load(Path::new("clicktrail.toml")).map_err(|e| e.to_string())?;
        assert_eq!(config.listen.to_string(), "127.0.0.1:8088");
        assert_eq!(config.database_url.expose(), "sqlite://clicktrail.db");
        assert_eq!(config.webhook_path.as_str(), "/webhooks/stripe");
        assert_eq!(config.intake.body_limit, 1024 * 1024);
        assert_eq!(config.worker.retry_schedule.len(), 9);
        assert_eq!(config.worker.max_requests_per_hour, 0);

        jail.set_env("CLICKTRAIL_DATABASE_URL", "postgres://app@db/ct");
        jail.set_env("CLICKTRAIL_WORKER__CONCURRENCY", "4");
        jail.set_env("CLICKTRAIL_LISTEN", "0.0.0.0:9000");
        let config = Config::load(Path::new("clicktrail.toml")).map_err(|e| e.to_string())?;
        assert!(config.database_url.is_postgres());
        assert_eq!(config.worker.concurrency, 4);
        assert_eq!(config.listen.port(), 9000);

        jail.set_env("CLICKTRAIL_WORKER__CONCURRENCY", "0");
        let err = Config::load(Path::new("clicktrail.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("worker.concurrency"), "{err}");
        jail.set_env("CLICKTRAIL_WORKER__CONCURRENCY", "4");
        jail.set_env("CLICKTRAIL_WORKER__RETRY_SCHEDULE", "[\"5s\", \"soon\"]");
        let err = Config::load(Path::new("clicktrail.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("worker.retry_schedule") && err.contains("item 1"),
            "{err}"
        );
        Ok(())
    });
}

#[test]
fn bad_service_values_name_their_key() {
    let with = |extra: &str| {
        Config::from_toml_str(&format!("{extra}\n{MINIMAL}"))
            .unwrap_err()
            .to_string()
    };
    let err = with("database_url = \"mysql://u:pw@h/db\"");
    assert!(
        err.contains("database_url") && !err.contains("pw@"),
        "{err}"
    );
    let err = with("webhook_path = \"/metrics\"");
    assert!(err.contains("webhook_path"), "{err}");
    let err = with("sqlite_synchronous = \"sometimes\"");
    assert!(err.contains("sqlite_synchronous"), "{err}");
    let err = with("[intake]\nbody_limit = 10");
    assert!(err.contains("intake.body_limit"), "{err}");
}

#[test]
fn a_lease_must_outlive_a_request_in_flight() {
    let err = with("[worker]\nlease = \"5s\"\nrequest_timeout = \"5s\"")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("worker.lease") && err.contains("worker.request_timeout (5s)"),
        "{err}"
    );
    let config = with("[worker]\nlease = \"6s\"\nrequest_timeout = \"5s\"").unwrap();
    assert_eq!(config.worker.lease, Duration::from_secs(6));
}

#[test]
fn an_empty_key_is_named_quoted() {
    // TOML allows `""` as a key; the error must still say which key it is (the config fuzz test
    // found `["".a]`).
    for text in [
        format!("{MINIMAL}\n[\"\".a]\n"),
        format!("\"\" = 1\n{MINIMAL}"),
    ] {
        match Config::from_toml_str(&text) {
            Err(Error::Config { key, problem, .. }) => {
                assert_eq!(key, "\"\"", "{text}");
                assert!(problem.contains("unknown key `\"\"`"), "{problem}");
            }
            other => panic!("{text}: {other:?}"),
        }
    }
}

#[test]
fn the_console_has_a_listener_of_its_own_and_a_long_token() {
    let top = |keys: &str| Config::from_toml_str(&format!("{keys}\n{MINIMAL}"));
    let err = top("listen = \"127.0.0.1:9000\"\nadmin_listen = \"127.0.0.1:9000\"").unwrap_err();
    assert!(err.to_string().contains("admin_listen"), "{err}");
    top("listen = \"127.0.0.1:0\"\nadmin_listen = \"127.0.0.1:0\"").expect("two free ports");
    let err = with("[admin]\ntoken = \"short-secret\"")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("admin.token") && err.contains("16") && !err.contains("short-secret"),
        "{err}"
    );
    let config = with("[admin]\ntoken = \"a-long-enough-console-token\"").unwrap();
    assert!(!format!("{config:?}").contains("a-long-enough-console-token"));
    assert_eq!(with("").unwrap().admin_listen.to_string(), "127.0.0.1:8089");
}
