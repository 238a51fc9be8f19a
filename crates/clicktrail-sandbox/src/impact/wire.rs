//! impact.com's wire conventions: answers in JSON when `Accept` mentions JSON and XML otherwise,
//! the `{"Status": "ERROR", "Message", "Errors": [{"Field", "Message"}]}` envelope, HTTP Basic
//! with the Account SID and Auth Token, and request bodies as forms or JSON objects.

use axum::Json;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{Value, json};

use super::ImpactApp;
use super::validate::{FieldError, Fields};

/// An answer in impact's format: JSON when the client accepts it, XML otherwise.
#[derive(Debug)]
pub struct Answer {
    /// The HTTP status.
    pub status: StatusCode,
    /// The body, as JSON (converted to XML when needed).
    pub body: Value,
    /// Whether the client accepts JSON.
    pub json: bool,
}

/// Whether the client asked for JSON.
pub fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.to_ascii_lowercase().contains("json"))
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn to_xml(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                out.push_str(&format!("<{k}>"));
                to_xml(v, out);
                out.push_str(&format!("</{k}>"));
            }
        }
        Value::Array(items) => {
            for item in items {
                out.push_str("<Error>");
                to_xml(item, out);
                out.push_str("</Error>");
            }
        }
        Value::String(s) => out.push_str(&xml_escape(s)),
        Value::Null => {}
        other => out.push_str(&other.to_string()),
    }
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        if self.json {
            return (self.status, Json(self.body)).into_response();
        }
        let mut xml =
            String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?><ImpactRadiusResponse>");
        to_xml(&self.body, &mut xml);
        xml.push_str("</ImpactRadiusResponse>");
        (
            self.status,
            [("content-type", "application/xml; charset=utf-8")],
            xml,
        )
            .into_response()
    }
}

/// An error answer in impact's envelope.
pub fn error(status: StatusCode, message: &str, errors: Vec<FieldError>, json: bool) -> Answer {
    let mut body = json!({"Status": "ERROR", "Message": message});
    if !errors.is_empty() {
        body["Errors"] = json!(errors);
    }
    Answer { status, body, json }
}

/// Checks HTTP Basic against the configured SID and token (401), and the SID in the path (403).
pub fn authenticate(app: &ImpactApp, headers: &HeaderMap, sid: &str) -> Result<(), Answer> {
    let json = wants_json(headers);
    let creds = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Basic ")
                .or_else(|| v.strip_prefix("basic "))
        })
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .and_then(|b| String::from_utf8(b).ok());
    let config = app.config();
    let ok = creds
        .as_deref()
        .and_then(|c| c.split_once(':'))
        .is_some_and(|(user, pass)| user == config.account_sid && pass == config.auth_token);
    if !ok {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "Authentication failed: check the Account SID and Auth Token",
            vec![],
            json,
        ));
    }
    if sid != config.account_sid {
        return Err(error(
            StatusCode::FORBIDDEN,
            &format!("Access to account {sid} is not allowed with these credentials"),
            vec![],
            json,
        ));
    }
    Ok(())
}

/// Reads a form or JSON body (plus the query string) into fields.
pub fn fields(headers: &HeaderMap, query: Option<&str>, body: &[u8]) -> Result<Fields, String> {
    let mut out: Fields = form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .into_owned()
        .collect();
    let is_json = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.to_ascii_lowercase().contains("json"));
    if is_json {
        let value: Value =
            serde_json::from_slice(body).map_err(|e| format!("The body is not valid JSON: {e}"))?;
        let Value::Object(map) = value else {
            return Err("The JSON body must be an object".into());
        };
        for (k, v) in map {
            let text = match v {
                Value::String(s) => s,
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                Value::Null => continue,
                _ => return Err(format!("Field {k} must be a string or a number")),
            };
            out.insert(k, text);
        }
    } else {
        out.extend(form_urlencoded::parse(body).into_owned());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_answers_mirror_the_json_envelope() {
        let answer = error(
            StatusCode::BAD_REQUEST,
            "Bad <input>",
            vec![FieldError {
                field: "OrderId".into(),
                message: "Too long".into(),
            }],
            false,
        );
        let mut xml = String::new();
        to_xml(&answer.body, &mut xml);
        assert_eq!(
            xml,
            "<Errors><Error><Field>OrderId</Field><Message>Too long</Message></Error></Errors><Message>Bad &lt;input&gt;</Message><Status>ERROR</Status>"
        );
    }

    #[test]
    fn bodies_are_forms_or_flat_json_objects() {
        let mut headers = HeaderMap::new();
        let form = fields(&headers, Some("A=1"), b"OrderId=in_1&ClickId=a%3Ab").unwrap();
        assert_eq!(form["ClickId"], "a:b");
        assert_eq!(form["A"], "1");
        headers.insert("content-type", "application/json".parse().unwrap());
        let json = fields(
            &headers,
            None,
            br#"{"CampaignId": 1000, "OrderId": "in_1", "Skip": null}"#,
        )
        .unwrap();
        assert_eq!(json["CampaignId"], "1000");
        assert!(!json.contains_key("Skip"));
        assert!(fields(&headers, None, b"[1]").is_err());
        assert!(fields(&headers, None, br#"{"Items": [1]}"#).is_err());
        assert!(fields(&headers, None, b"{").is_err());
    }
}
