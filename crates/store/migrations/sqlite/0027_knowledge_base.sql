-- The knowledge base. Categories (articles, or a FAQ of question/answer blocks) have a name,
-- description and slug per language. An article is written in one language; its translations
-- share its group_id (the first one's id). Its draft (what the editor last saved) is kept apart
-- from what the help centre shows (the published version, rendered); every save is a version.
-- Every slug an article had stays in kb_slugs, so an old URL redirects to the current one.
CREATE TABLE kb_categories (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL DEFAULT 'articles',
  position BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE kb_category_names (
  category_id BIGINT NOT NULL REFERENCES kb_categories(id),
  language TEXT NOT NULL,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  slug TEXT NOT NULL,
  PRIMARY KEY (category_id, language)
);
CREATE UNIQUE INDEX kb_category_slugs ON kb_category_names (language, slug);
CREATE TABLE kb_articles (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  group_id BIGINT NOT NULL,
  category_id BIGINT REFERENCES kb_categories(id),
  language TEXT NOT NULL,
  slug TEXT NOT NULL,
  internal BIGINT NOT NULL DEFAULT 0,
  pinned BIGINT NOT NULL DEFAULT 0,
  position BIGINT NOT NULL DEFAULT 0,
  draft_title TEXT NOT NULL,
  draft_markdown TEXT NOT NULL,
  -- The version the draft is (the last saved).
  version_id BIGINT NOT NULL DEFAULT 0,
  -- What the help centre shows; NULL while never published or taken off.
  published_version_id BIGINT,
  title TEXT NOT NULL DEFAULT '',
  body_html TEXT NOT NULL DEFAULT '',
  body_text TEXT NOT NULL DEFAULT '',
  published_at BIGINT,
  helpful BIGINT NOT NULL DEFAULT 0,
  unhelpful BIGINT NOT NULL DEFAULT 0,
  author_id BIGINT REFERENCES users(id),
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX kb_articles_translations ON kb_articles (group_id, language);
CREATE INDEX kb_articles_category ON kb_articles (category_id, position, id);
CREATE TABLE kb_article_versions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  article_id BIGINT NOT NULL REFERENCES kb_articles(id),
  title TEXT NOT NULL,
  markdown TEXT NOT NULL,
  author_id BIGINT REFERENCES users(id),
  created_at BIGINT NOT NULL,
  -- When this version went on the help centre, if it did.
  published_at BIGINT
);
CREATE INDEX kb_article_versions_article ON kb_article_versions (article_id, id);
CREATE TABLE kb_slugs (
  language TEXT NOT NULL,
  slug TEXT NOT NULL,
  article_id BIGINT NOT NULL REFERENCES kb_articles(id),
  PRIMARY KEY (language, slug)
);
-- One vote per article and visitor (a hash of the visitor's cookie); voting again changes it.
CREATE TABLE kb_votes (
  article_id BIGINT NOT NULL REFERENCES kb_articles(id),
  voter TEXT NOT NULL,
  helpful BIGINT NOT NULL,
  at BIGINT NOT NULL,
  PRIMARY KEY (article_id, voter)
);
-- Images uploaded into an article, served under /help/files/{id}/{name}.
CREATE TABLE kb_files (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  article_id BIGINT NOT NULL REFERENCES kb_articles(id),
  blob_id TEXT NOT NULL,
  filename TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size BIGINT NOT NULL,
  uploaded_by BIGINT REFERENCES users(id),
  created_at BIGINT NOT NULL
);
CREATE INDEX kb_files_article ON kb_files (article_id);
