//! One handler per impact.com endpoint and per inspection helper.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::ImpactApp;
use super::faults::{FaultKind, FaultSpec};
use super::records::Kind;
use super::service::LoseAnswer;
use super::state::ImpactStore;
use super::validate;
use super::wire::{Answer, authenticate, error, fields, wants_json};

/// What a conversion, modification or reversal request carries: the account SID in the path,
/// the headers (credentials, content type, `Accept`), the query string, the body, and the
/// `verdict` or `lost_answer` fault it took (see [`super::service`]).
#[derive(Debug)]
pub struct Submission {
    sid: String,
    headers: HeaderMap,
    query: Option<String>,
    body: Bytes,
    fault: Option<FaultSpec>,
}

impl FromRequest<ImpactApp> for Submission {
    type Rejection = Response;

    async fn from_request(request: Request, app: &ImpactApp) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let Path(sid) = Path::<String>::from_request_parts(&mut parts, app)
            .await
            .map_err(IntoResponse::into_response)?;
        let headers = parts.headers.clone();
        let query = parts.uri.query().map(str::to_owned);
        let fault = parts.extensions.remove::<FaultSpec>();
        let body = Bytes::from_request(Request::from_parts(parts, body), app)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(Self {
            sid,
            headers,
            query,
            body,
            fault,
        })
    }
}

/// Authenticates, validates and queues a submission; under a `verdict` fault the record is marked
/// to complete with its reason, under `lost_answer` the answer is marked with [`LoseAnswer`]. A
/// request refused (401, 403, 400) answers normally whatever its fault.
async fn submit(app: ImpactApp, kind: Kind, request: Submission) -> Response {
    let lose_answer = request
        .fault
        .as_ref()
        .is_some_and(|f| f.kind() == FaultKind::LostAnswer);
    match accept(&app, kind, &request) {
        Ok(answer) if lose_answer => {
            let mut response = answer.into_response();
            response.extensions_mut().insert(LoseAnswer);
            response
        }
        Ok(answer) | Err(answer) => answer.into_response(),
    }
}

/// The checks and the queueing of [`submit`]: `Ok` with the `QUEUED` answer, `Err` with the
/// refusal.
fn accept(app: &ImpactApp, kind: Kind, request: &Submission) -> Result<Answer, Answer> {
    let Submission {
        sid,
        headers,
        query,
        body,
        fault,
    } = request;
    let json = wants_json(headers);
    authenticate(app, headers, sid)?;
    let params = fields(headers, query.as_deref(), body)
        .map_err(|message| error(StatusCode::BAD_REQUEST, &message, vec![], json))?;
    let checked = match kind {
        Kind::Conversion => validate::conversion(&params),
        Kind::Modification => validate::modification(&params),
        Kind::Reversal => validate::reversal(&params),
    };
    checked.map_err(|errors| {
        error(
            StatusCode::BAD_REQUEST,
            "The request is invalid",
            errors,
            json,
        )
    })?;
    let received_at = app.inner.clock.now_rfc3339();
    let id = app.with_store(|s| {
        s.accept_with_fault(
            kind,
            params,
            received_at,
            tokio::time::Instant::now(),
            fault.as_ref(),
        )
    });
    Ok(Answer {
        status: StatusCode::OK,
        body: json!({"Status": "QUEUED", "QueuedUri": format!("/Advertisers/{sid}/APISubmissions/{id}")}),
        json,
    })
}

/// `POST /Advertisers/{SID}/Conversions`: a new conversion.
pub async fn conversions(State(app): State<ImpactApp>, request: Submission) -> Response {
    submit(app, Kind::Conversion, request).await
}

/// `PUT /Advertisers/{SID}/Actions`: a modification (`Amount` is the new total).
pub async fn modify(State(app): State<ImpactApp>, request: Submission) -> Response {
    submit(app, Kind::Modification, request).await
}

/// `DELETE /Advertisers/{SID}/Actions`: a reversal.
pub async fn reverse(State(app): State<ImpactApp>, request: Submission) -> Response {
    submit(app, Kind::Reversal, request).await
}

/// `GET /Advertisers/{SID}/APISubmissions/{id}`: what became of a queued request.
pub async fn submission(
    State(app): State<ImpactApp>,
    Path((sid, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    let json = wants_json(&headers);
    if let Err(answer) = authenticate(&app, &headers, &sid) {
        return answer;
    }
    let found = app.with_store(|s| s.record(&id).map(|r| r.submission(&sid)));
    match found {
        Some(body) => Answer {
            status: StatusCode::OK,
            body,
            json,
        },
        None => error(
            StatusCode::NOT_FOUND,
            &format!("APISubmission {id} not found"),
            vec![],
            json,
        ),
    }
}

/// `GET /Advertisers/{SID}/CompanyInformation`: the account's company profile, a harmless
/// authenticated read (what `clicktrail check` probes the credentials with).
pub async fn company_information(
    State(app): State<ImpactApp>,
    Path(sid): Path<String>,
    headers: HeaderMap,
) -> Answer {
    let json = wants_json(&headers);
    if let Err(answer) = authenticate(&app, &headers, &sid) {
        return answer;
    }
    Answer {
        status: StatusCode::OK,
        body: json!({
            "CompanyName": "clicktrail sandbox",
            "Currency": "USD",
            "Timezone": "UTC",
            "Uri": format!("/Advertisers/{sid}/CompanyInformation"),
        }),
        json,
    }
}

/// `GET /_sandbox/records`: every accepted request, in order.
pub async fn records(State(app): State<ImpactApp>) -> Json<Value> {
    Json(app.with_store(|s| json!(s.records.iter().map(|r| r.to_json()).collect::<Vec<_>>())))
}

/// `GET /_sandbox/actions`: the current actions.
pub async fn actions(State(app): State<ImpactApp>) -> Json<Value> {
    Json(app.with_store(|s| json!(s.actions.iter().map(|a| a.to_json()).collect::<Vec<_>>())))
}

/// `POST /_sandbox/faults`: queues a fault (JSON body, see [`super::faults`]).
pub async fn add_fault(State(app): State<ImpactApp>, body: Bytes) -> Response {
    let parsed = serde_json::from_slice::<FaultSpec>(&body).map_err(|e| e.to_string());
    match parsed.and_then(|fault| fault.check().map(|()| fault)) {
        Ok(fault) => {
            let mut store = app.lock();
            store.faults.push(fault);
            Json(json!({"pending": store.faults.pending()})).into_response()
        }
        Err(e) => (
            StatusCode::BAD_REQUEST,
            Json(json!({"Status": "ERROR", "Message": format!("Invalid fault: {e}. Expected {{\"kind\": \"unavailable|rate_limited|slow|drop|verdict|lost_answer\", \"count\": N, \"delay_ms\": D, \"reset_after_secs\": S, \"reason\": \"R\" (verdict only)}}")})),
        )
            .into_response(),
    }
}

/// `GET /_sandbox/faults`: the faults still queued.
pub async fn list_faults(State(app): State<ImpactApp>) -> Json<Value> {
    Json(json!({"pending": app.lock().faults.pending()}))
}

/// `DELETE /_sandbox/faults`: forgets the queued faults.
pub async fn clear_faults(State(app): State<ImpactApp>) -> Json<Value> {
    app.lock().faults.clear();
    Json(json!({"pending": []}))
}

/// `POST /_sandbox/reset`: forgets records, actions and faults.
pub async fn reset(State(app): State<ImpactApp>) -> Json<Value> {
    *app.lock() = ImpactStore::default();
    Json(json!({"reset": true}))
}

/// Any other path: 404 in impact's envelope.
pub async fn not_found(headers: HeaderMap) -> Answer {
    error(
        StatusCode::NOT_FOUND,
        "Resource not found",
        vec![],
        wants_json(&headers),
    )
}
