//! Teams of agents. A ticket may be given to a team; the inbox has a view per team.

use crate::{now_ms, Db, Result, StoreError};
use sqlx::Row;

#[derive(Debug, Clone, serde::Serialize, PartialEq, Eq)]
pub struct Team {
    pub id: i64,
    pub name: String,
    pub members: Vec<i64>,
    /// The member who leads the team (warned of breaches, escalations go to them).
    pub lead: Option<i64>,
}

pub async fn list(db: &Db) -> Result<Vec<Team>> {
    read(&mut *db.pool().acquire().await?).await
}

/// `list`, from this process's copy while no team or membership changed since it was read
/// (routing and the SLA tracker read it for each batch).
pub async fn list_cached(db: &Db, conn: &mut sqlx::AnyConnection, counters: &crate::Counters) -> Result<std::sync::Arc<Vec<Team>>> {
    db.teams.get(conn, counters, "teams", async |conn| read(conn).await).await
}

async fn read(conn: &mut sqlx::AnyConnection) -> Result<Vec<Team>> {
    let rows = sqlx::query("SELECT id, name, lead_user_id FROM teams ORDER BY name").fetch_all(&mut *conn).await?;
    let members = sqlx::query("SELECT team_id, user_id FROM team_members ORDER BY user_id").fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| {
            let id: i64 = r.try_get(0)?;
            let m =
                members.iter().filter(|m| m.try_get::<i64, _>(0).ok() == Some(id)).filter_map(|m| m.try_get::<i64, _>(1).ok()).collect();
            Ok(Team { id, name: r.try_get(1)?, members: m, lead: r.try_get(2)? })
        })
        .collect()
}

pub async fn create(db: &Db, name: &str) -> Result<i64> {
    let mut tx = db.begin().await?;
    let id = sqlx::query_scalar("INSERT INTO teams (name, created_at) VALUES ($1, $2) RETURNING id")
        .bind(name)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await
        .map_err(
            |e| if crate::is_unique_violation(&e) { StoreError::Conflict(format!("a team {name} already exists")) } else { e.into() },
        )?;
    tx.commit().await?;
    Ok(id)
}

/// Sets a team's members and its lead (one of them, or none).
pub async fn set_members(db: &Db, team_id: i64, users: &[i64], lead: Option<i64>) -> Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM team_members WHERE team_id = $1").bind(team_id).execute(&mut *tx).await?;
    sqlx::query("UPDATE teams SET lead_user_id = $1 WHERE id = $2").bind(lead).bind(team_id).execute(&mut *tx).await?;
    for u in users {
        sqlx::query("INSERT INTO team_members (team_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(team_id)
            .bind(*u)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::for_each_backend;
    use podpora_domain::{EmailAddress, Role};

    #[tokio::test]
    async fn teams_and_members() {
        for_each_backend(|t| async move {
            let db = &t.db;
            let a = crate::users::create(db, &EmailAddress::parse("a@x.cz").unwrap(), "A", Role::Agent, "h").await.unwrap();
            let id = create(db, "Returns").await.unwrap();
            assert!(matches!(create(db, "Returns").await, Err(StoreError::Conflict(_))));
            set_members(db, id, &[a.id, a.id], Some(a.id)).await.unwrap();
            assert_eq!(list(db).await.unwrap(), vec![Team { id, name: "Returns".into(), members: vec![a.id], lead: Some(a.id) }]);
            t
        })
        .await;
    }

    /// The process's copy of the teams is read again once a team or its members change.
    #[tokio::test]
    async fn the_copy_of_the_teams_follows_changes() {
        for_each_backend(|t| async move {
            let db = &t.db;
            let mut conn = db.pool().acquire().await.unwrap();
            let cached = async |conn: &mut sqlx::AnyConnection| {
                let counters = crate::Counters::read(conn).await.unwrap();
                list_cached(db, conn, &counters).await.unwrap()
            };
            assert!(cached(&mut conn).await.is_empty());
            let team = create(db, "B2B").await.unwrap();
            assert_eq!(cached(&mut conn).await.len(), 1, "a new team");
            let a = crate::users::create(db, &EmailAddress::parse("a@x.cz").unwrap(), "A", Role::Agent, "h").await.unwrap();
            set_members(db, team, &[a.id], Some(a.id)).await.unwrap();
            let kept = cached(&mut conn).await;
            assert_eq!((kept[0].members.clone(), kept[0].lead), (vec![a.id], Some(a.id)), "new members and lead");
            assert_eq!(*kept, list(db).await.unwrap());
            t
        })
        .await;
    }
}
