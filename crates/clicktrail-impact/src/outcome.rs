//! What became of a request: queued, rejected, rate limited or transient.
//!
//! [`classify`] is the pure half of [`ImpactClient::send`](crate::ImpactClient::send): it turns a
//! status, headers and body into an [`Outcome`], with the current time passed in. The forwarder's
//! retry policy reads only the outcome:
//!
//! | answer | outcome | forwarder |
//! |---|---|---|
//! | 2xx, unless the body is an envelope with `Status: ERROR` | [`Outcome::Queued`] | done |
//! | 2xx with `Status: ERROR` | [`Outcome::Rejected`] | dead letter |
//! | 3xx (redirects are never followed) | [`Outcome::Rejected`] | dead letter |
//! | 4xx except 408 and 429 | [`Outcome::Rejected`] | dead letter |
//! | 429 | [`Outcome::RateLimited`] | retry at `reset_at` |
//! | 408, 5xx, any other status, timeouts, connection errors, a body cut short | [`Outcome::Transient`] | retry with backoff |

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::{HeaderMap, LOCATION, RETRY_AFTER};
use serde::Deserialize;

use crate::{FieldError, parse_error_envelope};

/// The most of a body kept in an [`Outcome`], in bytes.
pub const BODY_EXCERPT_LIMIT: usize = 2048;

/// Values of `X-RateLimit-Reset` at or above this are unix times; smaller ones are seconds from
/// now. impact.com documents seconds-until-reset; some answers and emulators send an epoch time.
/// 10^9 seconds is September 2001, and no rate-limit window is 31 years long, so the two readings
/// cannot be confused.
pub const EPOCH_THRESHOLD: u64 = 1_000_000_000;

/// The classified result of sending a request to impact.com.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// impact.com accepted the request (2xx). Processing is asynchronous: the request can still
    /// fail later, which [`ImpactClient::get_submission`](crate::ImpactClient::get_submission)
    /// reveals.
    Queued {
        /// The HTTP status (normally 200).
        status: u16,
        /// `QueuedUri`, e.g. `/Advertisers/IR.../APISubmissions/A-...`, when the body had one.
        queued_uri: Option<String>,
        /// The start of the body, at most [`BODY_EXCERPT_LIMIT`] bytes.
        body: String,
    },
    /// impact.com refused the request; sending it again unchanged will fail again.
    Rejected {
        /// The HTTP status.
        status: u16,
        /// impact.com's `Message`, or a description of the status when there was none.
        message: String,
        /// impact.com's field errors.
        errors: Vec<FieldError>,
        /// The start of the body, at most [`BODY_EXCERPT_LIMIT`] bytes.
        body: String,
    },
    /// 429: too many requests; send again after `reset_at`.
    RateLimited {
        /// When the limit resets, from `X-RateLimit-Reset` (or `Retry-After`); `None` when
        /// neither was readable.
        reset_at: Option<SystemTime>,
        /// The start of the body, at most [`BODY_EXCERPT_LIMIT`] bytes.
        body: String,
    },
    /// The request may or may not have arrived, or impact.com failed; send it again later.
    Transient {
        /// The HTTP status, when an answer arrived.
        status: Option<u16>,
        /// What went wrong, safe to log.
        reason: String,
    },
}

impl Outcome {
    /// Whether impact.com accepted the request.
    pub fn is_queued(&self) -> bool {
        matches!(self, Self::Queued { .. })
    }

    /// The HTTP status, when an answer arrived.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Queued { status, .. } | Self::Rejected { status, .. } => Some(*status),
            Self::RateLimited { .. } => Some(429),
            Self::Transient { status, .. } => *status,
        }
    }
}

#[derive(Deserialize)]
struct Accepted {
    #[serde(rename = "Status", default)]
    status: Option<String>,
    #[serde(rename = "QueuedUri", default)]
    queued_uri: Option<String>,
}

/// Classifies an answer from impact.com. `body` is what was read of it (the client reads at most
/// 64 KiB); `now` anchors a relative rate-limit reset.
pub fn classify(status: u16, headers: &HeaderMap, body: &[u8], now: SystemTime) -> Outcome {
    let excerpt = excerpt(body);
    match status {
        200..=299 => {
            let accepted: Option<Accepted> = serde_json::from_slice(body).ok();
            let is_error = accepted
                .as_ref()
                .and_then(|a| a.status.as_deref())
                .is_some_and(|s| s.eq_ignore_ascii_case("ERROR"));
            if is_error {
                return rejected(status, body, excerpt);
            }
            Outcome::Queued {
                status,
                queued_uri: accepted.and_then(|a| a.queued_uri),
                body: excerpt,
            }
        }
        300..=399 => {
            let location = headers
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("nowhere");
            Outcome::Rejected {
                status,
                message: format!("redirect to {location} not followed; check api_base"),
                errors: Vec::new(),
                body: excerpt,
            }
        }
        429 => Outcome::RateLimited {
            reset_at: rate_limit_reset(headers, now),
            body: excerpt,
        },
        408 => Outcome::Transient {
            status: Some(status),
            reason: "request timeout (408)".to_owned(),
        },
        400..=499 => rejected(status, body, excerpt),
        500..=599 => Outcome::Transient {
            status: Some(status),
            reason: server_reason(status, body),
        },
        _ => Outcome::Transient {
            status: Some(status),
            reason: format!("unexpected HTTP status {status}"),
        },
    }
}

fn rejected(status: u16, body: &[u8], excerpt: String) -> Outcome {
    let envelope = parse_error_envelope(body).unwrap_or_default();
    let message = envelope
        .message
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| describe(status));
    Outcome::Rejected {
        status,
        message,
        errors: envelope.errors,
        body: excerpt,
    }
}

fn server_reason(status: u16, body: &[u8]) -> String {
    match parse_error_envelope(body).and_then(|e| e.message) {
        Some(message) => format!("{}: {message}", describe(status)),
        None => describe(status),
    }
}

fn describe(status: u16) -> String {
    let reason = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason());
    match reason {
        Some(reason) => format!("HTTP {status} {reason}"),
        None => format!("HTTP {status}"),
    }
}

/// When a rate limit resets, from `X-RateLimit-Reset`, else from `Retry-After` (seconds).
///
/// `X-RateLimit-Reset` is read as seconds from `now` below [`EPOCH_THRESHOLD`] and as a unix time
/// at or above it. Values that are not whole non-negative numbers give `None`.
pub fn rate_limit_reset(headers: &HeaderMap, now: SystemTime) -> Option<SystemTime> {
    let number = |name| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
    };
    if let Some(value) = number("x-ratelimit-reset") {
        return if value >= EPOCH_THRESHOLD {
            UNIX_EPOCH.checked_add(Duration::from_secs(value))
        } else {
            now.checked_add(Duration::from_secs(value))
        };
    }
    number(RETRY_AFTER.as_str()).and_then(|secs| now.checked_add(Duration::from_secs(secs)))
}

/// The first [`BODY_EXCERPT_LIMIT`] bytes of `body` as text, cut on a character boundary, with
/// invalid UTF-8 replaced.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let cut = &body[..body.len().min(BODY_EXCERPT_LIMIT)];
    let text = String::from_utf8_lossy(cut);
    // A multi-byte character split by the cut shows up as a trailing replacement character.
    match std::str::from_utf8(cut) {
        Err(e) if e.error_len().is_none() => {
            String::from_utf8_lossy(&cut[..e.valid_up_to()]).into_owned()
        }
        _ => text.into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        map
    }

    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_795_741_500)
    }

    #[test]
    fn queued_with_its_uri() {
        let body = br#"{"Status":"QUEUED","QueuedUri":"/Advertisers/IRx/APISubmissions/A-1"}"#;
        assert_eq!(
            classify(200, &HeaderMap::new(), body, now()),
            Outcome::Queued {
                status: 200,
                queued_uri: Some("/Advertisers/IRx/APISubmissions/A-1".into()),
                body: String::from_utf8(body.to_vec()).unwrap(),
            }
        );
    }

    #[test]
    fn other_2xx_answers_are_accepted() {
        for (status, body) in [
            (200, &br#"{"Status":"OK"}"#[..]),
            (201, b""),
            (202, b"<xml/>"),
            (204, b""),
        ] {
            let outcome = classify(status, &HeaderMap::new(), body, now());
            assert!(
                matches!(
                    outcome,
                    Outcome::Queued {
                        queued_uri: None,
                        ..
                    }
                ),
                "{status}: {outcome:?}"
            );
        }
    }

    #[test]
    fn an_error_envelope_inside_a_2xx_is_a_rejection() {
        let body = br#"{"Status":"ERROR","Message":"Invalid CampaignId"}"#;
        let outcome = classify(200, &HeaderMap::new(), body, now());
        assert!(
            matches!(outcome, Outcome::Rejected { status: 200, ref message, .. } if message == "Invalid CampaignId")
        );
    }

    #[test]
    fn client_errors_are_rejections_with_impacts_errors() {
        let body = br#"{"Status":"ERROR","Message":"Bad request","Errors":[{"Field":"OrderId","Message":"Too long"}]}"#;
        let Outcome::Rejected {
            status,
            message,
            errors,
            ..
        } = classify(400, &HeaderMap::new(), body, now())
        else {
            panic!("not rejected");
        };
        assert_eq!((status, message.as_str()), (400, "Bad request"));
        assert_eq!(
            errors,
            vec![FieldError {
                field: "OrderId".into(),
                message: "Too long".into()
            }]
        );
        for status in [401, 402, 403, 404, 405, 409, 422] {
            let outcome = classify(status, &HeaderMap::new(), b"", now());
            assert!(
                matches!(outcome, Outcome::Rejected { errors, .. } if errors.is_empty()),
                "{status}"
            );
        }
        let Outcome::Rejected { message, .. } = classify(401, &HeaderMap::new(), b"nope", now())
        else {
            panic!()
        };
        assert_eq!(message, "HTTP 401 Unauthorized");
    }

    #[test]
    fn redirects_are_rejections_naming_the_target() {
        let outcome = classify(
            302,
            &headers(&[("location", "https://elsewhere.example/")]),
            b"",
            now(),
        );
        assert!(
            matches!(outcome, Outcome::Rejected { status: 302, ref message, .. } if message.contains("elsewhere.example"))
        );
    }

    #[test]
    fn server_errors_and_408_are_transient() {
        for status in [408, 500, 502, 503, 504, 599, 600, 103] {
            let outcome = classify(status, &HeaderMap::new(), b"", now());
            assert!(
                matches!(outcome, Outcome::Transient { status: Some(s), .. } if s == status),
                "{status}"
            );
        }
        let Outcome::Transient { reason, .. } = classify(
            503,
            &HeaderMap::new(),
            br#"{"Status":"ERROR","Message":"Maintenance"}"#,
            now(),
        ) else {
            panic!()
        };
        assert_eq!(reason, "HTTP 503 Service Unavailable: Maintenance");
    }

    #[test]
    fn rate_limit_reset_reads_seconds_or_epoch() {
        let in_60 = now() + Duration::from_secs(60);
        assert_eq!(
            rate_limit_reset(&headers(&[("x-ratelimit-reset", "60")]), now()),
            Some(in_60)
        );
        assert_eq!(
            rate_limit_reset(&headers(&[("x-ratelimit-reset", "1795741560")]), now()),
            Some(in_60)
        );
        assert_eq!(
            rate_limit_reset(&headers(&[("x-ratelimit-reset", " 0 ")]), now()),
            Some(now())
        );
        assert_eq!(
            rate_limit_reset(&headers(&[("retry-after", "60")]), now()),
            Some(in_60)
        );
        // X-RateLimit-Reset wins over Retry-After.
        let both = headers(&[("x-ratelimit-reset", "10"), ("retry-after", "60")]);
        assert_eq!(
            rate_limit_reset(&both, now()),
            Some(now() + Duration::from_secs(10))
        );
        for bad in ["-5", "1.5", "soon", "", "Fri, 27 Nov 2026 01:06:00 GMT"] {
            assert_eq!(
                rate_limit_reset(&headers(&[("x-ratelimit-reset", bad)]), now()),
                None,
                "{bad:?}"
            );
        }
        let outcome = classify(429, &headers(&[("x-ratelimit-reset", "60")]), b"{}", now());
        assert_eq!(
            outcome,
            Outcome::RateLimited {
                reset_at: Some(in_60),
                body: "{}".into()
            }
        );
        assert_eq!(outcome.status(), Some(429));
    }

    #[test]
    fn excerpts_are_bounded_and_cut_on_characters() {
        let long = "é".repeat(BODY_EXCERPT_LIMIT); // 2 bytes each
        let Outcome::Rejected { body, .. } =
            classify(400, &HeaderMap::new(), long.as_bytes(), now())
        else {
            panic!()
        };
        assert_eq!(body.len(), BODY_EXCERPT_LIMIT);
        let odd = format!("a{long}");
        let cut = excerpt(odd.as_bytes());
        assert_eq!(cut.len(), BODY_EXCERPT_LIMIT - 1);
        assert!(!cut.contains('\u{fffd}'));
        assert_eq!(excerpt(b"\xffok"), "\u{fffd}ok");
    }
}
