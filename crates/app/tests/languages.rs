//! Every customer in their own language, end to end with the real binary on SQLite and
//! PostgreSQL: mail over SMTP from a Czech, a Polish and a Russian customer (no Content-Language)
//! gets its acknowledgement through a real SMTP sink in that language, greeting them as they
//! expect ("Dobrý den, paní Dvořáková,"); the Polish one is the mailbox's own Polish version; a
//! mail too short to tell is answered in the mailbox's language; a reply quotes the customer
//! under a header in their language, dated in the mailbox's time zone; the router gives each
//! customer to the agent who speaks their language (issue #19 point 7); the mailbox page edits
//! the versions; the installation's default language reaches the login page and new agents.

mod common;
use common::*;
use serde_json::json;

fn mail(from: &str, subject: &str, body: &str) -> String {
    format!(
        "From: {from}\r\nTo: help@shop.test\r\nSubject: {subject}\r\nMessage-ID: <{}@client.test>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n",
        subject.len() * 7919 + body.len()
    )
}

fn ack(sink: &Sink, subject: &str) -> (String, String) {
    let raw = sink.wait_message(&format!("the acknowledgement of {subject}"), |m| m.subject().is_some_and(|s| s.contains(subject)));
    let m = parse(&raw);
    (m.subject().unwrap_or_default().to_string(), m.body_text(0).unwrap_or_default().to_string())
}

fn languages(backend: Backend) {
    let sink = Sink::start();
    let s = Server::start(backend, ServerOptions { relay: Some(sink.url()), ..Default::default() });
    assert!(s.cli(&["mailbox", "add", "--address", "help@shop.test", "--name", "Obchod"], b"").status.success());

    // The mailbox: Slovak for customers whose language is not known, and its own Polish text.
    // An unknown language is refused, naming the field.
    for wrong in [json!({ "language": "xx" }), json!({ "time_zone": "Europe/Praha" })] {
        let (code, v) = s.request("PUT", "/api/v1/mailboxes/1/ack", Some(wrong), Some(&s.token));
        assert_eq!(code, 422, "{v}");
    }
    let polish = json!({ "subject": polish_subject(), "body": "{{greeting}}\n\nmamy to: {{ticket_number}}." });
    let (code, v) = s.request(
        "PUT",
        "/api/v1/mailboxes/1/ack",
        Some(json!({ "language": "sk", "time_zone": "Europe/Prague", "versions": { "pl": polish } })),
        Some(&s.token),
    );
    assert_eq!(code, 200, "{v}");
    let bad = json!({ "versions": { "pl": { "subject": "", "body": "{{no_such_thing}}" } } });
    let (code, v) = s.request("PUT", "/api/v1/mailboxes/1/ack", Some(bad), Some(&s.token));
    assert_eq!(code, 422, "{v}");

    // Two agents, one speaking Czech, one Polish; the admin is off shift. Least loaded, by language.
    for (name, langs) in [("ann", "cs"), ("piotr", "pl")] {
        let email = format!("{name}@shop.test");
        let out = s.cli(&["user", "add", "--email", &email, "--name", name, "--role", "agent"], b"a long enough password\n");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let (code, v) = s.request(
            "PUT",
            &format!("/api/v1/agents/{email}/profile"),
            Some(json!({ "capacity": 20, "languages": [langs] })),
            Some(&s.token),
        );
        assert_eq!(code, 200, "{v}");
    }
    let (code, v) = s.request("PUT", "/api/v1/agents/admin@shop.test/status", Some(json!({ "status": "off" })), Some(&s.token));
    assert_eq!(code, 200, "{v}");
    let (code, v) =
        s.request("PUT", "/api/v1/mailboxes/1/assignment", Some(json!({ "policy": "least_loaded", "by_language": true })), Some(&s.token));
    assert_eq!(code, 200, "{v}");
    let agents = s.get("/api/v1/agents").1;
    let id_of = |email: &str| agents["agents"].as_array().unwrap().iter().find(|a| a["email"] == email).unwrap()["id"].as_i64().unwrap();

    let mails = [
        (
            "Jana Dvořáková <jana@zakaznik.test>",
            "Poškozený balík",
            "Dobrý den, balík dorazil poškozený a krabice je promáčknutá. Můžete mi poslat nový?",
        ),
        (
            "Marek Nowak <marek@klient.test>",
            "Uszkodzona paczka",
            "Dzień dobry, paczka dotarła uszkodzona, a pudełko jest zgniecione. Czy możecie wysłać nową?",
        ),
        (
            "Ольга Смирнова <olga@klient.test>",
            "Повреждённая посылка",
            "Здравствуйте, посылка пришла повреждённой, коробка помята. Можете отправить новую?",
        ),
        ("eva@klient.test", "Díky", "Díky!"),
    ];
    for (from, subject, body) in mails {
        let address = from.rsplit('<').next().unwrap().trim_end_matches('>');
        assert!(s.swaks(address, "help@shop.test", &mail(from, subject, body)).contains("250"), "{subject}");
    }

    let (subject, body) = ack(&sink, "Poškozený balík");
    assert!(subject.contains("Vaši zprávu jsme přijali"), "{subject}");
    assert!(body.starts_with("Dobrý den, paní Dvořáková,\n"), "{body}");
    let (subject, body) = ack(&sink, "Uszkodzona paczka");
    assert!(subject.contains("Dziękujemy za wiadomość"), "the mailbox's Polish version: {subject}");
    assert!(body.starts_with("Dzień dobry, Panie Marku,\n\nmamy to: #"), "{body}");
    let (subject, body) = ack(&sink, "Повреждённая посылка");
    assert!(subject.contains("Мы получили ваше сообщение"), "{subject}");
    assert!(body.starts_with("Здравствуйте, Ольга!\n\nСпасибо"), "{body}");
    let (subject, body) = ack(&sink, "Díky");
    assert!(subject.contains("Vašu správu sme prijali"), "the mailbox's language: {subject}");
    assert!(body.starts_with("Dobrý deň,\n"), "{body}");

    // Routing reads the detected language: the Polish customer goes to Piotr, the Czech to Ann.
    let polish = assigned(&s, "Uszkodzona paczka");
    assert_eq!(polish["customer"]["language"], "pl", "{polish}");
    assert_eq!(polish["assignee_id"].as_i64(), Some(id_of("piotr@shop.test")), "{polish}");
    assert!(polish["assignment"]["reason"].as_str().unwrap_or_default().contains("speaks"), "{polish}");
    let czech = assigned(&s, "Poškozený balík");
    assert_eq!(czech["customer"]["language"], "cs", "{czech}");
    assert_eq!(czech["assignee_id"].as_i64(), Some(id_of("ann@shop.test")), "{czech}");
    // A reply quotes the customer under a header in their language, dated in the mailbox's time.
    let n = czech["number"].as_i64().unwrap();
    let (code, v) = s.request(
        "POST",
        &format!("/api/v1/tickets/{n}/messages"),
        Some(json!({ "kind": "reply", "body": "Pošleme nový." })),
        Some(&s.token),
    );
    assert_eq!(code, 201, "{v}");
    let raw = sink.wait_message("the reply", |m| m.body_text(0).is_some_and(|b| b.contains("Pošleme nový.")));
    let body = parse(&raw).body_text(0).unwrap_or_default().to_string();
    assert!(body.contains("Dne ") && body.contains(" napsal(a) Jana Dvořáková <jana@zakaznik.test>:") && !body.contains("UTC"), "{body}");
    // Too short to tell: nothing is written down as the customer's language.
    let short = assigned(&s, "Díky");
    assert!(short["customer"]["language"].is_null(), "{short}");

    // The mailbox page shows the versions as saved; a mistake in one is shown beside it, as typed,
    // and nothing is saved.
    let mut admin = Client::new(&s.http);
    assert_eq!(admin.login("admin@shop.test", "correct horse battery").status, 303);
    let csrf = admin.csrf();
    let page = admin.get("/admin/mailboxes").body;
    assert!(page.contains("name=\"ack_subject_pl\"") && page.contains("Dziękujemy za wiadomość"), "{page}");
    let pl_subject = polish_subject();
    let post = |c: &mut Client, de_body: &str| {
        let form = [
            ("_csrf", csrf.as_str()),
            ("name", "Obchod"),
            ("ack_enabled", "1"),
            ("language", "sk"),
            ("time_zone", "Europe/Prague"),
            ("ack_subject_pl", pl_subject.as_str()),
            ("ack_body_pl", "{{greeting}}\n\nmamy to: {{ticket_number}}."),
            ("ack_body_de", de_body),
        ];
        c.post("/admin/mailboxes/1", &form)
    };
    let r = post(&mut admin, "{{greting}}");
    assert_eq!(r.status, 422, "{}", r.body);
    let at = r.body.find("id=\"ack-body-de-1\"").expect("the German text");
    assert!(r.body[at..].contains("field-error") && !r.body[..at].contains("field-error") && r.body.contains("{{greting}}"), "{}", r.body);
    let r = post(&mut admin, "{{greeting}}\n\nvielen Dank, {{ticket_number}}.");
    assert_eq!(r.status, 303, "{}", r.body);
    let (code, v) = s.request("PUT", "/api/v1/mailboxes/1/ack", Some(json!({})), Some(&s.token));
    assert_eq!(code, 200, "{v}");
    assert!(v["versions"]["de"]["body"].as_str().unwrap_or_default().contains("vielen Dank"), "{v}");
    assert_eq!(v["versions"]["pl"]["subject"], pl_subject.as_str(), "{v}");
    assert_eq!((v["language"].as_str(), v["time_zone"].as_str()), (Some("sk"), Some("Europe/Prague")), "{v}");

    // The installation's default language: the login page of a browser asking for none of ours,
    // and new agents.
    assert!(Client::new(&s.http).get("/login").body.contains("Log in"));
    assert_eq!(admin.post("/admin/language", &[("_csrf", csrf.as_str()), ("language", "de")]).status, 303);
    assert!(admin.get("/admin").body.contains("<option value=\"de\" selected>"), "the overview shows it");
    assert!(Client::new(&s.http).get("/login").body.contains("Anmelden"));
    let out = s.cli(&["user", "add", "--email", "karl@shop.test", "--name", "Karl", "--role", "agent"], b"a long enough password\n");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let agents = s.get("/api/v1/agents").1;
    let ui = |email: &str| agents["agents"].as_array().unwrap().iter().find(|a| a["email"] == email).unwrap()["ui_language"].clone();
    assert_eq!((ui("karl@shop.test"), ui("ann@shop.test")), (json!("de"), json!("en")));
}

fn polish_subject() -> String {
    "{{ticket_tag}} Dziękujemy za wiadomość: {{subject}}".to_string()
}

#[test]
fn languages_sqlite() {
    languages(Backend::Sqlite);
}

#[test]
fn languages_postgres() {
    languages(Backend::Postgres);
}
