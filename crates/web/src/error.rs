//! API errors: JSON `{"error":{"code":"…","message":"…"}}` with a stable code and a fitting status.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into() }
    }
    pub fn unauthorized(m: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", m)
    }
    pub fn forbidden(m: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", m)
    }
    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", format!("{what} not found"))
    }
    pub fn invalid(m: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", m)
    }
}

/// The one error shape of the API.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable, for programs: `bad_request`, `unauthorized`, `forbidden`, `not_found`, `conflict`,
    /// `collision`, `invalid`, `storage_unavailable`, `temporary_failure`, …
    pub code: String,
    /// For a person.
    pub message: String,
}

/// The errors every API operation may answer, for the document.
#[allow(dead_code)] // (only its derive is used: the document's responses)
#[derive(utoipa::IntoResponses)]
pub enum ErrorResponses {
    #[response(status = 400, description = "Malformed request (not JSON, a field of the wrong type)")]
    BadRequest(ErrorBody),
    #[response(status = 401, description = "Missing, unknown or expired token")]
    Unauthorized(ErrorBody),
    #[response(status = 403, description = "Not allowed for this account")]
    Forbidden(ErrorBody),
    #[response(status = 404, description = "Not found, or outside the caller's rights")]
    NotFound(ErrorBody),
    #[response(status = 409, description = "The ticket's state does not allow it")]
    Conflict(ErrorBody),
    #[response(status = 422, description = "A value breaks a rule")]
    Invalid(ErrorBody),
    #[response(status = 503, description = "Storage unavailable or a temporary failure; try again")]
    Unavailable(ErrorBody),
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody { error: ErrorDetail { code: self.code.to_string(), message: self.message } };
        (self.status, Json(body)).into_response()
    }
}

impl From<podpora_store::StoreError> for ApiError {
    fn from(e: podpora_store::StoreError) -> Self {
        match e {
            podpora_store::StoreError::NotFound => ApiError::not_found("object"),
            podpora_store::StoreError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, "conflict", m),
            other => {
                tracing::error!(error = %other, "storage error in API");
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "storage_unavailable", "the database is not available right now; try again")
            }
        }
    }
}

impl From<podpora_mail::MailError> for ApiError {
    fn from(e: podpora_mail::MailError) -> Self {
        match e {
            podpora_mail::MailError::Store(s) => s.into(),
            podpora_mail::MailError::Rejected(m) => ApiError::invalid(m),
            podpora_mail::MailError::Temporary(m) => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "temporary_failure", m),
        }
    }
}

impl From<podpora_commands::CommandError> for ApiError {
    fn from(e: podpora_commands::CommandError) -> Self {
        use podpora_commands::CommandError as C;
        match e {
            C::NotFound(thing) => ApiError::not_found(thing.as_str()),
            C::Forbidden(r) => ApiError::forbidden(r.to_string()),
            C::Invalid(r) => ApiError::invalid(r.to_string()),
            C::Conflict(r) => ApiError::new(StatusCode::CONFLICT, "conflict", r.to_string()),
            e @ C::Collision { .. } => ApiError::new(StatusCode::CONFLICT, "collision", e.to_string()),
            C::Storage(s) => s.into(),
            C::Temporary(m) => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "temporary_failure", m),
        }
    }
}

impl From<podpora_domain::DomainError> for ApiError {
    fn from(e: podpora_domain::DomainError) -> Self {
        ApiError::invalid(e.to_string())
    }
}

/// JSON body extractor whose rejections are API errors too.
pub struct JsonBody<T>(pub T);

impl<S, T> axum::extract::FromRequest<S> for JsonBody<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;
    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(JsonBody(v)),
            Err(rej) => Err(ApiError::new(StatusCode::BAD_REQUEST, "bad_request", rej.body_text())),
        }
    }
}

/// Query-string extractor whose rejections are API errors too (a value of the wrong type says which).
pub struct QueryParams<T>(pub T);

impl<S, T> axum::extract::FromRequestParts<S> for QueryParams<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(QueryParams(v)),
            Err(rej) => Err(ApiError::invalid(rej.body_text())),
        }
    }
}
