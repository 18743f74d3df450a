-- The knowledge base's search index: the published title (weight A) and text (weight B) of each
-- article, folded (podpora_domain::search::fold) and reduced to words. Its vocabulary, with a
-- trigram index (pg_trgm, a trusted extension), gives the words a typo'd query word may mean.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE TABLE kb_search (
  article_id BIGINT PRIMARY KEY REFERENCES kb_articles(id),
  tsv TSVECTOR NOT NULL
);
CREATE INDEX kb_search_tsv ON kb_search USING GIN (tsv);
CREATE TABLE kb_words (
  id BIGSERIAL PRIMARY KEY,
  word TEXT NOT NULL UNIQUE
);
CREATE INDEX kb_words_grams ON kb_words USING GIN (word gin_trgm_ops);
