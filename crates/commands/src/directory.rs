//! Who and what can be chosen in a form: the active agents and the teams.

use crate::{Actor, Result};
use podpora_mail::Mailroom;
use podpora_store::teams::{self, Team};
use podpora_store::users::{self, User};

/// Every account, disabled ones included (their names still label what they did); only enabled
/// ones may be chosen as assignee or colleague.
pub async fn agents(room: &Mailroom, _actor: &Actor) -> Result<Vec<User>> {
    Ok(users::list(&room.db).await?)
}

/// Every team, by name.
pub async fn teams(room: &Mailroom, _actor: &Actor) -> Result<Vec<Team>> {
    Ok(teams::list(&room.db).await?)
}
