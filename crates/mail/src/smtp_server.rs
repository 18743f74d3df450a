//! The inbound SMTP listener (PODPORA_SMTP_LISTEN). An MTA or a sending server delivers here;
//! we answer 250 only after the message is durable (see `ingest::accept`), 451 when storage
//! fails (the sender retries), 552 when it is too large, 550 for addresses that are not ours.
//! Hand-written because the maintained SMTP server crates are synchronous or unmaintained, and
//! the receiving side of SMTP we need is a small state machine (RFC 5321 with PIPELINING, SIZE,
//! 8BITMIME, and STARTTLS per RFC 3207 when a certificate is configured).

use crate::ingest::{self, Envelope, Source};
use crate::{MailError, Mailroom};
use podpora_domain::EmailAddress;
use podpora_store::mailboxes;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tokio_rustls::rustls;
use tokio_rustls::TlsAcceptor;

const MAX_LINE: usize = 4096;
const MAX_RCPT: usize = 100;
const COMMAND_TIMEOUT: Duration = Duration::from_secs(300);

/// The listener's certificate for STARTTLS: PEM files, read again when either file changes (a
/// renewed certificate is used by the next session without a restart).
pub struct TlsFiles {
    cert: PathBuf,
    key: PathBuf,
    loaded: Mutex<Option<(SystemTime, SystemTime, TlsAcceptor)>>,
}

impl TlsFiles {
    /// Loads the files once now, so that a wrong path or a broken key stops the start with a clear error.
    pub fn new(cert: &Path, key: &Path) -> Result<Arc<TlsFiles>, String> {
        let files = Arc::new(TlsFiles { cert: cert.to_path_buf(), key: key.to_path_buf(), loaded: Mutex::new(None) });
        files.acceptor()?;
        Ok(files)
    }

    fn acceptor(&self) -> Result<TlsAcceptor, String> {
        let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).map_err(|e| format!("{}: {e}", p.display()));
        let (cm, km) = (modified(&self.cert)?, modified(&self.key)?);
        let mut loaded = self.loaded.lock().unwrap_or_else(|e| e.into_inner());
        match &*loaded {
            Some((c, k, acceptor)) if *c == cm && *k == km => Ok(acceptor.clone()),
            _ => match load_acceptor(&self.cert, &self.key) {
                Ok(acceptor) => {
                    *loaded = Some((cm, km, acceptor.clone()));
                    Ok(acceptor)
                }
                // A renewal caught half-written: keep the certificate we have.
                Err(e) => match &*loaded {
                    Some((_, _, old)) => {
                        tracing::warn!(error = %e, "the SMTP certificate files could not be read again; keeping the loaded one");
                        Ok(old.clone())
                    }
                    None => Err(e),
                },
            },
        }
    }
}

fn load_acceptor(cert: &Path, key: &Path) -> Result<TlsAcceptor, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .and_then(|i| i.collect::<Result<_, _>>())
        .map_err(|e| format!("certificate {}: {e}", cert.display()))?;
    if chain.is_empty() {
        return Err(format!("certificate {}: no certificate in the file", cert.display()));
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| format!("private key {}: {e}", key.display()))?;
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| format!("certificate and key do not fit together: {e}"))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Serves SMTP on `listener` until `shutdown` turns true; sessions in progress finish their message.
/// With `tls`, STARTTLS is offered.
pub async fn serve(room: Mailroom, listener: TcpListener, tls: Option<Arc<TlsFiles>>, mut shutdown: watch::Receiver<bool>) {
    let slots = Arc::new(Semaphore::new(256));
    let mut sessions = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            accepted = listener.accept() => {
                let Ok((stream, peer)) = accepted else { continue };
                let Ok(permit) = slots.clone().try_acquire_owned() else {
                    let mut s = stream;
                    let _ = s.write_all(b"421 4.3.2 Too many connections, try again later\r\n").await;
                    continue;
                };
                let room = room.clone();
                let sd = shutdown.clone();
                let tls = tls.clone();
                sessions.spawn(async move {
                    if let Err(e) = session(&room, stream, tls, sd).await {
                        tracing::debug!(%peer, error = %e, "smtp session ended with an error");
                    }
                    drop(permit);
                });
            }
            Some(_) = sessions.join_next(), if !sessions.is_empty() => {}
        }
    }
    // Let sessions finish the message they are receiving, for a while.
    let _ = tokio::time::timeout(Duration::from_secs(30), async { while sessions.join_next().await.is_some() {} }).await;
}

async fn read_line<S: AsyncRead + Unpin>(r: &mut BufReader<S>, buf: &mut Vec<u8>, max: usize) -> std::io::Result<Option<bool>> {
    // Returns None at EOF, Some(true) for a complete line, Some(false) for an over-long one (drained).
    buf.clear();
    let mut too_long = false;
    loop {
        let chunk = r.fill_buf().await?;
        if chunk.is_empty() {
            return Ok(if buf.is_empty() && !too_long { None } else { Some(!too_long) });
        }
        match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => {
                if !too_long && buf.len() + i < max {
                    buf.extend_from_slice(&chunk[..=i]);
                } else {
                    too_long = true;
                }
                r.consume(i + 1);
                return Ok(Some(!too_long));
            }
            None => {
                let n = chunk.len();
                if !too_long && buf.len() + n < max {
                    buf.extend_from_slice(chunk);
                } else {
                    too_long = true;
                    buf.clear();
                }
                r.consume(n);
            }
        }
    }
}

fn path_arg<'a>(line: &'a str, prefix: &str) -> Option<(&'a str, &'a str)> {
    let rest = line.get(prefix.len()..)?.trim_start();
    let (addr, params) = if let Some(r) = rest.strip_prefix('<') {
        let end = r.find('>')?;
        (&r[..end], &r[end + 1..])
    } else {
        rest.split_once(' ').unwrap_or((rest, ""))
    };
    Some((addr.trim(), params.trim()))
}

/// How a dialogue ended: closed, or the client asked for TLS (the plain stream is handed back).
enum Ended<S> {
    Closed,
    StartTls(S),
}

async fn session(room: &Mailroom, stream: TcpStream, tls: Option<Arc<TlsFiles>>, shutdown: watch::Receiver<bool>) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut plain = BufReader::with_capacity(64 * 1024, stream);
    plain.write_all(format!("220 {} ESMTP podpora ready\r\n", room.host).as_bytes()).await?;
    let offer = match &tls {
        // Files that became unreadable: go on without TLS rather than refuse mail.
        Some(files) => files.acceptor().map_err(|e| tracing::warn!(error = %e, "STARTTLS not offered")).ok(),
        None => None,
    };
    let Ended::StartTls(tcp) = dialogue(room, plain, offer.is_some(), &shutdown).await? else { return Ok(()) };
    let acceptor = offer.expect("STARTTLS is only accepted when offered");
    let secured = tokio::time::timeout(COMMAND_TIMEOUT, acceptor.accept(tcp))
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "TLS handshake timed out"))??;
    // RFC 3207: the session starts over (the client sends EHLO again); no second STARTTLS.
    dialogue(room, BufReader::with_capacity(64 * 1024, secured), false, &shutdown).await.map(|_| ())
}

async fn dialogue<S: AsyncRead + AsyncWrite + Unpin>(
    room: &Mailroom,
    mut rd: BufReader<S>,
    offer_tls: bool,
    shutdown: &watch::Receiver<bool>,
) -> std::io::Result<Ended<S>> {
    let max = room.limits.max_message_bytes;
    let mut env: Option<Envelope> = None;
    let mut line = Vec::with_capacity(512);
    loop {
        if *shutdown.borrow() && env.is_none() {
            rd.write_all(b"421 4.3.2 Shutting down, try again later\r\n").await?;
            return Ok(Ended::Closed);
        }
        let got = match tokio::time::timeout(COMMAND_TIMEOUT, read_line(&mut rd, &mut line, MAX_LINE)).await {
            Err(_) => {
                rd.write_all(b"421 4.4.2 Timeout, closing connection\r\n").await?;
                return Ok(Ended::Closed);
            }
            Ok(r) => r?,
        };
        let Some(complete) = got else { return Ok(Ended::Closed) };
        if !complete {
            rd.write_all(b"500 5.5.2 Line too long\r\n").await?;
            continue;
        }
        let text = String::from_utf8_lossy(&line);
        let cmd = text.trim_end_matches(['\r', '\n']);
        let upper = cmd.to_ascii_uppercase();
        let verb = upper.split_whitespace().next().unwrap_or("");
        let mut reply: String = match verb {
            "EHLO" => {
                env = None;
                let starttls = if offer_tls { "250-STARTTLS\r\n" } else { "" };
                format!(
                    "250-{}\r\n250-SIZE {max}\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250-PIPELINING\r\n{starttls}250 ENHANCEDSTATUSCODES",
                    room.host
                )
            }
            "HELO" => format!("250 {}", room.host),
            "NOOP" => "250 2.0.0 OK".into(),
            "RSET" => {
                env = None;
                "250 2.0.0 OK".into()
            }
            "QUIT" => {
                rd.write_all(b"221 2.0.0 Bye\r\n").await?;
                return Ok(Ended::Closed);
            }
            "VRFY" => "252 2.5.2 Cannot verify, but will accept the message".into(),
            "HELP" => "214 2.0.0 See RFC 5321".into(),
            "STARTTLS" if !offer_tls => "502 5.5.1 TLS is not offered here".into(),
            "STARTTLS" if cmd.len() > "STARTTLS".len() => "501 5.5.4 Syntax: STARTTLS".into(),
            "STARTTLS" => {
                rd.write_all(b"220 2.0.0 Ready to start TLS\r\n").await?;
                rd.flush().await?;
                if !rd.buffer().is_empty() {
                    // Commands pipelined behind STARTTLS were sent in the clear and could have
                    // been injected on the way (CVE-2011-0411): they are dropped, not run.
                    tracing::warn!(bytes = rd.buffer().len(), "discarding plain-text commands sent after STARTTLS");
                }
                return Ok(Ended::StartTls(rd.into_inner()));
            }
            "MAIL" if upper.starts_with("MAIL FROM:") => match path_arg(cmd, "MAIL FROM:") {
                Some((from, params)) => {
                    let size = params
                        .split_whitespace()
                        .find_map(|p| p.to_ascii_uppercase().strip_prefix("SIZE=").and_then(|n| n.parse::<usize>().ok()));
                    if size.is_some_and(|s| s > max) {
                        format!("552 5.3.4 Message too large: this helpdesk accepts at most {max} bytes")
                    } else if room.backlog.over() {
                        "451 4.3.2 Too much mail is waiting to be processed here; please try again in a few minutes".into()
                    } else {
                        env = Some(Envelope { mail_from: (!from.is_empty()).then(|| from.to_string()), rcpt_to: Vec::new() });
                        "250 2.1.0 OK".into()
                    }
                }
                None => "501 5.5.4 Syntax: MAIL FROM:<address>".into(),
            },
            "RCPT" if upper.starts_with("RCPT TO:") => match (&mut env, path_arg(cmd, "RCPT TO:")) {
                (None, _) => "503 5.5.1 MAIL first".into(),
                (Some(_), None) => "501 5.5.4 Syntax: RCPT TO:<address>".into(),
                (Some(e), Some((to, _))) => match EmailAddress::parse(to) {
                    Err(_) => "501 5.1.3 Bad recipient address syntax".into(),
                    Ok(_) if e.rcpt_to.len() >= MAX_RCPT => "452 4.5.3 Too many recipients".into(),
                    Ok(addr) => match mailboxes::find_by_address(&room.db, &addr).await {
                        Ok(Some(_)) => {
                            e.rcpt_to.push(addr);
                            "250 2.1.5 OK".into()
                        }
                        Ok(None) => format!("550 5.1.1 <{addr}>: no such support address here"),
                        Err(err) => {
                            tracing::warn!(error = %err, "mailbox lookup failed");
                            "451 4.3.0 Temporary failure, try again later".into()
                        }
                    },
                },
            },
            "DATA" => match &env {
                None => "503 5.5.1 MAIL first".into(),
                Some(e) if e.rcpt_to.is_empty() => "554 5.5.1 No valid recipients".into(),
                Some(_) => {
                    rd.write_all(b"354 Start mail input; end with <CRLF>.<CRLF>\r\n").await?;
                    let reply = receive_data(room, &mut rd, env.take().expect("checked above"), max).await?;
                    reply
                }
            },
            "" => "500 5.5.2 Empty command".into(),
            _ => "502 5.5.1 Command not implemented".into(),
        };
        reply.push_str("\r\n");
        rd.write_all(reply.as_bytes()).await?;
    }
}

async fn receive_data<S: AsyncRead + Unpin>(room: &Mailroom, rd: &mut BufReader<S>, env: Envelope, max: usize) -> std::io::Result<String> {
    let mut data = Vec::with_capacity(64 * 1024);
    let mut line = Vec::with_capacity(1024);
    let mut too_big = false;
    loop {
        let got = match tokio::time::timeout(COMMAND_TIMEOUT, read_line(rd, &mut line, max + 1024)).await {
            Err(_) => return Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "timeout in DATA")),
            Ok(r) => r?,
        };
        let Some(complete) = got else { return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "connection closed in DATA")) };
        if !complete {
            too_big = true;
            continue;
        }
        if line == b".\r\n" || line == b".\n" {
            break;
        }
        let content = if line.first() == Some(&b'.') { &line[1..] } else { &line[..] };
        if data.len() + content.len() > max {
            too_big = true;
            data = Vec::new();
        }
        if !too_big {
            // Normalise bare LF to CRLF, as the message is stored as RFC 5322 text.
            if content.ends_with(b"\r\n") {
                data.extend_from_slice(content);
            } else if content.ends_with(b"\n") {
                data.extend_from_slice(&content[..content.len() - 1]);
                data.extend_from_slice(b"\r\n");
            } else {
                data.extend_from_slice(content);
            }
        }
    }
    if too_big {
        return Ok(format!("552 5.3.4 Message too large: this helpdesk accepts at most {max} bytes"));
    }
    Ok(match ingest::accept(room, Source::Smtp, &env, data).await {
        Ok(a) => format!("250 2.0.0 OK: queued as {}", a.inbound_id),
        Err(MailError::Rejected(reason)) => format!("554 5.6.0 {reason}"),
        Err(e) => {
            tracing::error!(error = %e, "could not store an incoming message; the sender will retry");
            "451 4.3.0 Temporary failure storing the message, try again later".into()
        }
    })
}
