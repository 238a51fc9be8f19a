//! [`Form`]: Stripe's request parameters, with bracket keys, encoded for a body or a query.
//!
//! Stripe reads `application/x-www-form-urlencoded` pairs whose keys build nested hashes and
//! arrays: `metadata[plan]=pro`, `items[0][price]=price_1`, `enabled_events[]=invoice.paid`,
//! `expand[]=payments`. The official SDKs flatten nested parameters into such keys (stripe-python
//! `_api_encode`, stripe-node through `qs` with bracket indices); this builder produces the same
//! keys from calls that say what is meant.
//!
//! Encoding follows stripe-node: every byte outside the RFC 3986 unreserved set
//! (`A-Z a-z 0-9 - . _ ~`) is percent-encoded (a space is `%20`), except that the brackets that
//! structure a key stay literal, so a key reads `metadata[plan]` on the wire. Values are encoded
//! completely, brackets included.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Everything but the unreserved characters.
const VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Keys keep their structural brackets.
const KEY: &AsciiSet = &VALUE.remove(b'[').remove(b']');

/// An ordered list of Stripe parameters, built with bracket keys.
///
/// ```
/// use std::collections::BTreeMap;
/// use clicktrail_stripe::client::Form;
///
/// let metadata = BTreeMap::from([("source".to_owned(), "clicktrail & co".to_owned())]);
/// let form = Form::new()
///     .push("url", "https://shop.example/webhooks/stripe")
///     .push_list("enabled_events", ["invoice.paid", "charge.refunded"])
///     .push_map("metadata", &metadata)
///     .push_objects("items", [Form::new().push("price", "price_1").push("quantity", "2")]);
/// assert_eq!(
///     form.encode(),
///     "url=https%3A%2F%2Fshop.example%2Fwebhooks%2Fstripe\
///      &enabled_events[]=invoice.paid&enabled_events[]=charge.refunded\
///      &metadata[source]=clicktrail%20%26%20co\
///      &items[0][price]=price_1&items[0][quantity]=2"
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Form {
    pairs: Vec<(String, String)>,
    /// The first key that cannot be expressed (a map key holding a bracket); reported when the
    /// form is sent, so the builder can stay chainable.
    invalid: Option<String>,
}

impl Form {
    /// An empty form.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `key=value`. The key is used as given, so `push("metadata[a]", "b")` works too.
    #[must_use]
    pub fn push(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.pairs.push((key.into(), value.into()));
        self
    }

    /// Adds `key=value` when `value` is `Some`.
    #[must_use]
    pub fn push_opt(self, key: impl Into<String>, value: Option<impl Into<String>>) -> Self {
        match value {
            Some(value) => self.push(key, value),
            None => self,
        }
    }

    /// Adds `key[k]=v` for each entry of a map (metadata, for instance).
    ///
    /// A map key holding `[` or `]` cannot be expressed (Stripe refuses such metadata keys too):
    /// the form is then marked invalid and the client refuses to send it with
    /// [`Error::InvalidParam`](super::Error::InvalidParam).
    #[must_use]
    pub fn push_map<K, V>(mut self, key: &str, map: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: AsRef<str>,
        V: AsRef<str>,
    {
        for (k, v) in map {
            let k = k.as_ref();
            if k.contains(['[', ']']) && self.invalid.is_none() {
                self.invalid = Some(format!("{key}[{k}]"));
            }
            self.pairs
                .push((format!("{key}[{k}]"), v.as_ref().to_owned()));
        }
        self
    }

    /// Adds `key[]=v` for each value (`enabled_events[]`, `expand[]`, `types[]`).
    #[must_use]
    pub fn push_list<V: Into<String>>(
        mut self,
        key: &str,
        values: impl IntoIterator<Item = V>,
    ) -> Self {
        for v in values {
            self.pairs.push((format!("{key}[]"), v.into()));
        }
        self
    }

    /// Adds a nested hash: each `k=v` of `inner` becomes `key[k]=v` (and `a[b]` becomes
    /// `key[a][b]`), as in `payment[type]=payment_intent`.
    #[must_use]
    pub fn push_object(mut self, key: &str, inner: Form) -> Self {
        self.nest(key, inner);
        self
    }

    /// Adds an array of hashes with indices: `key[0][k]=v`, `key[1][k]=v`, as in
    /// `items[0][price]=price_1`.
    #[must_use]
    pub fn push_objects(mut self, key: &str, inners: impl IntoIterator<Item = Form>) -> Self {
        for (i, inner) in inners.into_iter().enumerate() {
            self.nest(&format!("{key}[{i}]"), inner);
        }
        self
    }

    fn nest(&mut self, key: &str, inner: Form) {
        if self.invalid.is_none() {
            self.invalid = inner.invalid.map(|k| nested_key(key, &k));
        }
        for (k, v) in inner.pairs {
            self.pairs.push((nested_key(key, &k), v));
        }
    }

    /// Appends all the pairs of `other`.
    #[must_use]
    pub fn extend(mut self, other: Form) -> Self {
        if self.invalid.is_none() {
            self.invalid = other.invalid;
        }
        self.pairs.extend(other.pairs);
        self
    }

    /// Whether the form holds no pair.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// The pairs, unencoded, in order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// The value of the first pair with this exact key.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Replaces every pair with this key by one `key=value` at the end (used by the pager to move
    /// its cursor).
    pub(crate) fn set(&mut self, key: &str, value: &str) {
        self.pairs.retain(|(k, _)| k != key);
        self.pairs.push((key.to_owned(), value.to_owned()));
    }

    /// The first key that cannot be expressed, if any.
    pub(crate) fn invalid_key(&self) -> Option<&str> {
        self.invalid.as_deref()
    }

    /// The encoded form: `k=v&k=v`, for a body or after the `?` of a URL.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        for (i, (k, v)) in self.pairs.iter().enumerate() {
            if i > 0 {
                out.push('&');
            }
            out.extend(utf8_percent_encode(k, KEY));
            out.push('=');
            out.extend(utf8_percent_encode(v, VALUE));
        }
        out
    }
}

/// `outer` + `inner`, where `inner` is `name` or `name[rest]`: `outer[name][rest]`.
fn nested_key(outer: &str, inner: &str) -> String {
    match inner.find('[') {
        Some(i) => format!("{outer}[{}]{}", &inner[..i], &inner[i..]),
        None => format!("{outer}[{inner}]"),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn decode(encoded: &str) -> Vec<(String, String)> {
        encoded
            .split('&')
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap();
                let d = |s: &str| {
                    percent_encoding::percent_decode_str(s)
                        .decode_utf8()
                        .unwrap()
                        .into_owned()
                };
                (d(k), d(v))
            })
            .collect()
    }

    #[test]
    fn nested_params_get_bracket_keys() {
        let form = Form::new()
            .push("customer", "cus_1")
            .push_objects(
                "items",
                [
                    Form::new().push("price", "price_a"),
                    Form::new().push("price", "price_b").push("quantity", "3"),
                ],
            )
            .push_object(
                "payment",
                Form::new()
                    .push("type", "payment_intent")
                    .push_map("meta", [("k", "v")]),
            )
            .push_list("expand", ["latest_invoice", "customer"])
            .push_opt("trial_period_days", Some("14"))
            .push_opt("description", None::<String>);
        let keys: Vec<&str> = form.pairs().iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "customer",
                "items[0][price]",
                "items[1][price]",
                "items[1][quantity]",
                "payment[type]",
                "payment[meta][k]",
                "expand[]",
                "expand[]",
                "trial_period_days",
            ]
        );
        assert_eq!(form.get("items[1][quantity]"), Some("3"));
        assert_eq!(form.invalid_key(), None);
    }

    #[test]
    fn encoding_keeps_key_brackets_and_escapes_the_rest() {
        let form = Form::new()
            .push_map("metadata", [("click id", "a+b=c&d/é [x]")])
            .push("email", "jenny+test@example.com")
            .push("safe", "AZaz09-._~");
        let encoded = form.encode();
        assert_eq!(
            encoded,
            "metadata[click%20id]=a%2Bb%3Dc%26d%2F%C3%A9%20%5Bx%5D\
             &email=jenny%2Btest%40example.com&safe=AZaz09-._~"
        );
        // What a server decodes is exactly what was pushed.
        assert_eq!(decode(&encoded), form.pairs());
    }

    #[test]
    fn a_map_key_with_a_bracket_marks_the_form_invalid() {
        let metadata = BTreeMap::from([
            ("ok".to_owned(), "1".to_owned()),
            ("a]b".into(), "2".into()),
        ]);
        let form = Form::new().push_map("metadata", &metadata);
        assert_eq!(form.invalid_key(), Some("metadata[a]b]"));
        // It survives nesting and extending.
        let outer = Form::new().push_object("subscription_data", form);
        assert_eq!(
            outer.invalid_key(),
            Some("subscription_data[metadata][a]b]")
        );
        assert!(Form::new().extend(outer).invalid_key().is_some());
    }

    #[test]
    fn the_cursor_can_move() {
        let mut form = Form::new().push("limit", "100").push("starting_after", "a");
        form.set("starting_after", "b");
        assert_eq!(form.encode(), "limit=100&starting_after=b");
        assert!(Form::new().is_empty() && Form::new().encode().is_empty());
    }
}
