//! Routing end to end with the real binary, on SQLite and PostgreSQL: an admin chooses a
//! mailbox's policy on the admin page (a refused value comes back beside its field, nothing
//! saved) or through the API; mail arriving over SMTP is assigned by the running router in turn,
//! with its reason in the API, on the ticket page and in the log; nobody available leaves a
//! ticket waiting until an agent comes online; an agent going off shift gives back what they have
//! not answered; an account manager set on the ticket page gets the customer's next mail, and an
//! organisation's manager (set on the admin page) gets the mail of its domain.

mod common;
use common::*;
use serde_json::json;

fn mail(from: &str, subject: &str) -> String {
    format!("From: {from}\r\nTo: help@shop.test\r\nSubject: {subject}\r\nMessage-ID: <{}@client.test>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nDobrý den, potřebuji pomoc.\r\n", subject.replace(' ', "."))
}

/// The ticket with this subject, once the router has given it to someone.
fn assigned(s: &Server, subject: &str) -> serde_json::Value {
    wait_for(30, &format!("{subject} assigned"), || {
        let (_, v) = s.get("/api/v1/tickets?limit=200");
        let n = v["tickets"].as_array()?.iter().find(|t| t["subject"] == subject)?["number"].as_i64()?;
        let (_, t) = s.get(&format!("/api/v1/tickets/{n}"));
        t["ticket"]["assignee_id"].as_i64().map(|_| t["ticket"].clone())
    })
}

fn status(s: &Server, email: &str, status: &str) {
    let (code, v) = s.request("PUT", &format!("/api/v1/agents/{email}/status"), Some(json!({ "status": status })), Some(&s.token));
    assert_eq!(code, 200, "{v}");
}

fn routing(backend: Backend) {
    let s = Server::start(backend, ServerOptions { relay: None, ..Default::default() });
    assert!(s.cli(&["mailbox", "add", "--address", "help@shop.test", "--name", "Help"], b"").status.success());
    for name in ["ann", "bob"] {
        let out = s
            .cli(&["user", "add", "--email", &format!("{name}@shop.test"), "--name", name, "--role", "agent"], b"a long enough password\n");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    // The admin is off shift: not in the pool.
    status(&s, "admin@shop.test", "off");
    let agents = s.get("/api/v1/agents").1;
    let id_of = |email: &str| agents["agents"].as_array().unwrap().iter().find(|a| a["email"] == email).unwrap()["id"].as_i64().unwrap();
    let (ann, bob) = (id_of("ann@shop.test"), id_of("bob@shop.test"));

    // Manual until an admin says otherwise: mail stays unassigned, with no reason given.
    assert_eq!(s.get("/api/v1/mailboxes/1/assignment").1["policy"], "manual");

    // The admin page: a window of 0 days is refused beside its field and nothing is saved.
    let mut admin = Client::new(&s.http);
    assert_eq!(admin.login("admin@shop.test", "correct horse battery").status, 303);
    let csrf = admin.csrf();
    let page = admin.get("/admin/routing");
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("<a href=\"/admin/routing\" aria-current=\"page\">") && page.body.contains("help@shop.test"),
        "{}",
        page.body
    );
    let form = |policy: &'static str, days: &'static str| {
        vec![("policy", policy), ("fallback", "round_robin"), ("sticky_days", days), ("by_language", "1"), ("reassign_off_shift", "1")]
    };
    let with_csrf = |f: Vec<(&'static str, &'static str)>, csrf: &str| {
        let mut all: Vec<(String, String)> = vec![("_csrf".into(), csrf.to_string())];
        all.extend(f.into_iter().map(|(k, v)| (k.to_string(), v.to_string())));
        all
    };
    let post = |c: &mut Client, f: Vec<(String, String)>| {
        let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        c.post("/admin/routing/mailbox/1", &pairs)
    };
    let r = post(&mut admin, with_csrf(form("sticky", "0"), &csrf));
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("field has-error") && r.body.contains("value=\"0\""), "{}", r.body);
    assert_eq!(s.get("/api/v1/mailboxes/1/assignment").1["policy"], "manual", "a refused form saved something");
    assert_eq!(post(&mut admin, with_csrf(form("round_robin", "14"), "forged")).status, 403, "the form checks its token");
    let r = post(&mut admin, with_csrf(form("round_robin", "14"), &csrf));
    assert_eq!(r.status, 303, "{}", r.body);
    let p = s.get("/api/v1/mailboxes/1/assignment").1;
    assert_eq!((p["policy"].as_str(), p["reassign_off_shift"].as_bool()), (Some("round_robin"), Some(true)), "{p}");
    // An agent may not change it.
    let out = s.cli(&["token", "create", "--email", "ann@shop.test"], b"");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let ann_token = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let (code, _) = s.request("PUT", "/api/v1/mailboxes/1/assignment", Some(json!({"policy": "manual"})), Some(&ann_token));
    assert_eq!(code, 403);

    // Round robin over SMTP: four customers, two each, never the same agent twice in a row.
    let mut order = Vec::new();
    for i in 1..=4 {
        let subject = format!("Order {i}");
        assert!(s.swaks(&format!("c{i}@customer.test"), "help@shop.test", &mail(&format!("c{i}@customer.test"), &subject)).contains("250"));
        let t = assigned(&s, &subject);
        assert_eq!(t["assignment"]["by"], "round_robin", "{t}");
        assert!(t["assignment"]["reason"].as_str().unwrap().contains("round-robin"), "{t}");
        order.push(t["assignee_id"].as_i64().unwrap());
    }
    assert!(order.windows(2).all(|w| w[0] != w[1]), "{order:?}");
    assert_eq!(order.iter().filter(|&&a| a == ann).count(), 2, "{order:?}");

    // The ticket page says why, and so does its log.
    let n = s.get("/api/v1/tickets?limit=200").1["tickets"].as_array().unwrap().iter().find(|t| t["subject"] == "Order 1").unwrap()
        ["number"]
        .as_i64()
        .unwrap();
    let page = admin.get(&format!("/t/{n}")).body;
    assert!(page.contains("class=\"assignment\"") && page.contains("round-robin"), "{page}");

    // Nobody online: the ticket waits, saying so; the first agent back gets it.
    status(&s, "ann@shop.test", "away");
    status(&s, "bob@shop.test", "away");
    assert!(s.swaks("late@customer.test", "help@shop.test", &mail("late@customer.test", "Late one")).contains("250"));
    let waiting = wait_for(30, "the waiting reason", || {
        let (_, v) = s.get("/api/v1/tickets?limit=200");
        let n = v["tickets"].as_array()?.iter().find(|t| t["subject"] == "Late one")?["number"].as_i64()?;
        let t = s.get(&format!("/api/v1/tickets/{n}")).1["ticket"].clone();
        t["assignment"]["reason"].is_string().then_some(t)
    });
    assert!(waiting["assignee_id"].is_null(), "{waiting}");
    status(&s, "bob@shop.test", "online");
    assert_eq!(assigned(&s, "Late one")["assignee_id"], bob);

    // Bob goes off shift: his tickets not yet answered go back to the pool, here to Ann.
    status(&s, "ann@shop.test", "online");
    status(&s, "bob@shop.test", "off");
    wait_for(30, "Bob's tickets given back", || {
        let (_, v) = s.get("/api/v1/tickets?limit=200");
        v["tickets"].as_array()?.iter().all(|t| t["assignee_id"] != bob).then_some(())
    });
    assert_eq!(assigned(&s, "Late one")["assignee_id"], ann);

    // Account manager: Bob manages c1's account (set on the ticket page); with the policy on, c1's
    // next mail goes to him even though round robin would pick someone else.
    status(&s, "bob@shop.test", "online");
    let r = admin.post(&format!("/t/{n}/account-manager"), &[("_csrf", &csrf), ("manager", &bob.to_string())]);
    assert_eq!(r.status, 303, "{}", r.body);
    let (code, v) = s.request(
        "PUT",
        "/api/v1/mailboxes/1/assignment",
        Some(json!({"policy": "account_manager", "fallback": "least_loaded"})),
        Some(&s.token),
    );
    assert_eq!(code, 200, "{v}");
    assert!(s.swaks("c1@customer.test", "help@shop.test", &mail("c1@customer.test", "Invoice question")).contains("250"));
    let t = assigned(&s, "Invoice question");
    assert_eq!((t["assignee_id"].as_i64(), t["assignment"]["by"].as_str()), (Some(bob), Some("account_manager")), "{t}");
    // A stranger has no manager: the fallback decides.
    assert!(s.swaks("new@customer.test", "help@shop.test", &mail("new@customer.test", "First time")).contains("250"));
    assert_eq!(assigned(&s, "First time")["assignment"]["by"], "least_loaded");

    // Organisations: a domain without a dot is refused beside its field, as typed; an
    // organisation with Ann as its manager gets its customers' mail; the inbox filters by it.
    let ann_id = ann.to_string();
    let org = |domains: &'static str| {
        vec![("_csrf", csrf.as_str()), ("name", "Firma s.r.o."), ("domains", domains), ("manager", ann_id.as_str()), ("notes", "")]
    };
    let r = admin.post("/admin/organisations", &org("firma"));
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("field has-error") && r.body.contains("value=\"firma\""), "{}", r.body);
    assert_eq!(admin.post("/admin/organisations", &org("firma.cz")).status, 303);
    let orgs = s.get("/api/v1/organisations").1;
    let org_id = orgs["organisations"][0]["id"].as_i64().expect("the organisation");
    assert_eq!(orgs["organisations"][0]["domains"], json!(["firma.cz"]), "{orgs}");
    assert!(s.swaks("jana@obchod.firma.cz", "help@shop.test", &mail("jana@obchod.firma.cz", "B2B order")).contains("250"));
    let t = assigned(&s, "B2B order");
    assert_eq!((t["assignee_id"].as_i64(), t["assignment"]["by"].as_str()), (Some(ann), Some("account_manager")), "{t}");
    assert!(t["assignment"]["reason"].as_str().unwrap().contains("organisation"), "{t}");
    let inbox = admin.get(&format!("/inbox?view=all&organisation={org_id}")).body;
    assert!(inbox.contains("B2B order") && !inbox.contains("First time"), "{inbox}");
}

#[test]
fn routing_sqlite() {
    routing(Backend::Sqlite);
}

#[test]
fn routing_postgres() {
    routing(Backend::Postgres);
}
