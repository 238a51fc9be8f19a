//! Random object ids in the shapes Stripe and impact.com use (`cus_` + 24 alphanumerics, ...).

use rand::Rng;
use rand::distr::Alphanumeric;

/// `prefix` followed by `len` random ASCII letters and digits.
pub fn random_id(prefix: &str, len: usize) -> String {
    let mut id = String::with_capacity(prefix.len() + len);
    id.push_str(prefix);
    id.extend(
        rand::rng()
            .sample_iter(Alphanumeric)
            .take(len)
            .map(char::from),
    );
    id
}

/// A Stripe-style object id: `prefix_` and 24 random characters (`cus_Qx...`).
pub fn stripe_id(prefix: &str) -> String {
    random_id(&format!("{prefix}_"), 24)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_prefix_and_length_and_differ() {
        let a = stripe_id("cus");
        let b = stripe_id("cus");
        assert!(a.starts_with("cus_"));
        assert_eq!(a.len(), 28);
        assert!(a[4..].chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, b);
    }
}
