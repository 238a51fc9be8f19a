//! What impact.com did with a queued request: `GET /Advertisers/{SID}/APISubmissions/{BatchId}`.

use serde_json::{Map, Value};

use crate::Error;

/// Processing state of an API submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmissionStatus {
    /// Not picked up yet (every submission starts here).
    Queued,
    /// Being processed.
    InProgress,
    /// Finished; look at [`Submission::error_type`] to know whether it was recorded.
    Complete,
    /// A state this crate does not know, as sent.
    Other(String),
}

impl SubmissionStatus {
    fn parse(s: &str) -> Self {
        match s.to_ascii_uppercase().replace(['_', ' '], "").as_str() {
            "QUEUED" => Self::Queued,
            "INPROGRESS" => Self::InProgress,
            "COMPLETE" | "COMPLETED" => Self::Complete,
            _ => Self::Other(s.to_owned()),
        }
    }
}

/// An API submission as impact.com reports it. Fields impact.com left empty are `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    /// `BatchId`.
    pub batch_id: String,
    /// `Status`.
    pub status: SubmissionStatus,
    /// `Type`: `Conversion`, `Modification` or `Reversal`.
    pub kind: Option<String>,
    /// `OrderId`.
    pub order_id: Option<String>,
    /// `ErrorType`, e.g. `Contract Error`.
    pub error_type: Option<String>,
    /// `ErrorReason`, e.g. `CONV_DUPLICATE` or `ACTIONTRACKER_NOT_FOUND` (several are separated by
    /// spaces).
    pub error_reason: Option<String>,
    /// `CompletionDate`, as sent.
    pub completion_date: Option<String>,
}

impl Submission {
    /// Whether processing finished without an error.
    pub fn succeeded(&self) -> bool {
        self.status == SubmissionStatus::Complete
            && self.error_type.is_none()
            && self.error_reason.is_none()
    }
}

/// Reads a submission from its JSON body. Numbers are accepted where strings are expected.
pub fn parse_submission(body: &[u8]) -> Result<Submission, Error> {
    let map: Map<String, Value> =
        serde_json::from_slice(body).map_err(|e| Error::Decode(format!("API submission: {e}")))?;
    let text = |key: &str| match map.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let batch_id = text("BatchId")
        .ok_or_else(|| Error::Decode("API submission without BatchId".to_owned()))?;
    let status =
        text("Status").ok_or_else(|| Error::Decode("API submission without Status".to_owned()))?;
    Ok(Submission {
        batch_id,
        status: SubmissionStatus::parse(&status),
        kind: text("Type"),
        order_id: text("OrderId"),
        error_type: text("ErrorType"),
        error_reason: text("ErrorReason"),
        completion_date: text("CompletionDate"),
    })
}

/// The batch id in a `QueuedUri` (`/Advertisers/{SID}/APISubmissions/{BatchId}`, possibly as a full
/// URL) or a bare batch id. Batch ids are ASCII letters, digits, `-` and `_`.
///
/// ```
/// use clicktrail_impact::submission_id;
///
/// assert_eq!(submission_id("/Advertisers/IRx/APISubmissions/A-b12c")?, "A-b12c");
/// assert_eq!(submission_id("A-b12c")?, "A-b12c");
/// # Ok::<(), clicktrail_impact::Error>(())
/// ```
pub fn submission_id(queued_uri_or_id: &str) -> Result<&str, Error> {
    let trimmed = queued_uri_or_id.trim_end_matches('/');
    let id = match trimmed.rsplit_once("/APISubmissions/") {
        Some((_, id)) => id,
        None if !trimmed.contains('/') => trimmed,
        None => return Err(Error::InvalidSubmissionId(queued_uri_or_id.to_owned())),
    };
    if id.is_empty()
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(Error::InvalidSubmissionId(queued_uri_or_id.to_owned()));
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_completed_submission_with_an_error() {
        let body = br#"{"BatchId":"A-b1234c56","AccountId":10001,"SubmissionDate":"2020-09-10T09:50:12-07:00",
            "CampaignId":1000,"ActionTrackerId":4000,"OrderId":"1234567890123","Type":"Conversion",
            "Status":"Complete","CompletionDate":"2020-09-10T10:11:15-07:00","ErrorType":"Contract Error",
            "ErrorReason":"CONTRACT_NOT_FOUND","Uri":"/Advertisers/IRx/APISubmissions/A-b1234c56"}"#;
        let s = parse_submission(body).unwrap();
        assert_eq!(s.batch_id, "A-b1234c56");
        assert_eq!(s.status, SubmissionStatus::Complete);
        assert_eq!(s.kind.as_deref(), Some("Conversion"));
        assert_eq!(s.order_id.as_deref(), Some("1234567890123"));
        assert_eq!(s.error_reason.as_deref(), Some("CONTRACT_NOT_FOUND"));
        assert!(!s.succeeded());
    }

    #[test]
    fn reads_every_status_spelling_and_empty_fields_as_none() {
        for (text, status) in [
            ("Queued", SubmissionStatus::Queued),
            ("QUEUED", SubmissionStatus::Queued),
            ("In Progress", SubmissionStatus::InProgress),
            ("IN_PROGRESS", SubmissionStatus::InProgress),
            ("Complete", SubmissionStatus::Complete),
            ("Paused", SubmissionStatus::Other("Paused".into())),
        ] {
            let body =
                format!(r#"{{"BatchId":7,"Status":"{text}","ErrorType":"","OrderId":null}}"#);
            let s = parse_submission(body.as_bytes()).unwrap();
            assert_eq!((s.batch_id.as_str(), &s.status), ("7", &status));
            assert_eq!((s.error_type, s.order_id), (None, None));
        }
        let ok =
            parse_submission(br#"{"BatchId":"A","Status":"Complete","ErrorType":""}"#).unwrap();
        assert!(ok.succeeded());
    }

    #[test]
    fn refuses_bodies_that_are_not_submissions() {
        for body in [
            &b"[]"[..],
            b"<xml/>",
            br#"{"Status":"Queued"}"#,
            br#"{"BatchId":"A"}"#,
        ] {
            assert!(
                matches!(parse_submission(body), Err(Error::Decode(_))),
                "{body:?}"
            );
        }
    }

    #[test]
    fn extracts_the_batch_id() {
        for (input, id) in [
            (
                "/Advertisers/IRx/APISubmissions/A-f6675c69-4a69",
                "A-f6675c69-4a69",
            ),
            (
                "https://api.impact.com/Advertisers/IRx/APISubmissions/A_1/",
                "A_1",
            ),
            ("A-1", "A-1"),
        ] {
            assert_eq!(submission_id(input), Ok(id), "{input}");
        }
        for bad in [
            "",
            "/Advertisers/IRx/Conversions",
            "/Advertisers/IRx/APISubmissions/",
            "A/../B",
            "A?x=1",
            "../x",
        ] {
            assert!(submission_id(bad).is_err(), "{bad}");
        }
    }
}
