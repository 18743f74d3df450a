//! One SMTP session per mail to the relay, every step of it bounded by its own timeout.
//!
//! lettre speaks the protocol (`AsyncSmtpConnection`: greeting, EHLO, STARTTLS, AUTH, commands,
//! the dot-stuffed message), but its transport bounds only the connect (lettre issue #1027): a
//! relay that accepts the connection and then never answers — a tarpit, a dropped link, an
//! overloaded smarthost — would hold a send, and the job behind it, for good. So the session is
//! driven here step by step, each under `tokio::time::timeout`, and a step that runs out is a
//! temporary failure whose reason names the step ("the relay did not answer after DATA within
//! 60 s"), retried with backoff.

use crate::outbound::SendError;
use crate::MailError;
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Quit, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use std::time::Duration;

/// How long each step of a relay session may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RelayTimeouts {
    /// The TCP connection (and the TLS handshake of `smtps://`).
    pub connect: Duration,
    /// The server's greeting and the answer to EHLO.
    pub greeting: Duration,
    /// The answer to each command (STARTTLS, AUTH, MAIL, RCPT, DATA).
    pub command: Duration,
    /// Sending the message and the answer after its final dot: the relay may scan it first.
    pub data_end: Duration,
}

impl Default for RelayTimeouts {
    fn default() -> Self {
        RelayTimeouts {
            connect: Duration::from_secs(10),
            greeting: Duration::from_secs(30),
            command: Duration::from_secs(30),
            data_end: Duration::from_secs(60),
        }
    }
}

impl RelayTimeouts {
    /// The longest a session of a mail to `recipients` addresses can take.
    pub fn longest_session(&self, recipients: usize) -> Duration {
        self.connect + self.greeting * 2 + self.command * (4 + recipients as u32) + self.data_end
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tls {
    None,
    /// STARTTLS when the relay offers it.
    Opportunistic,
    /// STARTTLS, or no mail at all.
    Required,
    /// TLS from the first byte (`smtps://`).
    Wrapper,
}

/// A relay: `smtp://host:port` (plain; `?tls=opportunistic` or `?tls=required` for STARTTLS),
/// `smtps://host:port` (TLS from the start), with `user:password@` for AUTH and an optional
/// `/name` for EHLO — the same URLs lettre reads.
#[derive(Clone)]
pub struct Relay {
    host: String,
    port: u16,
    tls: Tls,
    credentials: Option<Credentials>,
    hello: ClientId,
    pub timeouts: RelayTimeouts,
}

impl std::fmt::Debug for Relay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Relay({}:{} {:?})", self.host, self.port, self.tls)
    }
}

impl Relay {
    pub fn parse(url: &str, timeouts: RelayTimeouts) -> Result<Relay, MailError> {
        let bad = |why: String| MailError::Rejected(format!("PODPORA_SMTP_RELAY is not a valid smtp:// or smtps:// URL: {why}"));
        let u = url::Url::parse(url).map_err(|e| bad(e.to_string()))?;
        let host = u.host_str().filter(|h| !h.is_empty()).ok_or_else(|| bad("it has no host".into()))?;
        let host = host.trim_start_matches('[').trim_end_matches(']').to_string();
        let tls_param = u.query_pairs().find(|(k, _)| k == "tls").map(|(_, v)| v.to_string());
        let (tls, default_port) = match (u.scheme(), tls_param.as_deref()) {
            ("smtp", None | Some("none")) => (Tls::None, 25),
            ("smtp", Some("opportunistic")) => (Tls::Opportunistic, 587),
            ("smtp", Some("required")) => (Tls::Required, 587),
            ("smtps", _) => (Tls::Wrapper, 465),
            (scheme, tls) => return Err(bad(format!("unknown scheme '{scheme}' or tls={}", tls.unwrap_or_default()))),
        };
        let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().to_string();
        let credentials = u.password().map(|p| Credentials::new(decode(u.username()), decode(p)));
        let name = u.path().trim_matches('/');
        let hello = if name.is_empty() { ClientId::default() } else { ClientId::Domain(name.to_string()) };
        Ok(Relay { port: u.port().unwrap_or(default_port), host, tls, credentials, hello, timeouts })
    }

    fn tls_parameters(&self) -> Result<TlsParameters, SendError> {
        TlsParameters::new(self.host.clone()).map_err(|e| SendError::Permanent(format!("TLS setup for the relay: {e}")))
    }

    /// Delivers one mail in a session of its own. `may_send` is asked just before the message
    /// itself goes out: false (this process has lost touch with the database, so another may be
    /// sending the same mail) ends the session without sending.
    pub async fn send(&self, envelope: &Envelope, raw: &[u8], may_send: impl Fn() -> bool) -> Result<(), SendError> {
        let t = self.timeouts;
        let wrapper = if self.tls == Tls::Wrapper { Some(self.tls_parameters()?) } else { None };
        let connect = AsyncSmtpConnection::connect_tokio1((self.host.as_str(), self.port), Some(t.connect), &self.hello, wrapper, None);
        let mut conn = step(t.connect + t.greeting, "did not greet (connect, greeting and EHLO)", connect).await?;
        let result = self.session(&mut conn, envelope, raw, may_send).await;
        match &result {
            // A polite end; its answer does not matter.
            Ok(()) => {
                let _ = tokio::time::timeout(Duration::from_secs(5), conn.command(Quit)).await;
            }
            // A session that failed or hung is dropped without another word.
            Err(_) => drop(conn),
        }
        result
    }

    async fn session(
        &self,
        conn: &mut AsyncSmtpConnection,
        envelope: &Envelope,
        raw: &[u8],
        may_send: impl Fn() -> bool,
    ) -> Result<(), SendError> {
        let t = self.timeouts;
        match self.tls {
            Tls::Required | Tls::Opportunistic if conn.can_starttls() => {
                step(t.command + t.greeting, "did not complete STARTTLS", conn.starttls(self.tls_parameters()?, &self.hello)).await?;
            }
            Tls::Required => return Err(SendError::Temporary("the relay does not offer STARTTLS, which the relay URL requires".into())),
            _ => {}
        }
        if let Some(creds) = &self.credentials {
            step(t.command, "did not answer AUTH", conn.auth(&[Mechanism::Plain, Mechanism::Login], creds)).await?;
        }
        // As lettre's own `send`: 8BITMIME for a message that is not ASCII, SMTPUTF8 for addresses.
        let mut options = Vec::new();
        let non_ascii = |a: &lettre::Address| !AsRef::<str>::as_ref(a).is_ascii();
        if envelope.from().is_some_and(non_ascii) || envelope.to().iter().any(non_ascii) {
            if !conn.server_info().supports_feature(Extension::SmtpUtfEight) {
                return Err(SendError::Permanent("an address is not ASCII and the relay does not support SMTPUTF8".into()));
            }
            options.push(MailParameter::SmtpUtfEight);
        }
        if !raw.is_ascii() && conn.server_info().supports_feature(Extension::EightBitMime) {
            options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        step(t.command, "did not answer MAIL FROM", conn.command(Mail::new(envelope.from().cloned(), options))).await?;
        for to in envelope.to() {
            step(t.command, "did not answer RCPT TO", conn.command(Rcpt::new(to.clone(), vec![]))).await?;
        }
        step(t.command, "did not answer DATA", conn.command(Data)).await?;
        if !may_send() {
            return Err(SendError::Temporary("not sent: this instance lost touch with the database (another may send it)".into()));
        }
        step(t.data_end, "did not answer after DATA", conn.message(raw)).await?;
        Ok(())
    }
}

/// One step of a session under its timeout: a timeout or a broken connection is temporary, a
/// 4xx answer temporary, a 5xx answer permanent.
async fn step<T>(
    limit: Duration,
    what: &str,
    f: impl std::future::Future<Output = Result<T, lettre::transport::smtp::Error>>,
) -> Result<T, SendError> {
    match tokio::time::timeout(limit, f).await {
        Err(_) => Err(SendError::Temporary(format!("the relay {what} within {} s", limit.as_secs()))),
        Ok(Err(e)) if e.is_permanent() => Err(SendError::Permanent(format!("the relay refused the mail: {e}"))),
        Ok(Err(e)) => Err(SendError::Temporary(format!("relay: {e}"))),
        Ok(Ok(v)) => Ok(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_relay_urls_as_lettre_does() {
        let t = RelayTimeouts::default();
        let r = Relay::parse("smtp://127.0.0.1:2525", t).unwrap();
        assert_eq!((r.host.as_str(), r.port, r.tls, r.credentials.is_some()), ("127.0.0.1", 2525, Tls::None, false));
        let r = Relay::parse("smtps://us%40er:p%3Ass@mail.shop.cz/podpora.shop.cz", t).unwrap();
        assert_eq!((r.port, r.tls, r.credentials.is_some()), (465, Tls::Wrapper, true));
        assert_eq!(r.hello, ClientId::Domain("podpora.shop.cz".into()));
        assert_eq!(Relay::parse("smtp://relay?tls=required", t).unwrap().tls, Tls::Required);
        assert_eq!(Relay::parse("smtp://relay?tls=opportunistic", t).unwrap().port, 587);
        for bad in ["http://relay", "smtp://relay?tls=maybe", "relay:25", "smtp://"] {
            assert!(Relay::parse(bad, t).is_err(), "{bad}");
        }
        assert!(!format!("{:?}", Relay::parse("smtp://u:secret@h", t).unwrap()).contains("secret"));
    }
}
