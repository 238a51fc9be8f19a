//! What every Stripe API request carries, extracted once: the authenticated caller, the API
//! version (and so the shape to render), the request id, the `Idempotency-Key`, and the decoded
//! parameters (the form body of a `POST`, the query string otherwise).

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::Method;

use super::StripeApp;
use super::auth::{Access, Caller, Resource};
use super::error::ApiError;
use super::form::Params;
use super::list::Page;
use super::render::{self, Shape};
use crate::ids;

/// One request's context.
#[derive(Debug)]
pub struct Ctx {
    /// Who is calling.
    pub caller: Caller,
    /// The API version in force (`Stripe-Version`, else the account default).
    pub version: String,
    /// The shape of that version.
    pub shape: Shape,
    /// `req_...`, echoed in `Request-Id` and in events' `request.id`.
    pub request_id: String,
    /// `Idempotency-Key`, if sent.
    pub idempotency_key: Option<String>,
    /// The decoded parameters.
    pub params: Params,
    account: String,
}

impl Ctx {
    /// Allows the request for this resource and access, or answers 403.
    pub fn require(&self, resource: Resource, access: Access) -> Result<(), ApiError> {
        self.caller.require(resource, access, &self.account)
    }

    /// The event metadata for changes made by this request.
    pub fn origin(&self) -> Origin {
        Origin {
            request_id: Some(self.request_id.clone()),
            idempotency_key: self.idempotency_key.clone(),
        }
    }

    /// `expand[]`, if any.
    pub fn expand(&self) -> Result<Vec<String>, ApiError> {
        Ok(self.params.strings("expand")?.unwrap_or_default())
    }

    /// The first steps of every list endpoint: the key may read `resource`, the request names
    /// only `filters` and the pagination parameters (`limit`, `starting_after`, `ending_before`),
    /// and the page it asks for.
    pub fn list_page(&self, resource: Resource, filters: &[&str]) -> Result<Page, ApiError> {
        self.require(resource, Access::Read)?;
        let allowed: Vec<&str> = filters.iter().copied().chain(Page::PARAMS).collect();
        self.params.allow(&allowed)?;
        Page::from_params(&self.params)
    }
}

/// Which request (if any) caused a change; copied into the events it emits.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    /// `request.id`
    pub request_id: Option<String>,
    /// `request.idempotency_key`
    pub idempotency_key: Option<String>,
}

/// The request id the idempotency layer assigned (kept in request extensions).
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

impl FromRequest<StripeApp> for Ctx {
    type Rejection = ApiError;

    async fn from_request(request: Request, app: &StripeApp) -> Result<Self, ApiError> {
        let headers = request.headers();
        let authorization = headers.get("authorization").and_then(|v| v.to_str().ok());
        let caller = app.keys().authenticate(authorization)?;
        let version = match headers
            .get("stripe-version")
            .map(|v| v.to_str().unwrap_or(""))
        {
            Some(v) if render::is_valid_version(v) => v.to_owned(),
            Some(v) => {
                return Err(ApiError::invalid_request(
                    format!("Invalid Stripe API version: {v}"),
                    None,
                ));
            }
            None => app.config().default_api_version.clone(),
        };
        let idempotency_key = headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map_or_else(|| ids::random_id("req_", 14), |r| r.0.clone());
        let query = request.uri().query().unwrap_or("").to_owned();
        let method = request.method().clone();
        let params = if method == Method::POST {
            let body = Bytes::from_request(request, &()).await.map_err(|e| {
                ApiError::invalid_request(format!("Could not read the request body: {e}"), None)
            })?;
            Params::parse(&body)?
        } else {
            Params::parse(query.as_bytes())?
        };
        Ok(Self {
            caller,
            shape: Shape::of(&version),
            version,
            request_id,
            idempotency_key,
            params,
            account: app.config().account_id.clone(),
        })
    }
}
