//! The event bus: what agents' browsers hear live (a ticket changed, a new ticket arrived, a
//! colleague is viewing or typing). In-process on SQLite (one instance); on PostgreSQL every
//! event goes through NOTIFY and each instance's LISTEN connection, so several instances behind
//! a load balancer see each other's events. Events are hints to refresh, never the data itself:
//! a lost event costs freshness, not correctness.

use crate::{Backend, Db, Result};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

const CHANNEL: &str = "podpora_events";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// A ticket was created or changed (new mail, reply, status, assignment…).
    Ticket { number: i64, mailbox_id: Option<i64>, by_user: Option<i64> },
    /// Several tickets of one mailbox changed at once (a batch of incoming mail): one
    /// notification instead of one per ticket, which matters under a burst on PostgreSQL.
    Tickets { numbers: Vec<i64>, mailbox_id: Option<i64> },
    /// An agent is looking at a ticket (sent every few seconds while the page is open).
    Presence { number: i64, user_id: i64, name: String, typing: bool },
    /// An agent left a ticket's page.
    Left { number: i64, user_id: i64 },
    /// Tickets were queued for routing: the routers of every instance look (not for browsers).
    Routing,
}

#[derive(Clone)]
pub struct EventBus {
    local: broadcast::Sender<Event>,
}

impl Default for EventBus {
    fn default() -> Self {
        EventBus { local: broadcast::channel(1024).0 }
    }
}

impl EventBus {
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.local.subscribe()
    }

    /// Hands an event to this process's listeners (none listening is fine).
    pub(crate) fn send(&self, e: Event) {
        let _ = self.local.send(e);
    }
}

/// `NOTIFY` on the given connection (inside a transaction: delivered at its commit).
pub(crate) async fn notify(conn: &mut sqlx::AnyConnection, e: &Event) -> Result<()> {
    let payload = serde_json::to_string(e).map_err(|err| crate::StoreError::Corrupt(err.to_string()))?;
    sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(payload).execute(conn).await?;
    Ok(())
}

impl Db {
    /// Tells every instance's listeners. Never fails the caller's action: a lost hint is logged.
    pub async fn publish(&self, e: Event) {
        match self.backend() {
            Backend::Sqlite => self.events().send(e),
            Backend::Postgres => {
                let sent = match self.pool().acquire().await {
                    Ok(mut conn) => notify(&mut conn, &e).await,
                    Err(err) => Err(err.into()),
                };
                if let Err(err) = sent {
                    tracing::warn!(error = %err, "could not publish a live event");
                }
            }
        }
    }

    /// On PostgreSQL, forwards NOTIFY events from every instance to this process's subscribers
    /// (reconnecting as needed). Runs until the process ends; a no-op on SQLite.
    pub async fn listen_events(&self, url: &str) -> Result<()> {
        if self.backend() != Backend::Postgres {
            return Ok(());
        }
        let mut listener = sqlx::postgres::PgListener::connect(url).await?;
        listener.listen(CHANNEL).await?;
        let bus = self.events().clone();
        tokio::spawn(async move {
            loop {
                match listener.recv().await {
                    Ok(n) => {
                        if let Ok(e) = serde_json::from_str::<Event>(n.payload()) {
                            let _ = bus.local.send(e);
                        }
                    }
                    Err(err) => {
                        tracing::warn!(error = %err, "live event listener lost its connection; reconnecting");
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    }
                }
            }
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::for_each_backend;

    #[tokio::test]
    async fn events_reach_subscribers_on_both_backends() {
        for_each_backend(|t| async move {
            if let Some(url) = &t.url {
                t.db.listen_events(url).await.unwrap();
            }
            let mut rx = t.db.events().subscribe();
            // NOTIFY is delivered once LISTEN is active; publish until the first one arrives.
            let e = Event::Ticket { number: 7, mailbox_id: Some(1), by_user: None };
            let got = tokio::time::timeout(std::time::Duration::from_secs(10), async {
                loop {
                    t.db.publish(e.clone()).await;
                    if let Ok(Ok(got)) = tokio::time::timeout(std::time::Duration::from_millis(200), rx.recv()).await {
                        return got;
                    }
                }
            })
            .await
            .unwrap();
            assert_eq!(got, e);
            t
        })
        .await;
    }

    /// An event announced with a transaction is heard when it commits, never when it rolls back.
    #[tokio::test]
    async fn transaction_events_are_heard_only_after_a_commit() {
        for_each_backend(|t| async move {
            if let Some(url) = &t.url {
                t.db.listen_events(url).await.unwrap();
            }
            let mut rx = t.db.events().subscribe();
            let wait = std::time::Duration::from_secs(5);
            // Until the listener hears anything (PostgreSQL's LISTEN starts on its own connection).
            let ready = Event::Left { number: 0, user_id: 0 };
            tokio::time::timeout(wait, async {
                loop {
                    t.db.publish(ready.clone()).await;
                    if let Ok(Ok(_)) = tokio::time::timeout(std::time::Duration::from_millis(200), rx.recv()).await {
                        break;
                    }
                }
            })
            .await
            .unwrap();
            while rx.try_recv().is_ok() {}
            let lost = Event::Ticket { number: 1, mailbox_id: None, by_user: None };
            let mut tx = t.db.begin().await.unwrap();
            tx.publish(lost.clone()).await.unwrap();
            drop(tx);
            let kept = Event::Ticket { number: 2, mailbox_id: None, by_user: None };
            let mut tx = t.db.begin().await.unwrap();
            tx.publish(kept.clone()).await.unwrap();
            assert!(rx.try_recv().is_err(), "heard before the commit");
            tx.commit().await.unwrap();
            let heard = tokio::time::timeout(wait, async {
                loop {
                    match rx.recv().await {
                        Ok(e) if e == ready => continue,
                        other => return other,
                    }
                }
            })
            .await
            .unwrap()
            .unwrap();
            assert_eq!(heard, kept, "the rolled-back event was heard");
            t
        })
        .await;
    }
}
