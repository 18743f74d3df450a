//! Real mail servers on loopback for `podpora bench imap` and the end-to-end tests: Debian's
//! Dovecot with a throw-away maildir and a password file, on a free port. (Feature `peers`.)

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A real Dovecot IMAP server (Debian dovecot-imapd) on a loopback port with a throw-away maildir.
pub struct Dovecot {
    child: Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
    pub user: String,
    pub password: String,
}

fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl Dovecot {
    /// Starts one (panics if it cannot: for tests).
    pub fn start() -> Dovecot {
        Dovecot::try_start().expect("dovecot (Debian dovecot-imapd) must be installed and start")
    }

    pub fn try_start() -> std::io::Result<Dovecot> {
        let dir = tempfile::tempdir()?;
        let d = dir.path();
        let port = free_port()?;
        let (user, password) = ("help".to_string(), "s3cret-pass".to_string());
        for sub in ["run", "state", "mail", "home"] {
            std::fs::create_dir_all(d.join(sub))?;
        }
        std::fs::write(d.join("users"), format!("{user}:{{PLAIN}}{password}::::::\n"))?;
        let conf = format!(
            r#"protocols = imap
listen = 127.0.0.1
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
info_log_path = {d}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
mail_location = maildir:{d}/mail/%u
default_internal_user = dovecot
default_login_user = dovenull
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/users
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={d}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"#,
            d = d.display()
        );
        std::fs::write(d.join("dovecot.conf"), conf)?;
        let _ = Command::new("chmod").args(["755", &d.display().to_string()]).status();
        chown_nobody(&[&d.join("mail"), &d.join("home")]);
        let child = spawn(d)?;
        let mut dv = Dovecot { child, port, dir, user, password };
        dv.wait_listening()?;
        Ok(dv)
    }

    fn wait_listening(&mut self) -> std::io::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if Instant::now() > deadline || matches!(self.child.try_wait(), Ok(Some(_))) {
                return Err(std::io::Error::other(format!("Dovecot did not start: {}", self.log())));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    }

    /// Kills the server (every connection drops) and starts it again on the same port and mail;
    /// with `new_uidvalidity`, its index is deleted first, so the folder gets a new UIDVALIDITY and
    /// every message a new UID (as after a restore or a migration of the mail server).
    pub fn restart(&mut self, new_uidvalidity: bool) -> std::io::Result<()> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if new_uidvalidity {
            let md = self.dir.path().join("mail").join(&self.user);
            for e in std::fs::read_dir(&md)?.flatten() {
                let name = e.file_name().to_string_lossy().to_string();
                if name.starts_with("dovecot") {
                    std::fs::remove_file(e.path())?;
                }
            }
        }
        self.child = spawn(self.dir.path())?;
        self.wait_listening()
    }

    pub fn url(&self) -> String {
        format!("imap://{}:{}@127.0.0.1:{}/INBOX", self.user, self.password, self.port)
    }

    /// Delivers a message straight into the maildir, as the MTA would.
    pub fn deliver(&self, name: &str, raw: &[u8]) {
        self.deliver_many(&[(name.to_string(), raw.to_vec())]).expect("deliver into the maildir");
    }

    /// Delivers messages (file name, bytes) into the maildir, in the order given.
    pub fn deliver_many(&self, mails: &[(String, Vec<u8>)]) -> std::io::Result<()> {
        let md = self.dir.path().join("mail").join(&self.user);
        for sub in ["new", "cur", "tmp"] {
            std::fs::create_dir_all(md.join(sub))?;
        }
        for (name, raw) in mails {
            let tmp = md.join("tmp").join(name);
            std::fs::write(&tmp, raw)?;
            std::fs::rename(&tmp, md.join("new").join(name))?;
        }
        chown_nobody(&[&self.dir.path().join("mail")]);
        Ok(())
    }

    /// Files in cur/ carry their flags after ':2,'; 'S' is \Seen.
    pub fn seen_count(&self) -> usize {
        let cur = self.dir.path().join("mail").join(&self.user).join("cur");
        std::fs::read_dir(cur)
            .map(|r| {
                r.filter_map(|e| e.ok())
                    .filter(|e| e.file_name().to_string_lossy().rsplit_once(":2,").is_some_and(|(_, f)| f.contains('S')))
                    .count()
            })
            .unwrap_or(0)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("dovecot.log")).unwrap_or_default()
            + &std::fs::read_to_string(self.dir.path().join("stderr.log")).unwrap_or_default()
    }
}

fn spawn(d: &Path) -> std::io::Result<Child> {
    Command::new("dovecot")
        .args(["-F", "-c", &d.join("dovecot.conf").display().to_string()])
        .stdout(Stdio::null())
        .stderr(std::fs::OpenOptions::new().create(true).append(true).open(d.join("stderr.log"))?)
        .spawn()
}

/// The mail folders belong to the user Dovecot reads them as.
fn chown_nobody(paths: &[&Path]) {
    let mut c = Command::new("chown");
    c.args(["-R", "nobody:nogroup"]);
    for p in paths {
        c.arg(p);
    }
    let _ = c.status();
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
