//! The knowledge base: categories (named per language), articles (one language each;
//! translations share a group), every saved version, every slug an article ever had (old URLs
//! redirect), visitors' votes and uploaded images. What an article shows on the help centre is
//! its published version, stored rendered; the draft is kept apart until it is published.

use crate::{now_ms, Backend, Result, StoreError, WriteTx};
use podpora_domain::search::Term;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

/// What a category holds: articles, or a FAQ (its articles shown as questions and answers).
pub const KINDS: &[&str] = &["articles", "faq"];

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CategoryName {
    pub language: String,
    pub name: String,
    pub description: String,
    pub slug: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Category {
    pub id: i64,
    pub kind: String,
    pub position: i64,
    /// Per language, in the order of the language codes.
    pub names: Vec<CategoryName>,
}

impl Category {
    /// Its name in this language, if it has one there.
    pub fn in_language(&self, language: &str) -> Option<&CategoryName> {
        self.names.iter().find(|n| n.language == language)
    }
}

/// Every category, by position.
pub async fn categories(conn: &mut AnyConnection) -> Result<Vec<Category>> {
    let mut names: HashMap<i64, Vec<CategoryName>> = HashMap::new();
    for r in sqlx::query("SELECT category_id, language, name, description, slug FROM kb_category_names ORDER BY language")
        .fetch_all(&mut *conn)
        .await?
    {
        names.entry(r.try_get(0)?).or_default().push(CategoryName {
            language: r.try_get(1)?,
            name: r.try_get(2)?,
            description: r.try_get(3)?,
            slug: r.try_get(4)?,
        });
    }
    sqlx::query("SELECT id, kind, position FROM kb_categories ORDER BY position, id")
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            let id: i64 = r.try_get(0)?;
            Ok(Category { id, kind: r.try_get(1)?, position: r.try_get(2)?, names: names.remove(&id).unwrap_or_default() })
        })
        .collect()
}

/// Adds a category (its names set with `set_category`).
pub async fn create_category(tx: &mut WriteTx, kind: &str, position: i64) -> Result<i64> {
    let now = now_ms();
    Ok(sqlx::query_scalar("INSERT INTO kb_categories (kind, position, created_at, updated_at) VALUES ($1, $2, $3, $3) RETURNING id")
        .bind(kind)
        .bind(position)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?)
}

/// Sets a category's kind, position and names (`false` if there is none). A slug another
/// category has in that language is a conflict naming it.
pub async fn set_category(tx: &mut WriteTx, id: i64, kind: &str, position: i64, names: &[CategoryName]) -> Result<bool> {
    for n in names {
        let owner: Option<i64> = sqlx::query_scalar("SELECT category_id FROM kb_category_names WHERE language = $1 AND slug = $2")
            .bind(&n.language)
            .bind(&n.slug)
            .fetch_optional(&mut **tx)
            .await?;
        if owner.is_some_and(|o| o != id) {
            return Err(StoreError::Conflict(format!("{}/{}", n.language, n.slug)));
        }
    }
    let n = sqlx::query("UPDATE kb_categories SET kind = $1, position = $2, updated_at = $3 WHERE id = $4")
        .bind(kind)
        .bind(position)
        .bind(now_ms())
        .bind(id)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    if n == 0 {
        return Ok(false);
    }
    sqlx::query("DELETE FROM kb_category_names WHERE category_id = $1").bind(id).execute(&mut **tx).await?;
    for n in names {
        sqlx::query("INSERT INTO kb_category_names (category_id, language, name, description, slug) VALUES ($1, $2, $3, $4, $5)")
            .bind(id)
            .bind(&n.language)
            .bind(&n.name)
            .bind(&n.description)
            .bind(&n.slug)
            .execute(&mut **tx)
            .await?;
    }
    Ok(true)
}

/// Removes a category; its articles stay, in no category (`false` if there is none).
pub async fn delete_category(tx: &mut WriteTx, id: i64) -> Result<bool> {
    sqlx::query("UPDATE kb_articles SET category_id = NULL WHERE category_id = $1").bind(id).execute(&mut **tx).await?;
    sqlx::query("DELETE FROM kb_category_names WHERE category_id = $1").bind(id).execute(&mut **tx).await?;
    Ok(sqlx::query("DELETE FROM kb_categories WHERE id = $1").bind(id).execute(&mut **tx).await?.rows_affected() > 0)
}

/// What the help centre shows of an article.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Published {
    pub version_id: i64,
    pub title: String,
    /// Sanitised when it was rendered.
    pub body_html: String,
    pub body_text: String,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Article {
    pub id: i64,
    /// Translations share it.
    pub group_id: i64,
    pub category_id: Option<i64>,
    pub language: String,
    /// The current one (older ones redirect to it).
    pub slug: String,
    /// For agents only: never on the help centre.
    pub internal: bool,
    /// On the help centre's front page.
    pub pinned: bool,
    pub position: i64,
    pub draft_title: String,
    pub draft_markdown: String,
    /// The version the draft is.
    pub version_id: i64,
    /// `None` while it is not on the help centre.
    pub published: Option<Published>,
    pub helpful: i64,
    pub unhelpful: i64,
    pub author_id: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Article {
    /// The draft differs from what is published (or nothing is).
    pub fn has_unpublished_changes(&self) -> bool {
        self.published.as_ref().is_none_or(|p| p.version_id != self.version_id)
    }

    /// The title readers see: the published one, else the draft's.
    pub fn title(&self) -> &str {
        self.published.as_ref().map(|p| p.title.as_str()).unwrap_or(&self.draft_title)
    }
}

const COLS: &str = "a.id, a.group_id, a.category_id, a.language, a.slug, a.internal, a.pinned, a.position, a.draft_title, \
                    a.draft_markdown, a.version_id, a.published_version_id, a.title, a.body_html, a.body_text, a.published_at, \
                    a.helpful, a.unhelpful, a.author_id, a.created_at, a.updated_at";

/// The columns of an article without its Markdown, HTML and text (for lists).
const LIST_COLS: &str = "a.id, a.group_id, a.category_id, a.language, a.slug, a.internal, a.pinned, a.position, a.draft_title, \
                         '' AS draft_markdown, a.version_id, a.published_version_id, a.title, '' AS body_html, '' AS body_text, \
                         a.published_at, a.helpful, a.unhelpful, a.author_id, a.created_at, a.updated_at";

fn article(r: &sqlx::any::AnyRow) -> Result<Article> {
    let published = match r.try_get::<Option<i64>, _>("published_version_id")? {
        Some(version_id) => Some(Published {
            version_id,
            title: r.try_get("title")?,
            body_html: r.try_get("body_html")?,
            body_text: r.try_get("body_text")?,
            at: r.try_get::<Option<i64>, _>("published_at")?.unwrap_or_default(),
        }),
        None => None,
    };
    Ok(Article {
        id: r.try_get("id")?,
        group_id: r.try_get("group_id")?,
        category_id: r.try_get("category_id")?,
        language: r.try_get("language")?,
        slug: r.try_get("slug")?,
        internal: r.try_get::<i64, _>("internal")? != 0,
        pinned: r.try_get::<i64, _>("pinned")? != 0,
        position: r.try_get("position")?,
        draft_title: r.try_get("draft_title")?,
        draft_markdown: r.try_get("draft_markdown")?,
        version_id: r.try_get("version_id")?,
        published,
        helpful: r.try_get("helpful")?,
        unhelpful: r.try_get("unhelpful")?,
        author_id: r.try_get("author_id")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

pub async fn get(conn: &mut AnyConnection, id: i64) -> Result<Option<Article>> {
    sqlx::query(&format!("SELECT {COLS} FROM kb_articles a WHERE a.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(article)
        .transpose()
}

/// Which articles a list holds.
#[derive(Debug, Clone, Default)]
pub struct ArticleQuery<'a> {
    pub category_id: Option<i64>,
    pub language: Option<&'a str>,
    /// Only those on the help centre: published and not internal.
    pub public_only: bool,
    pub pinned_only: bool,
    /// With their Markdown and HTML (else those are empty).
    pub with_bodies: bool,
}

/// Articles by category, position and title.
pub async fn list(conn: &mut AnyConnection, q: &ArticleQuery<'_>) -> Result<Vec<Article>> {
    let mut sql = format!("SELECT {} FROM kb_articles a WHERE 1 = 1", if q.with_bodies { COLS } else { LIST_COLS });
    let mut n = 0;
    let mut param = || {
        n += 1;
        format!("${n}")
    };
    if q.category_id.is_some() {
        sql.push_str(&format!(" AND a.category_id = {}", param()));
    }
    if q.language.is_some() {
        sql.push_str(&format!(" AND a.language = {}", param()));
    }
    if q.public_only {
        sql.push_str(" AND a.published_version_id IS NOT NULL AND a.internal = 0");
    }
    if q.pinned_only {
        sql.push_str(" AND a.pinned = 1");
    }
    sql.push_str(" ORDER BY a.category_id, a.position, a.title, a.draft_title, a.id");
    let mut query = sqlx::query(&sql);
    if let Some(c) = q.category_id {
        query = query.bind(c);
    }
    if let Some(l) = q.language {
        query = query.bind(l);
    }
    query.fetch_all(conn).await?.iter().map(article).collect()
}

/// The article a slug of this language names, with its current slug (a different one: the
/// slug is an old one, to redirect from).
pub async fn by_slug(conn: &mut AnyConnection, language: &str, slug: &str) -> Result<Option<(i64, String)>> {
    let r =
        sqlx::query("SELECT a.id, a.slug FROM kb_slugs s JOIN kb_articles a ON a.id = s.article_id WHERE s.language = $1 AND s.slug = $2")
            .bind(language)
            .bind(slug)
            .fetch_optional(conn)
            .await?;
    r.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
}

/// An article's translations, itself included: id, language, slug, on the help centre.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Translation {
    pub id: i64,
    pub language: String,
    pub slug: String,
    pub public: bool,
}

pub async fn translations(conn: &mut AnyConnection, group_id: i64) -> Result<Vec<Translation>> {
    sqlx::query("SELECT id, language, slug, published_version_id, internal FROM kb_articles WHERE group_id = $1 ORDER BY language")
        .bind(group_id)
        .fetch_all(conn)
        .await?
        .iter()
        .map(|r| {
            Ok(Translation {
                id: r.try_get(0)?,
                language: r.try_get(1)?,
                slug: r.try_get(2)?,
                public: r.try_get::<Option<i64>, _>(3)?.is_some() && r.try_get::<i64, _>(4)? == 0,
            })
        })
        .collect()
}

/// A slug of this language not yet used by another article (now or before): `wanted`, else
/// `wanted-2`, `wanted-3`, …
async fn free_slug(tx: &mut WriteTx, language: &str, wanted: &str, article_id: Option<i64>) -> Result<String> {
    for n in 1.. {
        let slug = if n == 1 { wanted.to_string() } else { format!("{wanted}-{n}") };
        let owner: Option<i64> = sqlx::query_scalar("SELECT article_id FROM kb_slugs WHERE language = $1 AND slug = $2")
            .bind(language)
            .bind(&slug)
            .fetch_optional(&mut **tx)
            .await?;
        if owner.is_none() || owner == article_id {
            return Ok(slug);
        }
    }
    unreachable!("the loop above returns")
}

/// A new article, its first version its draft.
#[derive(Debug, Clone)]
pub struct NewArticle<'a> {
    /// The article it translates (its group is joined), if any.
    pub translation_of: Option<i64>,
    pub category_id: Option<i64>,
    pub language: &'a str,
    /// Wanted; made unique in its language.
    pub slug: &'a str,
    pub internal: bool,
    pub pinned: bool,
    pub position: i64,
    pub title: &'a str,
    pub markdown: &'a str,
    pub author_id: Option<i64>,
}

/// Adds an article; a translation of one that has this language already is a conflict.
pub async fn create(tx: &mut WriteTx, a: &NewArticle<'_>) -> Result<i64> {
    let group: Option<i64> = match a.translation_of {
        Some(of) => Some(
            sqlx::query_scalar("SELECT group_id FROM kb_articles WHERE id = $1")
                .bind(of)
                .fetch_optional(&mut **tx)
                .await?
                .ok_or(StoreError::NotFound)?,
        ),
        None => None,
    };
    if let Some(g) = group {
        let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM kb_articles WHERE group_id = $1 AND language = $2")
            .bind(g)
            .bind(a.language)
            .fetch_optional(&mut **tx)
            .await?;
        if taken.is_some() {
            return Err(StoreError::Conflict(format!("translation {}", a.language)));
        }
    }
    let slug = free_slug(tx, a.language, a.slug, None).await?;
    let now = now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO kb_articles (group_id, category_id, language, slug, internal, pinned, position, draft_title, draft_markdown, \
         author_id, created_at, updated_at) VALUES (0, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
    )
    .bind(a.category_id)
    .bind(a.language)
    .bind(&slug)
    .bind(a.internal as i64)
    .bind(a.pinned as i64)
    .bind(a.position)
    .bind(a.title)
    .bind(a.markdown)
    .bind(a.author_id)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query("UPDATE kb_articles SET group_id = $1 WHERE id = $2").bind(group.unwrap_or(id)).bind(id).execute(&mut **tx).await?;
    sqlx::query("INSERT INTO kb_slugs (language, slug, article_id) VALUES ($1, $2, $3)")
        .bind(a.language)
        .bind(&slug)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    save_draft(tx, id, a.title, a.markdown, a.author_id).await?;
    Ok(id)
}

/// Saves a draft as a new version (none when it is the draft already); the version's id.
pub async fn save_draft(tx: &mut WriteTx, id: i64, title: &str, markdown: &str, author_id: Option<i64>) -> Result<i64> {
    let current: Option<(i64, String, String)> = sqlx::query(
        "SELECT v.id, v.title, v.markdown FROM kb_articles a JOIN kb_article_versions v ON v.id = a.version_id WHERE a.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .map(|r| Ok::<_, sqlx::Error>((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
    .transpose()?;
    if let Some((v, t, m)) = current {
        if t == title && m == markdown {
            return Ok(v);
        }
    }
    let now = now_ms();
    let v: i64 = sqlx::query_scalar(
        "INSERT INTO kb_article_versions (article_id, title, markdown, author_id, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(id)
    .bind(title)
    .bind(markdown)
    .bind(author_id)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query("UPDATE kb_articles SET draft_title = $1, draft_markdown = $2, version_id = $3, updated_at = $4 WHERE id = $5")
        .bind(title)
        .bind(markdown)
        .bind(v)
        .bind(now)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(v)
}

/// Where an article stands, as set.
#[derive(Debug, Clone)]
pub struct Placement {
    pub category_id: Option<i64>,
    pub internal: bool,
    pub pinned: bool,
    pub position: i64,
}

pub async fn place(tx: &mut WriteTx, id: i64, p: &Placement) -> Result<()> {
    sqlx::query("UPDATE kb_articles SET category_id = $1, internal = $2, pinned = $3, position = $4, updated_at = $5 WHERE id = $6")
        .bind(p.category_id)
        .bind(p.internal as i64)
        .bind(p.pinned as i64)
        .bind(p.position)
        .bind(now_ms())
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Gives an article a new slug (made unique in its language); the old one keeps leading to it.
/// Returns the slug it got.
pub async fn set_slug(tx: &mut WriteTx, id: i64, language: &str, wanted: &str) -> Result<String> {
    let slug = free_slug(tx, language, wanted, Some(id)).await?;
    sqlx::query("INSERT INTO kb_slugs (language, slug, article_id) VALUES ($1, $2, $3) ON CONFLICT (language, slug) DO NOTHING")
        .bind(language)
        .bind(&slug)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("UPDATE kb_articles SET slug = $1 WHERE id = $2").bind(&slug).bind(id).execute(&mut **tx).await?;
    Ok(slug)
}

/// Puts the draft on the help centre, rendered as given.
pub async fn publish(tx: &mut WriteTx, id: i64, body_html: &str, body_text: &str) -> Result<()> {
    let now = now_ms();
    let title: String = sqlx::query_scalar(
        "UPDATE kb_articles SET published_version_id = version_id, title = draft_title, body_html = $1, body_text = $2, \
         published_at = $3, updated_at = $3 WHERE id = $4 RETURNING title",
    )
    .bind(body_html)
    .bind(body_text)
    .bind(now)
    .bind(id)
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query(
        "UPDATE kb_article_versions SET published_at = $1 WHERE published_at IS NULL AND id = (SELECT version_id FROM kb_articles WHERE id = $2)",
    )
    .bind(now)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    index(tx, id, Some((&title, body_text))).await
}

/// Takes an article off the help centre (its draft and versions stay).
pub async fn unpublish(tx: &mut WriteTx, id: i64) -> Result<()> {
    sqlx::query(
        "UPDATE kb_articles SET published_version_id = NULL, title = '', body_html = '', body_text = '', published_at = NULL, \
         updated_at = $1 WHERE id = $2",
    )
    .bind(now_ms())
    .bind(id)
    .execute(&mut **tx)
    .await?;
    index(tx, id, None).await
}

/// Removes an article with its versions, slugs, votes and files (`false` if there is none).
/// Its translations stay; if it led their group, the next one leads it.
pub async fn delete(tx: &mut WriteTx, id: i64) -> Result<bool> {
    index(tx, id, None).await?;
    for table in ["kb_article_versions", "kb_slugs", "kb_votes", "kb_files"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE article_id = $1")).bind(id).execute(&mut **tx).await?;
    }
    let gone = sqlx::query("DELETE FROM kb_articles WHERE id = $1").bind(id).execute(&mut **tx).await?.rows_affected() > 0;
    sqlx::query("UPDATE kb_articles SET group_id = (SELECT MIN(b.id) FROM kb_articles b WHERE b.group_id = $1) WHERE group_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(gone)
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Version {
    pub id: i64,
    pub title: String,
    pub markdown: String,
    pub author_id: Option<i64>,
    pub created_at: i64,
    pub published_at: Option<i64>,
}

fn version(r: &sqlx::any::AnyRow) -> Result<Version> {
    Ok(Version {
        id: r.try_get(0)?,
        title: r.try_get(1)?,
        markdown: r.try_get(2)?,
        author_id: r.try_get(3)?,
        created_at: r.try_get(4)?,
        published_at: r.try_get(5)?,
    })
}

/// An article's versions, newest first.
pub async fn versions(conn: &mut AnyConnection, article_id: i64) -> Result<Vec<Version>> {
    sqlx::query(
        "SELECT id, title, markdown, author_id, created_at, published_at FROM kb_article_versions WHERE article_id = $1 ORDER BY id DESC",
    )
    .bind(article_id)
    .fetch_all(conn)
    .await?
    .iter()
    .map(version)
    .collect()
}

/// A visitor's vote (a second one changes theirs); the article's counts after it.
pub async fn vote(tx: &mut WriteTx, article_id: i64, voter: &str, helpful: bool) -> Result<(i64, i64)> {
    sqlx::query(
        "INSERT INTO kb_votes (article_id, voter, helpful, at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (article_id, voter) DO UPDATE SET helpful = excluded.helpful, at = excluded.at",
    )
    .bind(article_id)
    .bind(voter)
    .bind(helpful as i64)
    .bind(now_ms())
    .execute(&mut **tx)
    .await?;
    let r = sqlx::query(
        "UPDATE kb_articles SET \
         helpful = (SELECT COUNT(*) FROM kb_votes WHERE article_id = $1 AND helpful = 1), \
         unhelpful = (SELECT COUNT(*) FROM kb_votes WHERE article_id = $1 AND helpful = 0) \
         WHERE id = $1 RETURNING helpful, unhelpful",
    )
    .bind(article_id)
    .fetch_one(&mut **tx)
    .await?;
    Ok((r.try_get(0)?, r.try_get(1)?))
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct File {
    pub id: i64,
    pub article_id: i64,
    pub blob_id: String,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
}

pub async fn add_file(tx: &mut WriteTx, f: &File, uploaded_by: Option<i64>) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO kb_files (article_id, blob_id, filename, content_type, size, uploaded_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(f.article_id)
    .bind(&f.blob_id)
    .bind(&f.filename)
    .bind(&f.content_type)
    .bind(f.size)
    .bind(uploaded_by)
    .bind(now_ms())
    .fetch_one(&mut **tx)
    .await?)
}

pub async fn file(conn: &mut AnyConnection, id: i64) -> Result<Option<File>> {
    sqlx::query("SELECT id, article_id, blob_id, filename, content_type, size FROM kb_files WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?
        .map(|r| {
            Ok(File {
                id: r.try_get(0)?,
                article_id: r.try_get(1)?,
                blob_id: r.try_get(2)?,
                filename: r.try_get(3)?,
                content_type: r.try_get(4)?,
                size: r.try_get(5)?,
            })
        })
        .transpose()
}

/// Writes an article's published title and text into the search index, replacing what it had,
/// and their words into the vocabulary typos are looked up in; `None` takes it out.
async fn index(tx: &mut WriteTx, id: i64, published: Option<(&str, &str)>) -> Result<()> {
    let backend = crate::db::backend_of(tx);
    let key = if backend == Backend::Sqlite { "rowid" } else { "article_id" };
    sqlx::query(&format!("DELETE FROM kb_search WHERE {key} = $1")).bind(id).execute(&mut **tx).await?;
    let Some((title, body)) = published else { return Ok(()) };
    let (title, body) = (crate::search::words(title), crate::search::words(body));
    let insert = match backend {
        Backend::Sqlite => "INSERT INTO kb_search (rowid, title, body) VALUES ($1, $2, $3)",
        Backend::Postgres => {
            "INSERT INTO kb_search (article_id, tsv) VALUES ($1, setweight(array_to_tsvector(string_to_array($2, ' ')), 'A') \
             || setweight(array_to_tsvector(string_to_array($3, ' ')), 'B'))"
        }
    };
    sqlx::query(insert).bind(id).bind(&title).bind(&body).execute(&mut **tx).await?;
    // Only words a typo can be found for: letters only, four or more of them.
    let mut vocabulary: Vec<&str> =
        title.split(' ').chain(body.split(' ')).filter(|w| w.chars().count() >= 4 && w.chars().all(char::is_alphabetic)).collect();
    crate::vocabulary::ARTICLES.add(tx, &mut vocabulary).await?;
    Ok(())
}

/// Indexes published articles the search index lacks (those published before it existed).
pub async fn index_missing(db: &crate::Db) -> Result<()> {
    let key = if db.backend() == Backend::Sqlite { "rowid" } else { "article_id" };
    let missing: Vec<(i64, String, String)> = sqlx::query_as(&format!(
        "SELECT id, title, body_text FROM kb_articles WHERE published_version_id IS NOT NULL AND id NOT IN (SELECT {key} FROM kb_search)"
    ))
    .fetch_all(db.pool())
    .await?;
    if missing.is_empty() {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    for (id, title, body) in &missing {
        index(&mut tx, *id, Some((title, body))).await?;
    }
    tx.commit().await
}

/// The columns of an article for search results: a list's, with its text (for the snippet).
const SEARCH_COLS: &str = "a.id, a.group_id, a.category_id, a.language, a.slug, a.internal, a.pinned, a.position, a.draft_title, \
                           '' AS draft_markdown, a.version_id, a.published_version_id, a.title, '' AS body_html, a.body_text, \
                           a.published_at, a.helpful, a.unhelpful, a.author_id, a.created_at, a.updated_at";

/// Whether any published article has a word this term matches.
async fn known(conn: &mut AnyConnection, backend: Backend, term: &Term) -> Result<bool> {
    let sql = match backend {
        Backend::Sqlite => "SELECT 1 FROM kb_search WHERE kb_search MATCH $1 LIMIT 1",
        Backend::Postgres => "SELECT 1 FROM kb_search WHERE tsv @@ to_tsquery('simple', $1) LIMIT 1",
    };
    Ok(sqlx::query_scalar::<_, i32>(sql)
        .bind(crate::search::expression(backend, std::slice::from_ref(term)))
        .fetch_optional(conn)
        .await?
        .is_some())
}

/// Published articles matching every term (by any of its forms; a term no article has is read
/// as the known words it is a typo of), best by the index's rank first, at most `limit`; with
/// their text. The terms gain the typo readings used (for ranking and snippets).
pub async fn search(
    conn: &mut AnyConnection,
    terms: &mut [Term],
    language: Option<&str>,
    public_only: bool,
    limit: u32,
) -> Result<Vec<Article>> {
    let backend = crate::db::backend_of(conn);
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    for term in terms.iter_mut() {
        if podpora_domain::search::typo_tolerant(&term.word) && !known(conn, backend, term).await? {
            let readings = crate::vocabulary::ARTICLES.typo_readings(conn, term).await?;
            term.add_typos(readings);
        }
    }
    let mut sql = match backend {
        Backend::Sqlite => format!("SELECT {SEARCH_COLS} FROM kb_search s JOIN kb_articles a ON a.id = s.rowid WHERE kb_search MATCH $1"),
        Backend::Postgres => {
            format!(
                "SELECT {SEARCH_COLS} FROM kb_search s JOIN kb_articles a ON a.id = s.article_id WHERE s.tsv @@ to_tsquery('simple', $1)"
            )
        }
    };
    if public_only {
        sql.push_str(" AND a.internal = 0");
    }
    if language.is_some() {
        sql.push_str(" AND a.language = $2");
    }
    sql.push_str(match backend {
        Backend::Sqlite => " ORDER BY bm25(kb_search, 10.0, 1.0)",
        Backend::Postgres => " ORDER BY ts_rank(s.tsv, to_tsquery('simple', $1)) DESC",
    });
    sql.push_str(&format!(", a.id LIMIT {}", limit.clamp(1, 500)));
    let mut q = sqlx::query(&sql).bind(crate::search::expression(backend, terms));
    if let Some(l) = language {
        q = q.bind(l);
    }
    q.fetch_all(conn).await?.iter().map(article).collect()
}
