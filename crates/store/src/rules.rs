//! Rules (automations) as stored: their order, whether they are on, and what the admin wrote,
//! checked by `domain::rules` when read. Each process keeps a copy of the enabled rules and reads
//! them again only when the `rules` counter moved (every change moves it, on any instance), so
//! deciding for a ticket costs one small read, not 500 rules parsed. Also when a scheduled rule
//! last fired on a ticket.

use crate::{now_ms, Result, StoreError, WriteTx};
use podpora_domain::rules::{ActionSpec, ConditionSpec, Rule, Trigger};
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;
use std::sync::Arc;

/// A rule with what is stored beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRule {
    pub rule: Rule,
    pub enabled: bool,
    pub position: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLS: &str = "id, name, trigger, position, enabled, stop, conditions, actions, created_at, updated_at";

fn stored(r: &sqlx::any::AnyRow) -> Result<StoredRule> {
    let conditions: Vec<ConditionSpec> =
        serde_json::from_str(&r.try_get::<String, _>("conditions")?).map_err(|e| StoreError::Corrupt(format!("rule conditions: {e}")))?;
    let actions: Vec<ActionSpec> =
        serde_json::from_str(&r.try_get::<String, _>("actions")?).map_err(|e| StoreError::Corrupt(format!("rule actions: {e}")))?;
    let trigger: Trigger = r.try_get::<String, _>("trigger")?.parse()?;
    let rule =
        Rule::new(r.try_get("id")?, &r.try_get::<String, _>("name")?, trigger, &conditions, &actions, r.try_get::<i64, _>("stop")? != 0)?;
    Ok(StoredRule {
        rule,
        enabled: r.try_get::<i64, _>("enabled")? != 0,
        position: r.try_get("position")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// Every rule, in order.
pub async fn list(conn: &mut AnyConnection) -> Result<Vec<StoredRule>> {
    let rows = sqlx::query(&format!("SELECT {COLS} FROM rules ORDER BY position, id")).fetch_all(conn).await?;
    rows.iter().map(stored).collect()
}

pub async fn get(conn: &mut AnyConnection, id: i64) -> Result<Option<StoredRule>> {
    let row = sqlx::query(&format!("SELECT {COLS} FROM rules WHERE id = $1")).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(stored).transpose()
}

/// The enabled rules in order, from this process's copy while no rule changed since it was read.
pub async fn enabled(db: &crate::Db, conn: &mut AnyConnection, counters: &crate::Counters) -> Result<Arc<Vec<Rule>>> {
    db.rules
        .get(conn, counters, "rules", async |conn| Ok(list(conn).await?.into_iter().filter(|r| r.enabled).map(|r| r.rule).collect()))
        .await
}

/// Whether any enabled rule runs on this trigger (else there is nothing to queue for it).
pub async fn any_for(conn: &mut AnyConnection, trigger: Trigger) -> Result<bool> {
    Ok(sqlx::query_scalar::<_, i64>("SELECT 1 FROM rules WHERE enabled = 1 AND trigger = $1 LIMIT 1")
        .bind(trigger.as_str())
        .fetch_optional(conn)
        .await?
        .is_some())
}

async fn moved(tx: &mut WriteTx) -> Result<()> {
    sqlx::query("UPDATE counters SET value = value + 1 WHERE name = 'rules'").execute(&mut **tx).await?;
    Ok(())
}

fn json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// What an admin writes: the rule as written (checked by the caller with `Rule::new`).
#[derive(Debug, Clone)]
pub struct RuleRow<'a> {
    pub name: &'a str,
    pub trigger: Trigger,
    pub enabled: bool,
    pub stop: bool,
    pub conditions: &'a [ConditionSpec],
    pub actions: &'a [ActionSpec],
}

/// Adds a rule at the end of the order; returns its id.
pub async fn insert(tx: &mut WriteTx, r: &RuleRow<'_>) -> Result<i64> {
    let now = now_ms();
    let last: Option<i64> = sqlx::query_scalar("SELECT MAX(position) FROM rules").fetch_one(&mut **tx).await?;
    let id = sqlx::query_scalar(
        "INSERT INTO rules (name, trigger, position, enabled, stop, conditions, actions, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
    )
    .bind(r.name.trim())
    .bind(r.trigger.as_str())
    .bind(last.unwrap_or(0) + 1)
    .bind(i64::from(r.enabled))
    .bind(i64::from(r.stop))
    .bind(json(&r.conditions)?)
    .bind(json(&r.actions)?)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    moved(tx).await?;
    Ok(id)
}

/// Replaces a rule (keeping its place); `false` if there is none.
pub async fn update(tx: &mut WriteTx, id: i64, r: &RuleRow<'_>) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE rules SET name = $1, trigger = $2, enabled = $3, stop = $4, conditions = $5, actions = $6, updated_at = $7 WHERE id = $8",
    )
    .bind(r.name.trim())
    .bind(r.trigger.as_str())
    .bind(i64::from(r.enabled))
    .bind(i64::from(r.stop))
    .bind(json(&r.conditions)?)
    .bind(json(&r.actions)?)
    .bind(now_ms())
    .bind(id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    moved(tx).await?;
    Ok(n > 0)
}

/// Removes a rule; `false` if there is none.
pub async fn delete(tx: &mut WriteTx, id: i64) -> Result<bool> {
    sqlx::query("DELETE FROM rule_runs WHERE rule_id = $1").bind(id).execute(&mut **tx).await?;
    let n = sqlx::query("DELETE FROM rules WHERE id = $1").bind(id).execute(&mut **tx).await?.rows_affected();
    moved(tx).await?;
    Ok(n > 0)
}

/// Puts the rules in this order (ids not named keep their order, after the named ones).
pub async fn reorder(tx: &mut WriteTx, ids: &[i64]) -> Result<()> {
    let all: Vec<i64> = sqlx::query_scalar("SELECT id FROM rules ORDER BY position, id").fetch_all(&mut **tx).await?;
    let order = ids.iter().copied().filter(|id| all.contains(id)).chain(all.iter().copied().filter(|id| !ids.contains(id)));
    let now = now_ms();
    let mut seen = Vec::new();
    for id in order {
        if seen.contains(&id) {
            continue;
        }
        seen.push(id);
        sqlx::query("UPDATE rules SET position = $1, updated_at = $2 WHERE id = $3 AND position <> $1")
            .bind(seen.len() as i64)
            .bind(now)
            .bind(id)
            .execute(&mut **tx)
            .await?;
    }
    moved(tx).await
}

/// Tickets a scheduled rule may look at now: not closed, unchanged since `idle_before` and opened
/// before `age_before`, and not looked at by the rule since they last changed; by id, after
/// ticket id `after`, at most `limit`.
pub async fn schedule_candidates(
    conn: &mut AnyConnection,
    rule_id: i64,
    idle_before: i64,
    age_before: i64,
    after: i64,
    limit: i64,
) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT t.id FROM tickets t LEFT JOIN rule_runs r ON r.rule_id = $1 AND r.ticket_id = t.id \
         WHERE t.status <> 'closed' AND t.updated_at <= $2 AND t.created_at <= $3 AND t.id > $4 \
         AND (r.checked_at IS NULL OR r.checked_at < t.updated_at) ORDER BY t.id LIMIT $5",
    )
    .bind(rule_id)
    .bind(idle_before)
    .bind(age_before)
    .bind(after)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// Records that scheduled rules looked at a ticket as it was at `at`: they look
/// again once it changed.
pub async fn checked(conn: &mut AnyConnection, rule_ids: &[i64], ticket_id: i64, at: i64) -> Result<()> {
    for id in rule_ids {
        sqlx::query(
            "INSERT INTO rule_runs (rule_id, ticket_id, checked_at) VALUES ($1, $2, $3) \
             ON CONFLICT (rule_id, ticket_id) DO UPDATE SET checked_at = excluded.checked_at",
        )
        .bind(*id)
        .bind(ticket_id)
        .bind(at)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// What rules read of each customer: name, organisation, language, account manager, and how many
/// tickets they have.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerFacts {
    pub name: String,
    pub organisation: String,
    pub language: Option<String>,
    pub account_manager: Option<i64>,
    pub tickets: i64,
}

pub async fn customers_in(conn: &mut AnyConnection, customer_ids: &[i64]) -> Result<HashMap<i64, CustomerFacts>> {
    let sql = "SELECT c.id, c.name, COALESCE(o.name, ''), c.language, COALESCE(c.account_manager_id, o.account_manager_id), \
               (SELECT COUNT(*) FROM tickets t WHERE t.customer_id = c.id) AS n \
               FROM customers c LEFT JOIN organisations o ON o.id = c.organisation_id WHERE c.id IN ({in})";
    crate::db::select_in(conn, sql, customer_ids)
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.try_get(0)?,
                CustomerFacts {
                    name: r.try_get(1)?,
                    organisation: r.try_get(2)?,
                    language: r.try_get(3)?,
                    account_manager: r.try_get(4)?,
                    tickets: r.try_get(5)?,
                },
            ))
        })
        .collect()
}

/// Who wrote each ticket's latest message from the customer (the address), and its text when
/// `text` (else empty).
pub async fn latest_customer_message_in(
    conn: &mut AnyConnection,
    ticket_ids: &[i64],
    text: bool,
) -> Result<HashMap<i64, (String, String)>> {
    let body = if text { "m.body_text" } else { "''" };
    let sql = format!(
        "SELECT m.ticket_id, m.from_address, {body} FROM messages m WHERE m.id IN \
         (SELECT MAX(id) FROM messages WHERE ticket_id IN ({{in}}) AND direction = 'in' AND kind = 'message' GROUP BY ticket_id)"
    );
    crate::db::select_in(conn, &sql, ticket_ids).await?.iter().map(|r| Ok((r.try_get(0)?, (r.try_get(1)?, r.try_get(2)?)))).collect()
}

/// Tickets a dry run looks at: not closed, newest first, below ticket id `below`.
pub async fn open_ids_below(conn: &mut AnyConnection, below: i64, limit: i64) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar("SELECT id FROM tickets WHERE status <> 'closed' AND id < $1 ORDER BY id DESC LIMIT $2")
        .bind(below)
        .bind(limit)
        .fetch_all(conn)
        .await?)
}
