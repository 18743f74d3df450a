//! Customers and all their addresses: one person writing from several addresses is one customer.

use crate::{now_ms, Result};
use podpora_domain::EmailAddress;
use sqlx::AnyConnection;
use sqlx::Row;

#[derive(Debug, Clone, serde::Serialize)]
pub struct Customer {
    pub id: i64,
    pub name: String,
    pub addresses: Vec<String>,
}

/// The customer who owns this address, created on first contact. A known name is kept;
/// an empty one is filled in from the mail.
pub async fn find_or_create(conn: &mut AnyConnection, address: &EmailAddress, name: &str) -> Result<i64> {
    let found: Option<(i64, String)> = sqlx::query("SELECT c.id, c.name FROM customer_addresses a JOIN customers c ON c.id = a.customer_id WHERE a.address = $1")
        .bind(address.as_str())
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| Ok::<_, sqlx::Error>((r.try_get(0)?, r.try_get(1)?)))
        .transpose()?;
    if let Some((id, existing)) = found {
        if existing.is_empty() && !name.is_empty() {
            sqlx::query("UPDATE customers SET name = $1 WHERE id = $2").bind(name).bind(id).execute(&mut *conn).await?;
        }
        return Ok(id);
    }
    let now = now_ms();
    let id: i64 = sqlx::query_scalar("INSERT INTO customers (name, created_at) VALUES ($1, $2) RETURNING id").bind(name).bind(now).fetch_one(&mut *conn).await?;
    // Another instance may be creating the same customer right now: the address decides who wins.
    let won: Option<i64> = sqlx::query_scalar("INSERT INTO customer_addresses (address, customer_id, created_at) VALUES ($1, $2, $3) ON CONFLICT (address) DO NOTHING RETURNING customer_id")
        .bind(address.as_str())
        .bind(id)
        .bind(now)
        .fetch_optional(&mut *conn)
        .await?;
    if won.is_some() {
        return Ok(id);
    }
    sqlx::query("DELETE FROM customers WHERE id = $1").bind(id).execute(&mut *conn).await?;
    Ok(sqlx::query_scalar("SELECT customer_id FROM customer_addresses WHERE address = $1").bind(address.as_str()).fetch_one(&mut *conn).await?)
}

pub async fn get(conn: &mut AnyConnection, id: i64) -> Result<Option<Customer>> {
    let Some(name) = sqlx::query_scalar::<_, String>("SELECT name FROM customers WHERE id = $1").bind(id).fetch_optional(&mut *conn).await? else {
        return Ok(None);
    };
    let addresses = sqlx::query_scalar::<_, String>("SELECT address FROM customer_addresses WHERE customer_id = $1 ORDER BY created_at, address")
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
    Ok(Some(Customer { id, name, addresses }))
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
            let c = get(&mut *t.db.conn().await.unwrap(), ids[0]).await.unwrap().unwrap();
            assert_eq!((c.name.as_str(), c.addresses.len()), ("Jan", 1));
            t
        })
        .await;
    }
}
