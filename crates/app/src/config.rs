//! Configuration: defaults, then `podpora.toml` (or the file given with --config), then
//! `PODPORA_*` environment variables, which win.

use anyhow::{bail, Context};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// No Debug: it holds the admin password and relay credentials.
#[derive(Clone)]
pub struct Config {
    pub database_url: String,
    pub data_dir: PathBuf,
    pub http_addr: SocketAddr,
    pub public_url: String,
    /// The public URL was given (`PODPORA_PUBLIC_URL` or the file), not made from the HTTP address.
    pub public_url_set: bool,
    pub smtp_listen: Option<SocketAddr>,
    /// PEM certificate chain and private key: STARTTLS on the SMTP listener.
    pub smtp_tls: Option<(PathBuf, PathBuf)>,
    pub smtp_relay: Option<String>,
    /// How long each step of a relay session may take.
    pub relay_timeouts: podpora_mail::relay::RelayTimeouts,
    pub admin_email: Option<String>,
    pub admin_password: Option<String>,
    pub max_message_mb: usize,
    pub plus_reply_to: bool,
    pub workers: usize,
    /// Received mail waiting to be processed past which the SMTP listener answers 451 and IMAP
    /// fetching pauses.
    pub inbound_queue_limit: i64,
    pub blob_store: BlobStoreKind,
}

/// Where raw mail and attachments are kept.
#[derive(Clone)]
pub enum BlobStoreKind {
    /// `<data dir>/blobs`: one instance.
    Local,
    /// The database's `blobs` table: shared by every instance.
    Database,
    /// An S3-compatible bucket: shared by every instance, big bytes out of the database.
    S3(podpora_store::S3Settings),
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    database_url: Option<String>,
    data_dir: Option<PathBuf>,
    http_addr: Option<String>,
    public_url: Option<String>,
    smtp_listen: Option<String>,
    smtp_tls_cert: Option<PathBuf>,
    smtp_tls_key: Option<PathBuf>,
    smtp_relay: Option<String>,
    relay_connect_timeout_s: Option<u64>,
    relay_greeting_timeout_s: Option<u64>,
    relay_command_timeout_s: Option<u64>,
    relay_data_timeout_s: Option<u64>,
    admin_email: Option<String>,
    max_message_mb: Option<usize>,
    plus_reply_to: Option<bool>,
    workers: Option<usize>,
    inbound_queue_limit: Option<i64>,
    blob_store: Option<String>,
    s3_bucket: Option<String>,
    s3_endpoint: Option<String>,
    s3_region: Option<String>,
    s3_prefix: Option<String>,
    s3_access_key_id: Option<String>,
}

impl Config {
    pub fn load(file: Option<&Path>) -> anyhow::Result<Config> {
        let env = |k: &str| std::env::var(format!("PODPORA_{k}")).ok().filter(|v| !v.is_empty());
        Self::from_sources(file, &env)
    }

    pub fn from_sources(file: Option<&Path>, env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<Config> {
        let path = file.map(Path::to_path_buf).or_else(|| Some(PathBuf::from("podpora.toml")).filter(|p| p.exists()));
        let f: FileConfig = match &path {
            Some(p) => toml::from_str(&std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?)
                .with_context(|| format!("in {}", p.display()))?,
            None => FileConfig::default(),
        };
        let data_dir = env("DATA_DIR").map(PathBuf::from).or(f.data_dir).unwrap_or_else(|| PathBuf::from("./data"));
        let database_url = env("DATABASE_URL").or(f.database_url).unwrap_or_else(|| format!("sqlite://{}/podpora.db", data_dir.display()));
        let http = env("HTTP_ADDR").or(f.http_addr).unwrap_or_else(|| "127.0.0.1:8080".into());
        let http_addr = http.parse().with_context(|| format!("PODPORA_HTTP_ADDR '{http}' is not host:port"))?;
        let given_url = env("PUBLIC_URL").or(f.public_url).filter(|u| !u.trim().is_empty());
        let public_url_set = given_url.is_some();
        let public_url = given_url.unwrap_or_else(|| format!("http://{http}")).trim_end_matches('/').to_string();
        let smtp = env("SMTP_LISTEN").or(f.smtp_listen).unwrap_or_else(|| "127.0.0.1:2525".into());
        let smtp_listen = if smtp.eq_ignore_ascii_case("off") {
            None
        } else {
            Some(smtp.parse().with_context(|| format!("PODPORA_SMTP_LISTEN '{smtp}' is not host:port or 'off'"))?)
        };
        let smtp_tls = match (
            env("SMTP_TLS_CERT").map(PathBuf::from).or(f.smtp_tls_cert),
            env("SMTP_TLS_KEY").map(PathBuf::from).or(f.smtp_tls_key),
        ) {
            (Some(c), Some(k)) => Some((c, k)),
            (None, None) => None,
            _ => bail!("PODPORA_SMTP_TLS_CERT and PODPORA_SMTP_TLS_KEY go together: give both or neither"),
        };
        let max_message_mb =
            env("MAX_MESSAGE_MB").map(|v| v.parse()).transpose().context("PODPORA_MAX_MESSAGE_MB")?.or(f.max_message_mb).unwrap_or(80);
        if max_message_mb == 0 {
            bail!("PODPORA_MAX_MESSAGE_MB must be at least 1");
        }
        let plus_reply_to =
            env("PLUS_REPLY_TO").map(|v| matches!(v.as_str(), "1" | "true" | "yes" | "on")).or(f.plus_reply_to).unwrap_or(false);
        let workers = env("WORKERS").map(|v| v.parse()).transpose().context("PODPORA_WORKERS")?.or(f.workers).unwrap_or(4).clamp(1, 64);
        let inbound_queue_limit = env("INBOUND_QUEUE_LIMIT")
            .map(|v| v.parse())
            .transpose()
            .context("PODPORA_INBOUND_QUEUE_LIMIT")?
            .or(f.inbound_queue_limit)
            .unwrap_or(podpora_mail::Backlog::DEFAULT_LIMIT);
        if inbound_queue_limit < 1 {
            bail!("PODPORA_INBOUND_QUEUE_LIMIT must be at least 1");
        }
        let blob_store = match env("BLOB_STORE").or(f.blob_store).as_deref() {
            Some("local") => BlobStoreKind::Local,
            Some("database") => BlobStoreKind::Database,
            Some("s3") => {
                let Some(bucket) = env("S3_BUCKET").or(f.s3_bucket) else { bail!("PODPORA_BLOB_STORE=s3 needs PODPORA_S3_BUCKET") };
                BlobStoreKind::S3(podpora_store::S3Settings {
                    bucket,
                    endpoint: env("S3_ENDPOINT").or(f.s3_endpoint),
                    region: env("S3_REGION").or(f.s3_region),
                    prefix: env("S3_PREFIX").or(f.s3_prefix).unwrap_or_default(),
                    access_key_id: env("S3_ACCESS_KEY_ID").or(f.s3_access_key_id),
                    // Secrets only from the environment, never from a file that may be shared.
                    secret_access_key: env("S3_SECRET_ACCESS_KEY"),
                })
            }
            // Several instances share a PostgreSQL database but no disk: keep blobs with the data.
            None if database_url.starts_with("postgres") => BlobStoreKind::Database,
            None => BlobStoreKind::Local,
            Some(other) => bail!("PODPORA_BLOB_STORE must be 'local', 'database' or 's3', not '{other}'"),
        };
        let seconds = |key: &str, file: Option<u64>, default: std::time::Duration| -> anyhow::Result<std::time::Duration> {
            let v = env(key).map(|v| v.parse::<u64>()).transpose().with_context(|| format!("PODPORA_{key} (seconds)"))?.or(file);
            match v {
                Some(0) => bail!("PODPORA_{key} must be at least 1 second"),
                Some(s) => Ok(std::time::Duration::from_secs(s)),
                None => Ok(default),
            }
        };
        let d = podpora_mail::relay::RelayTimeouts::default();
        let relay_timeouts = podpora_mail::relay::RelayTimeouts {
            connect: seconds("RELAY_CONNECT_TIMEOUT_S", f.relay_connect_timeout_s, d.connect)?,
            greeting: seconds("RELAY_GREETING_TIMEOUT_S", f.relay_greeting_timeout_s, d.greeting)?,
            command: seconds("RELAY_COMMAND_TIMEOUT_S", f.relay_command_timeout_s, d.command)?,
            data_end: seconds("RELAY_DATA_TIMEOUT_S", f.relay_data_timeout_s, d.data_end)?,
        };
        Ok(Config {
            inbound_queue_limit,
            relay_timeouts,
            blob_store,
            database_url,
            data_dir,
            http_addr,
            public_url,
            public_url_set,
            smtp_listen,
            smtp_tls,
            smtp_relay: env("SMTP_RELAY").or(f.smtp_relay),
            admin_email: env("ADMIN_EMAIL").or(f.admin_email),
            admin_password: env("ADMIN_PASSWORD"),
            max_message_mb,
            plus_reply_to,
            workers,
        })
    }

    /// Host part for our Message-IDs.
    pub fn mail_host(&self) -> String {
        let after = self.public_url.split("://").nth(1).unwrap_or(&self.public_url);
        let host = after.split(['/', ':']).next().unwrap_or("localhost");
        if host.is_empty() || host == "127.0.0.1" || host == "0.0.0.0" {
            "podpora.localhost".into()
        } else {
            host.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_wins_over_file_and_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("podpora.toml");
        std::fs::write(&file, "http_addr = \"127.0.0.1:9000\"\nsmtp_listen = \"off\"\npublic_url = \"https://help.shop.cz/\"\n").unwrap();
        let env = |k: &str| (k == "HTTP_ADDR").then(|| "127.0.0.1:9100".to_string());
        let c = Config::from_sources(Some(&file), &env).unwrap();
        assert_eq!(c.http_addr.port(), 9100);
        assert_eq!(c.smtp_listen, None);
        assert_eq!(c.public_url, "https://help.shop.cz");
        assert_eq!(c.mail_host(), "help.shop.cz");
        assert!(c.database_url.starts_with("sqlite://./data"));
        assert!(matches!(c.blob_store, BlobStoreKind::Local));
        let pg = Config::from_sources(None, &|k| (k == "DATABASE_URL").then(|| "postgres://h/db".into())).unwrap();
        assert!(matches!(pg.blob_store, BlobStoreKind::Database));
        assert!(Config::from_sources(None, &|k| (k == "BLOB_STORE").then(|| "s4".into())).is_err());
        assert!(Config::from_sources(None, &|k| (k == "BLOB_STORE").then(|| "s3".into())).is_err(), "s3 without a bucket");
        let s3 = Config::from_sources(None, &|k| match k {
            "BLOB_STORE" => Some("s3".into()),
            "S3_BUCKET" => Some("helpdesk".into()),
            "S3_ENDPOINT" => Some("http://127.0.0.1:9000".into()),
            _ => None,
        })
        .unwrap();
        let BlobStoreKind::S3(settings) = &s3.blob_store else { panic!("not s3") };
        assert_eq!((settings.bucket.as_str(), settings.endpoint.as_deref()), ("helpdesk", Some("http://127.0.0.1:9000")));
        std::fs::write(&file, "bogus = 1\n").unwrap();
        assert!(Config::from_sources(Some(&file), &|_| None).is_err());
        assert!(Config::from_sources(None, &|k| (k == "SMTP_LISTEN").then(|| "nope".into())).is_err());
        let t = Config::from_sources(None, &|k| (k == "RELAY_DATA_TIMEOUT_S").then(|| "5".into())).unwrap().relay_timeouts;
        assert_eq!((t.data_end.as_secs(), t.connect.as_secs()), (5, 10));
        assert!(Config::from_sources(None, &|k| (k == "RELAY_COMMAND_TIMEOUT_S").then(|| "0".into())).is_err());
        assert!(
            Config::from_sources(None, &|k| (k == "SMTP_TLS_CERT").then(|| "cert.pem".into())).is_err(),
            "a certificate without its key"
        );
    }
}
