//! The agent UI's security rules over plain HTTP, on SQLite and PostgreSQL: sessions and cookie
//! flags, CSRF on every form, login throttling, mailbox rights that no changed id (in the URL,
//! in a form, in JSON) can get around, allow-listed sort and filter values, downloads that never
//! render, no setup routes.

mod common;
use common::*;

fn ticket_of(s: &Server, subject: &str) -> serde_json::Value {
    let n = wait_for(30, subject, || {
        let (_, v) = s.get("/api/v1/tickets?limit=200");
        v["tickets"].as_array()?.iter().find(|t| t["subject"] == subject).and_then(|t| t["number"].as_i64())
    });
    s.get(&format!("/api/v1/tickets/{n}")).1
}

fn ui_security(backend: Backend) {
    let s = Server::start(backend, ServerOptions { relay: None, ..Default::default() });
    assert!(s.cli(&["mailbox", "add", "--address", "help@shop.test", "--name", "Help"], b"").status.success());
    assert!(s.cli(&["mailbox", "add", "--address", "vip@shop.test", "--name", "VIP"], b"").status.success());
    assert!(s
        .cli(&["user", "add", "--email", "carl@shop.test", "--name", "Carl", "--role", "agent"], b"carl's long password\n")
        .status
        .success());
    assert!(s
        .cli(&["user", "add", "--email", "lena@shop.test", "--name", "Lena", "--role", "light_agent"], b"lena's long password\n")
        .status
        .success());
    let carl_token = String::from_utf8_lossy(&s.cli(&["token", "create", "--email", "carl@shop.test"], b"").stdout)
        .trim()
        .lines()
        .last()
        .unwrap_or_default()
        .trim()
        .to_string();
    let ok = |out: std::process::Output| assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    ok(s.cli(
        &["ingest", "--to", "help@shop.test"],
        b"From: a@customer.test\r\nTo: help@shop.test\r\nSubject: Help ticket\r\n\r\nhello\r\n",
    ));
    ok(s.cli(
        &["ingest", "--to", "vip@shop.test"],
        b"From: b@customer.test\r\nTo: vip@shop.test\r\nSubject: VIP ticket\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/html\r\n\r\n<p>secret</p>\r\n--x\r\nContent-Type: text/html; name=page.html\r\nContent-Disposition: attachment; filename=page.html\r\n\r\n<script>alert(1)</script>\r\n--x--\r\n",
    ));
    let help = ticket_of(&s, "Help ticket");
    let vip = ticket_of(&s, "VIP ticket");
    let (help_n, vip_n) = (help["ticket"]["number"].as_i64().unwrap().to_string(), vip["ticket"]["number"].as_i64().unwrap().to_string());
    let vip_msg = vip["messages"][0]["id"].as_i64().unwrap().to_string();
    let vip_att = vip["messages"][0]["attachments"][0]["id"].as_i64().unwrap().to_string();
    let vip_inbound = vip["messages"][0]["inbound_id"].as_i64().unwrap().to_string();
    let help_mailbox = help["ticket"]["mailbox_id"].as_i64().unwrap().to_string();

    // No setup routes; pages need a login.
    let mut anon = Client::new(&s.http);
    for p in ["/setup", "/install", "/admin/setup"] {
        assert_eq!(anon.get(p).status, 404, "{p}");
    }
    let r = anon.get(&format!("/t/{help_n}"));
    assert_eq!(r.status, 303);
    assert!(r.headers["location"].to_str().unwrap().starts_with("/login?next="));

    // Login throttling: after five failures for an address, even the right password waits.
    for _ in 0..5 {
        assert_eq!(anon.login("lena@shop.test", "wrong password!").status, 401);
    }
    assert_eq!(anon.login("lena@shop.test", "lena's long password").status, 429);

    // The admin's session: cookie flags, CSP on pages.
    let mut admin = Client::new(&s.http);
    let r = admin.login("admin@shop.test", "correct horse battery");
    assert_eq!(r.status, 303);
    let cookie = r.headers["set-cookie"].to_str().unwrap().to_string();
    for flag in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
        assert!(cookie.contains(flag), "{flag} missing in {cookie}");
    }
    let page = admin.get("/inbox");
    assert_eq!(page.status, 200);
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline") && csp.contains("frame-ancestors 'none'"), "{csp}");
    let csrf = admin.csrf();

    // CSRF: a form without the token, or with another, is refused and changes nothing.
    for token in ["", "forged"] {
        let r = admin.post(&format!("/t/{help_n}/update"), &[("_csrf", token), ("status", "closed")]);
        assert_eq!(r.status, 403, "token {token:?}");
    }
    assert_eq!(s.get(&format!("/api/v1/tickets/{help_n}")).1["ticket"]["status"], "new");
    assert_eq!(admin.post("/logout", &[]).status, 403);

    // Carl may only see the Help mailbox (set by the admin in the admin UI, with the token).
    let r = admin.post("/admin/agents/2", &[("_csrf", &csrf), ("name", "Carl"), ("role", "agent"), ("mailbox", &help_mailbox)]);
    assert_eq!(r.status, 303, "{}", r.body);
    let mut carl = Client::new(&s.http);
    assert_eq!(carl.login("carl@shop.test", "carl's long password").status, 303);
    let carl_csrf = carl.csrf();
    // An @mention in a colleague's note shows in Carl's inbox until he opens the ticket.
    let (st, _) = s.request(
        "POST",
        &format!("/api/v1/tickets/{help_n}/messages"),
        Some(serde_json::json!({"kind": "note", "body": "@carl please look at the parcel"})),
        Some(&s.token),
    );
    assert_eq!(st, 201);
    let inbox = carl.get("/inbox").body;
    assert!(inbox.contains("class=\"mentions\"") && inbox.contains(&format!("href=\"/t/{help_n}\"")), "the mention is not listed");
    assert_eq!(carl.get(&format!("/t/{help_n}")).status, 200);
    assert!(!carl.get("/inbox").body.contains("class=\"mentions\""), "the mention stays after reading");
    let inbox = carl.get("/inbox?view=all").body;
    assert!(inbox.contains("Help ticket") && !inbox.contains("VIP ticket"), "carl's inbox shows another mailbox");
    for path in [
        format!("/t/{vip_n}"),
        format!("/m/{vip_msg}/frame"),
        format!("/m/{vip_msg}/raw"),
        format!("/a/{vip_att}"),
        format!("/a/{vip_att}/inline"),
        format!("/live?ticket={vip_n}"),
        format!("/t/{vip_n}/canned/1"),
    ] {
        assert_eq!(carl.get(&path).status, 404, "carl reached {path}");
    }
    // Ids nested in forms: merge into, bulk selection, reply, update.
    assert_eq!(carl.post(&format!("/t/{help_n}/merge"), &[("_csrf", &carl_csrf), ("into", &vip_n)]).status, 404);
    assert_eq!(carl.post(&format!("/t/{help_n}/split"), &[("_csrf", &carl_csrf), ("message", &vip_msg)]).status, 404);
    carl.post("/inbox/bulk", &[("_csrf", &carl_csrf), ("n", &vip_n), ("action", "close"), ("back", "/inbox")]);
    assert_eq!(carl.post(&format!("/t/{vip_n}/update"), &[("_csrf", &carl_csrf), ("status", "closed")]).status, 404);
    assert_eq!(s.get(&format!("/api/v1/tickets/{vip_n}")).1["ticket"]["status"], "new", "carl changed a ticket outside his rights");
    // And through the API with his token.
    let api = |method: &str, path: &str, body: Option<serde_json::Value>| s.request(method, path, body, Some(&carl_token)).0;
    assert_eq!(api("GET", &format!("/api/v1/tickets/{vip_n}"), None), 404);
    assert_eq!(api("PATCH", &format!("/api/v1/tickets/{vip_n}"), Some(serde_json::json!({"status": "closed"}))), 404);
    assert_eq!(api("POST", &format!("/api/v1/tickets/{vip_n}/messages"), Some(serde_json::json!({"kind": "note", "body": "x"}))), 404);
    assert_eq!(api("GET", &format!("/api/v1/attachments/{vip_att}"), None), 404);
    assert_eq!(api("GET", &format!("/api/v1/inbound/{vip_inbound}/raw"), None), 404);
    let (_, list) = s.request("GET", "/api/v1/tickets?limit=200", None, Some(&carl_token));
    assert!(list["tickets"].as_array().unwrap().iter().all(|t| t["subject"] != "VIP ticket"));

    // Sort and filter values come from allow-lists: anything else falls back, nothing breaks.
    for q in [
        "/inbox?sort=id;DROP%20TABLE%20tickets",
        "/inbox?view=../../etc&priority=1%20OR%201=1&mailbox=1%20OR%201=1",
        "/inbox?q=%27%20OR%201=1--&tag=%25",
    ] {
        let r = admin.get(q);
        assert_eq!(r.status, 200, "{q}");
    }
    assert!(admin.get("/inbox?view=all").body.contains("VIP ticket"), "tickets survived");
    assert_eq!(s.get("/api/v1/tickets?sort=id;DROP").0, 422);

    // Downloads never render: an HTML attachment is an attachment, typed as bytes, nosniff.
    let r = admin.get(&format!("/a/{vip_att}"));
    assert_eq!(r.status, 200);
    assert!(r.headers["content-disposition"].to_str().unwrap().starts_with("attachment"));
    assert_eq!(r.headers["content-type"], "application/octet-stream");
    assert_eq!(r.headers["x-content-type-options"], "nosniff");
    let frame = admin.get(&format!("/m/{vip_msg}/frame"));
    assert!(frame.headers["content-security-policy"].to_str().unwrap().starts_with("default-src 'none'"));

    // A light agent adds notes but cannot answer customers or change the status.
    assert_eq!(
        admin.post("/admin/agents/2", &[("_csrf", &csrf), ("name", "Carl"), ("role", "light_agent"), ("all_mailboxes", "1")]).status,
        303
    );
    let carl_csrf = carl.csrf();
    assert_eq!(carl.post(&format!("/t/{help_n}/update"), &[("_csrf", &carl_csrf), ("status", "closed")]).status, 403);
    assert_eq!(api("POST", &format!("/api/v1/tickets/{help_n}/messages"), Some(serde_json::json!({"kind": "reply", "body": "x"}))), 403);

    // An agent's capacity, languages and working hours; what was refused is shown back as typed.
    fn agent_form<'a>(csrf: &'a str, hours: &'a str) -> Vec<(&'a str, &'a str)> {
        vec![
            ("_csrf", csrf),
            ("name", "Carl"),
            ("role", "light_agent"),
            ("all_mailboxes", "1"),
            ("capacity", "5"),
            ("languages", "cs, en"),
            ("time_zone", "Europe/Prague"),
            ("working_hours", hours),
        ]
    }
    assert_eq!(admin.post("/admin/agents/2", &agent_form(&csrf, "mon-fri 08:00-16:00")).status, 303);
    let r = admin.post("/admin/agents/2", &agent_form(&csrf, "whenever"));
    assert_eq!(r.status, 422);
    assert!(r.body.contains("value=\"whenever\"") && r.body.contains("has-error"), "the refused hours are shown back");
    let (_, agents) = s.get("/api/v1/agents");
    let carl_json = agents["agents"].as_array().unwrap().iter().find(|a| a["id"] == 2).unwrap().clone();
    assert_eq!((carl_json["capacity"].as_i64(), carl_json["working_hours"].as_str()), (Some(5), Some("mon-fri 08:00-16:00")));

    // Disabling an account ends its sessions; the admin cannot lock themselves out.
    assert_eq!(admin.post("/admin/agents/2", &[("_csrf", &csrf), ("name", "Carl"), ("role", "agent"), ("disabled", "1")]).status, 303);
    assert_eq!(carl.get("/inbox").status, 303);
    assert_eq!(admin.post("/admin/agents/1", &[("_csrf", &csrf), ("name", "Admin"), ("role", "agent")]).status, 422);

    // Bulk assignment to a colleague, and a bulk action with nothing selected.
    let r = admin.post("/inbox/bulk", &[("_csrf", &csrf), ("n", &help_n), ("action", "assign:3"), ("back", "/inbox?view=all")]);
    assert_eq!(r.status, 303);
    assert_eq!(s.get(&format!("/api/v1/tickets/{help_n}")).1["ticket"]["assignee_id"], 3);
    assert!(admin.post("/inbox/bulk", &[("_csrf", &csrf), ("action", "close"), ("back", "/inbox")]).headers["location"]
        .to_str()
        .unwrap()
        .contains("ok=bulk-none"));

    // Snooze: pending with a reminder; the customer panel keeps notes about the customer.
    assert_eq!(admin.post(&format!("/t/{help_n}/update"), &[("_csrf", &csrf), ("snooze", "1h")]).status, 303);
    let (_, t) = s.get(&format!("/api/v1/tickets/{help_n}"));
    assert_eq!(t["ticket"]["status"], "pending");
    assert!(t["ticket"]["remind_at"].as_i64().unwrap() > 0);
    let r = admin.post(
        &format!("/t/{help_n}/customer"),
        &[
            ("_csrf", &csrf),
            ("name", "Anna Customer"),
            ("organisation", "Anna s.r.o."),
            ("notes", "prefers formal address"),
            ("language", "cs"),
        ],
    );
    assert_eq!(r.status, 303);
    let (_, t) = s.get(&format!("/api/v1/tickets/{help_n}"));
    assert_eq!(
        (t["ticket"]["customer"]["notes"].as_str(), t["ticket"]["customer"]["language"].as_str()),
        (Some("prefers formal address"), Some("cs"))
    );

    // Teams: a ticket given to a team shows in that team's view only.
    assert_eq!(admin.post("/admin/teams", &[("_csrf", &csrf), ("name", "Returns")]).status, 303);
    assert_eq!(admin.post("/admin/teams/1", &[("_csrf", &csrf), ("member", "1"), ("member", "2")]).status, 303);
    assert_eq!(admin.post(&format!("/t/{help_n}/update"), &[("_csrf", &csrf), ("team", "1"), ("tags", "refund")]).status, 303);
    assert_eq!(admin.post(&format!("/t/{help_n}/update"), &[("_csrf", &csrf), ("team", "99")]).status, 422, "an unknown team");
    // Errors come in the agent's language.
    assert_eq!(admin.post("/account", &[("_csrf", &csrf), ("language", "cs")]).status, 303);
    let r = admin.post(&format!("/t/{help_n}/update"), &[("_csrf", &csrf), ("team", "99")]);
    assert!(r.body.contains("Neznámý tým"), "{}", r.body);
    assert!(admin.get("/inbox").body.contains("Nepřidělené"), "the inbox in Czech");
    assert_eq!(admin.post("/account", &[("_csrf", &csrf), ("language", "en")]).status, 303);
    assert!(admin.get("/admin/tags").body.contains("refund"), "tags in use are listed");
    assert_eq!(admin.post("/admin/tags", &[("_csrf", &csrf), ("from", "refund"), ("to", "Refunds")]).status, 303);
    assert_eq!(s.get(&format!("/api/v1/tickets/{help_n}")).1["ticket"]["tags"], serde_json::json!(["refunds"]));
    let team_view = admin.get("/inbox?view=all&team=1").body;
    assert!(team_view.contains("Help ticket") && !team_view.contains("VIP ticket"), "team view");
    assert!(admin.get(&format!("/t/{help_n}")).body.contains("gave it to the team Returns"), "the log names the team");

    // Split: the customer's second matter in the same thread becomes its own, related ticket.
    let reply = format!(
        "From: a@customer.test\r\nTo: help@shop.test\r\nSubject: Re: [#{help_n}] Help ticket\r\n\r\nAnd another thing: my invoice\r\n"
    );
    ok(s.cli(&["ingest", "--to", "help@shop.test"], reply.as_bytes()));
    let msgs = s.get(&format!("/api/v1/tickets/{help_n}")).1["messages"].as_array().unwrap().clone();
    let second = msgs.iter().find(|m| m["body"].as_str().unwrap_or("").contains("another thing")).expect("the reply is on the ticket")
        ["id"]
        .as_i64()
        .unwrap()
        .to_string();
    let r = admin.post(&format!("/t/{help_n}/split"), &[("_csrf", &csrf), ("message", &second)]);
    assert_eq!(r.status, 303);
    let new_n = r.headers["location"].to_str().unwrap().trim_start_matches("/t/").split('?').next().unwrap().to_string();
    let (_, new) = s.get(&format!("/api/v1/tickets/{new_n}"));
    assert_eq!(new["ticket"]["related_number"].as_i64().map(|n| n.to_string()), Some(help_n.clone()));
    assert!(new["messages"][0]["body"].as_str().unwrap().contains("another thing"));

    // A password change logs out the other sessions.
    let mut second = Client::new(&s.http);
    assert_eq!(second.login("admin@shop.test", "correct horse battery").status, 303);
    assert_eq!(
        admin
            .post("/account/password", &[("_csrf", &csrf), ("current", "correct horse battery"), ("new", "an even better password")])
            .status,
        303
    );
    assert_eq!(second.get("/inbox").status, 303, "the other session survived a password change");
    assert_eq!(admin.get("/inbox").status, 200);
}

#[test]
fn ui_security_sqlite() {
    ui_security(Backend::Sqlite);
}

#[test]
fn ui_security_postgres() {
    ui_security(Backend::Postgres);
}

/// No default secrets: every installation generates its own reply key on first start.
#[test]
fn each_installation_generates_its_own_keys() {
    let a = Server::start(Backend::Sqlite, ServerOptions { relay: None, ..Default::default() });
    let b = Server::start(Backend::Sqlite, ServerOptions { relay: None, ..Default::default() });
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let key = |s: &Server| {
        rt.block_on(async {
            let db = podpora_store::Db::connect(&s.db.url).await.unwrap();
            let k = podpora_store::settings::get(&db, "reply_key").await.unwrap().expect("a reply key after first start");
            db.close().await;
            k
        })
    };
    let (ka, kb) = (key(&a), key(&b));
    assert_eq!(ka.len(), 64, "a 32-byte key");
    assert!(ka.bytes().all(|c| c.is_ascii_hexdigit()));
    assert_ne!(ka, kb, "two installations share a key");
    assert_ne!(a.token, b.token);
}

/// The admin area: a page per subject with a side navigation, for admins only; an overview that
/// says what is missing; a refused form comes back with the error beside its field and what was
/// typed kept (passwords excepted).
#[test]
fn admin_area_pages_and_inline_errors() {
    let s = Server::start(Backend::Sqlite, ServerOptions { relay: None, ..Default::default() });
    assert!(s.cli(&["mailbox", "add", "--address", "help@shop.test", "--name", "Help"], b"").status.success());
    assert!(s
        .cli(&["user", "add", "--email", "carl@shop.test", "--name", "Carl", "--role", "agent"], b"carl's long password\n")
        .status
        .success());
    let mut admin = Client::new(&s.http);
    assert_eq!(admin.login("admin@shop.test", "correct horse battery").status, 303);
    let csrf = admin.csrf();
    let mut carl = Client::new(&s.http);
    assert_eq!(carl.login("carl@shop.test", "carl's long password").status, 303);
    for path in ["/admin", "/admin/mailboxes", "/admin/agents", "/admin/teams", "/admin/tags", "/admin/mail"] {
        let r = admin.get(path);
        assert_eq!(r.status, 200, "{path}");
        assert!(r.body.contains(&format!("<a href=\"{path}\" aria-current=\"page\">")), "{path}: the navigation marks the page");
        assert_eq!(carl.get(path).status, 403, "{path} is for admins");
    }
    // The overview says what is missing: here, a relay for outgoing mail.
    let overview = admin.get("/admin").body;
    assert!(overview.contains("class=\"missing\"") && overview.contains("No relay for outgoing mail"), "{overview}");
    assert!(overview.contains("help@shop.test"), "the support addresses are listed");
    // No text from the URL is shown (the IMAP test answer is rendered, never passed in the URL).
    assert!(!admin.get("/admin?msg=imap:Your%20password%20expired").body.contains("password expired"));

    // A template with an unknown variable: refused beside the field, the text kept, nothing saved.
    let typed = "Hello {{customer_nickname}}, we have your mail.";
    let r = admin.post(
        "/admin/mailboxes/1",
        &[("_csrf", &csrf), ("name", "Help desk"), ("ack_enabled", "1"), ("ack_body", typed), ("signature", "Shop")],
    );
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("field has-error") && r.body.contains("unknown variable"), "{}", r.body);
    assert!(r.body.contains(typed) && r.body.contains("value=\"Help desk\""), "what was typed is shown again");
    assert!(!admin.get("/admin/mailboxes").body.contains("Help desk"), "a refused change saved something");
    // A good one is saved.
    let r = admin.post("/admin/mailboxes/1", &[("_csrf", &csrf), ("name", "Help desk"), ("ack_body", "Hello {{customer_name}}")]);
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(admin.get("/admin/mailboxes").body.contains("Hello {{customer_name}}"));

    // A new mailbox with an IMAP URL that is not one: the error at the IMAP field, the address kept.
    let r = admin.post("/admin/mailboxes", &[("_csrf", &csrf), ("address", "sales@shop.test"), ("name", "Sales"), ("imap", "ftp://x")]);
    assert_eq!(r.status, 422);
    assert!(r.body.contains("The IMAP URL is not usable") && r.body.contains("value=\"sales@shop.test\""), "{}", r.body);
    assert!(!r.body.contains("ftp://x"), "the IMAP URL (it holds a password) is not sent back");
    // No IMAP to test: not found.
    assert_eq!(admin.post("/admin/mailboxes/1/test", &[("_csrf", &csrf)]).status, 404);

    // A new agent with a short password: the error at the password, the email kept, no account.
    let r = admin.post(
        "/admin/agents",
        &[("_csrf", &csrf), ("email", "dana@shop.test"), ("name", "Dana"), ("role", "agent"), ("password", "short")],
    );
    assert_eq!(r.status, 422);
    assert!(r.body.contains("at least 10 characters") && r.body.contains("value=\"dana@shop.test\""), "{}", r.body);
    assert!(!admin.get("/admin/agents").body.contains("dana@shop.test</span>"));
    let r = admin.post(
        "/admin/agents",
        &[("_csrf", &csrf), ("email", "dana@shop.test"), ("name", "Dana"), ("role", "agent"), ("password", "a long enough one")],
    );
    assert_eq!(r.status, 303);
    // The same address twice is refused at the email field.
    let r = admin.post(
        "/admin/agents",
        &[("_csrf", &csrf), ("email", "dana@shop.test"), ("name", "Dana"), ("role", "agent"), ("password", "a long enough one")],
    );
    assert_eq!(r.status, 422);
    assert!(r.body.contains("already exists"), "{}", r.body);
    // Every admin form checks its token.
    assert_eq!(admin.post("/admin/teams", &[("_csrf", "forged"), ("name", "Returns")]).status, 403);
}
