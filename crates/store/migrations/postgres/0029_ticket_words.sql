-- The ticket index's vocabulary: every word some ticket has, for completing the word being typed
-- and the stem of a word (matched as whole words, see store::search), and, for words of four
-- letters or more, a trigram index to find what a typo'd word may mean. Filled from the index.
-- Bytewise order ("C"), so that a word's completions are a range of the primary key.
CREATE TABLE ticket_words (
  word TEXT COLLATE "C" PRIMARY KEY
);
CREATE INDEX ticket_word_grams ON ticket_words USING GIN (word gin_trgm_ops) WHERE length(word) >= 4 AND word !~ '[0-9]';
INSERT INTO ticket_words (word) SELECT word FROM ts_stat('SELECT tsv FROM ticket_search') ORDER BY word ON CONFLICT DO NOTHING;
