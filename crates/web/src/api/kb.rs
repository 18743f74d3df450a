//! The knowledge base over the API: articles (`/api/v1/articles`, DESIGN.md's contract) and
//! their categories (`/api/v1/kb/categories`).

use super::path_id;
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorResponses, JsonBody, QueryParams};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use podpora_commands::kb::{self, ArticleInput, ArticleView, CategoryInput};
use podpora_store::kb::{ArticleQuery, Category};
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::IntoParams;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ArticleParams {
    /// Only the articles of this category.
    category: Option<i64>,
    /// Only those in this language (`cs`, `en`, …).
    language: Option<String>,
}

/// Articles, drafts and internal ones included (without their bodies: read one for those).
#[utoipa::path(get, path = "/api/v1/articles", tag = "knowledge base", params(ArticleParams),
    responses((status = 200, description = "The articles", body = Value), ErrorResponses))]
pub async fn list_articles(
    State(state): State<AppState>,
    me: ApiUser,
    QueryParams(p): QueryParams<ArticleParams>,
) -> Result<Json<Value>, ApiError> {
    let q = ArticleQuery { category_id: p.category, language: p.language.as_deref().filter(|l| !l.is_empty()), ..Default::default() };
    let all = kb::list(&state.room, &me.0, &q).await?;
    let items: Vec<Value> = all
        .iter()
        .map(|a| {
            json!({
                "id": a.id, "title": a.draft_title, "category": a.category_id, "language": a.language,
                "status": if a.published.is_some() { "published" } else { "draft" },
                "unpublished_changes": a.published.is_some() && a.has_unpublished_changes(),
                "internal": a.internal, "pinned": a.pinned, "slug": a.slug,
                "url": (!a.internal).then(|| kb::url(&a.language, &a.slug)),
                "helpful": a.helpful, "unhelpful": a.unhelpful, "updated_at": a.updated_at,
            })
        })
        .collect();
    Ok(Json(json!({ "articles": items })))
}

/// Write an article (agents who may write to customers): `title` and `body_markdown` (Markdown),
/// optionally `category`, `language`, `status` (`draft` by default), `internal`, `pinned`,
/// `slug`, `translation_of` (the article it translates).
#[utoipa::path(post, path = "/api/v1/articles", tag = "knowledge base", request_body = ArticleInput,
    responses((status = 201, description = "The article", body = ArticleView), ErrorResponses))]
pub async fn create_article(
    State(state): State<AppState>,
    me: ApiUser,
    JsonBody(a): JsonBody<ArticleInput>,
) -> Result<(StatusCode, Json<ArticleView>), ApiError> {
    Ok((StatusCode::CREATED, Json(kb::create(&state.room, &me.0, &a).await?)))
}

#[utoipa::path(get, path = "/api/v1/articles/{id}", tag = "knowledge base", params(("id" = i64, Path)),
    responses((status = 200, description = "The article (its draft, and whether it is published)", body = ArticleView), ErrorResponses))]
pub async fn get_article(State(state): State<AppState>, me: ApiUser, Path(id): Path<String>) -> Result<Json<ArticleView>, ApiError> {
    Ok(Json(kb::get(&state.room, &me.0, path_id(&id, "article")?).await?))
}

/// Change an article: the fields given change. A published article's new text waits as a draft
/// until `status` is `published`; `draft` takes it off the help centre.
#[utoipa::path(patch, path = "/api/v1/articles/{id}", tag = "knowledge base", params(("id" = i64, Path)), request_body = ArticleInput,
    responses((status = 200, description = "The article", body = ArticleView), ErrorResponses))]
pub async fn patch_article(
    State(state): State<AppState>,
    me: ApiUser,
    Path(id): Path<String>,
    JsonBody(a): JsonBody<ArticleInput>,
) -> Result<Json<ArticleView>, ApiError> {
    Ok(Json(kb::update(&state.room, &me.0, path_id(&id, "article")?, &a).await?))
}

/// Remove an article with its history (admins).
#[utoipa::path(delete, path = "/api/v1/articles/{id}", tag = "knowledge base", params(("id" = i64, Path)),
    responses((status = 204, description = "Removed"), ErrorResponses))]
pub async fn delete_article(State(state): State<AppState>, me: ApiUser, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    kb::delete(&state.room, &me.0.admin()?, path_id(&id, "article")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An article's saved versions, newest first.
#[utoipa::path(get, path = "/api/v1/articles/{id}/versions", tag = "knowledge base", params(("id" = i64, Path)),
    responses((status = 200, description = "The versions", body = Value), ErrorResponses))]
pub async fn article_versions(State(state): State<AppState>, me: ApiUser, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let all = kb::versions(&state.room, &me.0, path_id(&id, "article")?).await?;
    Ok(Json(json!({ "versions": all })))
}

fn category_json(c: &Category) -> Value {
    json!({"id": c.id, "kind": c.kind, "position": c.position, "names": c.names})
}

/// Knowledge-base categories with their names per language.
#[utoipa::path(get, path = "/api/v1/kb/categories", tag = "knowledge base",
    responses((status = 200, description = "The categories", body = Value), ErrorResponses))]
pub async fn list_categories(State(state): State<AppState>, _me: ApiUser) -> Result<Json<Value>, ApiError> {
    let all = kb::categories(&state.room).await?;
    Ok(Json(json!({ "categories": all.iter().map(category_json).collect::<Vec<_>>() })))
}

/// Add a category (admins): `kind` (`articles` or `faq`), `position`, and `names`, each with
/// `language`, `name`, `description` and `slug` (made from the name when left out).
#[utoipa::path(post, path = "/api/v1/kb/categories", tag = "knowledge base", request_body = CategoryInput,
    responses((status = 201, description = "The category", body = Value), ErrorResponses))]
pub async fn create_category(
    State(state): State<AppState>,
    me: ApiUser,
    JsonBody(c): JsonBody<CategoryInput>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let k = kb::create_category(&state.room, &me.0.admin()?, &c).await?;
    Ok((StatusCode::CREATED, Json(category_json(&k))))
}

/// Change a category (admins).
#[utoipa::path(put, path = "/api/v1/kb/categories/{id}", tag = "knowledge base", params(("id" = i64, Path)), request_body = CategoryInput,
    responses((status = 200, description = "The category", body = Value), ErrorResponses))]
pub async fn update_category(
    State(state): State<AppState>,
    me: ApiUser,
    Path(id): Path<String>,
    JsonBody(c): JsonBody<CategoryInput>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(category_json(&kb::update_category(&state.room, &me.0.admin()?, path_id(&id, "category")?, &c).await?)))
}

/// Remove a category (admins); its articles stay, in none.
#[utoipa::path(delete, path = "/api/v1/kb/categories/{id}", tag = "knowledge base", params(("id" = i64, Path)),
    responses((status = 204, description = "Removed"), ErrorResponses))]
pub async fn delete_category(State(state): State<AppState>, me: ApiUser, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    kb::delete_category(&state.room, &me.0.admin()?, path_id(&id, "category")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The help centre's look: name, colour, whether it has a logo.
#[utoipa::path(get, path = "/api/v1/kb/brand", tag = "knowledge base",
    responses((status = 200, description = "The help centre's look", body = kb::Brand), ErrorResponses))]
pub async fn get_brand(State(state): State<AppState>, _me: ApiUser) -> Result<Json<kb::Brand>, ApiError> {
    Ok(Json(kb::brand(&state.room).await?))
}

/// Set the help centre's name and colour (admins). White text on the colour must read well.
#[utoipa::path(put, path = "/api/v1/kb/brand", tag = "knowledge base", request_body = kb::BrandInput,
    responses((status = 200, description = "The help centre's look", body = kb::Brand), ErrorResponses))]
pub async fn set_brand(
    State(state): State<AppState>,
    me: ApiUser,
    JsonBody(b): JsonBody<kb::BrandInput>,
) -> Result<Json<kb::Brand>, ApiError> {
    Ok(Json(kb::set_brand(&state.room, &me.0.admin()?, &b).await?))
}
