//! Posted UI forms. Every state-changing UI request goes through `CsrfForm` (urlencoded) or
//! `CsrfMultipart` (with files): the session's CSRF token is checked before the form is parsed
//! into its typed struct, so no handler can forget it. Repeated keys (checkbox lists) become
//! `Vec` fields (serde_html_form, as axum-extra's `Form` does).

use super::session::Agent;
use super::{page_error, UiError};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Multipart, Request};
use axum::response::Response;
use podpora_commands::messages::Upload;
use serde::de::DeserializeOwned;
use serde::Deserialize;

/// The CSRF token every posted form carries.
#[derive(Deserialize)]
struct Token {
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

/// A form whose only field is its CSRF token (a button: delete, log out, test, reprocess).
#[derive(Debug, Deserialize)]
pub struct NoFields {}

/// A urlencoded form whose CSRF token matched the session's, with the agent who sent it.
pub struct CsrfForm<T>(pub Agent, pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let agent = Agent::from_request_parts(&mut parts, state).await?;
        let lang = agent.lang;
        let bytes = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|e| page_error(lang, UiError::Invalid(e.body_text())))?;
        let value = checked(&agent, &bytes).map_err(|e| page_error(lang, e))?;
        Ok(CsrfForm(agent, value))
    }
}

/// Checks the token, then parses the form.
fn checked<T: DeserializeOwned>(agent: &Agent, body: &[u8]) -> Result<T, UiError> {
    let token: Token = serde_html_form::from_bytes(body).map_err(|e| UiError::Invalid(e.to_string()))?;
    agent.check_csrf(&token.csrf)?;
    serde_html_form::from_bytes(body).map_err(|e| UiError::Invalid(e.to_string()))
}

/// A multipart form (text fields parsed into `T`, files as uploads) whose CSRF token matched.
pub struct CsrfMultipart<T>(pub Agent, pub T, pub Vec<Upload>);

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfMultipart<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let agent = Agent::from_request_parts(&mut parts, state).await?;
        let lang = agent.lang;
        let fail = |e: UiError| page_error(lang, e);
        let mut form =
            Multipart::from_request(Request::from_parts(parts, body), state).await.map_err(|e| fail(UiError::Invalid(e.body_text())))?;
        let (mut fields, mut uploads) = (Vec::new(), Vec::new());
        while let Some(f) = form.next_field().await.map_err(|e| fail(UiError::Invalid(e.body_text())))? {
            let name = f.name().unwrap_or_default().to_string();
            match f.file_name().map(str::to_string) {
                Some(filename) => {
                    let content_type = f.content_type().map(str::to_string);
                    let bytes = f.bytes().await.map_err(|e| fail(UiError::Invalid(e.body_text())))?;
                    // An empty file input (no file chosen) sends a part without name and bytes.
                    if !(filename.is_empty() && bytes.is_empty()) {
                        uploads.push(Upload { filename, content_type, bytes: bytes.to_vec() });
                    }
                }
                None => fields.push((name, f.text().await.map_err(|e| fail(UiError::Invalid(e.body_text())))?)),
            }
        }
        let encoded = serde_html_form::to_string(&fields).map_err(|e| fail(UiError::Invalid(e.to_string())))?;
        let value = checked(&agent, encoded.as_bytes()).map_err(fail)?;
        Ok(CsrfMultipart(agent, value, uploads))
    }
}
