//! Property tests of the click id: every valid value survives the `irc_` codec (Stripe's
//! `client_reference_id` alphabet, at most 200 characters) and one round of URL encoding;
//! arbitrary input to every constructor gives a value or an error, never a panic.

use clicktrail_clickid::ClickId;
use proptest::prelude::*;

/// Candidate values: printable ASCII of any length up to past the limit.
fn candidate() -> impl Strategy<Value = String> {
    prop_oneof![
        "[!-~]{1,64}",
        "[A-Za-z0-9]{1,64}",
        "[!-~]{60,70}",
        ".{0,80}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn valid_ids_survive_the_client_reference_codec(raw in candidate()) {
        let Ok(id) = ClickId::new(&raw) else { return Ok(()) };
        prop_assert_eq!(id.as_str(), raw.as_str());
        let reference = id.to_client_reference_id();
        prop_assert!(reference.starts_with("irc_"));
        prop_assert!(reference.len() <= 200, "{} characters", reference.len());
        prop_assert!(
            reference.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'),
            "{} is outside Stripe's alphabet", reference
        );
        prop_assert_eq!(ClickId::from_client_reference_id(&reference).ok(), Some(id));
    }

    #[test]
    fn valid_ids_survive_one_round_of_url_encoding(raw in candidate()) {
        let Ok(id) = ClickId::new(&raw) else { return Ok(()) };
        let encoded: String = raw
            .bytes()
            .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
            .collect();
        prop_assert_eq!(ClickId::from_url_encoded(&encoded).ok(), Some(id));
    }

    #[test]
    fn arbitrary_input_never_panics(raw in ".{0,300}") {
        let _ = ClickId::new(&raw);
        let _ = ClickId::from_url_encoded(&raw);
        let _ = ClickId::from_client_reference_id(&raw);
        let _ = ClickId::from_client_reference_id(&format!("irc_{raw}"));
    }
}
