//! Who is told about a ticket, and the telling: a notification in the app and, for agents who
//! want it, a mail (`mail::notice`). Shared by the SLA tracker and the rules' `notify` action.
//! What it needs — the roster, the teams, the mailboxes — is read once per transaction or batch.

use crate::{CommandError, Reason, Result};
use podpora_domain::{Access, Lang, Role, TicketNumber};
use podpora_mail::notice::{self, About};
use podpora_mail::Mailroom;
use podpora_store::mailboxes::{self, Mailbox};
use podpora_store::notifications::{self, Kind};
use podpora_store::teams::{self, Team};
use podpora_store::users::{self, User};
use podpora_store::WriteTx;
use std::sync::Arc;

/// The ticket told about.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ticket<'a> {
    pub id: i64,
    pub number: i64,
    pub subject: &'a str,
    pub mailbox_id: Option<i64>,
    pub team_id: Option<i64>,
    pub assignee_id: Option<i64>,
}

pub(crate) struct Audience {
    /// The process's copy of the roster with each account's rights.
    roster: Arc<Vec<(User, Access)>>,
    teams: Arc<Vec<Team>>,
    mailboxes: Vec<Mailbox>,
}

impl Audience {
    pub async fn read(room: &Mailroom, tx: &mut WriteTx) -> Result<Audience> {
        let counters = podpora_store::Counters::read(tx).await?;
        Ok(Audience {
            roster: users::roster_cached(&room.db, tx, &counters).await?,
            teams: teams::list_cached(&room.db, tx, &counters).await?,
            mailboxes: mailboxes::list(&room.db).await?,
        })
    }

    /// An account that is not disabled.
    fn user(&self, id: i64) -> Option<&(User, Access)> {
        self.roster.iter().find(|(u, _)| u.id == id && !u.disabled)
    }

    /// Whether the agent may be given this mailbox's tickets.
    pub fn can_take(&self, id: i64, mailbox: Option<i64>) -> bool {
        self.user(id).is_some_and(|(_, access)| access.can_reply() && access.can_see(mailbox))
    }

    pub fn lead_of(&self, t: &Ticket<'_>) -> Option<i64> {
        t.team_id.and_then(|id| self.teams.iter().find(|x| x.id == id)).and_then(|x| x.lead)
    }

    /// The assignee and the team's lead; with neither, the admins who see the ticket (an
    /// unassigned ticket of no team is exactly the one nobody watches).
    pub fn watchers(&self, t: &Ticket<'_>) -> Vec<i64> {
        let mut whom: Vec<i64> = [t.assignee_id, self.lead_of(t)].into_iter().flatten().filter(|u| self.user(*u).is_some()).collect();
        if whom.is_empty() {
            whom = self
                .roster
                .iter()
                .filter(|(u, a)| !u.disabled && u.role == Role::Admin && a.can_see(t.mailbox_id))
                .map(|(u, _)| u.id)
                .collect();
        }
        whom.dedup();
        whom
    }

    /// Tells `whom` in the app (`kind`, `text` as the notification stores it) and, if they want
    /// mail and may see the ticket, by mail with `line` in their language. Returns whether a mail
    /// was queued (the caller wakes the senders after its commit). Disabled accounts and agents
    /// who may not see the ticket are not told.
    pub async fn tell(
        &self,
        room: &Mailroom,
        tx: &mut WriteTx,
        t: &Ticket<'_>,
        whom: i64,
        (kind, text): (Kind, &str),
        line: impl Fn(Lang) -> String,
    ) -> Result<bool> {
        let Some((user, _)) = self.user(whom).filter(|(_, a)| a.can_see(t.mailbox_id)) else { return Ok(false) };
        notifications::add(&mut *tx, &[whom], t.id, kind, None, text).await?;
        let Some(mailbox) = t.mailbox_id.and_then(|m| self.mailboxes.iter().find(|x| x.id == m)) else { return Ok(false) };
        let number = TicketNumber::new(t.number).map_err(|e| CommandError::Invalid(Reason::detail(e.to_string())))?;
        let about = About { ticket_id: t.id, number, subject: t.subject };
        Ok(notice::to_agent(room, tx, user, mailbox, about, &line(user.language)).await?)
    }
}
