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
}

impl Db {
    /// Tells every instance's listeners. Never fails the caller's action: a lost hint is logged.
    pub async fn publish(&self, e: Event) {
        match self.backend() {
            Backend::Sqlite => {
                let _ = self.events().local.send(e);
            }
            Backend::Postgres => {
                let Ok(payload) = serde_json::to_string(&e) else { return };
                if let Err(err) = sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(payload).execute(self.pool()).await {
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
}
