//! Synthetic data for `podpora bench ui`: a million tickets in seconds, generated inside the
//! database (set-based INSERT … SELECT over a number series) rather than row by row.

use crate::{now_ms, Backend, Db, Result};

fn series(backend: Backend, n: i64) -> String {
    match backend {
        Backend::Sqlite => format!("WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n})"),
        Backend::Postgres => format!("WITH s(i) AS (SELECT generate_series(1, {n})::BIGINT)"),
    }
}

/// `n` tickets in `mailbox_id` (one customer per four tickets, one message each), with a realistic
/// spread of statuses (5 % new, 10 % open, 5 % pending, 10 % solved, the rest closed); then one
/// ticket with a `thread`-message conversation. Returns that ticket's number.
pub async fn tickets(db: &Db, mailbox_id: i64, n: i64, thread: i64) -> Result<i64> {
    let b = db.backend();
    let now = now_ms();
    let customers = (n / 4).max(1);
    let mut tx = db.begin().await?;
    let s = series(b, customers);
    sqlx::query(&format!("{s} INSERT INTO customers (name, created_at) SELECT 'Customer ' || i, {now} FROM s")).execute(&mut *tx).await?;
    let first_customer: i64 = sqlx::query_scalar("SELECT MIN(id) FROM customers").fetch_one(&mut *tx).await?;
    sqlx::query(&format!("{s} INSERT INTO customer_addresses (address, customer_id, created_at) SELECT 'customer' || i || '@mail.example.cz', {first_customer} - 1 + i, {now} FROM s"))
        .execute(&mut *tx)
        .await?;
    let s = series(b, n);
    let status = "CASE WHEN i % 20 = 0 THEN 'new' WHEN i % 20 IN (1, 2) THEN 'open' WHEN i % 20 = 3 THEN 'pending' WHEN i % 20 IN (4, 5) THEN 'solved' ELSE 'closed' END";
    sqlx::query(&format!(
        "{s} INSERT INTO tickets (number, mailbox_id, customer_id, subject, status, channel, priority, created_at, updated_at) \
         SELECT i, {mailbox_id}, {first_customer} + (i % {customers}), 'Order ' || i || ' ' || CASE WHEN i % 3 = 0 THEN 'did not arrive' WHEN i % 3 = 1 THEN 'invoice missing' ELSE 'wrong size, return' END, \
         {status}, 'email', CASE WHEN i % 50 = 0 THEN 'high' ELSE 'normal' END, {now} - ({n} - i) * 1000, {now} - ({n} - i) * 1000 FROM s"
    ))
    .execute(&mut *tx)
    .await?;
    let first_ticket: i64 = sqlx::query_scalar("SELECT MIN(id) FROM tickets").fetch_one(&mut *tx).await?;
    sqlx::query(&format!(
        "{s} INSERT INTO messages (ticket_id, direction, kind, from_address, from_name, subject, body_text, created_at) \
         SELECT {first_ticket} - 1 + i, 'in', 'message', 'customer' || (1 + i % {customers}) || '@mail.example.cz', 'Customer', 'Order ' || i, \
         'Hello, I ordered item ' || i || ' two weeks ago and it has not arrived yet. Could you check the parcel, please?', {now} FROM s"
    ))
    .execute(&mut *tx)
    .await?;
    let (target, words) = match b {
        Backend::Sqlite => ("ticket_search (rowid, text)", "{}"),
        Backend::Postgres => ("ticket_search (ticket_id, tsv)", "to_tsvector('simple', {})"),
    };
    let text = format!(
        "t.number || ' ' || lower(t.subject) || ' customer' || (1 + t.number % {customers}) || ' mail example cz ' || lower(m.body_text)"
    );
    sqlx::query(&format!(
        "INSERT INTO {target} SELECT t.id, {} FROM tickets t JOIN messages m ON m.ticket_id = t.id",
        words.replace("{}", &text)
    ))
    .execute(&mut *tx)
    .await?;
    crate::search::fill_vocabulary(&mut tx).await?;
    let big = n + 1;
    sqlx::query(&format!(
        "INSERT INTO tickets (number, mailbox_id, customer_id, subject, status, channel, priority, created_at, updated_at) VALUES ({big}, {mailbox_id}, {first_customer}, 'A very long conversation', 'open', 'email', 'normal', {now}, {now})"
    ))
    .execute(&mut *tx)
    .await?;
    let big_id: i64 = sqlx::query_scalar("SELECT id FROM tickets WHERE number = $1").bind(big).fetch_one(&mut *tx).await?;
    let s = series(b, thread);
    sqlx::query(&format!(
        "{s} INSERT INTO messages (ticket_id, direction, kind, from_address, from_name, subject, body_text, body_html, created_at) \
         SELECT {big_id}, CASE WHEN i % 2 = 0 THEN 'out' ELSE 'in' END, 'message', 'customer1@mail.example.cz', 'Customer', 'Re: A very long conversation', \
         'Message ' || i || ': thank you, one more question about the order.', CASE WHEN i % 4 = 1 THEN '<p>Message ' || i || ' with <b>HTML</b></p>' ELSE NULL END, {now} + i FROM s"
    ))
    .execute(&mut *tx)
    .await?;
    match b {
        Backend::Sqlite => {
            sqlx::query("UPDATE counters SET value = $1 WHERE name = 'ticket_number'").bind(big).execute(&mut *tx).await?;
        }
        Backend::Postgres => {
            sqlx::query(&format!("SELECT setval('ticket_number_seq', {big})")).execute(&mut *tx).await?;
        }
    }
    tx.commit().await?;
    // Fresh statistics, as a database that grew to this size would have.
    sqlx::query("ANALYZE").execute(db.pool()).await?;
    Ok(big)
}

/// A routing history over the tickets seeded by `tickets` (`bench routing`): their new, open and
/// pending tickets spread over `agents` as assignees, an agent's answer on every other ticket
/// (`days_ago` old at most, spread) for the sticky policy, and every tenth customer with one of
/// the agents as account manager.
pub async fn routing_history(db: &Db, agents: &[i64], days_ago: i64) -> Result<()> {
    let Some(&first) = agents.first() else { return Ok(()) };
    // (The agents are created one after the other, so their ids are consecutive.)
    let count = agents.len() as i64;
    let now = now_ms();
    let mut tx = db.begin().await?;
    sqlx::query(&format!("UPDATE tickets SET assignee_id = {first} + (id % {count}) WHERE status IN ('new', 'open', 'pending')"))
        .execute(&mut *tx)
        .await?;
    sqlx::query(&format!(
        "INSERT INTO messages (ticket_id, direction, kind, from_address, from_name, subject, body_text, author_user_id, created_at) \
         SELECT id, 'out', 'message', 'help@shop.example', 'Support', 'Re: ' || subject, 'We are on it.', {first} + ((id / 2) % {count}), \
         {now} - (id % {days_ago}) * 86400000 FROM tickets WHERE id % 2 = 0"
    ))
    .execute(&mut *tx)
    .await?;
    sqlx::query(&format!("UPDATE customers SET account_manager_id = {first} + (id % {count}) WHERE id % 10 = 0")).execute(&mut *tx).await?;
    tx.commit().await?;
    sqlx::query("ANALYZE").execute(db.pool()).await?;
    Ok(())
}

/// `count` published knowledge-base articles (`bench search`), half Czech, half English, their
/// titles and texts random picks of `words`.
pub async fn articles(db: &Db, count: usize, words: &[&str]) -> Result<()> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    let mut pick = |k: usize| (0..k).map(|_| words[rng.gen_range(0..words.len())]).collect::<Vec<_>>().join(" ");
    let mut made = 0;
    while made < count {
        let mut tx = db.begin().await?;
        for _ in 0..500.min(count - made) {
            let title = format!("{} {made}", pick(4));
            let body = format!("{}.\n\n{}.", pick(60), pick(60));
            let a = crate::kb::NewArticle {
                translation_of: None,
                category_id: None,
                language: if made % 2 == 0 { "cs" } else { "en" },
                slug: &podpora_domain::article::slug(&title),
                internal: false,
                pinned: false,
                position: 0,
                title: &title,
                markdown: &body,
                author_id: None,
            };
            let id = crate::kb::create(&mut tx, &a).await?;
            crate::kb::publish(&mut tx, id, &body, &body).await?;
            made += 1;
        }
        tx.commit().await?;
    }
    sqlx::query("ANALYZE").execute(db.pool()).await?;
    Ok(())
}
