//! The options of `init(options)`, their defaults, and how a raw JavaScript value becomes one.

use alloc::string::String;

use crate::{Attribution, Warning, cookie, stripe, text};

/// Whether the visitor has agreed to the kit storing the click id.
///
/// Only [`Consent::Granted`] writes the cookie or the localStorage mirror. In the other two
/// states the click id of this page lives in memory (fields are still filled) and
/// `grantConsent()` stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Consent {
    /// The cookie and the localStorage mirror may be written.
    #[default]
    Granted,
    /// Not asked yet: what an earlier visit stored is still read, nothing is written.
    Pending,
    /// Refused (or withdrawn with `revoke()`): what the kit stored is deleted, nothing is read
    /// from or written to the cookie or the mirror.
    Denied,
}

impl Consent {
    /// Reads the option value `"granted"`, `"pending"` or `"denied"`.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "granted" => Some(Self::Granted),
            "pending" => Some(Self::Pending),
            "denied" => Some(Self::Denied),
            _ => None,
        }
    }
}

/// An option value as read from the JavaScript object, before validation.
#[derive(Debug, Clone, PartialEq)]
pub enum Raw {
    /// Absent, `undefined` or `null`: the default applies.
    Missing,
    /// A string, or any other object as `String(value)` renders it (an array of names becomes
    /// `"a,b"`).
    Text(String),
    /// A number.
    Number(f64),
    /// A boolean.
    Bool(bool),
}

/// The kit's settings. [`Options::default`] gives the documented defaults.
#[derive(Debug, PartialEq, Eq)]
pub struct Options {
    /// `params`: landing-URL parameters that carry the click id, in order of preference,
    /// separated by commas (`"irclickid,im_ref"`).
    pub params: String,
    /// `cookieName`: the first-party cookie (and localStorage key) holding the click id.
    pub cookie_name: String,
    /// `cookieDays`, in seconds: the cookie's `Max-Age` and the mirror's lifetime.
    pub max_age: u32,
    /// `cookieDomain`: the cookie's `Domain`, to share it across subdomains.
    pub cookie_domain: Option<String>,
    /// `fieldName`: the form field (`name`) and element (`id`) filled with the click id.
    pub field_name: String,
    /// `useUtt`: ask impact.com's Universal Tracking Tag when the URL has no click id.
    pub use_utt: bool,
    /// `uttTimeoutMs`: how long an answer from the UTT is still taken.
    pub utt_timeout_ms: u32,
    /// `attribution`: first or last click.
    pub attribution: Attribution,
    /// `consent`: whether storing is allowed yet.
    pub consent: Consent,
    /// `paymentLinkHosts`, as the CSS selector of Payment Links it makes: links to
    /// `https://buy.stripe.com/`, and to each custom domain the option lists (see
    /// [`stripe::payment_links`]).
    pub payment_links: String,
    /// `decorateStripe`: add the click id to Stripe Payment Links and elements.
    pub decorate_stripe: bool,
    /// `debug`: report problems with `console.warn`. Off, the kit writes nothing to the console.
    pub debug: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            params: String::from("irclickid,im_ref"),
            cookie_name: String::from(DEFAULT_COOKIE_NAME),
            max_age: 30 * DAY,
            cookie_domain: None,
            field_name: String::from("impact_ClickId"),
            use_utt: true,
            utt_timeout_ms: 1500,
            attribution: Attribution::Last,
            consent: Consent::Granted,
            payment_links: String::from(stripe::PAYMENT_LINKS),
            decorate_stripe: false,
            debug: false,
        }
    }
}

const DAY: u32 = 86_400;

/// The default `cookieName`: `impact_click_id`, the cookie `clicktrail-tower` reads.
pub const DEFAULT_COOKIE_NAME: &str = "impact_click_id";

/// The option names, as `init` reads them from the JavaScript object: seven texts, two numbers,
/// three booleans.
pub const NAMES: [&str; 12] = [
    "params",
    "cookieName",
    "cookieDomain",
    "fieldName",
    "attribution",
    "consent",
    "paymentLinkHosts",
    "cookieDays",
    "uttTimeoutMs",
    "useUtt",
    "decorateStripe",
    "debug",
];

impl Options {
    /// Builds options from `read(name)` for each of [`NAMES`]. A value that is missing keeps
    /// its default; a value that is invalid keeps its default too and is reported: the first
    /// such option is returned with the options.
    pub fn from_raw(mut read: impl FnMut(&'static str) -> Raw) -> (Self, Option<Warning>) {
        let mut options = Self::default();
        let mut warning = None;
        for (index, name) in NAMES.into_iter().enumerate() {
            if !options.set(index, read(name)) && warning.is_none() {
                warning = Some(Warning::InvalidOption(name));
            }
        }
        (options, warning)
    }

    /// Sets option `NAMES[index]` from its raw value; `false` when the value is invalid
    /// (nothing changes then). Dispatching on the index rather than the name keeps the wasm
    /// small.
    fn set(&mut self, index: usize, raw: Raw) -> bool {
        match raw {
            Raw::Missing => true,
            Raw::Text(text) => match index {
                0 => replace(&mut self.params, normalize_params(&text)),
                1 => replace(
                    &mut self.cookie_name,
                    cookie::is_cookie_name(&text).then_some(text),
                ),
                2 => {
                    let ok = cookie::is_cookie_domain(&text);
                    if ok {
                        self.cookie_domain = Some(text);
                    }
                    ok
                }
                3 => replace(&mut self.field_name, is_field_name(&text).then_some(text)),
                4 => replace(&mut self.attribution, Attribution::parse(&text)),
                5 => replace(&mut self.consent, Consent::parse(&text)),
                6 => replace(&mut self.payment_links, stripe::payment_links(&text)),
                _ => false,
            },
            Raw::Number(number) => match index {
                7 => replace(&mut self.max_age, max_age(number)),
                8 => replace(
                    &mut self.utt_timeout_ms,
                    (0.0..=60_000.0).contains(&number).then_some(number as u32),
                ),
                _ => false,
            },
            Raw::Bool(flag) => match index {
                9 => replace(&mut self.use_utt, Some(flag)),
                10 => replace(&mut self.decorate_stripe, Some(flag)),
                11 => replace(&mut self.debug, Some(flag)),
                _ => false,
            },
        }
    }
}

/// Stores `value` in `slot` when there is one; whether there was.
fn replace<T>(slot: &mut T, value: Option<T>) -> bool {
    match value {
        Some(value) => {
            *slot = value;
            true
        }
        None => false,
    }
}

/// `params` as a comma-separated list without blanks or empty names, or `None` when no name is
/// left.
fn normalize_params(list: &str) -> Option<String> {
    let mut params = String::new();
    for name in text::split(list, b',').map(str::trim_ascii) {
        if !name.is_empty() {
            if !params.is_empty() {
                params.push_str(",");
            }
            params.push_str(name);
        }
    }
    (!params.is_empty()).then_some(params)
}

/// `cookieDays` as whole seconds: more than zero and at most 400 days (the longest lifetime
/// browsers grant a cookie).
pub fn max_age(days: f64) -> Option<u32> {
    if days.is_nan() || days <= 0.0 || days > 400.0 {
        return None;
    }
    Some(((days * f64::from(DAY)) as u32).max(1))
}

/// Whether `name` can be used as a field name: it goes between double quotes in a CSS selector,
/// so it must not hold `"` or `\` (or be empty, or longer than 100 characters).
pub fn is_field_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 100 && !name.bytes().any(|b| b == b'"' || b == b'\\')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, Raw)]) -> (Options, Option<Warning>) {
        Options::from_raw(|name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map_or(Raw::Missing, |(_, raw)| raw.clone())
        })
    }

    fn text(s: &str) -> Raw {
        Raw::Text(String::from(s))
    }

    #[test]
    fn defaults_match_the_documentation() {
        let (options, warning) = parse(&[]);
        assert_eq!(warning, None);
        assert_eq!(options.params, "irclickid,im_ref");
        assert_eq!(options.cookie_name, "impact_click_id");
        assert_eq!(options.max_age, 2_592_000);
        assert_eq!(options.cookie_domain, None);
        assert_eq!(options.field_name, "impact_ClickId");
        assert!(options.use_utt);
        assert_eq!(options.utt_timeout_ms, 1500);
        assert_eq!(options.attribution, Attribution::Last);
        assert_eq!(options.consent, Consent::Granted);
        assert_eq!(options.payment_links, stripe::PAYMENT_LINKS);
        assert!(!options.decorate_stripe);
        assert!(!options.debug);
    }

    #[test]
    fn every_option_can_be_set() {
        let (options, warning) = parse(&[
            ("params", text("ref, irclickid")),
            ("cookieName", text("ct")),
            ("cookieDays", Raw::Number(7.0)),
            ("cookieDomain", text(".shop.example")),
            ("fieldName", text("click")),
            ("useUtt", Raw::Bool(false)),
            ("uttTimeoutMs", Raw::Number(200.0)),
            ("attribution", text("first")),
            ("consent", text("pending")),
            (
                "paymentLinkHosts",
                text("pay.example.com, links.shop.example:8443"),
            ),
            ("decorateStripe", Raw::Bool(true)),
            ("debug", Raw::Bool(true)),
        ]);
        assert_eq!(warning, None);
        assert_eq!(
            options,
            Options {
                params: String::from("ref,irclickid"),
                cookie_name: String::from("ct"),
                max_age: 7 * 86_400,
                cookie_domain: Some(String::from(".shop.example")),
                field_name: String::from("click"),
                use_utt: false,
                utt_timeout_ms: 200,
                attribution: Attribution::First,
                consent: Consent::Pending,
                payment_links: stripe::payment_links("pay.example.com,links.shop.example:8443")
                    .unwrap(),
                decorate_stripe: true,
                debug: true,
            }
        );
    }

    #[test]
    fn consent_has_three_states() {
        assert_eq!(Consent::parse("granted"), Some(Consent::Granted));
        assert_eq!(Consent::parse("pending"), Some(Consent::Pending));
        assert_eq!(Consent::parse("denied"), Some(Consent::Denied));
        assert_eq!(Consent::parse("Denied"), None);
        assert_eq!(Consent::parse(""), None);
    }

    #[test]
    fn invalid_values_keep_the_default_and_the_first_is_reported() {
        let (options, warning) = parse(&[
            ("cookieDays", text("30")),
            ("consent", text("maybe")),
            ("useUtt", text("false")),
        ]);
        assert_eq!(options, Options::default());
        assert_eq!(warning, Some(Warning::InvalidOption("consent")));

        for (name, raw) in [
            ("params", text(" , ")),
            ("cookieName", text("a;b")),
            ("cookieDomain", text("a b")),
            ("fieldName", text("a\"b")),
            ("uttTimeoutMs", Raw::Number(-1.0)),
            ("uttTimeoutMs", Raw::Number(f64::NAN)),
            ("attribution", text("middle")),
            ("consent", text("yes")),
            ("paymentLinkHosts", text("pay.example.com/x")),
            ("decorateStripe", Raw::Number(1.0)),
            ("debug", text("true")),
        ] {
            let (options, warning) = parse(&[(name, raw)]);
            assert_eq!(options, Options::default(), "{name}");
            assert_eq!(warning, Some(Warning::InvalidOption(name)));
        }
    }

    #[test]
    fn cookie_days_become_seconds() {
        assert_eq!(max_age(30.0), Some(2_592_000));
        assert_eq!(max_age(0.5), Some(43_200));
        assert_eq!(max_age(400.0), Some(34_560_000));
        assert_eq!(max_age(0.000_001), Some(1));
        for bad in [0.0, -1.0, 400.1, f64::NAN, f64::INFINITY] {
            assert_eq!(max_age(bad), None, "{bad}");
        }
    }
}
