//! Signature verification from the outside: Stripe's own vectors, rotation, `v0` downgrade,
//! tolerance boundaries, and garbage input that must give a typed error, never a panic.

use std::time::Duration;

use clicktrail_stripe::VerifyError;
use clicktrail_stripe::webhook::{Verifier, WebhookSecret, sign};
use proptest::prelude::*;
use serde_json::Value;

const VECTORS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../fixtures/stripe-signatures/vectors.jsonl"
);

fn secret(s: &str) -> WebhookSecret {
    WebhookSecret::new(s).unwrap()
}

fn verifier(secrets: &[&str]) -> Verifier {
    Verifier::with_default_tolerance(secrets.iter().map(|s| secret(s)).collect()).unwrap()
}

fn v1_of(header: &str) -> &str {
    header
        .split(',')
        .find_map(|item| item.strip_prefix("v1="))
        .unwrap()
}

#[test]
fn every_vector_verifies_at_its_timestamp_and_sign_reproduces_it() {
    let text = std::fs::read_to_string(VECTORS).unwrap();
    let mut count = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let vector: Value = serde_json::from_str(line).unwrap();
        let key = vector["secret"].as_str().unwrap();
        let t = vector["t"].as_i64().unwrap();
        let payload = vector["payload"].as_str().unwrap().as_bytes();
        let header = vector["header"].as_str().unwrap();
        assert_eq!(
            verifier(&[key]).verify(payload, header, t),
            Ok(()),
            "{line}"
        );
        assert_eq!(sign(payload, &secret(key), t), header, "{line}");
        // And the same vector fails one byte off.
        let mut tampered = payload.to_vec();
        tampered.push(b' ');
        assert_eq!(
            verifier(&[key]).verify(&tampered, header, t),
            Err(VerifyError::SignatureMismatch)
        );
        count += 1;
    }
    assert_eq!(count, 3);
}

#[test]
fn rotation_accepts_any_v1_under_any_secret() {
    let (old, new, other) = (
        secret("whsec_old"),
        secret("whsec_new"),
        secret("whsec_other"),
    );
    let body = b"{\"id\":\"evt_rot\"}";
    let t = 1_700_000_000;
    let by_old = sign(body, &old, t);
    let by_new = sign(body, &new, t);
    // Stripe rolling its secret: one header, one v1 per secret, we hold only the new one.
    let both = format!("t={t},v1={},v1={}", v1_of(&by_old), v1_of(&by_new));
    assert_eq!(verifier(&["whsec_new"]).verify(body, &both, t), Ok(()));
    assert_eq!(verifier(&["whsec_old"]).verify(body, &both, t), Ok(()));
    // We rolling ours: two secrets held, a header signed with either verifies.
    let two = verifier(&["whsec_old", "whsec_new"]);
    assert_eq!(two.verify(body, &by_old, t), Ok(()));
    assert_eq!(two.verify(body, &by_new, t), Ok(()));
    assert_eq!(
        two.verify(body, &sign(body, &other, t), t),
        Err(VerifyError::SignatureMismatch)
    );
}

#[test]
fn v0_and_unknown_schemes_are_ignored() {
    let s = secret("whsec_v0");
    let body = b"payload";
    let good = v1_of(&sign(body, &s, 5)).to_owned();
    let v = verifier(&["whsec_v0"]);
    // A correct signature under the v0 key does not count.
    assert_eq!(
        v.verify(body, &format!("t=5,v0={good}"), 5),
        Err(VerifyError::NoV1Signature)
    );
    assert_eq!(
        v.verify(body, &format!("t=5,v2={good}"), 5),
        Err(VerifyError::NoV1Signature)
    );
    // Beside a valid v1, v0 and unknown keys change nothing.
    assert_eq!(
        v.verify(body, &format!("t=5,v0=00,v1={good},x=y"), 5),
        Ok(())
    );
}

#[test]
fn tolerance_boundaries_for_the_default_tolerance() {
    let s = secret("whsec_tol");
    let v = Verifier::with_default_tolerance(vec![s.clone()]).unwrap();
    let t = 1_000_000;
    let header = sign(b"b", &s, t);
    assert_eq!(v.verify(b"b", &header, t + 300), Ok(()));
    assert_eq!(v.verify(b"b", &header, t - 300), Ok(()));
    assert_eq!(
        v.verify(b"b", &header, t + 301),
        Err(VerifyError::TimestampTooOld {
            age_secs: 301,
            tolerance_secs: 300
        })
    );
    assert_eq!(
        v.verify(b"b", &header, t - 301),
        Err(VerifyError::TimestampInFuture {
            ahead_secs: 301,
            tolerance_secs: 300
        })
    );
    let strict = Verifier::new(vec![s], Duration::from_secs(1)).unwrap();
    assert_eq!(strict.verify(b"b", &header, t + 1), Ok(()));
    assert!(strict.verify(b"b", &header, t + 2).is_err());
}

#[test]
fn a_forged_signature_with_a_stale_timestamp_reports_the_mismatch() {
    // The signature is checked first: "too old" is only ever said of genuine deliveries.
    let v = verifier(&["whsec_a"]);
    let forged = sign(b"b", &secret("whsec_b"), 0);
    assert_eq!(
        v.verify(b"b", &forged, 1_000_000),
        Err(VerifyError::SignatureMismatch)
    );
}

/// What a garbage header must be refused with.
type Expect = fn(&VerifyError) -> bool;

#[test]
fn garbage_headers_give_typed_errors() {
    let s = secret("whsec_g");
    let v = verifier(&["whsec_g"]);
    let body = b"{}";
    let good = v1_of(&sign(body, &s, 10)).to_owned();
    let huge = "v1=".to_owned() + &"a".repeat(1 << 20);
    let many = format!(
        "t=10,{}",
        vec![format!("v1={}", "0".repeat(64)); 20_000].join(",")
    );
    let cases: Vec<(String, Expect)> = vec![
        (String::new(), |e| *e == VerifyError::MissingHeader),
        ("t=".into(), |e| {
            matches!(e, VerifyError::MalformedHeader(_))
        }),
        ("t=10v1=abc".into(), |e| {
            matches!(e, VerifyError::MalformedHeader(_))
        }),
        ("garbage".into(), |e| {
            matches!(e, VerifyError::MalformedHeader(_))
        }),
        (format!("t=10;v1={good}"), |e| {
            matches!(e, VerifyError::MalformedHeader(_))
        }),
        (format!("t=10,t=10,v1={good}"), |e| {
            matches!(e, VerifyError::MalformedHeader(_))
        }),
        (format!("t=99999999999999999999999,v1={good}"), |e| {
            matches!(e, VerifyError::MalformedHeader(_))
        }),
        (format!("t=-10,v1={good}"), |e| {
            matches!(e, VerifyError::MalformedHeader(_))
        }),
        (format!("t=1e3,v1={good}"), |e| {
            matches!(e, VerifyError::MalformedHeader(_))
        }),
        (format!("t=10,{huge}"), |e| {
            *e == VerifyError::SignatureMismatch
        }),
        (format!("t=10,x={huge}"), |e| {
            *e == VerifyError::NoV1Signature
        }),
        ("a".repeat(1 << 20), |e| {
            matches!(e, VerifyError::MalformedHeader(_))
        }),
        (many, |e| *e == VerifyError::SignatureMismatch),
        ("t=10,v1=".into(), |e| *e == VerifyError::SignatureMismatch),
        (format!("t=10,v1={}", &good[..63]), |e| {
            *e == VerifyError::SignatureMismatch
        }),
        (format!("t=10,v1={good}00"), |e| {
            *e == VerifyError::SignatureMismatch
        }),
    ];
    for (header, expected) in cases {
        let err = v.verify(body, &header, 10).unwrap_err();
        let shown: String = header.chars().take(60).collect();
        assert!(expected(&err), "{shown:?} gave {err:?}");
        let message = err.to_string();
        assert!(
            !message.contains("whsec_g") && !message.contains(&good),
            "{message}"
        );
    }
}

#[test]
fn non_utf8_bodies_verify_byte_for_byte() {
    let s = secret("whsec_bin");
    let body = [0xff, 0xfe, 0x00, b'{', 0xc3, 0x28];
    let header = sign(&body, &s, 42);
    assert_eq!(verifier(&["whsec_bin"]).verify(&body, &header, 42), Ok(()));
    assert_eq!(
        verifier(&["whsec_bin"]).verify(&body[1..], &header, 42),
        Err(VerifyError::SignatureMismatch)
    );
}

proptest! {
    #[test]
    fn arbitrary_headers_and_bodies_never_panic(
        header in ".{0,300}",
        body in proptest::collection::vec(any::<u8>(), 0..300),
        now in any::<i64>(),
    ) {
        let v = verifier(&["whsec_prop"]);
        let result = v.verify(&body, &header, now);
        // Random text essentially never carries a valid signature.
        prop_assert!(result.is_err());
    }

    #[test]
    fn header_shaped_garbage_never_panics(
        items in proptest::collection::vec(("(t|v1|v0|x|)", "[=]?", "[-+0-9a-f]{0,70}"), 0..8),
        now in any::<i64>(),
    ) {
        let header: Vec<String> = items.iter().map(|(k, eq, val)| format!("{k}{eq}{val}")).collect();
        let header = header.join(",");
        let body: &[u8] = b"{\"id\":1}";
        let result = verifier(&["whsec_prop"]).verify(body, &header, now);
        prop_assert!(result.is_err());
    }

    #[test]
    fn what_we_sign_we_verify(body in proptest::collection::vec(any::<u8>(), 0..200), t in 0i64..=i64::MAX, key in "whsec_[A-Za-z0-9]{1,40}") {
        let s = secret(&key);
        let header = sign(&body, &s, t);
        prop_assert_eq!(Verifier::with_default_tolerance(vec![s]).unwrap().verify(&body, &header, t), Ok(()));
    }
}
