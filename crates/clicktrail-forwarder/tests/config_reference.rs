//! The configuration reference (`config::reference`, rendered into `docs/config.md`) against the
//! loader itself: the keys the loader accepts are found by asking it (each unknown-key error
//! lists the allowed ones), not read from the reference.

use std::collections::BTreeSet;
use std::path::Path;

use clicktrail_forwarder::config::Config;
use clicktrail_forwarder::config::reference::{KEYS, KeyDoc, SECTIONS, markdown};

/// The smallest configuration every command accepts, with `[stripe]` so its keys can be tried.
const REQUIRED: &[(&str, &str, &str)] = &[
    ("impact", "account_sid", "\"IRabc123\""),
    ("impact", "auth_token", "\"token\""),
    ("impact", "campaign_id", "\"1000\""),
    ("impact", "event_type_id", "\"2000\""),
    ("impact", "recurring_event_type_id", "\"2001\""),
    ("stripe", "api_key", "\"rk_test_abc\""),
];

/// The minimal document with `(section, key) = value` set (replacing a required value).
fn document(extra: &[(&str, &str, &str)]) -> String {
    let mut lines: Vec<(String, String, String)> = REQUIRED
        .iter()
        .map(|(s, k, v)| ((*s).to_owned(), (*k).to_owned(), (*v).to_owned()))
        .collect();
    for (section, key, value) in extra {
        lines.retain(|(s, k, _)| !(s == section && k == key));
        lines.push((
            (*section).to_owned(),
            (*key).to_owned(),
            (*value).to_owned(),
        ));
    }
    let mut text = String::new();
    for (section, _) in SECTIONS {
        let here: Vec<_> = lines.iter().filter(|(s, _, _)| s == section).collect();
        if here.is_empty() {
            continue;
        }
        if !section.is_empty() {
            text.push_str(&format!("[{section}]\n"));
        }
        for (_, key, value) in here {
            text.push_str(&format!("{key} = {value}\n"));
        }
    }
    text
}

/// The keys the loader accepts in `section`, from its own unknown-key error.
fn accepted_keys(section: &str) -> BTreeSet<String> {
    let err = Config::from_toml_str(&document(&[(section, "zz_not_a_key", "1")]))
        .expect_err("an unknown key is refused")
        .to_string();
    let (_, allowed) = err
        .split_once("allowed keys: ")
        .unwrap_or_else(|| panic!("the error lists the allowed keys: {err}"));
    allowed.split(", ").map(|k| k.trim().to_owned()).collect()
}

fn listed(section: &str) -> BTreeSet<String> {
    KEYS.iter()
        .filter(|k| k.section == section)
        .map(|k| k.name.to_owned())
        .collect()
}

#[test]
fn the_reference_lists_exactly_the_keys_the_loader_accepts() {
    for (section, _) in SECTIONS {
        let mut accepted = accepted_keys(section);
        if section.is_empty() {
            // At the top level the sections are keys too.
            for (s, _) in SECTIONS {
                accepted.remove(*s);
            }
        }
        assert_eq!(
            listed(section),
            accepted,
            "section [{section}]: the reference (left) and the loader (right) differ"
        );
    }
}

#[test]
fn each_default_in_the_reference_is_the_loaders_default() {
    let omitted = format!("{:?}", Config::from_toml_str(&document(&[])).unwrap());
    for doc in KEYS {
        let Some(default) = doc.default else { continue };
        let given = Config::from_toml_str(&document(&[(doc.section, doc.name, default)]))
            .unwrap_or_else(|e| panic!("{} = {default}: {e}", doc.dotted()));
        assert_eq!(
            format!("{given:?}"),
            omitted,
            "{}: the reference says the default is {default}, the loader disagrees",
            doc.dotted()
        );
    }
}

#[test]
fn each_example_in_the_reference_loads_and_changes_the_configuration() {
    let omitted = format!("{:?}", Config::from_toml_str(&document(&[])).unwrap());
    for doc in KEYS {
        let config = Config::from_toml_str(&document(&[(doc.section, doc.name, doc.example)]))
            .unwrap_or_else(|e| panic!("example {} = {}: {e}", doc.dotted(), doc.example));
        // A required key's example replaces the minimal document's value, so it may coincide.
        if !doc.required && !doc.secret {
            assert_ne!(
                format!("{config:?}"),
                omitted,
                "the example of {} is its default: show another value",
                doc.dotted()
            );
        }
    }
}

#[test]
fn required_keys_are_refused_when_missing_and_optional_ones_are_not() {
    for doc in KEYS {
        let without: String = document(&[])
            .lines()
            .filter(|l| {
                !(doc.required
                    && l.starts_with(&format!("{} = ", doc.name))
                    && !doc.section.is_empty())
            })
            .map(|l| format!("{l}\n"))
            .collect();
        let outcome = Config::from_toml_str(&without);
        if doc.required {
            let err = outcome.expect_err(doc.name).to_string();
            assert!(err.contains(doc.name), "{}: {err}", doc.dotted());
        } else {
            outcome.unwrap_or_else(|e| panic!("{} is optional: {e}", doc.dotted()));
        }
    }
}

#[test]
// `figment::Jail` fixes its closures' error type to `figment::Error`, which is large; not ours to box.
#[allow(clippy::result_large_err)]
fn environment_variables_in_the_reference_override_their_key() {
    figment::Jail::expect_with(|jail| {
        jail.create_file("clicktrail.toml", &document(&[]))?;
        let doc: &KeyDoc = KEYS
            .iter()
            .find(|k| k.dotted() == "rules.refund_delay")
            .expect("listed");
        jail.set_env(doc.env_var(), "7m");
        let config = Config::load(Path::new("clicktrail.toml")).map_err(|e| e.to_string())?;
        assert_eq!(config.rules.refund_delay.as_secs(), 420);
        Ok(())
    });
}

#[test]
fn the_example_file_shows_every_key() {
    let example = include_str!("../clicktrail.example.toml");
    for doc in KEYS {
        let shown = example.lines().any(|l| {
            let l = l.trim_start_matches(['#', ' ']);
            l.starts_with(&format!("{} = ", doc.name))
        });
        assert!(
            shown,
            "clicktrail.example.toml does not show {}",
            doc.dotted()
        );
    }
}

#[test]
fn docs_config_md_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/config.md");
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == markdown(),
        "docs/config.md is stale or missing: run `cargo xtask docs` and commit it"
    );
}
