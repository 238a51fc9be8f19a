//! impact.com's error envelope: `{"Status":"ERROR","Message":"...","Errors":[{"Field":"...","Message":"..."}]}`.

use serde::Deserialize;

/// One field-level complaint from impact.com.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    /// The field impact.com complains about (e.g. `OrderId`); empty when it named none.
    pub field: String,
    /// What impact.com says is wrong with it.
    pub message: String,
}

/// The parts of an error envelope that were present.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ErrorEnvelope {
    /// `Status`, normally `ERROR`.
    pub status: Option<String>,
    /// `Message`, the human summary.
    pub message: Option<String>,
    /// `Errors`, possibly empty.
    pub errors: Vec<FieldError>,
}

#[derive(Deserialize)]
struct Raw {
    #[serde(rename = "Status", default)]
    status: Option<String>,
    #[serde(rename = "Message", default)]
    message: Option<String>,
    #[serde(rename = "Errors", default)]
    errors: Option<Vec<RawFieldError>>,
}

#[derive(Deserialize)]
struct RawFieldError {
    #[serde(rename = "Field", default)]
    field: Option<String>,
    #[serde(rename = "Message", default)]
    message: Option<String>,
}

/// Reads an error envelope from a JSON body. Missing parts are tolerated (`None` / empty);
/// `None` is returned when the body is not a JSON object holding at least one of `Status`,
/// `Message` or `Errors` (an HTML error page from a proxy, say).
///
/// ```
/// use clicktrail_impact::parse_error_envelope;
///
/// let body = br#"{"Status":"ERROR","Message":"Invalid request","Errors":[{"Field":"OrderId","Message":"Required"}]}"#;
/// let envelope = parse_error_envelope(body).unwrap();
/// assert_eq!(envelope.message.as_deref(), Some("Invalid request"));
/// assert_eq!(envelope.errors[0].field, "OrderId");
/// ```
pub fn parse_error_envelope(body: &[u8]) -> Option<ErrorEnvelope> {
    let raw: Raw = serde_json::from_slice(body).ok()?;
    if raw.status.is_none() && raw.message.is_none() && raw.errors.is_none() {
        return None;
    }
    Some(ErrorEnvelope {
        status: raw.status,
        message: raw.message,
        errors: raw
            .errors
            .unwrap_or_default()
            .into_iter()
            .map(|e| FieldError {
                field: e.field.unwrap_or_default(),
                message: e.message.unwrap_or_default(),
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_full_envelope() {
        let body = br#"{"Status":"ERROR","Message":"Validation failed","Errors":[
            {"Field":"OrderId","Message":"OrderId is required"},
            {"Field":"ClickId","Message":"ClickId exceeds 64 characters"}]}"#;
        let e = parse_error_envelope(body).unwrap();
        assert_eq!(e.status.as_deref(), Some("ERROR"));
        assert_eq!(e.message.as_deref(), Some("Validation failed"));
        assert_eq!(
            e.errors,
            vec![
                FieldError {
                    field: "OrderId".into(),
                    message: "OrderId is required".into()
                },
                FieldError {
                    field: "ClickId".into(),
                    message: "ClickId exceeds 64 characters".into()
                },
            ]
        );
    }

    #[test]
    fn tolerates_missing_parts_and_extra_fields() {
        let e = parse_error_envelope(br#"{"Status":"ERROR","Message":"Unauthorized","Code":401}"#)
            .unwrap();
        assert_eq!(
            (e.message.as_deref(), e.errors.len()),
            (Some("Unauthorized"), 0)
        );
        let e = parse_error_envelope(br#"{"Errors":[{"Message":"bad"}],"Errors2":null}"#).unwrap();
        assert_eq!(
            e.errors,
            vec![FieldError {
                field: String::new(),
                message: "bad".into()
            }]
        );
        let e = parse_error_envelope(br#"{"Status":"ERROR","Errors":null}"#).unwrap();
        assert!(e.errors.is_empty() && e.message.is_none());
    }

    #[test]
    fn is_none_for_what_is_not_an_envelope() {
        for body in [
            &b"<html>Bad Gateway</html>"[..],
            b"",
            b"[]",
            b"{}",
            b"\"ERROR\"",
            br#"{"error":"x"}"#,
            b"\xff\xfe",
        ] {
            assert_eq!(parse_error_envelope(body), None, "{body:?}");
        }
    }
}
