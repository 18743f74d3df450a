//! Who and what can be chosen or filtered by: the agents, the mailboxes the actor may see, the teams.

use crate::{Actor, Result};
use podpora_mail::Mailroom;
use podpora_store::mailboxes::{self, Mailbox};
use podpora_store::teams::{self, Team};
use podpora_store::users::{self, User};

/// Every account, disabled ones included (their names still label what they did); only enabled
/// ones may be chosen as assignee or colleague.
pub async fn agents(room: &Mailroom, _actor: &Actor) -> Result<Vec<User>> {
    Ok(users::list(&room.db).await?)
}

/// The mailboxes the actor may see (all, for admins), with their fetch health.
pub async fn mailboxes(room: &Mailroom, actor: &Actor) -> Result<Vec<Mailbox>> {
    Ok(mailboxes::list(&room.db).await?.into_iter().filter(|m| actor.access().can_see(Some(m.id))).collect())
}

/// Every team, by name.
pub async fn teams(room: &Mailroom, _actor: &Actor) -> Result<Vec<Team>> {
    Ok(teams::list(&room.db).await?)
}
