//! The vocabularies of the search indexes: the words of the knowledge base's published articles
//! (`kb_words`, letters only, four or more) and every word of every ticket (`ticket_words`), each
//! with a trigram index over its words of four letters or more. A query word no indexed text has
//! is looked up there for the words it may be a typo of; the ticket vocabulary also gives the
//! whole words a word being typed, or a stem, stands for. Vocabularies only grow: a word no text
//! has any more costs a look-up, never a wrong result.

use crate::{Backend, Result};
use podpora_domain::search::{typo, Term};
use sqlx::AnyConnection;

#[derive(Debug, Clone, Copy)]
pub(crate) struct Vocabulary {
    words: &'static str,
    grams: &'static str,
}

pub(crate) const ARTICLES: Vocabulary = Vocabulary { words: "kb_words", grams: "kb_word_grams" };
pub(crate) const TICKETS: Vocabulary = Vocabulary { words: "ticket_words", grams: "ticket_word_grams" };

/// Most typo readings kept for one query word.
const TYPO_READINGS: usize = 5;

/// Words of a vocabulary's range read to pick the shortest completions from.
const COMPLETION_SCAN: usize = 200;

impl Vocabulary {
    /// Adds these words (those it lacks). They are written in sorted order, so that instances
    /// adding the same new words at once wait for each other rather than deadlock.
    pub(crate) async fn add(self, conn: &mut AnyConnection, words: &mut Vec<&str>) -> Result<()> {
        words.sort_unstable();
        words.dedup();
        for chunk in words.chunks(500) {
            let sql = format!(
                "INSERT INTO {} (word) VALUES {} ON CONFLICT (word) DO NOTHING",
                self.words,
                crate::db::values_list(chunk.len(), 1, 1)
            );
            let mut q = sqlx::query(&sql);
            for w in chunk {
                q = q.bind(*w);
            }
            q.execute(&mut *conn).await?;
        }
        Ok(())
    }

    /// Whether some text has this word.
    pub(crate) async fn contains(self, conn: &mut AnyConnection, word: &str) -> Result<bool> {
        let sql = format!("SELECT 1 FROM {} WHERE word = $1", self.words);
        Ok(sqlx::query_scalar::<_, i32>(&sql).bind(word).fetch_optional(conn).await?.is_some())
    }

    /// Known words starting with `prefix` (the word itself too), the `max` shortest of the first
    /// few hundred in byte order, shortest first.
    pub(crate) async fn completions(self, conn: &mut AnyConnection, prefix: &str, max: usize) -> Result<Vec<String>> {
        let sql = format!("SELECT word FROM {} WHERE {} ORDER BY word LIMIT {COMPLETION_SCAN}", self.words, starts_with(conn));
        let mut words: Vec<String> = sqlx::query_scalar(&sql).bind(prefix).fetch_all(conn).await?;
        words.sort_by_key(|w| w.len());
        words.truncate(max);
        Ok(words)
    }

    /// The known words a word no text has may be a typo of, nearest first (see
    /// `podpora_domain::search::typo`).
    pub(crate) async fn typo_readings(self, conn: &mut AnyConnection, term: &Term) -> Result<Vec<String>> {
        let mut readings: Vec<(usize, String)> =
            self.similar(conn, &term.word).await?.into_iter().filter_map(|w| typo(&term.word, &w, term.typing()).map(|d| (d, w))).collect();
        // (The trigram and the first-letters look-ups may both find a word.)
        readings.sort();
        readings.dedup();
        Ok(readings.into_iter().take(TYPO_READINGS).map(|(_, w)| w).collect())
    }

    /// Candidates for what `word` may be a typo of: words sharing trigrams with it, and words of
    /// about its length starting with its first two letters.
    async fn similar(self, conn: &mut AnyConnection, word: &str) -> Result<Vec<String>> {
        let backend = crate::db::backend_of(conn);
        let grams = podpora_domain::search::trigrams(word);
        if grams.is_empty() {
            return Ok(Vec::new());
        }
        let (sql, arg) = match backend {
            Backend::Sqlite => (
                format!("SELECT word FROM {g} WHERE {g} MATCH $1 ORDER BY rank LIMIT 300", g = self.grams),
                grams.iter().map(|g| format!("\"{g}\"")).collect::<Vec<_>>().join(" OR "),
            ),
            // (The conditions after the first are those of the ticket vocabulary's partial index.)
            Backend::Postgres => (
                format!(
                    "SELECT word FROM {} WHERE (word % $1 OR $1 <% word) AND length(word) >= 4 AND word !~ '[0-9]' LIMIT 300",
                    self.words
                ),
                word.to_string(),
            ),
        };
        let mut words: Vec<String> = sqlx::query_scalar(&sql).bind(arg).fetch_all(&mut *conn).await?;
        // A short word with its middle letters swapped shares no trigram with what it means
        // ("zwort", "zwrot").
        let start: String = word.chars().take(2).collect();
        let len = word.chars().count() as i64;
        let sql = format!("SELECT word FROM {} WHERE {} AND length(word) BETWEEN $2 AND $3 LIMIT 300", self.words, starts_with(conn));
        words.extend(sqlx::query_scalar::<_, String>(&sql).bind(start).bind(len - 2).bind(len + 2).fetch_all(conn).await?);
        Ok(words)
    }
}

/// "`word` starts with $1", for an index to answer. SQLite compares bytewise, and no UTF-8 text
/// starting with $1 is greater than $1 followed by U+10FFFF (f4 8f bf bf); PostgreSQL's `LIKE`
/// on a prefix uses the ticket vocabulary's index (its collation is "C"). Prefixes are letters
/// and digits only (`podpora_domain::search::terms`): nothing `LIKE` reads as a pattern.
fn starts_with(conn: &AnyConnection) -> &'static str {
    match crate::db::backend_of(conn) {
        Backend::Sqlite => "word >= $1 AND word < $1 || x'f48fbfbf'",
        Backend::Postgres => "word LIKE $1 || '%'",
    }
}
