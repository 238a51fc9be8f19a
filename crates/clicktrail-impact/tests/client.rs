//! `ImpactClient` against real HTTP servers on 127.0.0.1:0: what it sends (Basic auth, `Accept`,
//! form bodies, methods and paths) and how it classifies each kind of answer, including answers
//! that never come, connections that drop and redirects it must not follow.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use clicktrail_impact::{
    Amount, AuthToken, Conversion, Error, ImpactClient, ImpactConfig, ImpactRequest, Item,
    Modification, Outcome, Probe, Reversal, SubmissionStatus,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const SID: &str = "IRtest123";
const TOKEN: &str = "tok_do_not_leak_4f9a";

/// One request as the server saw it.
#[derive(Debug, Clone)]
struct Seen {
    method: Method,
    path: String,
    authorization: Option<String>,
    accept: Option<String>,
    content_type: Option<String>,
    form: Vec<(String, String)>,
}

#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<Seen>>>);

impl Recorder {
    fn all(&self) -> Vec<Seen> {
        self.0.lock().unwrap().clone()
    }
}

/// A fake impact.com. The first path segment picks the answer, so one server serves every case:
/// a client whose `api_base` ends in `/queued` gets queued answers, and so on.
async fn impact(
    State(seen): State<Recorder>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &header::HeaderValue| v.to_str().ok())
            .map(str::to_owned)
    };
    let record = Seen {
        method: method.clone(),
        path: uri.path().to_owned(),
        authorization: text(header::AUTHORIZATION),
        accept: text(header::ACCEPT),
        content_type: text(header::CONTENT_TYPE),
        form: serde_urlencoded::from_bytes(&body).unwrap_or_default(),
    };
    let expected_auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{SID}:{TOKEN}"))
    );
    let authorised = record.authorization.as_deref() == Some(expected_auth.as_str());
    seen.0.lock().unwrap().push(record);
    if !authorised {
        return (
            StatusCode::UNAUTHORIZED,
            r#"{"Status":"ERROR","Message":"Authentication failed"}"#,
        )
            .into_response();
    }
    let scenario = uri
        .path()
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or_default();
    let json = |status: StatusCode, body: &'static str| {
        (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
    };
    match scenario {
        "queued" if uri.path().contains("/APISubmissions/") => json(
            StatusCode::OK,
            r#"{"BatchId":"A-1","Status":"Complete","Type":"Conversion","OrderId":"in_1","ErrorType":"Duplicate","ErrorReason":"CONV_DUPLICATE"}"#,
        ),
        "queued" => json(
            StatusCode::OK,
            r#"{"Status":"QUEUED","QueuedUri":"/Advertisers/IRtest123/APISubmissions/A-1"}"#,
        ),
        "invalid" => json(
            StatusCode::BAD_REQUEST,
            r#"{"Status":"ERROR","Message":"Invalid request","Errors":[{"Field":"EventTypeId","Message":"Unknown event type"}]}"#,
        ),
        "forbidden" => json(
            StatusCode::FORBIDDEN,
            r#"{"Status":"ERROR","Message":"Token scope"}"#,
        ),
        "limited" => (
            StatusCode::TOO_MANY_REQUESTS,
            [
                ("x-ratelimit-limit", "1000"),
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "1795741560"),
            ],
            r#"{"Status":"ERROR","Message":"Too many requests"}"#,
        )
            .into_response(),
        "limited-relative" => (
            StatusCode::TOO_MANY_REQUESTS,
            [("x-ratelimit-reset", "120")],
            "",
        )
            .into_response(),
        "unavailable" => json(
            StatusCode::SERVICE_UNAVAILABLE,
            r#"{"Status":"ERROR","Message":"Down for maintenance"}"#,
        ),
        "slow" => {
            // Never answers; the client's timeout must end the wait.
            std::future::pending::<()>().await;
            unreachable!()
        }
        "redirect" => (
            StatusCode::FOUND,
            [(header::LOCATION, format!("/target{}", uri.path()))],
            "",
        )
            .into_response(),
        "huge" => (StatusCode::BAD_REQUEST, "x".repeat(1 << 20)).into_response(),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Starts the fake impact.com; returns its base URL and what it records.
async fn start() -> (String, Recorder) {
    let recorder = Recorder::default();
    let app = Router::new().fallback(impact).with_state(recorder.clone());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, recorder)
}

/// A client with generous timeouts, so that a busy machine does not turn answers into timeouts.
fn client(api_base: String) -> ImpactClient {
    client_with_timeout(api_base, Duration::from_secs(10))
}

/// A client whose whole-request timeout is `timeout`, for the server that never answers.
fn client_with_timeout(api_base: String, timeout: Duration) -> ImpactClient {
    let config = ImpactConfig::new(SID, AuthToken::new(TOKEN))
        .api_base(api_base)
        .connect_timeout(Duration::from_secs(5))
        .timeout(timeout);
    ImpactClient::new(config).unwrap()
}

fn usd(cents: i64) -> Amount {
    Amount::from_minor(cents, 2).unwrap()
}

fn conversion() -> ImpactRequest {
    Conversion::builder("1000", "2000", "in_1", 1_795_741_500, "usd")
        .click_id("Qx9:abc DEF&=+%")
        .customer_id("cus_1")
        .item(Item::new("price_pro", "Pro plan — yearly", 1, usd(29_000)))
        .build()
        .unwrap()
        .into()
}

#[tokio::test]
async fn sends_each_request_with_basic_auth_accept_json_and_its_form() {
    let (base, seen) = start().await;
    let client = client(format!("{base}/queued"));
    let requests = [
        conversion(),
        Modification::new("2000", "in_1", usd(1000), "ITEM_RETURNED")
            .unwrap()
            .into(),
        Reversal::new("2000", "in_1", "ITEM_RETURNED")
            .unwrap()
            .into(),
    ];
    for request in &requests {
        let outcome = client.send(request).await;
        assert_eq!(
            outcome,
            Outcome::Queued {
                status: 200,
                queued_uri: Some("/Advertisers/IRtest123/APISubmissions/A-1".into()),
                body:
                    r#"{"Status":"QUEUED","QueuedUri":"/Advertisers/IRtest123/APISubmissions/A-1"}"#
                        .into(),
            }
        );
    }
    let seen = seen.all();
    assert_eq!(seen.len(), 3);
    let expected_auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{SID}:{TOKEN}"))
    );
    for (request, seen) in requests.iter().zip(&seen) {
        assert_eq!(seen.method.as_str(), request.method().as_str());
        assert_eq!(seen.path, format!("/queued{}", request.path(SID)));
        assert_eq!(seen.authorization.as_deref(), Some(expected_auth.as_str()));
        assert_eq!(seen.accept.as_deref(), Some("application/json"));
        assert_eq!(
            seen.content_type.as_deref(),
            Some("application/x-www-form-urlencoded")
        );
        // Decoded by the server, in order, special characters intact.
        assert_eq!(seen.form, request.params());
    }
    assert!(
        seen[0]
            .form
            .contains(&("ClickId".into(), "Qx9:abc DEF&=+%".into()))
    );
}

#[tokio::test]
async fn a_400_is_rejected_with_impacts_field_errors() {
    let (base, _) = start().await;
    let Outcome::Rejected {
        status,
        message,
        errors,
        body,
    } = client(format!("{base}/invalid")).send(&conversion()).await
    else {
        panic!("not rejected");
    };
    assert_eq!((status, message.as_str()), (400, "Invalid request"));
    assert_eq!(
        (errors[0].field.as_str(), errors[0].message.as_str()),
        ("EventTypeId", "Unknown event type")
    );
    assert!(body.contains("Unknown event type"));
}

#[tokio::test]
async fn wrong_credentials_are_rejected_as_401() {
    let (base, seen) = start().await;
    let config = ImpactConfig::new(SID, AuthToken::new("wrong")).api_base(format!("{base}/queued"));
    let outcome = ImpactClient::new(config).unwrap().send(&conversion()).await;
    assert!(
        matches!(&outcome, Outcome::Rejected { status: 401, message, .. } if message == "Authentication failed"),
        "{outcome:?}"
    );
    // The server did receive Basic credentials, just not the right ones.
    assert!(
        seen.all()[0]
            .authorization
            .as_deref()
            .is_some_and(|a| a.starts_with("Basic "))
    );
}

#[tokio::test]
async fn a_429_carries_the_reset_time() {
    let (base, _) = start().await;
    let outcome = client(format!("{base}/limited")).send(&conversion()).await;
    let Outcome::RateLimited { reset_at, body } = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(
        reset_at,
        Some(UNIX_EPOCH + Duration::from_secs(1_795_741_560))
    );
    assert!(body.contains("Too many requests"));

    let before = SystemTime::now();
    let outcome = client(format!("{base}/limited-relative"))
        .send(&conversion())
        .await;
    let after = SystemTime::now();
    let Outcome::RateLimited {
        reset_at: Some(reset_at),
        ..
    } = outcome
    else {
        panic!("{outcome:?}")
    };
    let wait = Duration::from_secs(120);
    assert!(
        reset_at >= before + wait && reset_at <= after + wait,
        "{reset_at:?}"
    );
}

#[tokio::test]
async fn a_503_is_transient() {
    let (base, _) = start().await;
    let outcome = client(format!("{base}/unavailable"))
        .send(&conversion())
        .await;
    assert_eq!(
        outcome,
        Outcome::Transient {
            status: Some(503),
            reason: "HTTP 503 Service Unavailable: Down for maintenance".into()
        }
    );
}

#[tokio::test]
async fn an_answer_slower_than_the_timeout_is_transient() {
    let (base, seen) = start().await;
    let outcome = client_with_timeout(format!("{base}/slow"), Duration::from_millis(300))
        .send(&conversion())
        .await;
    assert!(
        matches!(&outcome, Outcome::Transient { status: None, reason } if reason.contains("timed out") && reason.contains("300ms")),
        "{outcome:?}"
    );
    assert_eq!(seen.all().len(), 1, "the request did arrive");
}

#[tokio::test]
async fn redirects_are_not_followed_and_are_rejected() {
    let (base, seen) = start().await;
    let outcome = client(format!("{base}/redirect")).send(&conversion()).await;
    assert!(
        matches!(&outcome, Outcome::Rejected { status: 302, message, .. } if message.contains("/target/redirect/")),
        "{outcome:?}"
    );
    let paths: Vec<_> = seen.all().into_iter().map(|s| s.path).collect();
    assert_eq!(paths, ["/redirect/Advertisers/IRtest123/Conversions"]);
}

#[tokio::test]
async fn huge_bodies_are_read_only_up_to_the_limit() {
    let (base, _) = start().await;
    let Outcome::Rejected { body, message, .. } =
        client(format!("{base}/huge")).send(&conversion()).await
    else {
        panic!()
    };
    assert_eq!(body.len(), clicktrail_impact::BODY_EXCERPT_LIMIT);
    assert_eq!(message, "HTTP 400 Bad Request");
}

/// A raw TCP server that reads one request, then answers `answer` (possibly nothing) and closes.
async fn raw_server(answer: &'static [u8]) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buf = vec![0; 64 * 1024];
            let _ = socket.read(&mut buf).await;
            let _ = socket.write_all(answer).await;
            // Dropping the socket closes the connection.
        }
    });
    base
}

#[tokio::test]
async fn a_dropped_connection_is_transient() {
    let base = raw_server(b"").await;
    let outcome = client(base).send(&conversion()).await;
    assert!(
        matches!(outcome, Outcome::Transient { status: None, .. }),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn a_body_cut_short_is_transient_even_after_a_200() {
    let base = raw_server(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"Status\":").await;
    let outcome = client(base).send(&conversion()).await;
    assert!(
        matches!(&outcome, Outcome::Transient { status: Some(200), reason } if reason.contains("body")),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn a_refused_connection_is_transient() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let outcome = client(base).send(&conversion()).await;
    assert!(
        matches!(&outcome, Outcome::Transient { status: None, reason } if reason.starts_with("could not connect")),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn reads_a_submission_by_queued_uri() {
    let (base, seen) = start().await;
    let client = client(format!("{base}/queued"));
    let submission = client
        .get_submission("/Advertisers/IRtest123/APISubmissions/A-1")
        .await
        .unwrap();
    assert_eq!(submission.status, SubmissionStatus::Complete);
    assert_eq!(submission.error_reason.as_deref(), Some("CONV_DUPLICATE"));
    let seen = &seen.all()[0];
    assert_eq!(
        (seen.method.as_str(), seen.path.as_str()),
        ("GET", "/queued/Advertisers/IRtest123/APISubmissions/A-1")
    );
    assert_eq!(seen.accept.as_deref(), Some("application/json"));

    let err = client.get_submission("../../etc").await.unwrap_err();
    assert!(matches!(err, Error::InvalidSubmissionId(_)), "{err}");
    let missing = crate::client(format!("{base}/nothing-here"))
        .get_submission("A-1")
        .await
        .unwrap_err();
    assert!(
        matches!(
            missing,
            Error::Http {
                status: Some(404),
                ..
            }
        ),
        "{missing}"
    );
}

#[tokio::test]
async fn probe_tells_good_bad_and_scoped_credentials_apart() {
    let (base, seen) = start().await;
    assert_eq!(client(format!("{base}/queued")).probe().await, Probe::Ok);
    let probe = &seen.all()[0];
    assert_eq!(
        (probe.method.as_str(), probe.path.as_str()),
        ("GET", "/queued/Advertisers/IRtest123/CompanyInformation")
    );

    let wrong = ImpactConfig::new(SID, AuthToken::new("wrong")).api_base(format!("{base}/queued"));
    assert_eq!(
        ImpactClient::new(wrong).unwrap().probe().await,
        Probe::Unauthorized
    );
    assert_eq!(
        client(format!("{base}/forbidden")).probe().await,
        Probe::Forbidden
    );
    assert_eq!(
        client(format!("{base}/unavailable")).probe().await,
        Probe::Failed {
            status: Some(503),
            reason: "HTTP 503: Down for maintenance".into()
        }
    );
    assert_eq!(
        client(format!("{base}/nothing-here")).probe().await,
        Probe::Failed {
            status: Some(404),
            reason: "HTTP 404".into()
        }
    );
    let unreachable = raw_server(b"").await;
    assert!(matches!(
        client(unreachable).probe().await,
        Probe::Failed { status: None, .. }
    ));
}

#[test]
fn plain_http_to_a_non_loopback_host_is_refused_at_construction() {
    for base in [
        "http://api.impact.com",
        "http://192.168.1.10:8080",
        "http://[2001:db8::1]/",
    ] {
        let config = ImpactConfig::new(SID, AuthToken::new(TOKEN)).api_base(base);
        assert_eq!(
            ImpactClient::new(config).unwrap_err(),
            Error::BaseUrl(clicktrail_http::BaseUrlError::Insecure { url: base.into() })
        );
    }
    for base in [
        "https://api.impact.com",
        "http://127.0.0.1:1",
        "http://localhost:1",
        "http://[::1]:1",
    ] {
        let config = ImpactConfig::new(SID, AuthToken::new(TOKEN)).api_base(base);
        assert!(ImpactClient::new(config).is_ok(), "{base}");
    }
}

#[test]
fn construction_refuses_bad_credentials() {
    let bad_sid = ImpactConfig::new("IR/../x", AuthToken::new(TOKEN));
    assert_eq!(
        ImpactClient::new(bad_sid).unwrap_err(),
        Error::InvalidAccountSid
    );
    let empty_token = ImpactConfig::new(SID, AuthToken::new(""));
    assert_eq!(
        ImpactClient::new(empty_token).unwrap_err(),
        Error::EmptyAuthToken
    );
}

#[test]
fn debug_output_never_shows_the_token() {
    let config = ImpactConfig::new(SID, AuthToken::new(TOKEN));
    let client = ImpactClient::new(config.clone()).unwrap();
    for debug in [
        format!("{config:?}"),
        format!("{config:#?}"),
        format!("{client:?}"),
        format!("{client:#?}"),
    ] {
        assert!(!debug.contains(TOKEN), "{debug}");
        assert!(
            debug.contains("<redacted>") && debug.contains(SID),
            "{debug}"
        );
    }
}

#[tokio::test]
async fn outcomes_and_errors_never_show_the_token() {
    let (base, _) = start().await;
    let dropped = raw_server(b"").await;
    let mut texts = Vec::new();
    for scenario in [
        "queued",
        "invalid",
        "limited",
        "unavailable",
        "slow",
        "redirect",
        "nowhere",
    ] {
        texts.push(format!(
            "{:?}",
            client_with_timeout(format!("{base}/{scenario}"), Duration::from_millis(300))
                .send(&conversion())
                .await
        ));
    }
    texts.push(format!("{:?}", client(dropped).send(&conversion()).await));
    texts.push(format!(
        "{:?}",
        client(format!("{base}/nothing"))
            .get_submission("A-1")
            .await
    ));
    texts.push(format!(
        "{:?}",
        client(format!("{base}/nothing")).probe().await
    ));
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{SID}:{TOKEN}"));
    for text in texts {
        assert!(!text.contains(TOKEN) && !text.contains(&encoded), "{text}");
    }
}
