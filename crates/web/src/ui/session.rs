//! Browser sessions and CSRF. The session cookie is a random token (HttpOnly, SameSite=Lax,
//! Secure when the public URL is https); the database keeps only its SHA-256. Every state-changing
//! form carries the session's CSRF token, compared in constant time; a request without it is refused.

use super::{page_error, UiError};
use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use podpora_commands::accounts::{hash_password, hash_token, verify_password};
use podpora_commands::Actor;
use podpora_domain::{Access, EmailAddress, Lang};
use podpora_store::sessions;
use podpora_store::users::{self, User};
use rand::RngCore;
use subtle::ConstantTimeEq;

pub const COOKIE: &str = "podpora_session";
const TTL_MS: i64 = 12 * 3_600_000;
/// Failed logins allowed per address and per client address in `WINDOW_MS`.
const MAX_FAILURES_PER_EMAIL: i64 = 5;
const MAX_FAILURES_PER_IP: i64 = 30;
const WINDOW_MS: i64 = 15 * 60_000;

/// The logged-in agent of a UI request, with their rights and the session's CSRF token.
#[derive(Clone)]
pub struct Agent {
    /// Who acts in the commands this request calls.
    pub actor: Actor,
    pub csrf: String,
    pub lang: Lang,
    session_hash: String,
}

impl Agent {
    pub fn user(&self) -> &User {
        self.actor.user()
    }

    pub fn access(&self) -> &Access {
        self.actor.access()
    }

    pub fn t(&self, key: &str) -> String {
        podpora_domain::i18n::t(self.lang, key)
    }

    /// Refuses a state-changing request whose token does not match this session's.
    pub fn check_csrf(&self, sent: &str) -> Result<(), UiError> {
        if !sent.is_empty() && bool::from(sent.as_bytes().ct_eq(self.csrf.as_bytes())) {
            Ok(())
        } else {
            Err(UiError::Csrf)
        }
    }

    pub fn session_hash(&self) -> &str {
        &self.session_hash
    }
}

pub(crate) fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|kv| {
        let (k, v) = kv.trim().split_once('=')?;
        (k == name).then(|| v.to_string())
    })
}

/// The request carries a session cookie (which may still be stale: `Agent` checks it).
pub fn has_session(headers: &axum::http::HeaderMap) -> bool {
    cookie_value(headers, COOKIE).is_some()
}

impl FromRequestParts<AppState> for Agent {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        // (Only for the error pages of a request without a session: the browser's, no lookup.)
        let lang = super::browser_lang(&parts.headers).unwrap_or(Lang::En);
        let to_login = || {
            let next = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
            let next =
                if parts.method == axum::http::Method::GET && next.starts_with('/') && !next.starts_with("//") { next } else { "/inbox" };
            Redirect::to(&format!("/login?next={}", percent_encoding::utf8_percent_encode(next, percent_encoding::NON_ALPHANUMERIC)))
                .into_response()
        };
        let Some(token) = cookie_value(&parts.headers, COOKIE) else { return Err(to_login()) };
        let hash = hash_token(&token);
        let session = match sessions::get(&state.room.db, &hash).await {
            Ok(Some(s)) => s,
            Ok(None) => return Err(to_login()),
            Err(e) => return Err(page_error(lang, UiError::Store(e))),
        };
        // Sliding expiry, written at most every ten minutes of activity.
        let now = podpora_store::now_ms();
        if session.expires_at - now < TTL_MS - 600_000 {
            let _ = sessions::extend(&state.room.db, &hash, now + TTL_MS).await;
        }
        let lang = session.user.language;
        let actor = Actor::of(&state.room.db, session.user).await.map_err(|e| page_error(lang, e.into()))?;
        Ok(Agent { actor, csrf: session.csrf, lang, session_hash: hash })
    }
}

fn session_cookie(state: &AppState, value: &str, max_age_s: i64) -> HeaderValue {
    let secure = if state.room.public_url.starts_with("https://") { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_s}{secure}"))
        .unwrap_or(HeaderValue::from_static(""))
}

pub enum LoginOutcome {
    LoggedIn(Response),
    Failed(&'static str),
}

/// Checks a login, throttled per address and per client, and starts a session.
pub async fn login(state: &AppState, email: &str, password: &str, client: &str, next: &str) -> Result<LoginOutcome, UiError> {
    let db = &state.room.db;
    let since = podpora_store::now_ms() - WINDOW_MS;
    let email_key = format!("e:{}", email.trim().to_lowercase());
    let ip_key = format!("ip:{client}");
    if sessions::login_failures_since(db, &email_key, since).await? >= MAX_FAILURES_PER_EMAIL
        || sessions::login_failures_since(db, &ip_key, since).await? >= MAX_FAILURES_PER_IP
    {
        return Ok(LoginOutcome::Failed("login-throttled"));
    }
    let user = match EmailAddress::parse(email) {
        Ok(e) => users::find_by_email(db, &e).await?,
        Err(_) => None,
    };
    let hash = match &user {
        Some(u) => Some(users::password_hash(db, u.id).await?),
        None => None,
    };
    // Verify against a dummy hash for unknown accounts too, so timing does not reveal them.
    let ok = tokio::task::spawn_blocking({
        let (password, hash) = (password.to_string(), hash.clone().unwrap_or_else(dummy_hash));
        move || verify_password(&password, &hash)
    })
    .await
    .unwrap_or(false);
    let user = match user {
        Some(u) if ok && hash.is_some() => u,
        _ => {
            sessions::record_login_failure(db, &[&email_key, &ip_key]).await?;
            return Ok(LoginOutcome::Failed("login-failed"));
        }
    };
    if user.disabled {
        return Ok(LoginOutcome::Failed("login-disabled"));
    }
    sessions::clear_login_failures(db, &email_key).await?;
    let token = random_token();
    sessions::create(db, &hash_token(&token), user.id, &random_token(), TTL_MS).await?;
    let next = if next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/\\") { next } else { "/inbox" };
    let mut r = Redirect::to(next).into_response();
    r.headers_mut().insert(header::SET_COOKIE, session_cookie(state, &token, TTL_MS / 1000));
    Ok(LoginOutcome::LoggedIn(r))
}

pub async fn logout(state: &AppState, agent: &Agent) -> Result<Response, UiError> {
    sessions::delete(&state.room.db, &agent.session_hash).await?;
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut().insert(header::SET_COOKIE, session_cookie(state, "", 0));
    Ok(r)
}

/// A real argon2id hash of a random password nobody knows (for constant-time failures).
fn dummy_hash() -> String {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| hash_password(&random_token()).unwrap_or_default()).clone()
}
