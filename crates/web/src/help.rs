//! The public help centre under `/help`: the front page of a language (pinned topics, the
//! categories and their articles), a category (a FAQ shows its questions and answers), an
//! article (with its translations as hreflang alternates, canonical URL, Open Graph, "was this
//! helpful?" and related articles), the articles' images, and `/sitemap.xml`.
//!
//! Server-rendered, no script, styles only from our own stylesheet: its CSP allows nothing else.
//! Pages hold nothing of the visitor, so caches may keep them for a minute.

use crate::ui::{browser_lang, session::Agent};
use crate::AppState;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use maud::{html, Markup, PreEscaped, DOCTYPE};
use podpora_commands::kb::{self, Brand, Lookup, PublicArticle};
use podpora_commands::CommandError;
use podpora_domain::article::excerpt;
use podpora_domain::i18n::{date_time, t, t_args, Arg};
use podpora_domain::search::Piece;
use podpora_domain::Lang;
use podpora_store::kb::{Article, Category};
use serde::Deserialize;

const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
/// The visitor's own random id, for one vote per article (SameSite: other sites cannot vote in
/// their name).
const VOTER_COOKIE: &str = "podpora_voter";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/help", get(home))
        .route("/help/assets/help.css", get(|| async { crate::ui::asset("text/css; charset=utf-8", include_str!("../assets/help.css")) }))
        .route("/help/theme.css", get(theme))
        .route("/help/logo", get(logo))
        .route("/help/files/{id}/{name}", get(file))
        .route("/help/{lang}", get(front))
        .route("/help/{lang}/search", get(search))
        .route("/help/{lang}/category/{slug}", get(category))
        .route("/help/{lang}/{slug}", get(article))
        .route("/help/{lang}/{slug}/vote", post(vote))
        .route("/sitemap.xml", get(sitemap))
}

fn lang_of(code: &str) -> Option<Lang> {
    Lang::ALL.iter().copied().find(|l| l.code() == code)
}

/// A help-centre page with its headers: strict CSP, cacheable for a minute unless `private`.
fn respond(status: StatusCode, page: Markup, private: bool) -> Response {
    let mut r = (status, Html(page.into_string())).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(if private { "no-store" } else { "public, max-age=60" }));
    crate::ui::secure_headers(r)
}

fn not_found(lang: Lang) -> Response {
    let page = frame(
        lang,
        &unbranded(),
        &t(lang, "not-found"),
        &Head::default(),
        html! {
            h1 { (t(lang, "not-found")) }
            p { a href={ "/help/" (lang.code()) } { (t(lang, "help-title")) } }
        },
    );
    respond(StatusCode::NOT_FOUND, page, false)
}

fn failed(lang: Lang, e: CommandError) -> Response {
    match e {
        CommandError::NotFound(_) => not_found(lang),
        e => {
            tracing::error!(error = %e, "help centre");
            let page = frame(lang, &unbranded(), &t(lang, "error-title"), &Head::default(), html! { h1 { (t(lang, "error-storage")) } });
            respond(StatusCode::SERVICE_UNAVAILABLE, page, true)
        }
    }
}

macro_rules! try_page {
    ($lang:expr, $e:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) => return failed($lang, e),
        }
    };
}

/// What a page's head says beyond its title.
#[derive(Default)]
struct Head {
    description: String,
    /// The page's own address (a path).
    canonical: Option<String>,
    /// Its other languages: code and path.
    alternates: Vec<(String, String)>,
    og_type: &'static str,
    /// What the search box holds (on the search page: the words searched).
    query: String,
}

fn unbranded() -> Brand {
    Brand { name: String::new(), colour: kb::DEFAULT_COLOUR.into(), logo: false }
}

/// The help centre's name: the admin's, else "Help centre" in the reader's language.
fn site_name(lang: Lang, brand: &Brand) -> String {
    if brand.name.is_empty() {
        t(lang, "help-title")
    } else {
        brand.name.clone()
    }
}

fn frame(lang: Lang, brand: &Brand, title: &str, head: &Head, content: Markup) -> Markup {
    let site = site_name(lang, brand);
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { @if title == site { (site) } @else { (title) " · " (site) } }
                @if !head.description.is_empty() { meta name="description" content=(head.description); }
                link rel="stylesheet" href="/help/assets/help.css";
                link rel="stylesheet" href={ "/help/theme.css?v=" (brand.colour.trim_start_matches('#')) };
                @if let Some(c) = &head.canonical {
                    link rel="canonical" href=(c);
                    meta property="og:url" content=(c);
                    meta property="og:title" content=(title);
                    meta property="og:type" content=(if head.og_type.is_empty() { "website" } else { head.og_type });
                    meta property="og:site_name" content=(site);
                    meta property="og:locale" content=(lang.code());
                    @if !head.description.is_empty() { meta property="og:description" content=(head.description); }
                }
                @for (code, href) in &head.alternates { link rel="alternate" hreflang=(code) href=(href); }
            }
            body.help {
                a.skip href="#content" { (t(lang, "help-skip")) }
                header.hc-top {
                    a.hc-brand href={ "/help/" (lang.code()) } {
                        @if brand.logo { img src="/help/logo" alt="" height="32"; " " }
                        (site)
                    }
                    form.hc-search role="search" action={ "/help/" (lang.code()) "/search" } method="get" {
                        label for="hc-q" { (t(lang, "help-search")) }
                        input #hc-q type="search" name="q" value=(head.query) maxlength="200" autocomplete="off";
                        button type="submit" { (t(lang, "help-search-button")) }
                    }
                }
                main #content { (content) }
                footer.hc-foot {
                    nav aria-label=(t(lang, "help-languages")) {
                        @for l in Lang::ALL {
                            a href={ "/help/" (l.code()) } lang=(l.code()) aria-current=[(*l == lang).then_some("page")] { (l.native_name()) }
                        }
                    }
                }
            }
        }
    }
}

/// `/help`: the visitor's language's front page.
async fn home(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let lang = match browser_lang(&headers) {
        Some(l) => l,
        None => kb_default(&state).await,
    };
    Redirect::to(&format!("/help/{}", lang.code())).into_response()
}

async fn kb_default(state: &AppState) -> Lang {
    podpora_commands::admin::default_language(&state.room).await.unwrap_or(Lang::En)
}

fn absolute(state: &AppState, path: &str) -> String {
    format!("{}{path}", state.room.public_url)
}

fn category_path(lang: Lang, c: &Category) -> Option<String> {
    c.in_language(lang.code()).map(|n| format!("/help/{}/category/{}", lang.code(), n.slug))
}

async fn front(State(state): State<AppState>, Path(code): Path<String>) -> Response {
    let Some(lang) = lang_of(&code) else { return not_found(Lang::En) };
    let all = try_page!(lang, kb::public_articles(&state.room, lang, false).await);
    let categories = try_page!(lang, kb::categories(&state.room).await);
    let brand = try_page!(lang, kb::brand(&state.room).await);
    let site = site_name(lang, &brand);
    let pinned: Vec<&Article> = all.iter().filter(|a| a.pinned).collect();
    let uncategorised: Vec<&Article> = all.iter().filter(|a| a.category_id.is_none()).collect();
    let head = Head {
        description: t(lang, "help-description"),
        canonical: Some(absolute(&state, &format!("/help/{}", lang.code()))),
        alternates: Lang::ALL.iter().map(|l| (l.code().to_string(), absolute(&state, &format!("/help/{}", l.code())))).collect(),
        og_type: "website",
        ..Default::default()
    };
    let content = html! {
        h1 { (site) }
        @if all.is_empty() { p { (t(lang, "help-empty")) } }
        @if !pinned.is_empty() {
            section.hc-pinned aria-labelledby="pinned" {
                h2 #pinned { (t(lang, "help-pinned")) }
                ul.hc-cards { @for a in &pinned { li { a href=(kb::url(lang.code(), &a.slug)) { (a.title()) } } } }
            }
        }
        @for c in &categories {
            @if let (Some(n), Some(path)) = (c.in_language(lang.code()), category_path(lang, c)) {
                @let items: Vec<&Article> = all.iter().filter(|a| a.category_id == Some(c.id)).collect();
                @if !items.is_empty() {
                    section.hc-category {
                        h2 { a href=(path) { (n.name) } }
                        @if !n.description.is_empty() { p.hc-lead { (n.description) } }
                        ul { @for a in items.iter().take(6) { li { a href=(kb::url(lang.code(), &a.slug)) { (a.title()) } } } }
                        @if items.len() > 6 { p { a href=(path) { (t_args(lang, "help-all-articles", &[("count", Arg::Num(items.len() as i64))])) } } }
                    }
                }
            }
        }
        @if !uncategorised.is_empty() {
            section.hc-category {
                h2 { (t(lang, "help-other")) }
                ul { @for a in &uncategorised { li { a href=(kb::url(lang.code(), &a.slug)) { (a.title()) } } } }
            }
        }
    };
    respond(StatusCode::OK, frame(lang, &brand, &site, &head, content), false)
}

#[derive(Debug, Deserialize)]
struct SearchQuery {
    #[serde(default)]
    q: String,
}

/// A snippet: matched words marked.
pub(crate) fn snippet_markup(pieces: &[Piece]) -> Markup {
    html! { @for p in pieces { @if p.hit { mark { (p.text) } } @else { (p.text) } } }
}

/// The most results a search page shows.
const SEARCH_RESULTS: usize = 20;

/// `/help/{lang}/search?q=`: the language's public articles matching the words, best first.
async fn search(State(state): State<AppState>, Path(code): Path<String>, Query(q): Query<SearchQuery>) -> Response {
    let Some(lang) = lang_of(&code) else { return not_found(Lang::En) };
    let query: String = q.q.trim().chars().take(200).collect();
    let hits = if query.is_empty() {
        Vec::new()
    } else {
        try_page!(lang, kb::search(&state.room, None, &query, Some(lang.code()), SEARCH_RESULTS).await)
    };
    let brand = try_page!(lang, kb::brand(&state.room).await);
    let title = if query.is_empty() { t(lang, "help-search") } else { t_args(lang, "help-search-results", &[("query", Arg::Str(&query))]) };
    // (Result pages are not for indexing: no canonical URL, and robots are told so.)
    let head = Head { og_type: "website", query: query.clone(), ..Default::default() };
    let content = html! {
        h1 { (title) }
        @if !query.is_empty() && hits.is_empty() { p { (t(lang, "help-search-none")) } }
        @if !hits.is_empty() {
            ol.hc-results {
                @for h in &hits {
                    li {
                        h2 { a href=(h.url) { (h.title) } }
                        p.hc-snippet { (snippet_markup(&h.snippet)) }
                    }
                }
            }
        }
    };
    let mut resp = respond(StatusCode::OK, frame(lang, &brand, &title, &head, content), false);
    resp.headers_mut().insert("x-robots-tag", HeaderValue::from_static("noindex"));
    resp
}

async fn category(State(state): State<AppState>, Path((code, slug)): Path<(String, String)>) -> Response {
    let Some(lang) = lang_of(&code) else { return not_found(Lang::En) };
    let (c, articles) = try_page!(lang, kb::public_category(&state.room, lang, &slug).await);
    let Some(name) = c.in_language(lang.code()) else { return not_found(lang) };
    let brand = try_page!(lang, kb::brand(&state.room).await);
    let path = category_path(lang, &c).unwrap_or_default();
    let head = Head {
        description: if name.description.is_empty() { name.name.clone() } else { name.description.clone() },
        canonical: Some(absolute(&state, &path)),
        alternates: Lang::ALL.iter().filter_map(|l| category_path(*l, &c).map(|p| (l.code().to_string(), absolute(&state, &p)))).collect(),
        og_type: "website",
        ..Default::default()
    };
    let faq = c.kind == "faq";
    let content = html! {
        nav.hc-crumbs aria-label=(t(lang, "help-breadcrumb")) { a href={ "/help/" (lang.code()) } { (site_name(lang, &brand)) } }
        h1 { (name.name) }
        @if !name.description.is_empty() { p.hc-lead { (name.description) } }
        @if articles.is_empty() { p { (t(lang, "help-empty")) } }
        @if faq {
            @for a in &articles {
                details.hc-faq {
                    summary { (a.title()) }
                    div.hc-body { (PreEscaped(a.published.as_ref().map(|p| p.body_html.as_str()).unwrap_or(""))) }
                    p { a href=(kb::url(lang.code(), &a.slug)) { (t(lang, "help-permalink")) } }
                }
            }
        } @else {
            ul.hc-list {
                @for a in &articles {
                    li {
                        a href=(kb::url(lang.code(), &a.slug)) { (a.title()) }
                        p { (excerpt(a.published.as_ref().map(|p| p.body_text.as_str()).unwrap_or(""), 160)) }
                    }
                }
            }
        }
    };
    respond(StatusCode::OK, frame(lang, &brand, &name.name, &head, content), false)
}

#[derive(Deserialize)]
struct ArticleQuery {
    voted: Option<String>,
}

async fn article(State(state): State<AppState>, Path((code, slug)): Path<(String, String)>, Query(q): Query<ArticleQuery>) -> Response {
    let Some(lang) = lang_of(&code) else { return not_found(Lang::En) };
    let page = match try_page!(lang, kb::public_article(&state.room, lang, &slug).await) {
        Lookup::Moved(to) => return Redirect::permanent(&to).into_response(),
        Lookup::Found(page) => page,
    };
    let voted = q.voted.as_deref().filter(|v| ["yes", "no"].contains(v));
    let brand = try_page!(lang, kb::brand(&state.room).await);
    respond(StatusCode::OK, article_page(&state, lang, &brand, &page, voted), voted.is_some())
}

fn article_page(state: &AppState, lang: Lang, brand: &Brand, page: &PublicArticle, voted: Option<&str>) -> Markup {
    let a = &page.article;
    let Some(p) = &a.published else { return html! {} };
    let path = kb::url(lang.code(), &a.slug);
    let head = Head {
        description: excerpt(&p.body_text, 160),
        canonical: Some(absolute(state, &path)),
        alternates: page.translations.iter().map(|t| (t.language.clone(), absolute(state, &kb::url(&t.language, &t.slug)))).collect(),
        og_type: "article",
        ..Default::default()
    };
    let others: Vec<_> = page.translations.iter().filter(|t| t.id != a.id).filter_map(|t| lang_of(&t.language).map(|l| (l, t))).collect();
    let content = html! {
        nav.hc-crumbs aria-label=(t(lang, "help-breadcrumb")) {
            a href={ "/help/" (lang.code()) } { (site_name(lang, brand)) }
            @if let Some(c) = &page.category {
                @if let (Some(n), Some(cp)) = (c.in_language(lang.code()), category_path(lang, c)) { " › " a href=(cp) { (n.name) } }
            }
        }
        article {
            h1 { (p.title) }
            div.hc-body { (PreEscaped(&p.body_html)) }
            p.hc-meta { (t_args(lang, "help-updated", &[("date", Arg::Str(&date_time(lang, p.at, "UTC")))])) }
        }
        @if !others.is_empty() {
            p.hc-translations {
                (t(lang, "help-also-in")) " "
                @for (l, tr) in &others { a href=(kb::url(&tr.language, &tr.slug)) lang=(l.code()) hreflang=(l.code()) { (l.native_name()) } " " }
            }
        }
        section.hc-vote aria-labelledby="vote" {
            @if voted.is_some() {
                p #vote role="status" { (t(lang, "help-thanks")) }
            } @else {
                form method="post" action={ (path) "/vote" } {
                    span #vote { (t(lang, "help-helpful")) } " "
                    button type="submit" name="helpful" value="yes" { (t(lang, "help-yes")) }
                    " "
                    button type="submit" name="helpful" value="no" { (t(lang, "help-no")) }
                }
            }
        }
        @if !page.related.is_empty() {
            section.hc-related aria-labelledby="related" {
                h2 #related { (t(lang, "help-related")) }
                ul { @for (_, title, slug) in &page.related { li { a href=(kb::url(lang.code(), slug)) { (title) } } } }
            }
        }
    };
    frame(lang, brand, &p.title, &head, content)
}

#[derive(Deserialize)]
struct VoteForm {
    helpful: String,
}

/// "Was this helpful?": one vote per visitor (their cookie, made on their first vote); voting
/// again changes it. Back to the article, which thanks them.
async fn vote(
    State(state): State<AppState>,
    Path((code, slug)): Path<(String, String)>,
    headers: HeaderMap,
    Form(f): Form<VoteForm>,
) -> Response {
    let Some(lang) = lang_of(&code) else { return not_found(Lang::En) };
    let helpful = match f.helpful.as_str() {
        "yes" => true,
        "no" => false,
        _ => return not_found(lang),
    };
    let id = match try_page!(lang, kb::public_article(&state.room, lang, &slug).await) {
        Lookup::Found(page) => page.article.id,
        Lookup::Moved(_) => return not_found(lang),
    };
    let known = crate::ui::session::cookie_value(&headers, VOTER_COOKIE).filter(|v| !v.is_empty() && v.len() <= 64);
    let new = known.is_none();
    let voter = known.unwrap_or_else(crate::ui::session::random_token);
    try_page!(lang, kb::vote(&state.room, id, &voter, helpful).await);
    let mut r = Redirect::to(&format!("{}?voted={}", kb::url(lang.code(), &slug), f.helpful)).into_response();
    if new {
        let secure = if state.room.public_url.starts_with("https://") { "; Secure" } else { "" };
        if let Ok(v) =
            HeaderValue::from_str(&format!("{VOTER_COOKIE}={voter}; Path=/help; HttpOnly; SameSite=Lax; Max-Age=31536000{secure}"))
        {
            r.headers_mut().insert(header::SET_COOKIE, v);
        }
    }
    r
}

/// An article's image: anyone's for a public article, an agent's (signed in) for any.
async fn file(State(state): State<AppState>, Path((id, _name)): Path<(String, String)>, req: axum::extract::Request) -> Response {
    let Ok(id) = id.parse::<i64>() else { return not_found(Lang::En) };
    let (mut parts, _) = req.into_parts();
    let agent =
        if crate::ui::session::has_session(&parts.headers) { Agent::from_request_parts(&mut parts, &state).await.ok() } else { None };
    match kb::image(&state.room, agent.as_ref().map(|a| &a.actor), id).await {
        Ok((_, bytes)) => match podpora_domain::media::raster_type(&bytes) {
            Some(ct) => {
                let mut r = crate::ui::frame::image_response(bytes, ct);
                if agent.is_none() {
                    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
                }
                r
            }
            None => not_found(Lang::En),
        },
        Err(e) => failed(Lang::En, e),
    }
}

/// The brand's colour as the stylesheet's variable (its URL carries the colour, so a change is
/// seen at once and the sheet may be cached long).
async fn theme(State(state): State<AppState>) -> Response {
    let colour = kb::brand(&state.room).await.map(|b| b.colour).unwrap_or_else(|_| kb::DEFAULT_COLOUR.into());
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=86400")],
        format!(":root {{ --brand: {colour}; }}\n"),
    )
        .into_response()
}

async fn logo(State(state): State<AppState>) -> Response {
    match kb::logo(&state.room).await {
        Ok((_, bytes)) => match podpora_domain::media::raster_type(&bytes) {
            Some(ct) => {
                let mut r = crate::ui::frame::image_response(bytes, ct);
                r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
                r
            }
            None => not_found(Lang::En),
        },
        Err(e) => failed(Lang::En, e),
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Every public article (with its translations as alternates), category and front page.
async fn sitemap(State(state): State<AppState>) -> Response {
    use std::fmt::Write;
    let (articles, categories) = match kb::sitemap(&state.room).await {
        Ok(x) => x,
        Err(e) => return failed(Lang::En, e),
    };
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n",
    );
    let mut languages: Vec<&str> = articles.iter().map(|a| a.language.as_str()).collect();
    languages.sort();
    languages.dedup();
    for l in &languages {
        let _ = writeln!(out, "<url><loc>{}</loc></url>", xml_escape(&absolute(&state, &format!("/help/{l}"))));
    }
    for c in &categories {
        for n in c.names.iter().filter(|n| languages.contains(&n.language.as_str())) {
            let _ = writeln!(
                out,
                "<url><loc>{}</loc></url>",
                xml_escape(&absolute(&state, &format!("/help/{}/category/{}", n.language, n.slug)))
            );
        }
    }
    let mut groups: std::collections::HashMap<i64, Vec<&Article>> = std::collections::HashMap::new();
    for a in &articles {
        groups.entry(a.group_id).or_default().push(a);
    }
    for a in &articles {
        let day = a.published.as_ref().map(|p| date_of(p.at)).unwrap_or_default();
        let _ = write!(out, "<url><loc>{}</loc><lastmod>{day}</lastmod>", xml_escape(&absolute(&state, &kb::url(&a.language, &a.slug))));
        let group = groups.get(&a.group_id).map(Vec::as_slice).unwrap_or_default();
        if group.len() > 1 {
            for t in group {
                let _ = write!(
                    out,
                    "<xhtml:link rel=\"alternate\" hreflang=\"{}\" href=\"{}\"/>",
                    t.language,
                    xml_escape(&absolute(&state, &kb::url(&t.language, &t.slug)))
                );
            }
        }
        out.push_str("</url>\n");
    }
    out.push_str("</urlset>\n");
    ([(header::CONTENT_TYPE, "application/xml; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=300")], out).into_response()
}

/// A day as `YYYY-MM-DD` (UTC), for the sitemap.
fn date_of(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default()
}
