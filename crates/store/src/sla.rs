//! Business calendars and SLA policies as stored (what an admin wrote: checked by the commands
//! with `domain::calendar` and `domain::sla` before it is written), and which policy measures a
//! mailbox's tickets.

use crate::{now_ms, Result, StoreError, WriteTx};
use sqlx::{AnyConnection, Row};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CalendarRow {
    pub id: i64,
    pub name: String,
    pub time_zone: String,
    /// Weekly hours as `domain::calendar::parse_week` reads them.
    pub week: String,
    /// Holidays as `domain::calendar::parse_holidays` reads them.
    pub holidays: String,
}

/// One target as stored: channel and priority (`None`: any) and business minutes per metric.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TargetRow {
    pub channel: Option<String>,
    pub priority: Option<String>,
    pub first_response_minutes: Option<i64>,
    pub next_response_minutes: Option<i64>,
    pub resolution_minutes: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PolicyRow {
    pub id: i64,
    pub name: String,
    pub calendar_id: i64,
    pub warn_before_minutes: i64,
    pub targets: Vec<TargetRow>,
    /// The mailboxes it measures.
    pub mailboxes: Vec<i64>,
}

fn calendar(r: &sqlx::any::AnyRow) -> Result<CalendarRow> {
    Ok(CalendarRow { id: r.try_get(0)?, name: r.try_get(1)?, time_zone: r.try_get(2)?, week: r.try_get(3)?, holidays: r.try_get(4)? })
}

pub async fn calendars(conn: &mut AnyConnection) -> Result<Vec<CalendarRow>> {
    sqlx::query("SELECT id, name, time_zone, week, holidays FROM calendars ORDER BY name, id")
        .fetch_all(conn)
        .await?
        .iter()
        .map(calendar)
        .collect()
}

pub async fn calendar_by_id(conn: &mut AnyConnection, id: i64) -> Result<Option<CalendarRow>> {
    sqlx::query("SELECT id, name, time_zone, week, holidays FROM calendars WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(calendar)
        .transpose()
}

/// Adds a calendar (`id` None) or changes one (`false` if there is none).
pub async fn save_calendar(tx: &mut WriteTx, id: Option<i64>, c: &CalendarRow) -> Result<Option<i64>> {
    let now = now_ms();
    match id {
        None => Ok(Some(
            sqlx::query_scalar(
                "INSERT INTO calendars (name, time_zone, week, holidays, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
            )
            .bind(&c.name)
            .bind(&c.time_zone)
            .bind(&c.week)
            .bind(&c.holidays)
            .bind(now)
            .fetch_one(&mut **tx)
            .await?,
        )),
        Some(id) => {
            let n = sqlx::query("UPDATE calendars SET name = $1, time_zone = $2, week = $3, holidays = $4, updated_at = $5 WHERE id = $6")
                .bind(&c.name)
                .bind(&c.time_zone)
                .bind(&c.week)
                .bind(&c.holidays)
                .bind(now)
                .bind(id)
                .execute(&mut **tx)
                .await?
                .rows_affected();
            Ok((n > 0).then_some(id))
        }
    }
}

/// Removes a calendar no policy uses (`Conflict` if one does); `false` if there is none.
pub async fn delete_calendar(tx: &mut WriteTx, id: i64) -> Result<bool> {
    let used: Option<i64> =
        sqlx::query_scalar("SELECT id FROM sla_policies WHERE calendar_id = $1 LIMIT 1").bind(id).fetch_optional(&mut **tx).await?;
    if used.is_some() {
        return Err(StoreError::Conflict("calendar in use".into()));
    }
    Ok(sqlx::query("DELETE FROM calendars WHERE id = $1").bind(id).execute(&mut **tx).await?.rows_affected() > 0)
}

fn policy(r: &sqlx::any::AnyRow, mailboxes: Vec<i64>) -> Result<PolicyRow> {
    let targets: Vec<TargetRow> =
        serde_json::from_str(&r.try_get::<String, _>(4)?).map_err(|e| StoreError::Corrupt(format!("SLA targets: {e}")))?;
    Ok(PolicyRow {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        calendar_id: r.try_get(2)?,
        warn_before_minutes: r.try_get(3)?,
        targets,
        mailboxes,
    })
}

async fn mailboxes_of(conn: &mut AnyConnection, policy_id: i64) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar("SELECT id FROM mailboxes WHERE sla_policy_id = $1 ORDER BY id").bind(policy_id).fetch_all(conn).await?)
}

pub async fn policies(conn: &mut AnyConnection) -> Result<Vec<PolicyRow>> {
    let rows = sqlx::query("SELECT id, name, calendar_id, warn_before_minutes, targets FROM sla_policies ORDER BY name, id")
        .fetch_all(&mut *conn)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let boxes = mailboxes_of(conn, r.try_get(0)?).await?;
        out.push(policy(r, boxes)?);
    }
    Ok(out)
}

pub async fn policy_by_id(conn: &mut AnyConnection, id: i64) -> Result<Option<PolicyRow>> {
    let Some(r) = sqlx::query("SELECT id, name, calendar_id, warn_before_minutes, targets FROM sla_policies WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let boxes = mailboxes_of(conn, id).await?;
    Ok(Some(policy(&r, boxes)?))
}

/// Adds a policy (`id` None) or changes one, and makes it the policy of exactly `p.mailboxes`
/// (they leave any other); None if there is no such policy.
pub async fn save_policy(tx: &mut WriteTx, id: Option<i64>, p: &PolicyRow) -> Result<Option<i64>> {
    let now = now_ms();
    let targets = serde_json::to_string(&p.targets).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let id = match id {
        None => sqlx::query_scalar(
            "INSERT INTO sla_policies (name, calendar_id, warn_before_minutes, targets, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
        )
        .bind(&p.name)
        .bind(p.calendar_id)
        .bind(p.warn_before_minutes)
        .bind(&targets)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?,
        Some(id) => {
            let n = sqlx::query("UPDATE sla_policies SET name = $1, calendar_id = $2, warn_before_minutes = $3, targets = $4, updated_at = $5 WHERE id = $6")
                .bind(&p.name)
                .bind(p.calendar_id)
                .bind(p.warn_before_minutes)
                .bind(&targets)
                .bind(now)
                .bind(id)
                .execute(&mut **tx)
                .await?
                .rows_affected();
            if n == 0 {
                return Ok(None);
            }
            id
        }
    };
    sqlx::query("UPDATE mailboxes SET sla_policy_id = NULL WHERE sla_policy_id = $1").bind(id).execute(&mut **tx).await?;
    for m in &p.mailboxes {
        sqlx::query("UPDATE mailboxes SET sla_policy_id = $1 WHERE id = $2").bind(id).bind(*m).execute(&mut **tx).await?;
    }
    Ok(Some(id))
}

/// Removes a policy; its mailboxes are measured by none.
pub async fn delete_policy(tx: &mut WriteTx, id: i64) -> Result<bool> {
    sqlx::query("UPDATE mailboxes SET sla_policy_id = NULL WHERE sla_policy_id = $1").bind(id).execute(&mut **tx).await?;
    Ok(sqlx::query("DELETE FROM sla_policies WHERE id = $1").bind(id).execute(&mut **tx).await?.rows_affected() > 0)
}

/// The policy that measures a mailbox's tickets, if any.
pub async fn policy_of_mailbox(conn: &mut AnyConnection, mailbox_id: i64) -> Result<Option<PolicyRow>> {
    let id: Option<Option<i64>> =
        sqlx::query_scalar("SELECT sla_policy_id FROM mailboxes WHERE id = $1").bind(mailbox_id).fetch_optional(&mut *conn).await?;
    match id.flatten() {
        Some(id) => policy_by_id(conn, id).await,
        None => Ok(None),
    }
}

/// A mailbox's clock: its SLA policy and that policy's calendar, as the domain measures with them.
pub type Clock = (podpora_domain::sla::Policy, podpora_domain::calendar::Calendar);

/// The calendar as the domain reads it (stored calendars were checked when written).
pub fn calendar_of(c: &CalendarRow) -> Result<podpora_domain::calendar::Calendar> {
    podpora_domain::calendar::Calendar::from_text(&c.time_zone, &c.week, &c.holidays)
        .map_err(|e| StoreError::Corrupt(format!("calendar {}: {e}", c.id)))
}

fn clock(p: &PolicyRow, c: &CalendarRow) -> Result<Clock> {
    let targets = p
        .targets
        .iter()
        .map(|t| podpora_domain::sla::Target {
            channel: t.channel.as_deref().and_then(|c| c.parse().ok()),
            priority: t.priority.as_deref().and_then(|c| c.parse().ok()),
            first_response_ms: t.first_response_minutes.map(|m| m * 60_000),
            next_response_ms: t.next_response_minutes.map(|m| m * 60_000),
            resolution_ms: t.resolution_minutes.map(|m| m * 60_000),
        })
        .collect();
    Ok((podpora_domain::sla::Policy { targets, warn_before_ms: p.warn_before_minutes * 60_000 }, calendar_of(c)?))
}

/// Every mailbox's clock (mailboxes without a policy have none), by mailbox id.
pub async fn clocks(conn: &mut AnyConnection) -> Result<std::collections::HashMap<i64, Clock>> {
    let cals = calendars(&mut *conn).await?;
    let mut out = std::collections::HashMap::new();
    for p in policies(conn).await? {
        let Some(c) = cals.iter().find(|c| c.id == p.calendar_id) else { continue };
        let clock = clock(&p, c)?;
        for m in &p.mailboxes {
            out.insert(*m, clock.clone());
        }
    }
    Ok(out)
}

/// One mailbox's clock.
pub async fn clock_of_mailbox(conn: &mut AnyConnection, mailbox_id: i64) -> Result<Option<Clock>> {
    let Some(p) = policy_of_mailbox(&mut *conn, mailbox_id).await? else { return Ok(None) };
    let Some(c) = calendar_by_id(conn, p.calendar_id).await? else { return Ok(None) };
    Ok(Some(clock(&p, &c)?))
}
