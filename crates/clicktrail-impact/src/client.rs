//! The HTTP client: Basic auth, form bodies, bounded reads, no redirects.
//!
//! This is the only file of the crate that does I/O. Every answer is handed to the pure
//! [`classify`](crate::classify), so the client adds nothing but transport failures.

use std::fmt;
use std::time::{Duration, SystemTime};

use clicktrail_http::error_chain as chain;
use reqwest::header::{ACCEPT, HeaderValue};
use reqwest::{Method as HttpMethod, RequestBuilder, Response};

use crate::config::{validate_account_sid, validate_api_base};
use crate::outcome::{classify, excerpt};
use crate::{
    AuthToken, Error, ImpactConfig, ImpactRequest, Method, Outcome, Submission,
    parse_error_envelope, parse_submission, submission_id,
};

/// The most of an answer's body read into memory, in bytes. impact.com's answers are a few hundred
/// bytes; the rest of a larger body is left unread.
pub const MAX_BODY: usize = 64 * 1024;

const USER_AGENT: &str = concat!("clicktrail-impact/", env!("CARGO_PKG_VERSION"));

/// A client for impact.com's Advertiser API.
///
/// It authenticates with HTTP Basic (Account SID and Auth Token), sends form bodies with
/// `Accept: application/json`, never follows a redirect, and refuses at construction a plain
/// `http://` base that is not loopback. Cloning is cheap and shares the connection pool.
///
/// ```no_run
/// use clicktrail_impact::{AuthToken, ImpactClient, ImpactConfig, Outcome, Reversal};
///
/// # async fn run() -> Result<(), clicktrail_impact::Error> {
/// let client = ImpactClient::new(ImpactConfig::new("IRabc123", AuthToken::new("token")))?;
/// let reversal = Reversal::new("2000", "in_1Abc", "ITEM_RETURNED")?;
/// match client.send(&reversal.into()).await {
///     Outcome::Queued { queued_uri, .. } => println!("queued as {queued_uri:?}"),
///     Outcome::RateLimited { reset_at, .. } => println!("try again at {reset_at:?}"),
///     Outcome::Transient { reason, .. } => println!("try again later: {reason}"),
///     Outcome::Rejected { message, errors, .. } => println!("refused: {message} {errors:?}"),
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct ImpactClient {
    http: reqwest::Client,
    /// The validated base, without a trailing `/`.
    api_base: String,
    account_sid: String,
    auth_token: AuthToken,
    connect_timeout: Duration,
    timeout: Duration,
}

impl fmt::Debug for ImpactClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImpactClient")
            .field("api_base", &self.api_base)
            .field("account_sid", &self.account_sid)
            .field("auth_token", &self.auth_token)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// The result of [`ImpactClient::probe`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    /// The credentials work.
    Ok,
    /// 401: the Account SID or the Auth Token is wrong.
    Unauthorized,
    /// 403: the credentials are valid, but the token may not read company information (tokens
    /// with per-endpoint scopes answer this way).
    Forbidden,
    /// Anything else: the API could not be reached, or answered unexpectedly.
    Failed {
        /// The HTTP status, when an answer arrived.
        status: Option<u16>,
        /// What happened, safe to print.
        reason: String,
    },
}

impl ImpactClient {
    /// Builds a client. Fails on an Account SID that is not ASCII letters and digits, an empty
    /// token, or an unusable `api_base` (see [`validate_api_base`](crate::validate_api_base)).
    pub fn new(config: ImpactConfig) -> Result<Self, Error> {
        validate_account_sid(&config.account_sid)?;
        if config.auth_token.expose_secret().is_empty() {
            return Err(Error::EmptyAuthToken);
        }
        let api_base = validate_api_base(&config.api_base)?;
        let http = clicktrail_http::client(
            &api_base,
            config.connect_timeout,
            config.timeout,
            USER_AGENT,
        )
        .map_err(|e| Error::Client(chain(&e)))?;
        Ok(Self {
            http,
            api_base,
            account_sid: config.account_sid,
            auth_token: config.auth_token,
            connect_timeout: config.connect_timeout,
            timeout: config.timeout,
        })
    }

    /// The Account SID.
    pub fn account_sid(&self) -> &str {
        &self.account_sid
    }

    /// The API base in use, without a trailing `/`.
    pub fn api_base(&self) -> &str {
        &self.api_base
    }

    /// The full URL a request goes to.
    pub fn url(&self, request: &ImpactRequest) -> String {
        format!("{}{}", self.api_base, request.path(&self.account_sid))
    }

    /// Sends a request and classifies the answer. Never fails: transport problems are
    /// [`Outcome::Transient`].
    pub async fn send(&self, request: &ImpactRequest) -> Outcome {
        let method = match request.method() {
            Method::Post => HttpMethod::POST,
            Method::Put => HttpMethod::PUT,
            Method::Delete => HttpMethod::DELETE,
        };
        let builder = self
            .request(method, &request.path(&self.account_sid))
            .form(&request.params());
        let response = match builder.send().await {
            Ok(response) => response,
            Err(e) => {
                return Outcome::Transient {
                    status: None,
                    reason: self.transport_reason(&e),
                };
            }
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        match read_body(response).await {
            Ok(body) => classify(status, &headers, &body, SystemTime::now()),
            Err(e) => Outcome::Transient {
                status: Some(status),
                reason: format!(
                    "the answer's body could not be read: {}",
                    self.transport_reason(&e)
                ),
            },
        }
    }

    /// Reads an API submission, by its `QueuedUri` or batch id.
    pub async fn get_submission(&self, queued_uri_or_id: &str) -> Result<Submission, Error> {
        let id = submission_id(queued_uri_or_id)?;
        let path = format!("/Advertisers/{}/APISubmissions/{id}", self.account_sid);
        let (status, body) = self.get(&path).await?;
        if !(200..300).contains(&status) {
            let message = parse_error_envelope(&body)
                .and_then(|e| e.message)
                .unwrap_or_else(|| excerpt(&body));
            return Err(Error::Http {
                status: Some(status),
                message,
            });
        }
        parse_submission(&body)
    }

    /// Checks the credentials with one harmless authenticated read:
    /// `GET /Advertisers/{SID}/CompanyInformation`, which every brand account has and which
    /// changes nothing.
    pub async fn probe(&self) -> Probe {
        let path = format!("/Advertisers/{}/CompanyInformation", self.account_sid);
        match self.get(&path).await {
            Ok((200..=299, _)) => Probe::Ok,
            Ok((401, _)) => Probe::Unauthorized,
            Ok((403, _)) => Probe::Forbidden,
            Ok((status, body)) => {
                let detail = parse_error_envelope(&body)
                    .and_then(|e| e.message)
                    .unwrap_or_else(|| excerpt(&body));
                let reason = match detail.trim() {
                    "" => format!("HTTP {status}"),
                    detail => format!("HTTP {status}: {detail}"),
                };
                Probe::Failed {
                    status: Some(status),
                    reason,
                }
            }
            Err(Error::Http { status, message }) => Probe::Failed {
                status,
                reason: message,
            },
            Err(other) => Probe::Failed {
                status: None,
                reason: other.to_string(),
            },
        }
    }

    fn request(&self, method: HttpMethod, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.api_base))
            .basic_auth(&self.account_sid, Some(self.auth_token.expose_secret()))
            .header(ACCEPT, HeaderValue::from_static("application/json"))
    }

    async fn get(&self, path: &str) -> Result<(u16, Vec<u8>), Error> {
        let transport = |e: reqwest::Error| Error::Http {
            status: None,
            message: self.transport_reason(&e),
        };
        let response = self
            .request(HttpMethod::GET, path)
            .send()
            .await
            .map_err(transport)?;
        let status = response.status().as_u16();
        let body = read_body(response).await.map_err(transport)?;
        Ok((status, body))
    }

    fn transport_reason(&self, e: &reqwest::Error) -> String {
        if e.is_timeout() {
            format!(
                "timed out (connect {:?}, total {:?})",
                self.connect_timeout, self.timeout
            )
        } else if e.is_connect() {
            format!("could not connect: {}", chain(e))
        } else {
            chain(e)
        }
    }
}

/// Reads at most [`MAX_BODY`] bytes of the body (outcomes keep an excerpt of it anyway).
async fn read_body(response: Response) -> Result<Vec<u8>, reqwest::Error> {
    Ok(clicktrail_http::read_limited(response, MAX_BODY)
        .await?
        .bytes)
}
