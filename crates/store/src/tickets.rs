//! Tickets: numbering, participants, tags, status changes and the inbox listing.

use crate::{now_ms, Backend, Db, Result, StoreError};
use podpora_domain::threading::TicketFacts;
use podpora_domain::{Channel, EmailAddress, TicketNumber, TicketStatus};
use sqlx::any::AnyRow;
use sqlx::AnyConnection;
use sqlx::Row;
use std::collections::HashMap;

#[derive(Debug, Clone, serde::Serialize)]
pub struct Ticket {
    pub id: i64,
    pub number: TicketNumber,
    pub mailbox_id: Option<i64>,
    pub customer_id: i64,
    pub subject: String,
    pub status: TicketStatus,
    pub channel: Channel,
    pub assignee_id: Option<i64>,
    pub related_number: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLS: &str = "id, number, mailbox_id, customer_id, subject, status, channel, assignee_id, related_number, created_at, updated_at";

fn ticket(r: &AnyRow) -> Result<Ticket> {
    Ok(Ticket {
        id: r.try_get("id")?,
        number: TicketNumber::new(r.try_get("number")?)?,
        mailbox_id: r.try_get("mailbox_id")?,
        customer_id: r.try_get("customer_id")?,
        subject: r.try_get("subject")?,
        status: r.try_get::<String, _>("status")?.parse()?,
        channel: r.try_get::<String, _>("channel")?.parse()?,
        assignee_id: r.try_get("assignee_id")?,
        related_number: r.try_get("related_number")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

#[derive(Debug, Clone)]
pub struct NewTicket<'a> {
    pub mailbox_id: Option<i64>,
    pub customer_id: i64,
    pub subject: &'a str,
    pub channel: Channel,
    pub related: Option<TicketNumber>,
}

/// Creates a ticket with the next number. Numbers are unique across instances; a rolled-back
/// transaction may leave a gap on PostgreSQL (a sequence), never a duplicate.
pub async fn create(conn: &mut AnyConnection, backend: Backend, t: &NewTicket<'_>) -> Result<Ticket> {
    let now = now_ms();
    // PostgreSQL takes the number from the sequence (column default); SQLite from its counter row,
    // whose UPDATE also serialises writers.
    let (number_col, number_val) = match backend {
        Backend::Postgres => ("", String::new()),
        Backend::Sqlite => ("number, ", "(SELECT value FROM counters WHERE name = 'ticket_number'), ".to_string()),
    };
    if backend == Backend::Sqlite {
        sqlx::query("UPDATE counters SET value = value + 1 WHERE name = 'ticket_number'").execute(&mut *conn).await?;
    }
    let r = sqlx::query(&format!(
        "INSERT INTO tickets ({number_col}mailbox_id, customer_id, subject, status, channel, related_number, created_at, updated_at) \
         VALUES ({number_val}$1, $2, $3, $4, $5, $6, $7, $7) RETURNING {COLS}"
    ))
    .bind(t.mailbox_id)
    .bind(t.customer_id)
    .bind(t.subject)
    .bind(TicketStatus::New.as_str())
    .bind(t.channel.as_str())
    .bind(t.related.map(|n| n.get()))
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    ticket(&r)
}

pub async fn by_number(conn: &mut AnyConnection, number: TicketNumber) -> Result<Option<Ticket>> {
    sqlx::query(&format!("SELECT {COLS} FROM tickets WHERE number = $1")).bind(number.get()).fetch_optional(conn).await?.as_ref().map(ticket).transpose()
}

pub async fn by_id(conn: &mut AnyConnection, id: i64) -> Result<Ticket> {
    sqlx::query(&format!("SELECT {COLS} FROM tickets WHERE id = $1")).bind(id).fetch_optional(conn).await?.as_ref().map(ticket).transpose()?.ok_or(StoreError::NotFound)
}

/// Participants of the given tickets, for the threading decision.
pub async fn facts(conn: &mut AnyConnection, numbers: &[TicketNumber]) -> Result<HashMap<TicketNumber, TicketFacts>> {
    let mut out = HashMap::new();
    for n in numbers {
        let rows = sqlx::query("SELECT p.address FROM tickets t JOIN participants p ON p.ticket_id = t.id WHERE t.number = $1")
            .bind(n.get())
            .fetch_all(&mut *conn)
            .await?;
        let exists = !rows.is_empty() || by_number(conn, *n).await?.is_some();
        if exists {
            let participants = rows.iter().filter_map(|r| r.try_get::<String, _>(0).ok()).filter_map(|a: String| EmailAddress::parse(&a).ok()).collect();
            out.insert(*n, TicketFacts { number: *n, participants });
        }
    }
    Ok(out)
}

pub async fn add_participant(conn: &mut AnyConnection, ticket_id: i64, address: &EmailAddress, name: &str) -> Result<()> {
    sqlx::query("INSERT INTO participants (ticket_id, address, name) VALUES ($1, $2, $3) ON CONFLICT (ticket_id, address) DO NOTHING")
        .bind(ticket_id)
        .bind(address.as_str())
        .bind(name)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn remove_participant(conn: &mut AnyConnection, ticket_id: i64, address: &EmailAddress) -> Result<()> {
    sqlx::query("DELETE FROM participants WHERE ticket_id = $1 AND address = $2").bind(ticket_id).bind(address.as_str()).execute(conn).await?;
    Ok(())
}

#[derive(Debug, Clone, serde::Serialize, PartialEq, Eq)]
pub struct Participant {
    pub address: String,
    pub name: String,
}

pub async fn participants(conn: &mut AnyConnection, ticket_id: i64) -> Result<Vec<Participant>> {
    let rows = sqlx::query("SELECT address, name FROM participants WHERE ticket_id = $1 ORDER BY address").bind(ticket_id).fetch_all(conn).await?;
    rows.iter().map(|r| Ok(Participant { address: r.try_get(0)?, name: r.try_get(1)? })).collect()
}

pub async fn tags(conn: &mut AnyConnection, ticket_id: i64) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar("SELECT tag FROM ticket_tags WHERE ticket_id = $1 ORDER BY tag").bind(ticket_id).fetch_all(conn).await?)
}

pub async fn set_status(conn: &mut AnyConnection, ticket_id: i64, status: TicketStatus) -> Result<()> {
    sqlx::query("UPDATE tickets SET status = $1, updated_at = $2 WHERE id = $3").bind(status.as_str()).bind(now_ms()).bind(ticket_id).execute(conn).await?;
    Ok(())
}

pub async fn touch(conn: &mut AnyConnection, ticket_id: i64) -> Result<()> {
    sqlx::query("UPDATE tickets SET updated_at = $1 WHERE id = $2").bind(now_ms()).bind(ticket_id).execute(conn).await?;
    Ok(())
}

/// A change to a ticket's status, assignee or tags. `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct TicketPatch {
    pub status: Option<TicketStatus>,
    /// `Some(None)` unassigns.
    pub assignee_id: Option<Option<i64>>,
    pub tags: Option<Vec<String>>,
}

pub async fn patch(db: &Db, ticket_id: i64, p: &TicketPatch) -> Result<()> {
    let mut tx = db.begin().await?;
    if let Some(s) = p.status {
        set_status(&mut tx, ticket_id, s).await?;
    }
    if let Some(a) = p.assignee_id {
        sqlx::query("UPDATE tickets SET assignee_id = $1, updated_at = $2 WHERE id = $3").bind(a).bind(now_ms()).bind(ticket_id).execute(&mut *tx).await?;
    }
    if let Some(tags) = &p.tags {
        sqlx::query("DELETE FROM ticket_tags WHERE ticket_id = $1").bind(ticket_id).execute(&mut *tx).await?;
        for t in tags {
            sqlx::query("INSERT INTO ticket_tags (ticket_id, tag) VALUES ($1, $2) ON CONFLICT DO NOTHING").bind(ticket_id).bind(t).execute(&mut *tx).await?;
        }
        touch(&mut tx, ticket_id).await?;
    }
    tx.commit().await
}

pub async fn count(db: &Db) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM tickets").fetch_one(db.pool()).await?)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Oldest,
    Newest,
}

/// Who a listing is filtered to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssigneeFilter {
    Nobody,
    User(i64),
}

/// An inbox query. Every field is a typed value: no request text reaches the SQL.
#[derive(Debug, Clone, Default)]
pub struct TicketQuery {
    pub status: Option<TicketStatus>,
    pub assignee: Option<AssigneeFilter>,
    pub tag: Option<String>,
    pub q: Option<String>,
    pub sort: Sort,
    /// Continue after this ticket id (from the previous page).
    pub after_id: Option<i64>,
    pub limit: u32,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct TicketSummary {
    #[serde(flatten)]
    pub ticket: Ticket,
    pub customer_address: Option<String>,
}

/// One page of tickets and the cursor for the next page.
pub async fn list(db: &Db, q: &TicketQuery) -> Result<(Vec<TicketSummary>, Option<i64>)> {
    let mut sql = format!(
        "SELECT {}, (SELECT MIN(a.address) FROM customer_addresses a WHERE a.customer_id = t.customer_id) AS customer_address FROM tickets t WHERE 1 = 1",
        COLS.split(", ").map(|c| format!("t.{c}")).collect::<Vec<_>>().join(", ")
    );
    let mut args: Vec<Arg> = Vec::new();
    let mut push = |sql: &mut String, clause: &str, a: Arg| {
        args.push(a);
        sql.push_str(&clause.replace('?', &format!("${}", args.len())));
    };
    if let Some(s) = q.status {
        push(&mut sql, " AND t.status = ?", Arg::Text(s.as_str().into()));
    }
    match q.assignee {
        Some(AssigneeFilter::Nobody) => sql.push_str(" AND t.assignee_id IS NULL"),
        Some(AssigneeFilter::User(id)) => push(&mut sql, " AND t.assignee_id = ?", Arg::Int(id)),
        None => {}
    }
    if let Some(tag) = &q.tag {
        push(&mut sql, " AND EXISTS (SELECT 1 FROM ticket_tags g WHERE g.ticket_id = t.id AND g.tag = ?)", Arg::Text(tag.clone()));
    }
    if let Some(text) = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let pattern = format!("%{}%", text.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        if let Ok(n) = text.parse::<TicketNumber>() {
            push(&mut sql, " AND (t.number = ?", Arg::Int(n.get()));
            push(&mut sql, " OR LOWER(t.subject) LIKE ? ESCAPE '\\'", Arg::Text(pattern.clone()));
        } else {
            push(&mut sql, " AND (LOWER(t.subject) LIKE ? ESCAPE '\\'", Arg::Text(pattern.clone()));
        }
        push(&mut sql, " OR EXISTS (SELECT 1 FROM customer_addresses a WHERE a.customer_id = t.customer_id AND a.address LIKE ? ESCAPE '\\'))", Arg::Text(pattern));
    }
    let (cmp, order) = match q.sort {
        Sort::Oldest => (">", "ASC"),
        Sort::Newest => ("<", "DESC"),
    };
    if let Some(after) = q.after_id {
        push(&mut sql, &format!(" AND t.id {cmp} ?"), Arg::Int(after));
    }
    let limit = q.limit.clamp(1, 200);
    sql.push_str(&format!(" ORDER BY t.id {order} LIMIT {}", limit + 1));
    let mut query = sqlx::query(&sql);
    for a in args {
        query = match a {
            Arg::Int(i) => query.bind(i),
            Arg::Text(s) => query.bind(s),
        };
    }
    let rows = query.fetch_all(db.pool()).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows.iter().take(limit as usize) {
        out.push(TicketSummary { ticket: ticket(r)?, customer_address: r.try_get("customer_address")? });
    }
    let next = if rows.len() > limit as usize { out.last().map(|t| t.ticket.id) } else { None };
    Ok((out, next))
}

enum Arg {
    Int(i64),
    Text(String),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customers;
    use crate::testing::for_each_backend;

    #[tokio::test]
    async fn numbers_are_unique_under_concurrency_and_listing_pages() {
        for_each_backend(|t| async move {
            let db = t.db.clone();
            let mut handles = Vec::new();
            for i in 0..20 {
                let db = db.clone();
                handles.push(tokio::spawn(async move {
                    let mut tx = db.begin().await.unwrap();
                    let c = customers::find_or_create(&mut tx, &EmailAddress::parse(&format!("c{i}@x.cz")).unwrap(), "").await.unwrap();
                    let tk = create(&mut tx, db.backend(), &NewTicket { mailbox_id: None, customer_id: c, subject: &format!("Order {i}"), channel: Channel::Email, related: None })
                        .await
                        .unwrap();
                    tx.commit().await.unwrap();
                    tk.number.get()
                }));
            }
            let mut numbers = Vec::new();
            for h in handles {
                numbers.push(h.await.unwrap());
            }
            numbers.sort();
            numbers.dedup();
            assert_eq!(numbers.len(), 20);

            let mut seen = Vec::new();
            let mut q = TicketQuery { limit: 7, sort: Sort::Newest, ..Default::default() };
            loop {
                let (page, next) = list(&db, &q).await.unwrap();
                seen.extend(page.iter().map(|s| s.ticket.id));
                match next {
                    Some(n) => q.after_id = Some(n),
                    None => break,
                }
            }
            assert_eq!(seen.len(), 20);
            assert!(seen.windows(2).all(|w| w[0] > w[1]));

            let (hits, _) = list(&db, &TicketQuery { q: Some("order 1".into()), limit: 50, ..Default::default() }).await.unwrap();
            assert_eq!(hits.len(), 11); // "Order 1" and "Order 10".."Order 19"
            let (hits, _) = list(&db, &TicketQuery { q: Some("c3@x".into()), limit: 50, ..Default::default() }).await.unwrap();
            assert_eq!(hits.len(), 1);
            let (hits, _) = list(&db, &TicketQuery { q: Some("%".into()), limit: 50, ..Default::default() }).await.unwrap();
            assert_eq!(hits.len(), 0, "LIKE wildcards from the request must be literal");

            let id = seen[0];
            patch(&db, id, &TicketPatch { status: Some(TicketStatus::Pending), tags: Some(vec!["vip".into(), "vip".into()]), ..Default::default() }).await.unwrap();
            let (hits, _) = list(&db, &TicketQuery { tag: Some("vip".into()), status: Some(TicketStatus::Pending), limit: 50, ..Default::default() }).await.unwrap();
            assert_eq!(hits.iter().map(|h| h.ticket.id).collect::<Vec<_>>(), vec![id]);
            t
        })
        .await;
    }
}
