//! Routing end to end with the real binary, on SQLite and PostgreSQL: an admin chooses a
//! mailbox's policy on the admin page (a refused value comes back beside its field, nothing
//! saved) or through the API; mail arriving over SMTP is assigned by the running router in turn,
//! with its reason in the API, on the ticket page and in the log; nobody available leaves a
//! ticket waiting until an agent comes online; an agent going off shift gives back what they have
//! not answered; an account manager set on the ticket page gets the customer's next mail, and an
//! organisation's manager (set on the admin page) gets the mail of its domain. The business
//! hours and SLA page: calendars and policies written in forms, refused values shown beside
//! their fields as typed, a country's public holidays added, a calendar in use kept.

mod common;
use common::*;
use serde_json::json;

fn mail(from: &str, subject: &str) -> String {
    format!("From: {from}\r\nTo: help@shop.test\r\nSubject: {subject}\r\nMessage-ID: <{}@client.test>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nDobrý den, potřebuji pomoc.\r\n", subject.replace(' ', "."))
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

/// The business hours and SLA admin page, as an admin uses it.
fn sla_admin(backend: Backend) {
    let s = Server::start(backend, ServerOptions { relay: None, ..Default::default() });
    assert!(s.cli(&["mailbox", "add", "--address", "help@shop.test", "--name", "Help"], b"").status.success());
    let mut admin = Client::new(&s.http);
    assert_eq!(admin.login("admin@shop.test", "correct horse battery").status, 303);
    let csrf = admin.csrf();
    let page = admin.get("/admin/sla");
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("<a href=\"/admin/sla\" aria-current=\"page\">") && page.body.contains("Add a calendar first"),
        "{}",
        page.body
    );

    // A calendar: an unknown zone is refused beside its field, as typed, and nothing is saved.
    let calendar = |zone: &'static str, csrf: &str| -> Vec<(&'static str, String)> {
        vec![
            ("_csrf", csrf.to_string()),
            ("name", "Prague office".into()),
            ("time_zone", zone.into()),
            ("week", "mon-fri 09:00-17:00".into()),
            ("holidays", "2026-12-31 Silvestr".into()),
        ]
    };
    let post = |c: &mut Client, path: &str, f: &[(&'static str, String)]| {
        let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        c.post(path, &pairs)
    };
    let r = post(&mut admin, "/admin/sla/calendars/new", &calendar("Europe/Praha", &csrf));
    assert_eq!(r.status, 422, "{}", r.body);
    let zone_row = &r.body[r.body.find("for=\"cal-zone\"").unwrap()..r.body.find("for=\"cal-week\"").unwrap()];
    assert!(zone_row.contains("field-error") && zone_row.contains("value=\"Europe/Praha\""), "{zone_row}");
    assert!(r.body.contains("2026-12-31 Silvestr"), "the holidays as typed");
    assert_eq!(s.get("/api/v1/calendars").1["calendars"], json!([]), "a refused calendar was saved");
    assert_eq!(post(&mut admin, "/admin/sla/calendars/new", &calendar("Europe/Prague", "forged")).status, 403, "the form checks its token");
    assert_eq!(post(&mut admin, "/admin/sla/calendars/new", &calendar("Europe/Prague", &csrf)).status, 303);
    let cal = s.get("/api/v1/calendars").1["calendars"][0].clone();
    let cal_id = cal["id"].as_i64().expect("the calendar");
    assert_eq!(cal["time_zone"], "Europe/Prague", "{cal}");

    // Czech public holidays of 2027 with one button; the one written by hand stays.
    let r = post(
        &mut admin,
        &format!("/admin/sla/calendars/{cal_id}/holidays"),
        &[("_csrf", csrf.clone()), ("country", "cz".into()), ("year", "2027".into())],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let holidays = s.get(&format!("/api/v1/calendars/{cal_id}")).1.to_string();
    assert!(holidays.contains("2026-12-31") && holidays.contains("2027-12-24") && holidays.contains("2027-03-29"), "{holidays}");
    let r = post(
        &mut admin,
        &format!("/admin/sla/calendars/{cal_id}/holidays"),
        &[("_csrf", csrf.clone()), ("country", "cz".into()), ("year", "1800".into())],
    );
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("value=\"1800\"") && r.body.contains("field has-error"), "{}", r.body);

    // A policy: a duration that is not one is refused beside the targets, the rows kept.
    let cal_text = cal_id.to_string();
    let policy = |first: &'static str| -> Vec<(&'static str, String)> {
        vec![
            ("_csrf", csrf.clone()),
            ("name", "Standard".into()),
            ("calendar_id", cal_text.clone()),
            ("channel", "email".into()),
            ("priority", "".into()),
            ("first_response", first.into()),
            ("next_response", "8h".into()),
            ("resolution", "24h".into()),
            ("channel", "".into()),
            ("priority", "urgent".into()),
            ("first_response", "1h".into()),
            ("next_response", "".into()),
            ("resolution", "".into()),
            ("channel", "".into()),
            ("priority", "".into()),
            ("first_response", "".into()),
            ("next_response", "".into()),
            ("resolution", "".into()),
            ("warn_before", "30m".into()),
            ("escalate", "breach".into()),
            ("mailbox", "1".into()),
        ]
    };
    let r = post(&mut admin, "/admin/sla/policies/new", &policy("8 hours"));
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("fieldset class=\"block has-error\"") && r.body.contains("value=\"8 hours\""), "{}", r.body);
    assert_eq!(s.get("/api/v1/sla-policies").1, json!([]), "a refused policy was saved");
    let r = post(&mut admin, "/admin/sla/policies/new", &policy("4h"));
    assert_eq!(r.status, 303, "{}", r.body);
    let p = s.get("/api/v1/sla-policies").1[0].clone();
    assert_eq!(
        (p["escalate"].as_str(), p["mailboxes"].clone(), p["warn_before"].as_str()),
        (Some("breach"), json!([1]), Some("30m")),
        "{p}"
    );
    assert_eq!(p["targets"].as_array().map(Vec::len), Some(2), "the empty row is no target: {p}");
    assert_eq!((p["targets"][0]["channel"].as_str(), p["targets"][0]["first_response"].as_str()), (Some("email"), Some("4h")), "{p}");
    assert_eq!((p["targets"][1]["priority"].as_str(), p["targets"][1]["first_response"].as_str()), (Some("urgent"), Some("1h")), "{p}");
    // Its page shows what is stored; the list names the calendar and the mailbox.
    let id = p["id"].as_i64().unwrap();
    let form = admin.get(&format!("/admin/sla/policies/{id}")).body;
    assert!(form.contains("value=\"4h\"") && form.contains("<option value=\"breach\" selected>"), "{form}");
    let list = admin.get("/admin/sla").body;
    assert!(list.contains("Prague office") && list.contains("help@shop.test") && list.contains("when a target is missed"), "{list}");

    // A calendar a policy uses is kept, saying why; without the policy it goes.
    let r = post(&mut admin, &format!("/admin/sla/calendars/{cal_id}/delete"), &[("_csrf", csrf.clone())]);
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("an SLA policy uses this calendar"), "{}", r.body);
    assert_eq!(post(&mut admin, &format!("/admin/sla/policies/{id}/delete"), &[("_csrf", csrf.clone())]).status, 303);
    assert_eq!(post(&mut admin, &format!("/admin/sla/calendars/{cal_id}/delete"), &[("_csrf", csrf.clone())]).status, 303);
    assert_eq!(s.get("/api/v1/calendars").1["calendars"], json!([]));
}

#[test]
fn sla_admin_sqlite() {
    sla_admin(Backend::Sqlite);
}

#[test]
fn sla_admin_postgres() {
    sla_admin(Backend::Postgres);
}
