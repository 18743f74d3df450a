-- The knowledge base's search index: the published title and text of each article, folded
-- (podpora_domain::search::fold) and reduced to words, rowid = the article's id. Its vocabulary,
-- with a trigram index, gives the words a typo'd query word may mean.
CREATE VIRTUAL TABLE kb_search USING fts5(title, body, tokenize = 'unicode61 remove_diacritics 0');
CREATE TABLE kb_words (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  word TEXT NOT NULL UNIQUE
);
CREATE VIRTUAL TABLE kb_word_grams USING fts5(word, content = 'kb_words', content_rowid = 'id', tokenize = 'trigram');
CREATE TRIGGER kb_words_grams AFTER INSERT ON kb_words BEGIN
  INSERT INTO kb_word_grams (rowid, word) VALUES (new.id, new.word);
END;
