//! Notifications for agents, shown in the app until they open the ticket: a colleague
//! @mentioned them in a note, a rule asked for them, an SLA is about to be missed or was.

use crate::{now_ms, Db, Result};
use sqlx::{AnyConnection, Row};

/// What a notification is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A colleague mentioned them in a note (`by_user_id`).
    Mention,
    /// A rule notified them; the text is the rule's name.
    Rule,
    /// An SLA target of the ticket is about to be missed; the text is the metric.
    SlaWarning,
    /// An SLA target of the ticket was missed; the text is the metric.
    SlaBreach,
    /// The ticket was escalated to them (its team's lead); the text is the metric.
    Escalation,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Mention => "mention",
            Kind::Rule => "rule",
            Kind::SlaWarning => "sla_warning",
            Kind::SlaBreach => "sla_breach",
            Kind::Escalation => "escalation",
        }
    }

    fn parse(s: &str) -> Kind {
        match s {
            "rule" => Kind::Rule,
            "sla_warning" => Kind::SlaWarning,
            "sla_breach" => Kind::SlaBreach,
            "escalation" => Kind::Escalation,
            _ => Kind::Mention,
        }
    }
}

/// Notifies each of `user_ids` (once each) about a ticket.
pub async fn add(
    conn: &mut AnyConnection,
    user_ids: &[i64],
    ticket_id: i64,
    kind: Kind,
    by_user_id: Option<i64>,
    text: &str,
) -> Result<()> {
    let mut seen = Vec::with_capacity(user_ids.len());
    for u in user_ids {
        if seen.contains(u) {
            continue;
        }
        seen.push(*u);
        sqlx::query("INSERT INTO notifications (user_id, ticket_id, kind, by_user_id, text, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(*u)
            .bind(ticket_id)
            .bind(kind.as_str())
            .bind(by_user_id)
            .bind(text)
            .bind(now_ms())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Notification {
    pub id: i64,
    pub ticket_number: i64,
    pub subject: String,
    pub kind: Kind,
    /// The colleague who mentioned them.
    pub by_name: Option<String>,
    pub text: String,
    pub created_at: i64,
}

/// The user's unread notifications, newest first (at most 50).
pub async fn unread(db: &Db, user_id: i64) -> Result<Vec<Notification>> {
    let rows = sqlx::query(
        "SELECT n.id, t.number, t.subject, n.kind, u.name, n.text, n.created_at FROM notifications n JOIN tickets t ON t.id = n.ticket_id \
         LEFT JOIN users u ON u.id = n.by_user_id WHERE n.user_id = $1 AND n.read_at IS NULL ORDER BY n.id DESC LIMIT 50",
    )
    .bind(user_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Notification {
                id: r.try_get(0)?,
                ticket_number: r.try_get(1)?,
                subject: r.try_get(2)?,
                kind: Kind::parse(&r.try_get::<String, _>(3)?),
                by_name: r.try_get(4)?,
                text: r.try_get(5)?,
                created_at: r.try_get(6)?,
            })
        })
        .collect()
}

/// Marks the user's notifications on a ticket read (when they open it).
pub async fn mark_read(db: &Db, user_id: i64, ticket_id: i64) -> Result<()> {
    let unread: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND ticket_id = $2 AND read_at IS NULL")
        .bind(user_id)
        .bind(ticket_id)
        .fetch_one(db.pool())
        .await?;
    if unread == 0 {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND ticket_id = $3 AND read_at IS NULL")
        .bind(now_ms())
        .bind(user_id)
        .bind(ticket_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}
