//! The one error type of this crate.
//!
//! Messages name the field and the rule that failed. They never contain the auth token, and they
//! contain a value only when that value is harmless to log (a currency code, a URL without
//! credentials, a number).

/// Why a request could not be built, an amount read, or a client configured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A required field is empty or absent.
    #[error("{field} is required")]
    Missing {
        /// impact.com's name of the field, e.g. `OrderId`.
        field: String,
    },
    /// An optional field was given, but empty: leave it out instead.
    #[error("{field} is empty; leave it out instead")]
    Empty {
        /// impact.com's name of the field.
        field: String,
    },
    /// A field is longer than impact.com accepts.
    #[error("{field} is {len} characters long, impact.com accepts at most {max}")]
    TooLong {
        /// impact.com's name of the field.
        field: String,
        /// The limit, in characters.
        max: usize,
        /// The length that was given, in characters.
        len: usize,
    },
    /// A conversion carries neither `ClickId` nor `CustomerId`, so impact.com could not credit
    /// anyone with it.
    #[error("a conversion needs at least one attribution key: ClickId or CustomerId")]
    NoAttributionKey,
    /// The currency is not three ASCII letters.
    #[error("CurrencyCode {0:?} is not an ISO-4217 code (three letters)")]
    InvalidCurrency(String),
    /// An amount that must not be negative is.
    #[error("{field} is negative; impact.com amounts are sent as positive decimals")]
    NegativeAmount {
        /// impact.com's name of the field, e.g. `ItemSubTotal2`.
        field: String,
    },
    /// Amounts of one request use different numbers of decimals, so they cannot be in the same
    /// currency.
    #[error("{field} has {found} decimals where the rest of the request has {expected}")]
    MixedExponent {
        /// impact.com's name of the field.
        field: String,
        /// The exponent used by the request's first amount.
        expected: u8,
        /// The exponent of this field.
        found: u8,
    },
    /// `OrderDiscount` is larger than the sum of the items, which would credit a negative sale.
    #[error(
        "OrderDiscount is larger than the sum of ItemSubTotal: the sale amount would be negative"
    )]
    NegativeSaleAmount,
    /// An amount has more decimals than impact.com accepts
    /// ([`Amount::WIRE_MAX_EXPONENT`](crate::Amount::WIRE_MAX_EXPONENT)).
    #[error("{field} has {found} decimals; impact.com accepts at most 2 (round it first)")]
    TooManyDecimals {
        /// impact.com's name of the field.
        field: String,
        /// The exponent that was given.
        found: u8,
    },
    /// An item's quantity is zero.
    #[error("{field} must be at least 1")]
    InvalidQuantity {
        /// impact.com's name of the field, e.g. `ItemQuantity1`.
        field: String,
    },
    /// The event time cannot be written as an ISO-8601 date between years 0 and 9999.
    #[error("EventDate {0} (unix seconds) is outside the years 0000-9999")]
    EventDateOutOfRange(i64),
    /// A decimal string could not be read as an [`Amount`](crate::Amount).
    #[error("invalid amount: {0}")]
    InvalidAmount(&'static str),
    /// An amount does not fit: its exponent is above [`Amount::MAX_EXPONENT`](crate::Amount::MAX_EXPONENT)
    /// or an arithmetic result overflows.
    #[error("amount out of range")]
    AmountOutOfRange,
    /// The Account SID is empty or holds characters other than ASCII letters and digits.
    #[error("the Account SID must be non-empty ASCII letters and digits (it starts with IR)")]
    InvalidAccountSid,
    /// The auth token is empty.
    #[error("the auth token is empty")]
    EmptyAuthToken,
    /// `api_base` is refused by the shared outbound policy (not an absolute `http(s)` URL, or
    /// plain `http://` to a host that is not loopback: the token would cross the network in
    /// clear text); see [`clicktrail_http::validate_api_base`].
    #[error(transparent)]
    BaseUrl(#[from] clicktrail_http::BaseUrlError),
    /// An API submission id or `QueuedUri` holds characters that cannot be a batch id.
    #[error("{0:?} is not an API submission id or QueuedUri")]
    InvalidSubmissionId(String),
    /// The HTTP client could not be built (for example the TLS backend failed to initialise).
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
    /// A read request (not a conversion) got an answer other than 2xx, or no answer at all.
    #[error("impact.com answered {}: {message}", status.map_or_else(|| "nothing".to_owned(), |s| s.to_string()))]
    Http {
        /// The HTTP status, when an answer arrived.
        status: Option<u16>,
        /// impact.com's message, or the transport failure.
        message: String,
    },
    /// A 2xx answer could not be read as the expected JSON.
    #[error("cannot read impact.com's answer: {0}")]
    Decode(String),
}
