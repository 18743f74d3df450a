//! Organisations: a name (one per name, whatever its case), the mail domains that belong to it,
//! an account manager and notes; customers link to one. A new customer whose address is of an
//! organisation's domain (or a subdomain of it) joins it, and so do the customers already there
//! without one when a domain is added.

use crate::{now_ms, Result, StoreError, WriteTx};
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Organisation {
    pub id: i64,
    pub name: String,
    /// Mail from these domains belongs to it (lower case, no `@`).
    pub domains: Vec<String>,
    pub account_manager_id: Option<i64>,
    pub notes: String,
    /// Its customers.
    pub customers: i64,
}

/// How names compare: "Firma s.r.o." and "FIRMA S.R.O." are one organisation.
pub fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

fn organisation(r: &sqlx::any::AnyRow, domains: &mut HashMap<i64, Vec<String>>) -> Result<Organisation> {
    let id: i64 = r.try_get("id")?;
    Ok(Organisation {
        id,
        name: r.try_get("name")?,
        domains: domains.remove(&id).unwrap_or_default(),
        account_manager_id: r.try_get("account_manager_id")?,
        notes: r.try_get("notes")?,
        customers: r.try_get("customers")?,
    })
}

const SELECT: &str = "SELECT o.id, o.name, o.account_manager_id, o.notes, \
                      (SELECT COUNT(*) FROM customers c WHERE c.organisation_id = o.id) AS customers FROM organisations o";

async fn domains_of(conn: &mut AnyConnection, ids: &[i64]) -> Result<HashMap<i64, Vec<String>>> {
    let mut out: HashMap<i64, Vec<String>> = HashMap::new();
    for r in crate::db::select_in(
        conn,
        "SELECT organisation_id, domain FROM organisation_domains WHERE organisation_id IN ({in}) ORDER BY domain",
        ids,
    )
    .await?
    {
        out.entry(r.try_get(0)?).or_default().push(r.try_get(1)?);
    }
    Ok(out)
}

/// Every organisation, by name.
pub async fn list(conn: &mut AnyConnection) -> Result<Vec<Organisation>> {
    let rows = sqlx::query(&format!("{SELECT} ORDER BY o.name_key, o.id")).fetch_all(&mut *conn).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.try_get("id")).collect::<Result<_, _>>()?;
    let mut domains = domains_of(conn, &ids).await?;
    rows.iter().map(|r| organisation(r, &mut domains)).collect()
}

pub async fn get(conn: &mut AnyConnection, id: i64) -> Result<Option<Organisation>> {
    let Some(r) = sqlx::query(&format!("{SELECT} WHERE o.id = $1")).bind(id).fetch_optional(&mut *conn).await? else {
        return Ok(None);
    };
    let mut domains = domains_of(conn, &[id]).await?;
    Ok(Some(organisation(&r, &mut domains)?))
}

/// The organisation of this name (any case), if there is one.
pub async fn by_name(conn: &mut AnyConnection, name: &str) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT id FROM organisations WHERE name_key = $1").bind(name_key(name)).fetch_optional(conn).await?)
}

/// The organisation of this name, created if there is none yet.
pub async fn find_or_create(tx: &mut WriteTx, name: &str) -> Result<i64> {
    if let Some(id) = by_name(tx, name).await? {
        return Ok(id);
    }
    let now = now_ms();
    Ok(sqlx::query_scalar(
        "INSERT INTO organisations (name, name_key, notes, created_at, updated_at) VALUES ($1, $2, '', $3, $3) RETURNING id",
    )
    .bind(name.trim())
    .bind(name_key(name))
    .bind(now)
    .fetch_one(&mut **tx)
    .await?)
}

/// What an organisation is, as it is set.
#[derive(Debug, Clone)]
pub struct OrganisationRow<'a> {
    pub name: &'a str,
    /// Lower case, no `@`, each once.
    pub domains: &'a [String],
    pub account_manager_id: Option<i64>,
    pub notes: &'a str,
}

/// Sets an organisation's name, domains, manager and notes (`false` if there is none), and links
/// the customers of its domains who have no organisation yet. A name another organisation has,
/// or a domain that is another's, is a conflict (`StoreError::Conflict` naming it).
pub async fn update(tx: &mut WriteTx, id: i64, o: &OrganisationRow<'_>) -> Result<bool> {
    if let Some(other) = by_name(tx, o.name).await?.filter(|other| *other != id) {
        let _ = other;
        return Err(StoreError::Conflict("name".into()));
    }
    for d in o.domains {
        let owner: Option<i64> = sqlx::query_scalar("SELECT organisation_id FROM organisation_domains WHERE domain = $1")
            .bind(d)
            .fetch_optional(&mut **tx)
            .await?;
        if owner.is_some_and(|owner| owner != id) {
            return Err(StoreError::Conflict(format!("domain {d}")));
        }
    }
    let n = sqlx::query(
        "UPDATE organisations SET name = $1, name_key = $2, account_manager_id = $3, notes = $4, updated_at = $5 WHERE id = $6",
    )
    .bind(o.name.trim())
    .bind(name_key(o.name))
    .bind(o.account_manager_id)
    .bind(o.notes)
    .bind(now_ms())
    .bind(id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if n == 0 {
        return Ok(false);
    }
    sqlx::query("DELETE FROM organisation_domains WHERE organisation_id = $1").bind(id).execute(&mut **tx).await?;
    for d in o.domains {
        sqlx::query("INSERT INTO organisation_domains (domain, organisation_id) VALUES ($1, $2)")
            .bind(d)
            .bind(id)
            .execute(&mut **tx)
            .await?;
        // Their addresses end in "@domain" or ".domain" (a subdomain).
        sqlx::query(
            "UPDATE customers SET organisation_id = $1 WHERE organisation_id IS NULL AND id IN \
             (SELECT customer_id FROM customer_addresses WHERE address LIKE $2 OR address LIKE $3)",
        )
        .bind(id)
        .bind(format!("%@{}", like_escape(d)))
        .bind(format!("%.{}", like_escape(d)))
        .execute(&mut **tx)
        .await?;
    }
    Ok(true)
}

/// `%` and `_` in a domain matched literally (domains hold neither, but a LIKE pattern must not
/// depend on that).
fn like_escape(s: &str) -> String {
    s.chars().filter(|c| *c != '%' && *c != '_').collect()
}

/// Removes an organisation; its customers keep no organisation.
pub async fn delete(tx: &mut WriteTx, id: i64) -> Result<bool> {
    sqlx::query("UPDATE customers SET organisation_id = NULL WHERE organisation_id = $1").bind(id).execute(&mut **tx).await?;
    sqlx::query("DELETE FROM organisation_domains WHERE organisation_id = $1").bind(id).execute(&mut **tx).await?;
    Ok(sqlx::query("DELETE FROM organisations WHERE id = $1").bind(id).execute(&mut **tx).await?.rows_affected() > 0)
}

/// The organisations that own these addresses' domains (a subdomain belongs to its parent's
/// owner), by address.
pub async fn of_addresses(conn: &mut AnyConnection, addresses: &[&str]) -> Result<HashMap<String, i64>> {
    let mut candidates: Vec<String> = Vec::new();
    for a in addresses {
        candidates.extend(parents(a));
    }
    candidates.sort_unstable();
    candidates.dedup();
    if candidates.is_empty() {
        return Ok(HashMap::new());
    }
    let owners: HashMap<String, i64> = crate::db::select_in(
        conn,
        "SELECT domain, organisation_id FROM organisation_domains WHERE domain IN ({in})",
        &candidates.iter().map(String::as_str).collect::<Vec<_>>(),
    )
    .await?
    .iter()
    .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
    .collect::<Result<_>>()?;
    Ok(addresses
        .iter()
        .filter_map(|a| parents(a).into_iter().find_map(|d| owners.get(&d).copied()).map(|id| (a.to_string(), id)))
        .collect())
}

/// An address's domain and its parents, most specific first (`a.b.cz`, `b.cz`; not `cz`).
fn parents(address: &str) -> Vec<String> {
    let Some((_, domain)) = address.rsplit_once('@') else { return Vec::new() };
    let domain = domain.to_lowercase();
    let mut out = Vec::new();
    let mut rest = domain.as_str();
    while rest.contains('.') {
        out.push(rest.to_string());
        rest = rest.split_once('.').map(|(_, r)| r).unwrap_or_default();
    }
    out
}

/// Links customers to organisations (`None`: to none).
pub async fn link(conn: &mut AnyConnection, customer_id: i64, organisation_id: Option<i64>) -> Result<()> {
    sqlx::query("UPDATE customers SET organisation_id = $1 WHERE id = $2").bind(organisation_id).bind(customer_id).execute(conn).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Backend, Db};

    /// The free text of customers written before organisations were entities becomes
    /// organisations, one per name whatever its case.
    #[tokio::test]
    async fn free_text_organisations_become_entities() {
        for backend in [Backend::Sqlite, Backend::Postgres] {
            let dir = tempfile::tempdir().unwrap();
            let (url, pg) = match backend {
                Backend::Sqlite => (format!("sqlite://{}/m.db", dir.path().display()), None),
                Backend::Postgres => {
                    let (url, name) = crate::testing::fresh_pg_database().await;
                    (url, Some(name))
                }
            };
            let db = Db::connect(&url).await.unwrap();
            let mut migrator = match backend {
                Backend::Sqlite => sqlx::migrate!("./migrations/sqlite"),
                Backend::Postgres => sqlx::migrate!("./migrations/postgres"),
            };
            let all = migrator.migrations.to_vec();
            let before = all.iter().position(|m| m.description.contains("organisations")).unwrap();
            migrator.migrations = std::borrow::Cow::Owned(all[..before].to_vec());
            migrator.run(db.pool()).await.unwrap();
            for (id, org) in [(1, "Firma s.r.o."), (2, " FIRMA S.R.O. "), (3, ""), (4, "Jiná a.s.")] {
                sqlx::query("INSERT INTO customers (id, name, organisation, created_at) VALUES ($1, 'x', $2, 0)")
                    .bind(id)
                    .bind(org)
                    .execute(db.pool())
                    .await
                    .unwrap();
            }
            migrator.migrations = std::borrow::Cow::Owned(all);
            migrator.run(db.pool()).await.unwrap();
            let mut conn = db.conn().await.unwrap();
            let orgs = list(&mut conn).await.unwrap();
            assert_eq!(
                orgs.iter().map(|o| (o.name.as_str(), o.customers)).collect::<Vec<_>>(),
                [("Firma s.r.o.", 2), ("Jiná a.s.", 1)],
                "{backend:?}"
            );
            let of = |id: i64| sqlx::query_scalar::<_, Option<i64>>("SELECT organisation_id FROM customers WHERE id = $1").bind(id);
            assert_eq!(of(3).fetch_one(&mut *conn).await.unwrap(), None);
            assert_eq!(of(1).fetch_one(&mut *conn).await.unwrap(), of(2).fetch_one(&mut *conn).await.unwrap());
            drop(conn);
            db.close().await;
            if let Some(name) = pg {
                crate::testing::drop_pg_database(&name).await;
            }
        }
    }

    #[test]
    fn an_address_belongs_to_its_domain_and_the_parents() {
        assert_eq!(parents("jana@obchod.firma.cz"), ["obchod.firma.cz", "firma.cz"]);
        assert_eq!(parents("x@localhost"), Vec::<String>::new());
        assert_eq!(parents("no-at-sign"), Vec::<String>::new());
    }
}
