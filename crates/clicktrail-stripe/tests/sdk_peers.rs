//! Cross-implementation test against Stripe's official SDKs (PyPI `stripe` and npm `stripe`).
//!
//! For each SDK, one child process (`tests/peers/stripe_peer.{py,js}`) answers JSON lines on
//! stdin/stdout. For 500 random cases (random bodies with non-ASCII text, random secrets,
//! timestamps and tolerances, headers with several `v1` and a `v0` in random order):
//! - the SDK's header is byte-for-byte ours, a header signed by the SDK verifies with ours, and
//!   one signed by ours verifies with the SDK;
//! - a tampered body, a wrong secret, a `v0`-only header and an old timestamp are refused by both;
//! - a timestamp further in the future than the tolerance is refused by ours and accepted by the
//!   SDKs (they only check age): the difference is asserted, so a change on either side shows.
//!
//! The peers are installed by `cargo xtask setup` into `$CLICKTRAIL_PEERS_DIR` (default
//! `<workspace>/.peers`); when they are missing the test fails and says so, it is never skipped.
//! The random seed is fixed and printed; set `CLICKTRAIL_SEED` to explore others.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use clicktrail_stripe::VerifyError;
use clicktrail_stripe::webhook::{Verifier, WebhookSecret, sign};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

const CASES: usize = 500;
const DEFAULT_SEED: u64 = 0x5eed_c11c_7a11;

/// One SDK child process speaking JSON lines.
struct Peer {
    name: &'static str,
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Peer {
    fn spawn(name: &'static str, mut command: Command) -> Self {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start the {name} peer ({e}): run `cargo xtask setup`")
            });
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Self {
            name,
            child,
            stdin,
            stdout,
        }
    }

    fn call(&mut self, request: Value) -> Value {
        writeln!(self.stdin, "{request}").unwrap();
        self.stdin.flush().unwrap();
        let mut line = String::new();
        let read = self.stdout.read_line(&mut line).unwrap();
        assert!(
            read > 0,
            "the {} peer exited; see its stderr above",
            self.name
        );
        let answer: Value = serde_json::from_str(&line).unwrap();
        assert!(
            answer.get("fatal").is_none(),
            "{} peer: {answer}",
            self.name
        );
        answer
    }

    fn sign(&mut self, payload: &str, secret: &str, t: i64) -> String {
        let answer = self.call(json!({"op": "sign", "payload": payload, "secret": secret, "t": t}));
        answer["header"].as_str().unwrap().to_owned()
    }

    /// Whether the SDK accepts `header` for `payload` under any of `secrets` at `now`.
    fn verify(
        &mut self,
        payload: &str,
        header: &str,
        secrets: &[String],
        tolerance: u64,
        now: i64,
    ) -> bool {
        let answer = self.call(json!({
            "op": "verify", "payload": payload, "header": header, "secrets": secrets,
            "tolerance": tolerance, "now": now,
        }));
        answer["ok"].as_bool().unwrap()
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn peers_dir() -> PathBuf {
    std::env::var_os("CLICKTRAIL_PEERS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../.peers")))
}

fn script(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/peers")).join(name)
}

fn python_peer() -> Peer {
    let python = peers_dir().join("venv/bin/python");
    assert!(
        python.exists(),
        "the PyPI stripe peer is missing ({}): run `cargo xtask setup`",
        python.display()
    );
    let mut command = Command::new(python);
    command.arg(script("stripe_peer.py"));
    Peer::spawn("python", command)
}

fn node_peer() -> Peer {
    let modules = peers_dir().join("node/node_modules");
    assert!(
        modules.join("stripe").exists(),
        "the npm stripe peer is missing ({}): run `cargo xtask setup`",
        modules.display()
    );
    let mut command = Command::new("node");
    command
        .arg(script("stripe_peer.js"))
        .env("NODE_PATH", modules);
    Peer::spawn("node", command)
}

fn seed() -> u64 {
    let seed = std::env::var("CLICKTRAIL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_SEED);
    println!("CLICKTRAIL_SEED={seed}");
    seed
}

const PIECES: &[&str] = &[
    "é",
    "ü",
    "€",
    "¥",
    "中文",
    "😀",
    "𝄞",
    "\u{0}",
    "\u{7f}",
    "\u{feff}",
    "\u{2028}",
    "\n",
    "\r\n",
    "\t",
    "\"",
    "\\",
    "{\"id\":\"evt_1\"}",
    " ",
    "=",
    ",",
    ".",
];

/// A random body: printable ASCII, mixed (in 70 % of bodies) with multi-byte UTF-8, control
/// characters and JSON. Never empty (the npm SDK refuses an empty payload before looking at the
/// signature).
fn random_body(rng: &mut impl Rng) -> String {
    let len = rng.random_range(1..300);
    let mixed = rng.random_bool(0.7);
    let mut body = String::new();
    for _ in 0..len {
        if mixed && rng.random_bool(0.2) {
            body.push_str(PIECES[rng.random_range(0..PIECES.len())]);
        } else {
            body.push(char::from(rng.random_range(0x20u8..0x7f)));
        }
    }
    body
}

fn random_secret(rng: &mut impl Rng) -> String {
    const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let len = rng.random_range(8..48);
    let mut secret: String = (0..len)
        .map(|_| char::from(ALNUM[rng.random_range(0..ALNUM.len())]))
        .collect();
    if rng.random_bool(0.1) {
        secret.insert(rng.random_range(0..secret.len()), 'ß');
    }
    if rng.random_bool(0.9) {
        format!("whsec_{secret}")
    } else {
        secret
    }
}

fn v1_of(header: &str) -> String {
    header
        .split(',')
        .find_map(|item| item.strip_prefix("v1="))
        .unwrap()
        .to_owned()
}

fn random_hex(rng: &mut impl Rng) -> String {
    (0..32)
        .map(|_| format!("{:02x}", rng.random::<u8>()))
        .collect()
}

/// `t=..`, the given `v1` values, a random `v0`, in random order.
fn header_with(rng: &mut impl Rng, t: i64, v1s: &[String]) -> String {
    let mut items: Vec<String> = v1s.iter().map(|s| format!("v1={s}")).collect();
    items.push(format!("v0={}", random_hex(rng)));
    items.push(format!("t={t}"));
    items.shuffle(rng);
    items.join(",")
}

fn tamper(rng: &mut impl Rng, body: &str) -> String {
    let chars: Vec<char> = body.chars().collect();
    let at = rng.random_range(0..=chars.len());
    let mut out: String = chars[..at].iter().collect();
    out.push(if rng.random_bool(0.5) { 'x' } else { 'é' });
    out.extend(&chars[at..]);
    out
}

fn run_against(mut peer: Peer) {
    let mut rng = StdRng::seed_from_u64(seed());
    let mut counts = [0usize; 2];
    for case in 0..CASES {
        let body = random_body(&mut rng);
        let secrets: Vec<String> = (0..rng.random_range(1..=3))
            .map(|_| random_secret(&mut rng))
            .collect();
        let foreign = random_secret(&mut rng);
        assert!(!secrets.contains(&foreign));
        let tolerance: u64 = if rng.random_bool(0.5) {
            300
        } else {
            rng.random_range(1..=3600)
        };
        let t: i64 = rng.random_range(0..4_000_000_000);
        let keys: Vec<WebhookSecret> = secrets
            .iter()
            .map(|s| WebhookSecret::new(s.as_str()).unwrap())
            .collect();
        let ours = Verifier::new(keys.clone(), std::time::Duration::from_secs(tolerance)).unwrap();
        let foreign_key = WebhookSecret::new(foreign.as_str()).unwrap();
        let ctx = format!(
            "{} case {case}: body {body:?}, secrets {secrets:?}, t {t}",
            peer.name
        );

        // Same header, byte for byte, for every secret.
        let mut sdk_v1 = Vec::new();
        for (secret, key) in secrets.iter().zip(&keys) {
            let sdk = peer.sign(&body, secret, t);
            assert_eq!(sdk, sign(body.as_bytes(), key, t), "{ctx}");
            sdk_v1.push(v1_of(&sdk));
        }
        let foreign_v1 = v1_of(&peer.sign(&body, &foreign, t));

        // Signed by the SDK (a random non-empty subset of our secrets, a foreign v1, a v0),
        // verified by ours at any time within the tolerance, either side.
        let mut chosen: Vec<String> = sdk_v1
            .iter()
            .filter(|_| rng.random_bool(0.6))
            .cloned()
            .collect();
        if chosen.is_empty() {
            chosen.push(sdk_v1[rng.random_range(0..sdk_v1.len())].clone());
        }
        chosen.push(foreign_v1.clone());
        chosen.shuffle(&mut rng);
        let sdk_header = header_with(&mut rng, t, &chosen);
        let skew = rng.random_range(-(tolerance as i64)..=tolerance as i64);
        assert_eq!(
            ours.verify(body.as_bytes(), &sdk_header, t + skew),
            Ok(()),
            "{ctx}: {sdk_header}"
        );

        // Signed by ours, verified by the SDK (which only checks age).
        let mut our_v1: Vec<String> = keys
            .iter()
            .map(|k| v1_of(&sign(body.as_bytes(), k, t)))
            .collect();
        our_v1.push(v1_of(&sign(body.as_bytes(), &foreign_key, t)));
        our_v1.shuffle(&mut rng);
        let our_header = header_with(&mut rng, t, &our_v1);
        let age = rng.random_range(0..=tolerance as i64);
        assert!(
            peer.verify(&body, &our_header, &secrets, tolerance, t + age),
            "{ctx}: {our_header}"
        );
        assert_eq!(
            ours.verify(body.as_bytes(), &our_header, t + age),
            Ok(()),
            "{ctx}"
        );

        // Tampered body: both refuse.
        let tampered = tamper(&mut rng, &body);
        assert!(
            !peer.verify(&tampered, &sdk_header, &secrets, tolerance, t),
            "{ctx}"
        );
        assert_eq!(
            ours.verify(tampered.as_bytes(), &sdk_header, t),
            Err(VerifyError::SignatureMismatch),
            "{ctx}"
        );

        // Wrong secret only: both refuse.
        let wrong = header_with(&mut rng, t, std::slice::from_ref(&foreign_v1));
        assert!(!peer.verify(&body, &wrong, &secrets, tolerance, t), "{ctx}");
        assert_eq!(
            ours.verify(body.as_bytes(), &wrong, t),
            Err(VerifyError::SignatureMismatch),
            "{ctx}"
        );

        // Only v0, carrying a signature that would be valid as v1: both refuse.
        let v0_only = format!("t={t},v0={}", sdk_v1[0]);
        assert!(
            !peer.verify(&body, &v0_only, &secrets, tolerance, t),
            "{ctx}"
        );
        assert_eq!(
            ours.verify(body.as_bytes(), &v0_only, t),
            Err(VerifyError::NoV1Signature),
            "{ctx}"
        );

        // Too old, signed alternately by the SDK and by ours: both refuse.
        let now = t + tolerance as i64 + 1 + rng.random_range(0..100_000);
        let old_t = now - tolerance as i64 - rng.random_range(1..=100_000);
        let old = if case % 2 == 0 {
            peer.sign(&body, &secrets[0], old_t)
        } else {
            sign(body.as_bytes(), &keys[0], old_t)
        };
        assert!(
            !peer.verify(&body, &old, &secrets, tolerance, now),
            "{ctx}: {old} at {now}"
        );
        assert_eq!(
            ours.verify(body.as_bytes(), &old, now),
            Err(VerifyError::TimestampTooOld {
                age_secs: (now - old_t) as u64,
                tolerance_secs: tolerance
            }),
            "{ctx}"
        );

        // Too far ahead: ours refuses, the SDK accepts (it checks age only).
        let ahead = tolerance as i64 + rng.random_range(1..=100_000);
        let future = if case % 2 == 0 {
            sign(body.as_bytes(), &keys[0], t + ahead)
        } else {
            peer.sign(&body, &secrets[0], t + ahead)
        };
        assert!(
            peer.verify(&body, &future, &secrets, tolerance, t),
            "{ctx}: SDKs now refuse future timestamps?"
        );
        assert_eq!(
            ours.verify(body.as_bytes(), &future, t),
            Err(VerifyError::TimestampInFuture {
                ahead_secs: ahead as u64,
                tolerance_secs: tolerance
            }),
            "{ctx}"
        );
        counts[usize::from(body.is_ascii())] += 1;
    }
    assert!(
        counts[0] > CASES / 4,
        "too few non-ASCII bodies: {counts:?}"
    );
    println!(
        "{}: {CASES} cases ({} with non-ASCII bodies)",
        peer.name, counts[0]
    );
}

#[test]
fn python_sdk_agrees_with_ours() {
    run_against(python_peer());
}

#[test]
fn node_sdk_agrees_with_ours() {
    run_against(node_peer());
}
