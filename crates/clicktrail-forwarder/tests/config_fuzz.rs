//! Property tests of the configuration loader: a valid file with one key's value replaced by an
//! arbitrary TOML value, arbitrary text, and arbitrary environment overrides. The loader never
//! panics; every failure is `Error::Config` naming the key (`(top level)` for text that is not
//! TOML at all); a secret's value never appears in an error.

// figment::Jail's closures return figment's own (large) error type.
#![allow(clippy::result_large_err)]

use clicktrail_forwarder::Error;
use clicktrail_forwarder::config::Config;
use figment::Figment;
use figment::providers::{Format, Toml};
use proptest::prelude::*;

/// A complete, valid configuration, one `key = value` per line, so that any one value can be
/// replaced.
const KEYS: &[(&str, &str, &str)] = &[
    ("", "listen", r#""127.0.0.1:8088""#),
    ("", "database_url", r#""sqlite://clicktrail.db""#),
    ("", "sqlite_synchronous", r#""full""#),
    ("", "webhook_path", r#""/webhooks/stripe""#),
    ("impact", "account_sid", r#""IRabc123""#),
    ("impact", "auth_token", r#""tok_valid_token""#),
    ("impact", "campaign_id", r#""1000""#),
    ("impact", "event_type_id", r#""2000""#),
    ("impact", "recurring_event_type_id", r#""2001""#),
    ("impact", "one_time_event_type_id", r#""2002""#),
    ("impact", "api_base", r#""https://api.impact.com""#),
    ("rules", "refund_delay", r#""1h""#),
    ("rules", "trial", r#""signup""#),
    ("rules", "refund_reason", r#""ITEM_RETURNED""#),
    ("rules", "refund_disposition", r#""ITEM_RETURNED""#),
    ("rules", "hash_customer_email", "true"),
    (
        "rules",
        "click_id_keys",
        r#"["impact_click_id", "irclickid"]"#,
    ),
    ("rules", "click_id_wait", r#""10m""#),
    ("stripe", "api_key", r#""rk_test_validkey""#),
    ("stripe", "webhook_secrets", r#"["whsec_valid"]"#),
    ("stripe", "api_base", r#""https://api.stripe.com""#),
    ("intake", "body_limit", "1048576"),
    ("intake", "signature_tolerance", r#""5m""#),
    ("intake", "batch_max", "256"),
    ("worker", "concurrency", "16"),
    ("worker", "retry_schedule", r#"["5s", "1m"]"#),
    ("worker", "max_requests_per_hour", "0"),
    ("worker", "poll_interval", r#""1s""#),
    ("worker", "lease", r#""60s""#),
    ("worker", "shutdown_grace", r#""10s""#),
    ("worker", "request_timeout", r#""30s""#),
];

/// Keys whose values are secrets.
const SECRETS: [&str; 3] = [
    "impact.auth_token",
    "stripe.api_key",
    "stripe.webhook_secrets",
];

/// The marker put into arbitrary secret values, to look for in errors.
const MARK: &str = "Sekr3tMark";

fn dotted(section: &str, key: &str) -> String {
    if section.is_empty() {
        key.to_owned()
    } else {
        format!("{section}.{key}")
    }
}

/// The configuration text with `replace` (a dotted key) given `value`.
fn text(replace: Option<(&str, &str)>) -> String {
    let mut out = String::new();
    let mut current = "";
    for (section, key, value) in KEYS {
        if *section != current {
            out.push_str(&format!("\n[{section}]\n"));
            current = section;
        }
        let value = match replace {
            Some((k, v)) if k == dotted(section, key) => v,
            _ => value,
        };
        out.push_str(&format!("{key} = {value}\n"));
    }
    out
}

/// Syntactically valid TOML values of every type, most of them wrong for most keys.
fn toml_value() -> impl Strategy<Value = String> {
    let scalar = prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<bool>().prop_map(|b| b.to_string()),
        (-1e12f64..1e12).prop_map(|f| format!("{f:?}")),
        ".{0,30}".prop_map(|s| toml_string(&s)),
        "[0-9]{1,4} ?(ms|s|m|h|d|years|x)?".prop_map(|s| toml_string(&s)),
        "(https?|ftp|sqlite|postgres)://[a-z0-9.:@/]{0,20}".prop_map(|s| toml_string(&s)),
        Just(r#""""#.to_owned()),
        Just(r#""  ""#.to_owned()),
        Just("1979-05-27T07:32:00Z".to_owned()),
    ];
    prop_oneof![
        4 => scalar.clone(),
        1 => prop::collection::vec(scalar.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(", "))),
        1 => (scalar, "[a-z]{1,8}").prop_map(|(v, k)| format!("{{ {k} = {v} }}")),
    ]
}

/// `s` as a TOML basic string.
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn key_index() -> impl Strategy<Value = usize> {
    0..KEYS.len()
}

/// Keys checked against each other: a value valid alone can be refused under its partner's
/// name (`worker.lease` must be longer than `worker.request_timeout`).
const RELATED: &[[&str; 2]] = &[["worker.lease", "worker.request_timeout"]];

fn related(set: &str, named: &str) -> bool {
    RELATED
        .iter()
        .any(|pair| pair.contains(&set) && pair.contains(&named))
}

/// Checks the contract: `Ok`, or `Error::Config` naming a key; never another error.
fn check(result: Result<Config, Error>) -> Option<(String, String)> {
    match result {
        Ok(_) => None,
        Err(Error::Config { key, .. }) if !key.is_empty() => {
            let text = Error::Config {
                key: key.clone(),
                origin: None,
                problem: String::new(),
            };
            Some((key, text.to_string()))
        }
        Err(other) => panic!("expected an error naming a key, got {other:?}"),
    }
}

#[test]
fn the_base_text_is_valid() {
    Config::from_toml_str(&text(None)).expect("the base configuration is valid");
}

proptest! {
    // Cases that failed once are replayed first. `Direct`, because proptest's default lookup
    // cannot find this file from a workspace run (`file!()` is workspace-relative), and would
    // silently skip the saved cases; tests run with the package root as working directory.
    #![proptest_config(ProptestConfig {
        cases: 512,
        failure_persistence: Some(Box::new(proptest::test_runner::FileFailurePersistence::Direct(
            "tests/config_fuzz.proptest-regressions",
        ))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn one_bad_value_is_refused_by_its_key(index in key_index(), value in toml_value()) {
        let (section, key, _) = KEYS[index];
        let name = dotted(section, key);
        let result = Config::from_toml_str(&text(Some((&name, &value))));
        if let Some((found, _)) = check(result) {
            prop_assert!(
                found == name || found.starts_with(&format!("{name}.")) || related(&name, &found),
                "{} = {} was refused under the key {:?}", name, value, found
            );
        }
    }

    #[test]
    fn a_bad_secret_never_shows_in_the_error(index in 0..SECRETS.len(), extra in "[a-z0-9 _-]{0,12}", as_list in any::<bool>(), as_number in any::<bool>()) {
        let name = SECRETS[index];
        let raw = format!("{MARK}{extra}");
        let value = match (as_list, as_number) {
            (_, true) => format!("[{{ v = {} }}]", toml_string(&raw)),
            (true, false) => format!("[{}, 7]", toml_string(&raw)),
            (false, false) => format!("{{ k = {} }}", toml_string(&raw)),
        };
        let result = Config::from_toml_str(&text(Some((name, &value))));
        match result {
            Ok(_) => {}
            Err(e) => {
                let shown = format!("{e} {e:?}");
                prop_assert!(!shown.contains(MARK), "a secret leaked into {}", shown);
            }
        }
    }

    #[test]
    fn arbitrary_text_never_panics(garbage in ".{0,200}", tail in prop::collection::vec("[a-z_\\[\\]=\" .0-9]{0,30}", 0..6)) {
        let _ = check(Config::from_toml_str(&garbage));
        let mut mixed = text(None);
        for line in tail {
            mixed.push_str(&line);
            mixed.push('\n');
        }
        let _ = check(Config::from_toml_str(&mixed));
    }

    #[test]
    fn environment_overrides_are_checked_like_the_file(index in key_index(), value in "[^\\x00]{0,40}") {
        let (section, key, _) = KEYS[index];
        let name = dotted(section, key);
        let variable = format!("CLICKTRAIL_{}", name.to_uppercase().replace('.', "__"));
        figment::Jail::expect_with(|jail| {
            jail.set_env(&variable, &value);
            let figment = Config::with_env(Figment::from(Toml::string(&text(None))));
            if let Some((found, shown)) = check(Config::from_figment(&figment)) {
                assert!(
                    found == name || found.starts_with(&format!("{name}.")),
                    "{variable}={value:?} was refused under the key {found:?}"
                );
                if SECRETS.contains(&name.as_str()) && value.trim().len() >= 4 {
                    assert!(!shown.contains(value.trim()), "a secret leaked: {shown}");
                }
            }
            Ok(())
        });
    }
}
