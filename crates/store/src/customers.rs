//! Customers and all their addresses: one person writing from several addresses is one customer.

use crate::{now_ms, Result};
use podpora_domain::EmailAddress;
use sqlx::AnyConnection;
use sqlx::Row;
use std::collections::HashMap;

#[derive(Debug, Clone, serde::Serialize)]
pub struct Customer {
    pub id: i64,
    pub name: String,
    pub addresses: Vec<String>,
    /// What agents should know about this customer ("prefers formal address").
    pub notes: String,
    /// Their organisation's name (empty: none).
    pub organisation: String,
    pub organisation_id: Option<i64>,
    /// The customer's language when known (from their mail or set by an agent).
    pub language: Option<String>,
    /// Their account manager (routing's account-manager policy gives their tickets to them).
    pub account_manager_id: Option<i64>,
}

/// The customer who owns this address, created on first contact. A known name is kept;
/// an empty one is filled in from the mail.
pub async fn find_or_create(conn: &mut AnyConnection, address: &EmailAddress, name: &str) -> Result<i64> {
    match find_many(conn, &[address.as_str()]).await?.remove(address.as_str()) {
        Some(known) => {
            keep_name(conn, &known, name).await?;
            Ok(known.id)
        }
        None => create(conn, address, name).await,
    }
}

/// What the mail pipeline needs of a known customer.
#[derive(Debug, Clone)]
pub struct KnownCustomer {
    pub id: i64,
    pub name: String,
    pub language: Option<String>,
}

/// The customers owning these addresses (by address), for a batch of mail.
pub async fn find_many(conn: &mut AnyConnection, addresses: &[&str]) -> Result<HashMap<String, KnownCustomer>> {
    let sql = "SELECT a.address, c.id, c.name, c.language FROM customer_addresses a JOIN customers c ON c.id = a.customer_id WHERE a.address IN ({in})";
    crate::db::select_in(conn, sql, addresses)
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, KnownCustomer { id: r.try_get(1)?, name: r.try_get(2)?, language: r.try_get(3)? })))
        .collect()
}

/// Fills in a known customer's empty name.
pub async fn keep_name(conn: &mut AnyConnection, known: &KnownCustomer, name: &str) -> Result<()> {
    if known.name.is_empty() && !name.is_empty() {
        sqlx::query("UPDATE customers SET name = $1 WHERE id = $2").bind(name).bind(known.id).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Creates the customer of a new address (or returns the one another instance created at the same moment).
pub async fn create(conn: &mut AnyConnection, address: &EmailAddress, name: &str) -> Result<i64> {
    Ok(create_many(conn, &[(address, name, None)]).await?[0])
}

/// Creates the customers of new addresses ((address, name, language) each, addresses distinct),
/// with multi-row statements; their ids in the given order. An address another instance took at
/// the same moment gets that instance's customer.
pub async fn create_many(conn: &mut AnyConnection, new: &[(&EmailAddress, &str, Option<&str>)]) -> Result<Vec<i64>> {
    let reserved = crate::db::reserve_ids(conn, "customers", new.len()).await?;
    let mut ids = reserved.clone();
    let now = now_ms();
    for (chunk, chunk_ids) in new.chunks(crate::db::ROWS_PER_STATEMENT).zip(reserved.chunks(crate::db::ROWS_PER_STATEMENT)) {
        let sql = format!("INSERT INTO customers (id, name, language, created_at) VALUES {}", crate::db::values_list(chunk.len(), 4, 1));
        let mut q = sqlx::query(&sql);
        for ((_, name, lang), id) in chunk.iter().zip(chunk_ids) {
            q = q.bind(*id).bind(*name).bind(*lang).bind(now);
        }
        q.execute(&mut *conn).await?;
        let sql = format!("INSERT INTO customer_addresses (address, customer_id, created_at) VALUES {} ON CONFLICT (address) DO NOTHING RETURNING address", crate::db::values_list(chunk.len(), 3, 1));
        let mut q = sqlx::query_scalar::<_, String>(&sql);
        for ((address, _, _), id) in chunk.iter().zip(chunk_ids) {
            q = q.bind(address.as_str()).bind(*id).bind(now);
        }
        let won: std::collections::HashSet<String> = q.fetch_all(&mut *conn).await?.into_iter().collect();
        if won.len() < chunk.len() {
            // Lost races: drop our customer, take the winner's.
            for (i, (address, _, _)) in chunk.iter().enumerate().filter(|(_, (a, _, _))| !won.contains(a.as_str())) {
                let mine = chunk_ids[i];
                sqlx::query("DELETE FROM customers WHERE id = $1").bind(mine).execute(&mut *conn).await?;
                let theirs: i64 = sqlx::query_scalar("SELECT customer_id FROM customer_addresses WHERE address = $1")
                    .bind(address.as_str())
                    .fetch_one(&mut *conn)
                    .await?;
                if let Some(slot) = ids.iter_mut().find(|x| **x == mine) {
                    *slot = theirs;
                }
            }
        }
    }
    // New customers of an organisation's domain join it.
    let addresses: Vec<&str> = new.iter().map(|(a, _, _)| a.as_str()).collect();
    for (address, org) in crate::organisations::of_addresses(conn, &addresses).await? {
        if let Some(i) = new.iter().position(|(a, _, _)| a.as_str() == address) {
            sqlx::query("UPDATE customers SET organisation_id = $1 WHERE id = $2 AND organisation_id IS NULL")
                .bind(org)
                .bind(ids[i])
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(ids)
}

/// All addresses of these customers (by customer id).
pub async fn addresses_of(conn: &mut AnyConnection, ids: &[i64]) -> Result<HashMap<i64, Vec<String>>> {
    let mut out: HashMap<i64, Vec<String>> = HashMap::new();
    for r in crate::db::select_in(conn, "SELECT customer_id, address FROM customer_addresses WHERE customer_id IN ({in})", ids).await? {
        out.entry(r.try_get(0)?).or_default().push(r.try_get(1)?);
    }
    Ok(out)
}

pub async fn get(conn: &mut AnyConnection, id: i64) -> Result<Option<Customer>> {
    let Some(r) = sqlx::query(
        "SELECT c.name, c.notes, COALESCE(o.name, '') AS organisation, c.language, c.account_manager_id, c.organisation_id \
         FROM customers c LEFT JOIN organisations o ON o.id = c.organisation_id WHERE c.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let (name, notes, organisation, language): (String, String, String, Option<String>) =
        (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?);
    let (account_manager_id, organisation_id) = (r.try_get(4)?, r.try_get(5)?);
    let addresses =
        sqlx::query_scalar::<_, String>("SELECT address FROM customer_addresses WHERE customer_id = $1 ORDER BY created_at, address")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
    Ok(Some(Customer { id, name, addresses, notes, organisation, organisation_id, language, account_manager_id }))
}

/// What agents edit about a customer.
#[derive(Debug, Clone)]
pub struct CustomerProfile<'a> {
    pub name: &'a str,
    pub notes: &'a str,
    pub organisation_id: Option<i64>,
    pub language: Option<&'a str>,
}

pub async fn update_profile(conn: &mut AnyConnection, id: i64, p: &CustomerProfile<'_>) -> Result<()> {
    sqlx::query("UPDATE customers SET name = $1, notes = $2, organisation_id = $3, language = $4 WHERE id = $5")
        .bind(p.name)
        .bind(p.notes)
        .bind(p.organisation_id)
        .bind(p.language)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The customer's language, when known.
pub async fn language(conn: &mut AnyConnection, id: i64) -> Result<Option<String>> {
    Ok(sqlx::query_scalar::<_, Option<String>>("SELECT language FROM customers WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?
        .flatten())
}

/// Records the customer's language the first time it becomes known.
pub async fn learn_language(conn: &mut AnyConnection, id: i64, lang: &str) -> Result<()> {
    sqlx::query("UPDATE customers SET language = $1 WHERE id = $2 AND language IS NULL").bind(lang).bind(id).execute(conn).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::for_each_backend;

    #[tokio::test]
    async fn one_customer_per_address_under_concurrency() {
        for_each_backend(|t| async move {
            let addr = EmailAddress::parse("jan@x.cz").unwrap();
            let mut handles = Vec::new();
            for _ in 0..8 {
                let (db, addr) = (t.db.clone(), addr.clone());
                handles.push(tokio::spawn(async move {
                    let mut tx = db.begin().await.unwrap();
                    let id = find_or_create(&mut tx, &addr, "Jan").await.unwrap();
                    tx.commit().await.unwrap();
                    id
                }));
            }
            let mut ids = Vec::new();
            for h in handles {
                ids.push(h.await.unwrap());
            }
            ids.dedup();
            assert_eq!(ids.len(), 1);
            let c = get(&mut t.db.conn().await.unwrap(), ids[0]).await.unwrap().unwrap();
            assert_eq!((c.name.as_str(), c.addresses.len()), ("Jan", 1));
            t
        })
        .await;
    }
}
