//! Email addresses as the helpdesk compares them: trimmed, lower-cased, syntactically plausible.

use crate::DomainError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A mailbox address (`local@domain`), normalised to lower case so that one customer
/// writing as `Jan@Example.cz` and `jan@example.cz` is one customer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, format = Email))]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let s = input.trim().trim_start_matches('<').trim_end_matches('>').trim();
        let bad = || DomainError::InvalidAddress(input.chars().take(200).collect());
        if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>' || c == ',') {
            return Err(bad());
        }
        let (local, domain) = s.rsplit_once('@').ok_or_else(bad)?;
        if local.is_empty()
            || local.len() > 64
            || domain.is_empty()
            || domain.starts_with('.')
            || domain.ends_with('.')
            || domain.contains("..")
        {
            return Err(bad());
        }
        if !domain.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '.' || c == '[' || c == ']' || c == ':') {
            return Err(bad());
        }
        Ok(EmailAddress(s.to_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn local_part(&self) -> &str {
        self.0.rsplit_once('@').map(|(l, _)| l).unwrap_or("")
    }

    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map(|(_, d)| d).unwrap_or("")
    }

    /// `support+t42.abc@shop.cz` → (`support@shop.cz`, Some(`t42.abc`)).
    pub fn split_plus(&self) -> (EmailAddress, Option<&str>) {
        match self.local_part().split_once('+') {
            Some((base, detail)) if !base.is_empty() => (EmailAddress(format!("{base}@{}", self.domain())), Some(detail)),
            _ => (self.clone(), None),
        }
    }

    /// The same mailbox with a `+detail` added to the local part.
    pub fn with_plus(&self, detail: &str) -> EmailAddress {
        EmailAddress(format!("{}+{}@{}", self.local_part(), detail.to_lowercase(), self.domain()))
    }

    /// Addresses that by convention never expect an answer (bounces, robots).
    pub fn is_robot(&self) -> bool {
        let l = self.local_part();
        let l = l.split('+').next().unwrap_or(l);
        matches!(
            l,
            "mailer-daemon"
                | "postmaster"
                | "noreply"
                | "no-reply"
                | "no_reply"
                | "donotreply"
                | "do-not-reply"
                | "bounce"
                | "bounces"
                | "daemon"
                | "listserv"
                | "majordomo"
        ) || l.starts_with("bounce-")
            || l.starts_with("bounces-")
            || l.starts_with("owner-")
            || l.ends_with("-request")
            || l.ends_with("-bounces")
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        EmailAddress::parse(&s)
    }
}

impl From<EmailAddress> for String {
    fn from(a: EmailAddress) -> String {
        a.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_and_rejects() {
        assert_eq!(EmailAddress::parse(" <Jan.Novak@Example.CZ> ").unwrap().as_str(), "jan.novak@example.cz");
        for bad in ["", "a", "@x.cz", "a@", "a b@x.cz", "a@x..cz", "a@.cz", "a@x.cz,b@y.cz", "a@x\0.cz"] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn plus_addresses() {
        let a = EmailAddress::parse("support+t42.x@shop.cz").unwrap();
        let (base, detail) = a.split_plus();
        assert_eq!(base.as_str(), "support@shop.cz");
        assert_eq!(detail, Some("t42.x"));
        assert_eq!(base.with_plus("T1").as_str(), "support+t1@shop.cz");
        assert_eq!(EmailAddress::parse("+x@shop.cz").unwrap().split_plus().1, None);
    }

    #[test]
    fn robots() {
        for r in ["MAILER-DAEMON@x.cz", "noreply@x.cz", "owner-list@x.cz", "list-request@x.cz", "bounce-123@x.cz"] {
            assert!(EmailAddress::parse(r).unwrap().is_robot(), "{r}");
        }
        assert!(!EmailAddress::parse("jan@x.cz").unwrap().is_robot());
    }
}
