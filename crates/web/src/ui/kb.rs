//! The knowledge base for agents: every article (drafts and internal ones too) by category, the
//! editor (Markdown beside its live preview, an image added with a save, draft / publish / take
//! off), an article's history with restore, translations; admins also keep the categories.

use super::forms::{CsrfForm, CsrfMultipart, NoFields};
use super::session::Agent;
use super::{csrf_field, exact_time, layout, UiError};
use crate::ui_try;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{html, Markup, PreEscaped};
use podpora_commands::kb::{self, ArticleInput, ArticleView, CategoryInput, CategoryNameInput};
use podpora_commands::messages::Upload;
use podpora_domain::i18n::{t, t_args, Arg};
use podpora_domain::Lang;
use podpora_store::kb::{ArticleQuery, Category};
use serde::Deserialize;

fn category_name(lang: Lang, c: &Category) -> String {
    c.in_language(lang.code()).or(c.names.first()).map(|n| n.name.clone()).unwrap_or_else(|| format!("#{}", c.id))
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    language: String,
    ok: Option<String>,
}

pub async fn list(State(state): State<AppState>, agent: Agent, Query(q): Query<ListQuery>) -> Response {
    render_list(&state, &agent, &q, None).await
}

async fn render_list(state: &AppState, agent: &Agent, q: &ListQuery, refused: Option<(Option<i64>, String)>) -> Response {
    let lang = agent.lang;
    let filter = Lang::from_code(&q.language).map(|l| l.code());
    let articles = ui_try!(lang, kb::list(&state.room, &agent.actor, &ArticleQuery { language: filter, ..Default::default() }).await);
    let categories = ui_try!(lang, kb::categories(&state.room).await);
    let brand = ui_try!(lang, kb::brand(&state.room).await);
    let writer = agent.access().can_reply();
    let admin = agent.access().is_admin();
    let groups: Vec<(Option<&Category>, String)> =
        categories.iter().map(|c| (Some(c), category_name(lang, c))).chain(std::iter::once((None, t(lang, "kb-no-category")))).collect();
    let content = html! {
        h1 { (t(lang, "kb-title")) }
        @if let Some(n) = super::notice(lang, q.ok.as_deref()) { p.notice role="status" { (n) } }
        p.actions {
            @if writer { a.button href="/kb/new" { (t(lang, "kb-new")) } " " }
            a href="/help" { (t(lang, "kb-open-help")) }
        }
        form.search method="get" action="/kb" {
            label { (t(lang, "kb-language")) " "
                select name="language" {
                    option value="" { "—" }
                    @for l in Lang::ALL { option value=(l.code()) selected[filter == Some(l.code())] { (l.native_name()) } }
                }
            }
            button type="submit" { (t(lang, "kb-filter")) }
        }
        @for (c, name) in &groups {
            @let items: Vec<_> = articles.iter().filter(|a| a.category_id == c.map(|c| c.id)).collect();
            @if !items.is_empty() {
                h2 { (name) @if c.is_some_and(|c| c.kind == "faq") { " " span.hint { "FAQ" } } }
                table.kb {
                    thead { tr { th { (t(lang, "kb-article")) } th { (t(lang, "kb-language")) } th { (t(lang, "kb-status")) } th { (t(lang, "kb-votes")) } th { (t(lang, "kb-updated")) } } }
                    tbody {
                        @for a in items {
                            tr {
                                td { a href={ "/kb/" (a.id) } { (a.draft_title) } @if a.pinned { " ★" } }
                                td { (a.language) }
                                td {
                                    @if a.published.is_none() { (t(lang, "kb-status-draft")) }
                                    @else if a.has_unpublished_changes() { (t(lang, "kb-status-changed")) }
                                    @else { (t(lang, "kb-status-published")) }
                                    @if a.internal { " · " (t(lang, "kb-internal")) }
                                }
                                td { "👍 " (a.helpful) " · 👎 " (a.unhelpful) }
                                td title=(exact_time(agent, a.updated_at)) { (super::ago(lang, a.updated_at)) }
                            }
                        }
                    }
                }
            }
        }
        @if articles.is_empty() { p { (t(lang, "help-empty")) } }
        @if admin {
            (categories_form(agent, &categories, refused.as_ref()))
            h2 { (t(lang, "kb-brand")) }
            form.settings method="post" action="/kb/brand" enctype="multipart/form-data" {
                (csrf_field(agent))
                @if let Some((Some(BRAND_FORM), why)) = &refused { p.error role="alert" { (why) } }
                label { (t(lang, "kb-brand-name")) " " input type="text" name="name" value=(brand.name) maxlength="200" placeholder=(t(lang, "help-title")); }
                label { (t(lang, "kb-brand-colour")) " " input type="color" name="colour" value=(brand.colour); }
                label { (t(lang, "kb-brand-logo")) " " input type="file" name="logo" accept="image/png,image/jpeg,image/gif,image/webp"; }
                @if brand.logo {
                    p { img src="/help/logo" alt=(t(lang, "kb-brand-logo")) height="32"; }
                    label { input type="checkbox" name="remove_logo"; " " (t(lang, "kb-brand-remove-logo")) }
                }
                div.actions { button type="submit" { (t(lang, "admin-agent-save")) } }
            }
        }
    };
    let r = layout(agent, &t(lang, "kb-title"), "kb", content);
    if refused.is_some() {
        (StatusCode::UNPROCESSABLE_ENTITY, r).into_response()
    } else {
        r
    }
}

/// The categories (admins): each one's kind, position and name, description and slug per
/// language; a form to add one.
fn categories_form(agent: &Agent, categories: &[Category], refused: Option<&(Option<i64>, String)>) -> Markup {
    let lang = agent.lang;
    let one = |c: Option<&Category>| {
        let id = c.map(|c| c.id);
        let action = match id {
            Some(id) => format!("/kb/categories/{id}"),
            None => "/kb/categories".into(),
        };
        html! {
            form.settings method="post" action=(action) {
                (csrf_field(agent))
                @if let Some((at, why)) = refused { @if *at == id { p.error role="alert" { (why) } } }
                label { (t(lang, "kb-category-kind")) " "
                    select name="kind" {
                        option value="articles" selected[c.is_some_and(|c| c.kind == "articles")] { (t(lang, "kb-kind-articles")) }
                        option value="faq" selected[c.is_some_and(|c| c.kind == "faq")] { "FAQ" }
                    }
                }
                label { (t(lang, "kb-position")) " " input type="number" name="position" value=(c.map(|c| c.position).unwrap_or(0)); }
                table {
                    thead { tr { th { (t(lang, "kb-language")) } th { (t(lang, "admin-organisation-name")) } th { (t(lang, "kb-description")) } th { (t(lang, "kb-slug")) } } }
                    tbody {
                        @for l in Lang::ALL {
                            @let n = c.and_then(|c| c.in_language(l.code()));
                            tr {
                                td { (l.native_name()) input type="hidden" name="language" value=(l.code()); }
                                td { input type="text" name="name" aria-label={ (t(lang, "admin-organisation-name")) " " (l.code()) } value=(n.map(|n| n.name.as_str()).unwrap_or("")) maxlength="200"; }
                                td { input type="text" name="description" aria-label={ (t(lang, "kb-description")) " " (l.code()) } value=(n.map(|n| n.description.as_str()).unwrap_or("")); }
                                td { input type="text" name="slug" aria-label={ (t(lang, "kb-slug")) " " (l.code()) } value=(n.map(|n| n.slug.as_str()).unwrap_or("")); }
                            }
                        }
                    }
                }
                div.actions { button type="submit" { (t(lang, if c.is_some() { "admin-agent-save" } else { "kb-category-add" })) } }
            }
            @if let Some(id) = id {
                form.inline method="post" action={ "/kb/categories/" (id) "/delete" } {
                    (csrf_field(agent))
                    button.link type="submit" { (t(lang, "kb-category-delete")) }
                }
            }
        }
    };
    html! {
        h2 { (t(lang, "kb-categories")) }
        @for c in categories { h3 { (category_name(lang, c)) } (one(Some(c))) }
        h3 { (t(lang, "kb-category-add")) }
        (one(None))
    }
}

/// The category form as posted: the per-language columns come as repeated keys, in order.
#[derive(Debug, Deserialize)]
pub struct CategoryForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    position: String,
    #[serde(default)]
    language: Vec<String>,
    #[serde(default)]
    name: Vec<String>,
    #[serde(default)]
    description: Vec<String>,
    #[serde(default)]
    slug: Vec<String>,
}

impl CategoryForm {
    fn input(&self) -> CategoryInput {
        let at = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
        CategoryInput {
            kind: self.kind.clone(),
            position: self.position.trim().parse().unwrap_or(0),
            names: (0..self.language.len())
                .map(|i| CategoryNameInput {
                    language: at(&self.language, i),
                    name: at(&self.name, i),
                    description: at(&self.description, i),
                    slug: at(&self.slug, i),
                })
                .collect(),
        }
    }
}

pub async fn add_category(State(state): State<AppState>, CsrfForm(agent, f): CsrfForm<CategoryForm>) -> Response {
    save_category(&state, &agent, None, f).await
}

pub async fn change_category(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm(agent, f): CsrfForm<CategoryForm>,
) -> Response {
    let id: i64 = ui_try!(agent.lang, id.parse().map_err(|_| UiError::NotFound));
    save_category(&state, &agent, Some(id), f).await
}

async fn save_category(state: &AppState, agent: &Agent, id: Option<i64>, f: CategoryForm) -> Response {
    let lang = agent.lang;
    let admin = ui_try!(lang, super::admin::admin_of(agent));
    let saved = match id {
        Some(id) => kb::update_category(&state.room, &admin, id, &f.input()).await,
        None => kb::create_category(&state.room, &admin, &f.input()).await,
    };
    match saved {
        Ok(_) => Redirect::to("/kb?ok=saved").into_response(),
        Err(podpora_commands::CommandError::Invalid(r) | podpora_commands::CommandError::Conflict(r)) => {
            render_list(state, agent, &ListQuery::default(), Some((id, r.text(lang)))).await
        }
        Err(e) => super::page_error(lang, e.into()),
    }
}

pub async fn delete_category(State(state): State<AppState>, Path(id): Path<String>, CsrfForm(agent, _): CsrfForm<NoFields>) -> Response {
    let lang = agent.lang;
    let id: i64 = ui_try!(lang, id.parse().map_err(|_| UiError::NotFound));
    let admin = ui_try!(lang, super::admin::admin_of(&agent));
    ui_try!(lang, kb::delete_category(&state.room, &admin, id).await);
    Redirect::to("/kb?ok=saved").into_response()
}

/// Where a refusal of the look's form is shown (no category has this id).
const BRAND_FORM: i64 = -1;

#[derive(Debug, Deserialize)]
pub struct BrandForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    colour: String,
    remove_logo: Option<String>,
}

/// The help centre's look (admins): name and colour, and a logo uploaded or removed.
pub async fn brand(State(state): State<AppState>, CsrfMultipart(agent, f, files): CsrfMultipart<BrandForm>) -> Response {
    let lang = agent.lang;
    let admin = ui_try!(lang, super::admin::admin_of(&agent));
    let mut saved = kb::set_brand(&state.room, &admin, &kb::BrandInput { name: f.name, colour: f.colour }).await;
    if saved.is_ok() {
        if let Some(file) = files.into_iter().next() {
            saved = kb::set_logo(&state.room, &admin, Some(file.bytes)).await;
        } else if f.remove_logo.is_some() {
            saved = kb::set_logo(&state.room, &admin, None).await;
        }
    }
    match saved {
        Ok(_) => Redirect::to("/kb?ok=saved").into_response(),
        Err(podpora_commands::CommandError::Invalid(r)) => {
            render_list(&state, &agent, &ListQuery::default(), Some((Some(BRAND_FORM), r.text(lang)))).await
        }
        Err(e) => super::page_error(lang, e.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct NewQuery {
    translation_of: Option<i64>,
    language: Option<String>,
}

/// The editor for a new article (a translation: the original's text to start from).
pub async fn new(State(state): State<AppState>, agent: Agent, Query(q): Query<NewQuery>) -> Response {
    let lang = agent.lang;
    let mut f = EditorForm { language: q.language.clone().unwrap_or_else(|| lang.code().into()), ..Default::default() };
    if let Some(of) = q.translation_of {
        let original = ui_try!(lang, kb::get(&state.room, &agent.actor, of).await);
        f.title = original.title;
        f.body = original.body_markdown;
        f.category = original.category.map(|c| c.to_string()).unwrap_or_default();
        f.internal = original.internal.then(|| "on".into());
        f.translation_of = Some(of.to_string());
    }
    editor(&state, &agent, None, &f, None).await
}

pub async fn edit(State(state): State<AppState>, agent: Agent, Path(id): Path<String>, Query(n): Query<super::admin::Notice>) -> Response {
    let lang = agent.lang;
    let id: i64 = ui_try!(lang, id.parse().map_err(|_| UiError::NotFound));
    let a = ui_try!(lang, kb::get(&state.room, &agent.actor, id).await);
    let f = EditorForm::of(&a);
    editor(&state, &agent, Some(&a), &f, n.ok.as_deref().and_then(|k| super::notice(lang, Some(k)))).await
}

async fn editor(state: &AppState, agent: &Agent, a: Option<&ArticleView>, f: &EditorForm, message: Option<String>) -> Response {
    let lang = agent.lang;
    let categories = ui_try!(lang, kb::categories(&state.room).await);
    let writer = agent.access().can_reply();
    let action = match a {
        Some(a) => format!("/kb/{}", a.id),
        None => "/kb".into(),
    };
    let preview = a.map(|a| a.body_html.clone()).unwrap_or_else(|| kb::preview(&agent.actor, &f.body).html);
    let title = a.map(|a| a.title.clone()).unwrap_or_else(|| t(lang, "kb-new"));
    let content = html! {
        p { a href="/kb" { "← " (t(lang, "kb-title")) } }
        h1 { (title) }
        @if let Some(m) = &message { p.notice role="status" { (m) } }
        @if let Some(a) = a {
            p.meta {
                @if a.status == "published" {
                    (t(lang, if a.unpublished_changes { "kb-status-changed" } else { "kb-status-published" }))
                    @if let Some(u) = &a.url { " · " a href=(u) { (u) } }
                } @else { (t(lang, "kb-status-draft")) }
                " · " a href={ "/kb/" (a.id) "/history" } { (t(lang, "kb-history")) }
                " · 👍 " (a.helpful) " · 👎 " (a.unhelpful)
            }
            p.meta {
                (t(lang, "kb-translations")) " "
                @for l in Lang::ALL {
                    @if let Some(tid) = a.translations.get(l.code()) {
                        @if *tid == a.id { strong { (l.code()) } } @else { a href={ "/kb/" (tid) } { (l.code()) } }
                    } @else if writer {
                        a.hint href={ "/kb/new?translation_of=" (a.id) "&language=" (l.code()) } title=(t_args(lang, "kb-translate", &[("language", Arg::Str(l.native_name()))])) { "+" (l.code()) }
                    }
                    " "
                }
            }
        }
        form.kb-editor method="post" action=(action) enctype="multipart/form-data" {
            (csrf_field(agent))
            @if let Some(of) = &f.translation_of { input type="hidden" name="translation_of" value=(of); }
            div.kb-fields {
                label { (t(lang, "kb-article-title")) input type="text" name="title" value=(f.title) required maxlength="200"; }
                label { (t(lang, "kb-category")) " "
                    select name="category" {
                        option value="" { (t(lang, "kb-no-category")) }
                        @for c in &categories { option value=(c.id) selected[f.category == c.id.to_string()] { (category_name(lang, c)) } }
                    }
                }
                @if a.is_none() {
                    label { (t(lang, "kb-language")) " "
                        select name="language" { @for l in Lang::ALL { option value=(l.code()) selected[f.language == l.code()] { (l.native_name()) } } }
                    }
                } @else {
                    label { (t(lang, "kb-slug")) input type="text" name="slug" value=(f.slug) maxlength="80"; }
                }
                label { input type="checkbox" name="internal" checked[f.internal.is_some()]; " " (t(lang, "kb-internal-help")) }
                label { input type="checkbox" name="pinned" checked[f.pinned.is_some()]; " " (t(lang, "kb-pinned-help")) }
                label { (t(lang, "kb-position")) " " input type="number" name="position" value=(f.position); }
            }
            div.kb-split {
                label { (t(lang, "kb-markdown"))
                    textarea name="body" rows="22" data-kb-preview="kb-preview" spellcheck="true" { (f.body) }
                }
                div {
                    span { (t(lang, "kb-preview")) }
                    div.kb-preview #kb-preview aria-live="polite" { (PreEscaped(preview)) }
                }
            }
            label { (t(lang, "kb-image")) " " input type="file" name="image" accept="image/png,image/jpeg,image/gif,image/webp"; }
            @if writer {
                div.actions {
                    button type="submit" name="action" value="draft" { (t(lang, "kb-save-draft")) }
                    " "
                    button type="submit" name="action" value="publish" { (t(lang, "kb-publish")) }
                    @if a.is_some_and(|a| a.status == "published") {
                        " " button.secondary type="submit" name="action" value="unpublish" { (t(lang, "kb-unpublish")) }
                    }
                }
            }
        }
        @if let (Some(a), true) = (a, agent.access().is_admin()) {
            form.inline method="post" action={ "/kb/" (a.id) "/delete" } {
                (csrf_field(agent))
                button.link type="submit" { (t(lang, "kb-delete")) }
            }
        }
    };
    layout(agent, &title, "kb", content)
}

/// The editor as posted.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct EditorForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    slug: String,
    internal: Option<String>,
    pinned: Option<String>,
    #[serde(default)]
    position: String,
    translation_of: Option<String>,
    #[serde(default)]
    action: String,
}

impl EditorForm {
    fn of(a: &ArticleView) -> EditorForm {
        EditorForm {
            title: a.title.clone(),
            body: a.body_markdown.clone(),
            category: a.category.map(|c| c.to_string()).unwrap_or_default(),
            language: a.language.clone(),
            slug: a.slug.clone(),
            internal: a.internal.then(|| "on".into()),
            pinned: a.pinned.then(|| "on".into()),
            position: a.position.to_string(),
            translation_of: None,
            action: String::new(),
        }
    }

    fn input(&self, new: bool) -> ArticleInput {
        ArticleInput {
            title: Some(self.title.clone()),
            body_markdown: Some(self.body.clone()),
            category: Some(self.category.parse().ok()),
            language: new.then(|| self.language.clone()),
            status: match self.action.as_str() {
                "publish" => Some("published".into()),
                "unpublish" => Some("draft".into()),
                _ => None,
            },
            internal: Some(self.internal.is_some()),
            pinned: Some(self.pinned.is_some()),
            position: Some(self.position.trim().parse().unwrap_or(0)),
            slug: (!new && !self.slug.trim().is_empty()).then(|| self.slug.clone()),
            translation_of: if new { self.translation_of.as_deref().and_then(|s| s.parse().ok()) } else { None },
        }
    }
}

pub async fn create(State(state): State<AppState>, CsrfMultipart(agent, f, files): CsrfMultipart<EditorForm>) -> Response {
    save(&state, &agent, None, f, files).await
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfMultipart(agent, f, files): CsrfMultipart<EditorForm>,
) -> Response {
    let id: i64 = ui_try!(agent.lang, id.parse().map_err(|_| UiError::NotFound));
    save(&state, &agent, Some(id), f, files).await
}

async fn save(state: &AppState, agent: &Agent, id: Option<i64>, f: EditorForm, files: Vec<Upload>) -> Response {
    let lang = agent.lang;
    let saved = match id {
        Some(id) => kb::update(&state.room, &agent.actor, id, &f.input(false)).await,
        None => kb::create(&state.room, &agent.actor, &f.input(true)).await,
    };
    let mut a = match saved {
        Ok(a) => a,
        Err(podpora_commands::CommandError::Invalid(r) | podpora_commands::CommandError::Conflict(r)) => {
            let current = match id {
                Some(id) => kb::get(&state.room, &agent.actor, id).await.ok(),
                None => None,
            };
            let r = editor(state, agent, current.as_ref(), &f, Some(r.text(lang))).await;
            return (StatusCode::UNPROCESSABLE_ENTITY, r).into_response();
        }
        Err(e) => return super::page_error(lang, e.into()),
    };
    for file in files {
        a = ui_try!(lang, kb::insert_image(&state.room, &agent.actor, a.id, &file.filename, file.bytes, f.action == "publish").await);
    }
    Redirect::to(&format!("/kb/{}?ok=saved", a.id)).into_response()
}

pub async fn delete(State(state): State<AppState>, Path(id): Path<String>, CsrfForm(agent, _): CsrfForm<NoFields>) -> Response {
    let lang = agent.lang;
    let id: i64 = ui_try!(lang, id.parse().map_err(|_| UiError::NotFound));
    let admin = ui_try!(lang, super::admin::admin_of(&agent));
    ui_try!(lang, kb::delete(&state.room, &admin, id).await);
    Redirect::to("/kb?ok=saved").into_response()
}

pub async fn history(State(state): State<AppState>, agent: Agent, Path(id): Path<String>) -> Response {
    let lang = agent.lang;
    let id: i64 = ui_try!(lang, id.parse().map_err(|_| UiError::NotFound));
    let a = ui_try!(lang, kb::get(&state.room, &agent.actor, id).await);
    let versions = ui_try!(lang, kb::versions(&state.room, &agent.actor, id).await);
    let agents = ui_try!(lang, podpora_commands::directory::agents(&state.room, &agent.actor).await);
    let name = |uid: Option<i64>| uid.and_then(|u| agents.iter().find(|x| x.id == u)).map(|u| u.name.clone()).unwrap_or_default();
    let content = html! {
        p { a href={ "/kb/" (a.id) } { "← " (a.title) } }
        h1 { (t(lang, "kb-history")) }
        ol.kb-history {
            @for v in &versions {
                li {
                    details {
                        summary {
                            (exact_time(&agent, v.created_at)) " · " (name(v.author_id)) " · " (v.title)
                            @if v.published_at.is_some() { " · " strong { (t(lang, "kb-status-published")) } }
                            @if v.id == versions[0].id { " · " (t(lang, "kb-current")) }
                        }
                        pre.kb-source { (v.markdown) }
                        @if v.id != versions[0].id && agent.access().can_reply() {
                            form method="post" action={ "/kb/" (a.id) "/restore/" (v.id) } {
                                (csrf_field(&agent))
                                button type="submit" { (t(lang, "kb-restore")) }
                            }
                        }
                    }
                }
            }
        }
    };
    layout(&agent, &t(lang, "kb-history"), "kb", content)
}

pub async fn restore(
    State(state): State<AppState>,
    Path((id, version)): Path<(String, String)>,
    CsrfForm(agent, _): CsrfForm<NoFields>,
) -> Response {
    let lang = agent.lang;
    let (Ok(id), Ok(version)) = (id.parse::<i64>(), version.parse::<i64>()) else { return super::page_error(lang, UiError::NotFound) };
    ui_try!(lang, kb::restore(&state.room, &agent.actor, id, version).await);
    Redirect::to(&format!("/kb/{id}?ok=saved")).into_response()
}

#[derive(Deserialize)]
pub struct PreviewForm {
    #[serde(default)]
    body: String,
}

/// The live preview: the Markdown rendered and sanitised as the help centre would show it.
pub async fn preview(CsrfForm(agent, f): CsrfForm<PreviewForm>) -> Response {
    let html = kb::preview(&agent.actor, &f.body).html;
    super::secure_headers(Html(html).into_response())
}
