//! The knowledge base: agents read every article (internal ones and drafts too); agents who may
//! write to customers write, publish and take off articles; admins keep the categories and
//! delete articles. The help centre (no actor: anyone on the web) reads only what is published
//! and not internal, through the `public_*` functions here.

use crate::admin::Admin;
use crate::{Actor, CommandError, Reason, Result, Thing};
use podpora_domain::article::{self, Rendered};
use podpora_domain::search::{self, Piece};
use podpora_domain::Lang;
use podpora_mail::Mailroom;
use podpora_store::kb::{self as store, Article, ArticleQuery, Category, CategoryName, NewArticle, Placement, Translation, Version};
use podpora_store::{BlobId, StoreError};
use serde::{Deserialize, Deserializer};

pub const MAX_TITLE: usize = 200;
pub const MAX_MARKDOWN: usize = 200_000;
const MAX_DESCRIPTION: usize = 1000;
/// The largest image an article may carry.
pub const MAX_IMAGE_BYTES: usize = 10 << 20;

/// `Some(None)` for a field given as `null`, `None` for one left out (a PATCH's "unchanged").
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> std::result::Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// What a new article is, or what changes in one (each field left out stays as it is).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ArticleInput {
    pub title: Option<String>,
    pub body_markdown: Option<String>,
    /// The category's id; `null` for none.
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub category: Option<Option<i64>>,
    /// A language code (`en`, `cs`, `sk`, `pl`, `ru`, `uk`, `de`); a new article's default is the
    /// installation's language. Fixed once the article exists.
    pub language: Option<String>,
    /// `draft` (not on the help centre) or `published` (the draft, with this change, goes on
    /// it). Left out, a change to a published article waits as a draft until it is published.
    pub status: Option<String>,
    /// For agents only, never on the help centre.
    pub internal: Option<bool>,
    /// On the help centre's front page.
    pub pinned: Option<bool>,
    pub position: Option<i64>,
    /// The URL's last part; made from the title when left out. A changed slug keeps the old
    /// URL working (it redirects).
    pub slug: Option<String>,
    /// When creating: the article this one translates (it joins its translations).
    pub translation_of: Option<i64>,
}

/// An article as agents and the API see it.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ArticleView {
    pub id: i64,
    /// The draft's title and Markdown (what the editor shows).
    pub title: String,
    pub body_markdown: String,
    /// The draft rendered (sanitised).
    pub body_html: String,
    pub category: Option<i64>,
    pub language: String,
    /// `draft` or `published`.
    pub status: &'static str,
    /// Published, with a newer draft waiting.
    pub unpublished_changes: bool,
    pub internal: bool,
    pub pinned: bool,
    pub position: i64,
    pub slug: String,
    /// Its help-centre address (a path; internal articles have none).
    pub url: Option<String>,
    /// The ids of its translations by language (itself included).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub translations: std::collections::BTreeMap<String, i64>,
    pub helpful: i64,
    pub unhelpful: i64,
    pub published_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// An article's help-centre path.
pub fn url(language: &str, slug: &str) -> String {
    format!("/help/{language}/{slug}")
}

fn view(a: Article, translations: &[Translation]) -> ArticleView {
    let rendered = article::render(&a.draft_markdown);
    ArticleView {
        id: a.id,
        title: a.draft_title.clone(),
        status: if a.published.is_some() { "published" } else { "draft" },
        unpublished_changes: a.published.is_some() && a.has_unpublished_changes(),
        url: (!a.internal).then(|| url(&a.language, &a.slug)),
        translations: translations.iter().map(|t| (t.language.clone(), t.id)).collect(),
        body_markdown: a.draft_markdown,
        body_html: rendered.html,
        category: a.category_id,
        language: a.language,
        internal: a.internal,
        pinned: a.pinned,
        position: a.position,
        slug: a.slug,
        helpful: a.helpful,
        unhelpful: a.unhelpful,
        published_at: a.published.map(|p| p.at),
        created_at: a.created_at,
        updated_at: a.updated_at,
    }
}

fn writer(actor: &Actor) -> Result<()> {
    if actor.access().can_reply() {
        Ok(())
    } else {
        Err(CommandError::Forbidden(Reason::new("error-kb-read-only")))
    }
}

/// Markdown rendered as the help centre would show it (the editor's live preview).
pub fn preview(_actor: &Actor, markdown: &str) -> Rendered {
    article::render(markdown)
}

/// Every article (agents: drafts and internal ones included), narrowed by the query.
pub async fn list(room: &Mailroom, _actor: &Actor, q: &ArticleQuery<'_>) -> Result<Vec<Article>> {
    Ok(store::list(&mut *room.db.conn().await?, q).await?)
}

pub async fn get(room: &Mailroom, _actor: &Actor, id: i64) -> Result<ArticleView> {
    let mut conn = room.db.conn().await?;
    let a = store::get(&mut conn, id).await?.ok_or(CommandError::NotFound(Thing::Article))?;
    let tr = store::translations(&mut conn, a.group_id).await?;
    Ok(view(a, &tr))
}

/// An article's saved versions, newest first.
pub async fn versions(room: &Mailroom, _actor: &Actor, id: i64) -> Result<Vec<Version>> {
    let mut conn = room.db.conn().await?;
    store::get(&mut conn, id).await?.ok_or(CommandError::NotFound(Thing::Article))?;
    Ok(store::versions(&mut conn, id).await?)
}

fn too_long(field: &'static str, max: usize) -> CommandError {
    CommandError::Invalid(Reason::with("error-too-long", vec![("max", max.to_string())]).at(field))
}

fn checked_title(title: &str) -> Result<String> {
    let t = podpora_mail::db_text(title.trim());
    if t.is_empty() {
        return Err(CommandError::Invalid(Reason::new("error-title-required").at("title")));
    }
    if t.chars().count() > MAX_TITLE {
        return Err(too_long("title", MAX_TITLE));
    }
    Ok(t)
}

fn checked_markdown(md: &str) -> Result<String> {
    let m = podpora_mail::db_text(md);
    if m.chars().count() > MAX_MARKDOWN {
        return Err(too_long("body_markdown", MAX_MARKDOWN));
    }
    Ok(m)
}

fn checked_language(code: &str) -> Result<Lang> {
    crate::admin::lang_of(code, "language")
}

/// `Some(true)` to publish, `Some(false)` to take off.
fn checked_status(status: Option<&str>) -> Result<Option<bool>> {
    match status {
        None => Ok(None),
        Some("published") => Ok(Some(true)),
        Some("draft") => Ok(Some(false)),
        Some(other) => Err(CommandError::Invalid(
            Reason::with("error-unknown-value", vec![("kind", "status".into()), ("value", other.chars().take(20).collect())]).at("status"),
        )),
    }
}

async fn checked_category(conn: &mut podpora_store::Conn, id: Option<i64>) -> Result<Option<i64>> {
    if let Some(c) = id {
        if !store::categories(conn).await?.iter().any(|k| k.id == c) {
            return Err(CommandError::Invalid(Reason::new("error-unknown-category").at("category")));
        }
    }
    Ok(id)
}

fn slug_conflict(e: StoreError) -> CommandError {
    match e {
        StoreError::Conflict(what) => CommandError::Conflict(Reason::with("error-kb-taken", vec![("what", what)])),
        other => other.into(),
    }
}

/// Writes a new article (agents who may write to customers).
pub async fn create(room: &Mailroom, actor: &Actor, input: &ArticleInput) -> Result<ArticleView> {
    writer(actor)?;
    let title = checked_title(input.title.as_deref().unwrap_or_default())?;
    let markdown = checked_markdown(input.body_markdown.as_deref().unwrap_or_default())?;
    let language = match &input.language {
        Some(code) => checked_language(code)?,
        None => crate::admin::default_language(room).await?,
    };
    let publish = checked_status(input.status.as_deref())?;
    let mut tx = room.db.begin().await?;
    let category = checked_category(&mut tx, input.category.flatten()).await?;
    if let Some(of) = input.translation_of {
        store::get(&mut tx, of).await?.ok_or(CommandError::Invalid(Reason::new("error-unknown-article").at("translation_of")))?;
    }
    let wanted = article::slug(input.slug.as_deref().unwrap_or(&title));
    let id = store::create(
        &mut tx,
        &NewArticle {
            translation_of: input.translation_of,
            category_id: category,
            language: language.code(),
            slug: &wanted,
            internal: input.internal.unwrap_or(false),
            pinned: input.pinned.unwrap_or(false),
            position: input.position.unwrap_or(0),
            title: &title,
            markdown: &markdown,
            author_id: Some(actor.id()),
        },
    )
    .await
    .map_err(slug_conflict)?;
    if publish == Some(true) {
        let r = article::render(&markdown);
        store::publish(&mut tx, id, &r.html, &r.text).await?;
    }
    tx.commit().await?;
    get(room, actor, id).await
}

/// Changes an article: what is given changes, the rest stays (agents who may write to customers).
pub async fn update(room: &Mailroom, actor: &Actor, id: i64, input: &ArticleInput) -> Result<ArticleView> {
    writer(actor)?;
    if input.translation_of.is_some() {
        return Err(CommandError::Invalid(Reason::new("error-kb-translation-fixed").at("translation_of")));
    }
    let publish = checked_status(input.status.as_deref())?;
    let mut tx = room.db.begin().await?;
    let a = store::get(&mut tx, id).await?.ok_or(CommandError::NotFound(Thing::Article))?;
    if let Some(code) = &input.language {
        if checked_language(code)?.code() != a.language {
            return Err(CommandError::Invalid(Reason::new("error-kb-language-fixed").at("language")));
        }
    }
    let title = match &input.title {
        Some(t) => checked_title(t)?,
        None => a.draft_title.clone(),
    };
    let markdown = match &input.body_markdown {
        Some(m) => checked_markdown(m)?,
        None => a.draft_markdown.clone(),
    };
    let category = match input.category {
        Some(c) => checked_category(&mut tx, c).await?,
        None => a.category_id,
    };
    store::save_draft(&mut tx, id, &title, &markdown, Some(actor.id())).await?;
    let placement = Placement {
        category_id: category,
        internal: input.internal.unwrap_or(a.internal),
        pinned: input.pinned.unwrap_or(a.pinned),
        position: input.position.unwrap_or(a.position),
    };
    store::place(&mut tx, id, &placement).await?;
    if let Some(s) = &input.slug {
        let wanted = article::slug(s);
        if wanted != a.slug {
            store::set_slug(&mut tx, id, &a.language, &wanted).await?;
        }
    }
    match publish {
        Some(true) => {
            let r = article::render(&markdown);
            store::publish(&mut tx, id, &r.html, &r.text).await?;
        }
        Some(false) if a.published.is_some() => store::unpublish(&mut tx, id).await?,
        _ => {}
    }
    tx.commit().await?;
    get(room, actor, id).await
}

/// Makes an old version the draft again (a new version, so nothing is lost).
pub async fn restore(room: &Mailroom, actor: &Actor, id: i64, version_id: i64) -> Result<ArticleView> {
    writer(actor)?;
    let v = versions(room, actor, id).await?.into_iter().find(|v| v.id == version_id).ok_or(CommandError::NotFound(Thing::Record))?;
    let mut tx = room.db.begin().await?;
    store::save_draft(&mut tx, id, &v.title, &v.markdown, Some(actor.id())).await?;
    tx.commit().await?;
    get(room, actor, id).await
}

/// Removes an article with its history (admins).
pub async fn delete(room: &Mailroom, _admin: &Admin, id: i64) -> Result<()> {
    let mut tx = room.db.begin().await?;
    if !store::delete(&mut tx, id).await? {
        return Err(CommandError::NotFound(Thing::Article));
    }
    Ok(tx.commit().await?)
}

/// An image uploaded into an article; its path, for the Markdown (`![name](path)`).
pub async fn upload_image(room: &Mailroom, actor: &Actor, article_id: i64, filename: &str, bytes: Vec<u8>) -> Result<String> {
    writer(actor)?;
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(CommandError::Invalid(Reason::with("error-attachments-size", vec![("mb", (MAX_IMAGE_BYTES >> 20).to_string())])));
    }
    let content_type = podpora_domain::media::raster_type(&bytes).ok_or(CommandError::Invalid(Reason::new("error-kb-image-type")))?;
    let name = podpora_mail::parse::sanitize_filename(filename);
    let name = if name.is_empty() { "image".to_string() } else { name };
    store::get(&mut *room.db.conn().await?, article_id).await?.ok_or(CommandError::NotFound(Thing::Article))?;
    let size = bytes.len() as i64;
    let blob = room.blobs.put(bytes).await?;
    let mut tx = room.db.begin().await?;
    let file = store::File {
        id: 0,
        article_id,
        blob_id: blob.as_str().to_string(),
        filename: name.clone(),
        content_type: content_type.into(),
        size,
    };
    let id = store::add_file(&mut tx, &file, Some(actor.id())).await?;
    tx.commit().await?;
    Ok(format!("{}{id}/{}", article::FILES_PATH, podpora_domain::article::url_part(&name)))
}

/// Uploads an image into an article and adds it at the end of its draft (published with it
/// when `publish`).
pub async fn insert_image(room: &Mailroom, actor: &Actor, id: i64, filename: &str, bytes: Vec<u8>, publish: bool) -> Result<ArticleView> {
    let path = upload_image(room, actor, id, filename, bytes).await?;
    let a = get(room, actor, id).await?;
    let alt: String = filename.chars().filter(|c| !"[]()\\".contains(*c)).take(80).collect();
    let body = format!("{}\n\n![{alt}]({path})\n", a.body_markdown.trim_end());
    let input = ArticleInput { body_markdown: Some(body), status: publish.then(|| "published".into()), ..Default::default() };
    update(room, actor, id, &input).await
}

/// An article's image: anyone may see those of published public articles, agents all.
pub async fn image(room: &Mailroom, actor: Option<&Actor>, id: i64) -> Result<(store::File, Vec<u8>)> {
    let mut conn = room.db.conn().await?;
    let f = store::file(&mut conn, id).await?.ok_or(CommandError::NotFound(Thing::Attachment))?;
    let a = store::get(&mut conn, f.article_id).await?.ok_or(CommandError::NotFound(Thing::Attachment))?;
    if actor.is_none() && (a.internal || a.published.is_none()) {
        return Err(CommandError::NotFound(Thing::Attachment));
    }
    drop(conn);
    let bytes = room.blobs.get(&BlobId::parse(&f.blob_id)?).await?;
    Ok((f, bytes))
}

/// Every category (anyone: the help centre lists them).
pub async fn categories(room: &Mailroom) -> Result<Vec<Category>> {
    Ok(store::categories(&mut *room.db.conn().await?).await?)
}

/// A category as an admin sets it: its kind and position, and per language a name (a language
/// without one is left out), description and slug (made from the name when empty).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CategoryInput {
    /// `articles` or `faq`.
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub position: i64,
    pub names: Vec<CategoryNameInput>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CategoryNameInput {
    pub language: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub slug: String,
}

fn checked_category_input(c: &CategoryInput) -> Result<(String, Vec<CategoryName>)> {
    let kind = if c.kind.is_empty() { "articles" } else { c.kind.as_str() };
    if !store::KINDS.contains(&kind) {
        return Err(CommandError::Invalid(
            Reason::with("error-unknown-value", vec![("kind", "kind".into()), ("value", kind.chars().take(20).collect())]).at("kind"),
        ));
    }
    let mut names: Vec<CategoryName> = Vec::new();
    for n in &c.names {
        let name = podpora_mail::db_text(n.name.trim());
        if name.is_empty() {
            continue;
        }
        let lang = checked_language(&n.language)?;
        if names.iter().any(|k| k.language == lang.code()) {
            continue;
        }
        if name.chars().count() > MAX_TITLE {
            return Err(too_long("name", MAX_TITLE));
        }
        let description = podpora_mail::db_text(n.description.trim());
        if description.chars().count() > MAX_DESCRIPTION {
            return Err(too_long("description", MAX_DESCRIPTION));
        }
        let slug = article::slug(if n.slug.trim().is_empty() { &name } else { &n.slug });
        names.push(CategoryName { language: lang.code().into(), name, description, slug });
    }
    if names.is_empty() {
        return Err(CommandError::Invalid(Reason::new("error-name-required").at("name")));
    }
    Ok((kind.to_string(), names))
}

/// Adds a category (admins).
pub async fn create_category(room: &Mailroom, admin: &Admin, c: &CategoryInput) -> Result<Category> {
    checked_category_input(c)?;
    let mut tx = room.db.begin().await?;
    let id = store::create_category(&mut tx, "articles", c.position).await?;
    tx.commit().await?;
    match update_category(room, admin, id, c).await {
        Ok(k) => Ok(k),
        Err(e) => {
            let mut tx = room.db.begin().await?;
            store::delete_category(&mut tx, id).await?;
            tx.commit().await?;
            Err(e)
        }
    }
}

/// Changes a category (admins).
pub async fn update_category(room: &Mailroom, _admin: &Admin, id: i64, c: &CategoryInput) -> Result<Category> {
    let (kind, names) = checked_category_input(c)?;
    let mut tx = room.db.begin().await?;
    if !store::set_category(&mut tx, id, &kind, c.position, &names).await.map_err(slug_conflict)? {
        return Err(CommandError::NotFound(Thing::Category));
    }
    tx.commit().await?;
    categories(room).await?.into_iter().find(|k| k.id == id).ok_or(CommandError::NotFound(Thing::Category))
}

/// Removes a category; its articles stay, in none (admins).
pub async fn delete_category(room: &Mailroom, _admin: &Admin, id: i64) -> Result<()> {
    let mut tx = room.db.begin().await?;
    if !store::delete_category(&mut tx, id).await? {
        return Err(CommandError::NotFound(Thing::Category));
    }
    Ok(tx.commit().await?)
}

// ---- The help centre: anyone, published public articles only ----

/// What the help centre shows of one article.
#[derive(Debug, Clone)]
pub struct PublicArticle {
    pub article: Article,
    pub category: Option<Category>,
    /// Its public translations (itself included).
    pub translations: Vec<Translation>,
    /// Public articles of its language related to it, best first: id, title, slug.
    pub related: Vec<(i64, String, String)>,
}

/// How a help-centre address resolves.
#[derive(Debug, Clone)]
pub enum Lookup {
    Found(Box<PublicArticle>),
    /// An old slug: the article's address now.
    Moved(String),
}

/// The public article at `/help/{language}/{slug}`.
pub async fn public_article(room: &Mailroom, language: Lang, slug: &str) -> Result<Lookup> {
    let mut conn = room.db.conn().await?;
    let (id, current) = store::by_slug(&mut conn, language.code(), slug).await?.ok_or(CommandError::NotFound(Thing::Article))?;
    let a =
        store::get(&mut conn, id).await?.filter(|a| a.published.is_some() && !a.internal).ok_or(CommandError::NotFound(Thing::Article))?;
    if current != slug {
        return Ok(Lookup::Moved(url(language.code(), &current)));
    }
    let translations: Vec<Translation> = store::translations(&mut conn, a.group_id).await?.into_iter().filter(|t| t.public).collect();
    let category = match a.category_id {
        Some(c) => store::categories(&mut conn).await?.into_iter().find(|k| k.id == c),
        None => None,
    };
    // (Its category's articles: a bounded list on every page view. Related articles of other
    // categories come from the search index.)
    let others = match a.category_id {
        Some(c) => {
            let q = ArticleQuery { category_id: Some(c), language: Some(language.code()), public_only: true, ..Default::default() };
            store::list(&mut conn, &q).await?
        }
        None => Vec::new(),
    };
    let candidates: Vec<(i64, &str, bool)> = others.iter().map(|o| (o.id, o.title(), true)).collect();
    let related = article::related(a.title(), a.id, &candidates, 5)
        .into_iter()
        .filter_map(|id| others.iter().find(|o| o.id == id))
        .map(|o| (o.id, o.title().to_string(), o.slug.clone()))
        .collect();
    Ok(Lookup::Found(Box::new(PublicArticle { article: a, category, translations, related })))
}

/// The public articles of a language (without their bodies), pinned or all.
pub async fn public_articles(room: &Mailroom, language: Lang, pinned_only: bool) -> Result<Vec<Article>> {
    let q = ArticleQuery { language: Some(language.code()), public_only: true, pinned_only, ..Default::default() };
    Ok(store::list(&mut *room.db.conn().await?, &q).await?)
}

/// A category's public articles in a language, with their bodies (a FAQ shows them whole).
pub async fn public_category(room: &Mailroom, language: Lang, slug: &str) -> Result<(Category, Vec<Article>)> {
    let mut conn = room.db.conn().await?;
    let category = store::categories(&mut conn)
        .await?
        .into_iter()
        .find(|k| k.in_language(language.code()).is_some_and(|n| n.slug == slug))
        .ok_or(CommandError::NotFound(Thing::Category))?;
    let q = ArticleQuery {
        category_id: Some(category.id),
        language: Some(language.code()),
        public_only: true,
        with_bodies: true,
        ..Default::default()
    };
    let articles = store::list(&mut conn, &q).await?;
    Ok((category, articles))
}

/// A visitor's "was this helpful?" (one per visitor and article; voting again changes it).
/// `voter` is the visitor's own secret (a cookie); it is stored hashed.
pub async fn vote(room: &Mailroom, article_id: i64, voter: &str, helpful: bool) -> Result<(i64, i64)> {
    use sha2::{Digest, Sha256};
    let mut conn = room.db.conn().await?;
    store::get(&mut conn, article_id)
        .await?
        .filter(|a| a.published.is_some() && !a.internal)
        .ok_or(CommandError::NotFound(Thing::Article))?;
    drop(conn);
    let key = hex::encode(Sha256::digest(voter.as_bytes()));
    let mut tx = room.db.begin().await?;
    let counts = store::vote(&mut tx, article_id, &key, helpful).await?;
    tx.commit().await?;
    Ok(counts)
}

/// Every public article (its translations are those of its group) and every category, for
/// `/sitemap.xml`.
pub async fn sitemap(room: &Mailroom) -> Result<(Vec<Article>, Vec<Category>)> {
    let mut conn = room.db.conn().await?;
    let articles = store::list(&mut conn, &ArticleQuery { public_only: true, ..Default::default() }).await?;
    Ok((articles, store::categories(&mut conn).await?))
}

// ---- The help centre's look ----

/// The help centre's look: its name (empty: "Help centre" in the reader's language), colour and
/// logo.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Brand {
    pub name: String,
    /// `#rrggbb`.
    pub colour: String,
    /// A logo was uploaded (served at `/help/logo`).
    pub logo: bool,
}

/// The colour of a help centre no admin has themed.
pub const DEFAULT_COLOUR: &str = "#1a56b0";

/// The help centre's look (anyone: every page shows it).
pub async fn brand(room: &Mailroom) -> Result<Brand> {
    use podpora_store::settings::{get_many, HELP_COLOUR, HELP_LOGO, HELP_NAME};
    let v = get_many(&mut *room.db.conn().await?, &[HELP_NAME, HELP_COLOUR, HELP_LOGO]).await?;
    Ok(Brand {
        name: v[0].clone().unwrap_or_default(),
        colour: v[1].as_deref().and_then(article::colour).unwrap_or_else(|| DEFAULT_COLOUR.into()),
        logo: v[2].as_deref().is_some_and(|l| !l.is_empty()),
    })
}

/// The help centre's name and colour as an admin sets them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BrandInput {
    /// Empty: "Help centre" in the reader's language.
    #[serde(default)]
    pub name: String,
    /// `#rrggbb` or `#rgb`; white text on it must read well (contrast 4.5:1 or more).
    #[serde(default)]
    pub colour: String,
}

/// Sets the help centre's name and colour (admins).
pub async fn set_brand(room: &Mailroom, _admin: &Admin, b: &BrandInput) -> Result<Brand> {
    use podpora_store::settings::{set, HELP_COLOUR, HELP_NAME};
    let name = podpora_mail::db_text(b.name.trim());
    if name.chars().count() > MAX_TITLE {
        return Err(too_long("name", MAX_TITLE));
    }
    let colour = if b.colour.trim().is_empty() {
        DEFAULT_COLOUR.to_string()
    } else {
        article::colour(&b.colour).ok_or_else(|| {
            CommandError::Invalid(Reason::with("error-brand-colour", vec![("value", b.colour.chars().take(20).collect())]).at("colour"))
        })?
    };
    let ratio = article::contrast_with_white(&colour);
    if ratio < 4.5 {
        return Err(CommandError::Invalid(
            Reason::with("error-brand-contrast", vec![("colour", colour), ("ratio", format!("{ratio:.1}"))]).at("colour"),
        ));
    }
    set(&room.db, HELP_NAME, &name).await?;
    set(&room.db, HELP_COLOUR, &colour).await?;
    brand(room).await
}

/// Sets the help centre's logo (a raster image), or removes it (admins).
pub async fn set_logo(room: &Mailroom, _admin: &Admin, image: Option<Vec<u8>>) -> Result<Brand> {
    use podpora_store::settings::{set, HELP_LOGO};
    let value = match image {
        Some(bytes) => {
            if bytes.len() > MAX_IMAGE_BYTES {
                return Err(CommandError::Invalid(Reason::with(
                    "error-attachments-size",
                    vec![("mb", (MAX_IMAGE_BYTES >> 20).to_string())],
                )));
            }
            let ct = podpora_domain::media::raster_type(&bytes).ok_or(CommandError::Invalid(Reason::new("error-kb-image-type")))?;
            format!("{ct} {}", room.blobs.put(bytes).await?.as_str())
        }
        None => String::new(),
    };
    set(&room.db, HELP_LOGO, &value).await?;
    brand(room).await
}

/// The help centre's logo: its type and bytes (anyone).
pub async fn logo(room: &Mailroom) -> Result<(String, Vec<u8>)> {
    let v = podpora_store::settings::get(&room.db, podpora_store::settings::HELP_LOGO).await?.unwrap_or_default();
    let (ct, blob) = v.split_once(' ').ok_or(CommandError::NotFound(Thing::Attachment))?;
    Ok((ct.to_string(), room.blobs.get(&BlobId::parse(blob)?).await?))
}

/// An article found by a search: where it is, and a snippet of its text around the words found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ArticleHit {
    pub id: i64,
    pub title: String,
    pub language: String,
    pub slug: String,
    pub url: String,
    pub internal: bool,
    pub snippet: Vec<Piece>,
    #[serde(skip)]
    pub score: f64,
}

/// How many candidates the index's rank picks for ranking here (by title, votes and age).
const RANKED_CANDIDATES: u32 = 100;

/// Words of a snippet.
const SNIPPET_WORDS: usize = 28;

/// Published articles matching a query, best first: the help centre's (no actor: public ones
/// only) or an agent's (internal ones too); in one language (its code, refused when unknown), or any.
pub async fn search(room: &Mailroom, actor: Option<&Actor>, query: &str, language: Option<&str>, limit: usize) -> Result<Vec<ArticleHit>> {
    let language = language.map(|code| crate::admin::lang_of(code, "lang")).transpose()?;
    let mut terms = search::query_terms(query);
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    let mut conn = room.db.conn().await?;
    let found = store::search(&mut conn, &mut terms, language.map(Lang::code), actor.is_none(), RANKED_CANDIDATES).await?;
    let now = podpora_store::now_ms();
    let mut hits: Vec<ArticleHit> = found
        .into_iter()
        .filter_map(|a| {
            let p = a.published?;
            let age_days = (now - p.at) as f64 / 86_400_000.0;
            let body = search::Words::of(&p.body_text);
            Some(ArticleHit {
                id: a.id,
                score: search::score(&terms, &search::Words::of(&p.title), &body, a.helpful, a.unhelpful, age_days),
                snippet: search::snippet(&terms, &body, SNIPPET_WORDS),
                url: url(&a.language, &a.slug),
                title: p.title,
                language: a.language,
                slug: a.slug,
                internal: a.internal,
            })
        })
        .collect();
    hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
    hits.truncate(limit);
    Ok(hits)
}
