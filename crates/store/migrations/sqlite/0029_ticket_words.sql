-- The ticket index's vocabulary: every word some ticket has, for completing the word being typed
-- and the stem of a word (matched as whole words, see store::search), and, for words of four
-- letters or more, a trigram index to find what a typo'd word may mean. Filled from the index.
CREATE TABLE ticket_words (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  word TEXT NOT NULL UNIQUE
);
CREATE VIRTUAL TABLE ticket_word_grams USING fts5(word, content = 'ticket_words', content_rowid = 'id', tokenize = 'trigram');
CREATE TRIGGER ticket_words_grams AFTER INSERT ON ticket_words WHEN length(new.word) >= 4 AND new.word NOT GLOB '*[0-9]*' BEGIN
  INSERT INTO ticket_word_grams (rowid, word) VALUES (new.id, new.word);
END;
CREATE VIRTUAL TABLE temp.ticket_terms USING fts5vocab(main, ticket_search, 'row');
INSERT OR IGNORE INTO ticket_words (word) SELECT term FROM temp.ticket_terms ORDER BY term;
DROP TABLE temp.ticket_terms;
