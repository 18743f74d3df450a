//! Who acts: an authenticated account with its rights, as the UI session or the API token found it.

use crate::{CommandError, Reason, Result};
use podpora_domain::Access;
use podpora_store::users::{self, User};
use podpora_store::Db;

/// The user a command acts for, with their rights. Built only from an account that signed in
/// (a session or an API token) or that the CLI names, so every command knows whose rights apply.
#[derive(Debug, Clone)]
pub struct Actor {
    user: User,
    access: Access,
}

impl Actor {
    /// The account with its rights as stored now.
    pub async fn of(db: &Db, user: User) -> Result<Actor> {
        let access = users::access(db, &user).await?;
        Ok(Actor { user, access })
    }

    pub fn user(&self) -> &User {
        &self.user
    }

    pub fn access(&self) -> &Access {
        &self.access
    }

    pub fn id(&self) -> i64 {
        self.user.id
    }

    /// Replies to customers and status changes: everyone but light agents.
    pub(crate) fn require_reply_rights(&self, what: &'static str) -> Result<()> {
        if self.access.can_reply() {
            Ok(())
        } else {
            Err(CommandError::Forbidden(Reason::new(what)))
        }
    }

    pub(crate) fn require_admin(&self) -> Result<()> {
        if self.access.is_admin() {
            Ok(())
        } else {
            Err(CommandError::Forbidden(Reason::new("error-admin-only")))
        }
    }
}
