//! Who may see and do what. Admins see every ticket; agents and light agents see the tickets of
//! the mailboxes they belong to (or all, when their account says so); light agents may add notes
//! but never write to customers. Every ticket, attachment and message access goes through `can_see`.

use crate::Role;

/// Which mailboxes' tickets an account may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailboxScope {
    All,
    /// Only these mailboxes (sorted, no duplicates). Tickets without a mailbox are not included.
    Only(Vec<i64>),
}

impl MailboxScope {
    /// What both scopes allow: a listing asked for with `self` by someone whose rights are `rights`.
    pub fn within(&self, rights: &MailboxScope) -> MailboxScope {
        match (self, rights) {
            (MailboxScope::All, r) => r.clone(),
            (s, MailboxScope::All) => s.clone(),
            (MailboxScope::Only(a), MailboxScope::Only(b)) => {
                MailboxScope::Only(a.iter().copied().filter(|m| b.binary_search(m).is_ok()).collect())
            }
        }
    }
}

/// An account's rights, loaded once per request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    pub user_id: i64,
    pub role: Role,
    pub scope: MailboxScope,
}

impl Access {
    pub fn new(user_id: i64, role: Role, all_mailboxes: bool, mut mailboxes: Vec<i64>) -> Access {
        let scope = if role == Role::Admin || all_mailboxes {
            MailboxScope::All
        } else {
            mailboxes.sort_unstable();
            mailboxes.dedup();
            MailboxScope::Only(mailboxes)
        };
        Access { user_id, role, scope }
    }

    /// Whether a ticket in this mailbox is visible to the account.
    pub fn can_see(&self, mailbox_id: Option<i64>) -> bool {
        match (&self.scope, mailbox_id) {
            (MailboxScope::All, _) => true,
            (MailboxScope::Only(ids), Some(m)) => ids.binary_search(&m).is_ok(),
            (MailboxScope::Only(_), None) => false,
        }
    }

    /// Replies, status changes for customers: everyone but light agents.
    pub fn can_reply(&self) -> bool {
        self.role != Role::LightAgent
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// The mailbox ids a listing must be limited to; `None` means no limit.
    pub fn mailbox_filter(&self) -> Option<&[i64]> {
        match &self.scope {
            MailboxScope::All => None,
            MailboxScope::Only(ids) => Some(ids),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes() {
        let admin = Access::new(1, Role::Admin, false, vec![]);
        assert!(admin.can_see(Some(9)) && admin.can_see(None) && admin.mailbox_filter().is_none());
        let agent = Access::new(2, Role::Agent, false, vec![3, 1, 3]);
        assert!(agent.can_see(Some(1)) && agent.can_see(Some(3)));
        assert!(!agent.can_see(Some(2)) && !agent.can_see(None));
        assert_eq!(agent.mailbox_filter(), Some(&[1, 3][..]));
        let everywhere = Access::new(3, Role::Agent, true, vec![]);
        assert!(everywhere.can_see(Some(77)) && everywhere.can_reply());
        let light = Access::new(4, Role::LightAgent, true, vec![]);
        assert!(!light.can_reply() && !light.is_admin());
        // A listing never reaches past the rights of whoever asks for it.
        assert_eq!(MailboxScope::All.within(&agent.scope), MailboxScope::Only(vec![1, 3]));
        assert_eq!(MailboxScope::Only(vec![2, 3]).within(&agent.scope), MailboxScope::Only(vec![3]));
        assert_eq!(MailboxScope::Only(vec![2]).within(&MailboxScope::All), MailboxScope::Only(vec![2]));
        assert_eq!(MailboxScope::All.within(&MailboxScope::All), MailboxScope::All);
    }
}
