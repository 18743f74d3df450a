//! The bearer-token extractor every API handler uses to know who is asking (tokens are made and
//! hashed by `podpora_commands::accounts`).

use crate::error::ApiError;
use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use podpora_store::users;

/// The account behind a valid `Authorization: Bearer` token, as the actor of its commands.
pub struct ApiUser(pub podpora_commands::Actor);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let header = parts.headers.get(axum::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or("");
        let token = header.strip_prefix("Bearer ").or_else(|| header.strip_prefix("bearer ")).map(str::trim).filter(|t| !t.is_empty());
        let Some(token) = token else {
            return Err(ApiError::unauthorized("send an API token as 'Authorization: Bearer TOKEN'"));
        };
        match users::by_token_hash(&state.room.db, &podpora_commands::accounts::hash_token(token)).await? {
            Some(u) => Ok(ApiUser(podpora_commands::Actor::of(&state.room.db, u).await?)),
            None => Err(ApiError::unauthorized("the API token is unknown, expired or its account is disabled")),
        }
    }
}
