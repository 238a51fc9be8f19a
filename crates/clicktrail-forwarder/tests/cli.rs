//! The `clicktrail` command line as a user meets it: every command takes `--config` the same way,
//! a missing or bad configuration stops it with a message naming the file and the key, and a
//! failure prints its causes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const COMMANDS: [&str; 8] = [
    "serve", "jobs", "retry", "status", "explain", "setup", "check", "backfill",
];

fn clicktrail(args: &[&str], config: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clicktrail"))
        .args(args)
        .arg("--config")
        .arg(config)
        .env_remove("CLICKTRAIL_RULES__TRIAL")
        .env_remove("CLICKTRAIL_DATABASE_URL")
        .output()
        .unwrap()
}

fn example() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("clicktrail.example.toml"))
        .unwrap()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn every_command_takes_the_same_config_option() {
    for command in COMMANDS {
        let out = Command::new(env!("CARGO_BIN_EXE_clicktrail"))
            .args([command, "--help"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{command}: {out:?}");
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(help.contains("--config <FILE>"), "{command}:\n{help}");
        assert!(
            help.contains("CLICKTRAIL_<SECTION>__<KEY>"),
            "{command}:\n{help}"
        );
    }
}

#[test]
fn a_missing_config_file_is_named_and_stops_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("absent.toml");
    for args in [
        &["status"][..],
        &["jobs"],
        &["retry", "--dead"],
        &["check"],
        &["serve"],
        &["explain", "-"],
        &["backfill", "--since", "1h"],
        &["setup", "--url", "https://shop.example/webhooks/stripe"],
    ] {
        let out = clicktrail(args, &missing);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        let text = stderr(&out);
        assert!(
            text.contains(&format!("clicktrail {}: error:", args[0])),
            "{args:?}: {text}"
        );
        assert!(
            text.contains("cannot read the configuration file")
                && text.contains(&missing.display().to_string()),
            "{args:?}: {text}"
        );
        assert!(out.stdout.is_empty(), "{args:?}: nothing else happened");
    }
}

#[test]
fn a_bad_value_is_reported_with_its_key_and_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(
        dir.path(),
        "bad.toml",
        &example().replace("trial = \"signup\"", "trial = \"sometimes\""),
    );
    for args in [&["status"][..], &["check"], &["serve"]] {
        let out = clicktrail(args, &bad);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        let text = stderr(&out);
        assert!(
            text.contains("rules.trial")
                && text.contains("sometimes")
                && text.contains(&bad.display().to_string()),
            "{args:?}: {text}"
        );
    }
}

#[test]
fn a_failure_prints_its_causes() {
    let dir = tempfile::tempdir().unwrap();
    // A SQLite file in a directory that does not exist: the driver cannot open it.
    let database = dir.path().join("no-such-dir").join("clicktrail.db");
    let config = write(
        dir.path(),
        "clicktrail.toml",
        &example().replace(
            "database_url = \"sqlite://clicktrail.db\"",
            &format!("database_url = \"sqlite://{}\"", database.display()),
        ),
    );
    let out = clicktrail(&["status"], &config);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let text = stderr(&out);
    let (what, why) = text
        .trim_end()
        .split_once(": caused by: ")
        .unwrap_or_else(|| panic!("no cause in {text:?}"));
    assert!(
        what.starts_with("clicktrail status: error: database: cannot connect to sqlite://"),
        "{text}"
    );
    assert!(!why.is_empty(), "{text}");
}
