//! Rules end to end with the real binary, on SQLite and PostgreSQL: an admin writes a rule on the
//! admin page (a refused rule comes back as typed, with why, nothing saved; a forged form is
//! refused; the dry run lists what it would touch) and through the API (agents may not); mail
//! arriving over SMTP is tagged, prioritised and given to the next agent in turn by the running
//! router, and the ticket's log names the rule.

mod common;
use common::*;
use serde_json::json;

fn mail(from: &str, subject: &str, body: &str) -> String {
    format!(
        "From: {from}\r\nTo: help@shop.test\r\nSubject: {subject}\r\nMessage-ID: <{}@client.test>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n",
        subject.replace(' ', ".")
    )
}

fn ticket(s: &Server, subject: &str, ready: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
    wait_for(30, subject, || {
        let (_, v) = s.get("/api/v1/tickets?limit=200");
        let n = v["tickets"].as_array()?.iter().find(|t| t["subject"] == subject)?["number"].as_i64()?;
        let (_, t) = s.get(&format!("/api/v1/tickets/{n}"));
        ready(&t).then_some(t)
    })
}

fn rules(backend: Backend) {
    let s = Server::start(backend, ServerOptions { relay: None, ..Default::default() });
    assert!(s.cli(&["mailbox", "add", "--address", "help@shop.test", "--name", "Help"], b"").status.success());
    for name in ["ann", "bob"] {
        let out = s
            .cli(&["user", "add", "--email", &format!("{name}@shop.test"), "--name", name, "--role", "agent"], b"a long enough password\n");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let (code, _) = s.request("PUT", "/api/v1/agents/admin@shop.test/status", Some(json!({ "status": "off" })), Some(&s.token));
    assert_eq!(code, 200);
    let (code, v) = s.request("PUT", "/api/v1/mailboxes/1/assignment", Some(json!({"policy": "round_robin"})), Some(&s.token));
    assert_eq!(code, 200, "{v}");
    // An earlier ticket, for the dry run to find.
    assert!(s.swaks("old@firma.cz", "help@shop.test", &mail("old@firma.cz", "Old invoice", "Kde je faktura?")).contains("250"));
    ticket(&s, "Old invoice", |t| t["ticket"]["assignee_id"].is_i64());

    let mut admin = Client::new(&s.http);
    assert_eq!(admin.login("admin@shop.test", "correct horse battery").status, 303);
    let csrf = admin.csrf();
    let page = admin.get("/admin/rules");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<a href=\"/admin/rules\" aria-current=\"page\">"), "{}", page.body);
    let form = |csrf: &str, name: &str, trigger: &str, extra: &[(&str, &str)]| {
        let mut f: Vec<(String, String)> = vec![
            ("_csrf".into(), csrf.into()),
            ("name".into(), name.into()),
            ("trigger".into(), trigger.into()),
            ("enabled".into(), "1".into()),
        ];
        f.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        f
    };
    let post = |c: &mut Client, path: &str, f: &[(String, String)]| {
        let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        c.post(path, &pairs)
    };
    let conditions = [
        ("cond_field", "sender_domain"),
        ("cond_op", "is"),
        ("cond_value", "firma.cz"),
        ("cond_field", "body"),
        ("cond_op", "contains"),
        ("cond_value", "faktur"),
        ("cond_field", ""),
        ("cond_op", ""),
        ("cond_value", ""),
    ];
    let mut b2b: Vec<(&str, &str)> = conditions.to_vec();
    b2b.extend([
        ("act_kind", "add_tag"),
        ("act_value", "b2b, invoice"),
        ("act_kind", "set_priority"),
        ("act_value", "high"),
        ("act_kind", ""),
        ("act_value", ""),
    ]);

    // A scheduled rule without a time is refused, shown again as typed.
    let r = post(&mut admin, "/admin/rules/new", &form(&csrf, "Firms first", "schedule", &b2b));
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.body.contains("rule-error") && r.body.contains("value=\"Firms first\"") && r.body.contains("value=\"firma.cz\""),
        "{}",
        r.body
    );
    assert!(s.get("/api/v1/rules").1.as_array().unwrap().is_empty(), "a refused rule was saved");
    assert_eq!(post(&mut admin, "/admin/rules/new", &form("forged", "Firms first", "created", &b2b)).status, 403);

    // The dry run finds the earlier ticket and saves nothing.
    let mut dry = form(&csrf, "Firms first", "created", &b2b);
    dry.push(("dry_run".into(), "1".into()));
    let r = post(&mut admin, "/admin/rules/new", &dry);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("class=\"dry-run\"") && r.body.contains("Old invoice"), "{}", r.body);
    assert!(s.get("/api/v1/rules").1.as_array().unwrap().is_empty(), "a dry run saved the rule");

    let r = post(&mut admin, "/admin/rules/new", &form(&csrf, "Firms first", "created", &b2b));
    assert_eq!(r.status, 303, "{}", r.body);
    let listed = admin.get("/admin/rules").body;
    assert!(listed.contains("Firms first") && listed.contains("firma.cz"), "{listed}");

    // The API: agents may not touch rules; the admin adds one after it.
    let out = s.cli(&["token", "create", "--email", "ann@shop.test"], b"");
    let ann_token = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let note = json!({"name": "Note on urgent", "trigger": "created", "conditions": [{"field": "tag", "op": "is", "value": "invoice"}],
        "actions": [{"action": "add_note", "value": "Check the contract first."}]});
    assert_eq!(s.request("POST", "/api/v1/rules", Some(note.clone()), Some(&ann_token)).0, 403);
    assert_eq!(s.request("GET", "/api/v1/rules", None, Some(&ann_token)).0, 403);
    let (code, v) = s.request(
        "POST",
        "/api/v1/rules",
        Some(json!({"name": "bad", "trigger": "created", "actions": [{"action": "set_team", "value": "77"}]})),
        Some(&s.token),
    );
    assert_eq!((code, v["error"]["code"].as_str()), (422, Some("invalid")), "{v}");
    let (code, v) = s.request("POST", "/api/v1/rules", Some(note), Some(&s.token));
    assert_eq!(code, 201, "{v}");
    let all = s.get("/api/v1/rules").1;
    assert_eq!(all.as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect::<Vec<_>>(), ["Firms first", "Note on urgent"]);

    // Mail in: the rules tag it and raise its priority, the second sees the first's tag and adds
    // its note, and the policy gives it to the next agent in turn.
    assert!(s
        .swaks(
            "jana@obchod.firma.cz",
            "help@shop.test",
            &mail("jana@obchod.firma.cz", "Nova objednavka", "Posílám objednávku, prosím o fakturu.")
        )
        .contains("250"));
    let t = ticket(&s, "Nova objednavka", |t| t["ticket"]["assignee_id"].is_i64());
    assert_eq!(t["ticket"]["tags"], json!(["b2b", "invoice"]), "{t}");
    assert_eq!(t["ticket"]["priority"], "high", "{t}");
    assert_eq!(t["ticket"]["assignment"]["by"], "round_robin", "{t}");
    let messages = t["messages"].as_array().unwrap();
    assert!(messages.iter().any(|m| m["kind"] == "note" && m["body"] == "Check the contract first."), "{t}");
    let n = t["ticket"]["number"].as_i64().unwrap();
    let page = admin.get(&format!("/t/{n}")).body;
    assert!(page.contains("rule “Firms first” ran"), "{page}");
    // Someone else's mail is left alone.
    assert!(s
        .swaks("petr@mail.example", "help@shop.test", &mail("petr@mail.example", "Jina vec", "Dobrý den, prosím o fakturu k objednávce."))
        .contains("250"));
    let t = ticket(&s, "Jina vec", |t| t["ticket"]["assignee_id"].is_i64());
    assert_eq!((t["ticket"]["tags"].clone(), t["ticket"]["priority"].clone()), (json!([]), json!("normal")), "{t}");

    // SLA configuration through the API: a calendar with Czech holidays, a policy for the mailbox.
    let office = json!({"name": "Office", "time_zone": "Europe/Prague", "week": "mon-fri 09:00-17:00"});
    assert_eq!(s.request("POST", "/api/v1/calendars", Some(office.clone()), Some(&ann_token)).0, 403);
    let (code, v) =
        s.request("POST", "/api/v1/calendars", Some(json!({"name": "x", "time_zone": "Mars/Olympus", "week": ""})), Some(&s.token));
    assert_eq!((code, v["error"]["code"].as_str()), (422, Some("invalid")), "{v}");
    let (code, cal) = s.request("POST", "/api/v1/calendars", Some(office), Some(&s.token));
    assert_eq!(code, 201, "{cal}");
    let id = cal["id"].as_i64().unwrap();
    let (code, cal) =
        s.request("POST", &format!("/api/v1/calendars/{id}/public-holidays"), Some(json!({"country": "cz", "year": 2027})), Some(&s.token));
    assert_eq!(code, 200, "{cal}");
    assert!(cal["holidays"].as_str().unwrap().contains("2027-07-06 Jan Hus Day"), "{cal}");
    let policy = json!({"name": "Standard", "calendar_id": id, "warn_before": "30m", "mailboxes": [1],
        "targets": [{"first_response": "8h", "resolution": "24h"}, {"channel": "chat", "first_response": "1m"}]});
    let (code, p) = s.request("POST", "/api/v1/sla-policies", Some(policy), Some(&s.token));
    assert_eq!(code, 201, "{p}");
    let all = s.get("/api/v1/sla-policies").1;
    assert_eq!(
        (all[0]["warn_before"].as_str(), all[0]["mailboxes"].clone(), all[0]["targets"][1]["first_response"].as_str()),
        (Some("30m"), json!([1]), Some("1m")),
        "{all}"
    );
    // The next acknowledgement says by when the answer comes, in the calendar's time; before
    // the policy it said how soon we usually answer (to Petr in Czech, the language he wrote in;
    // Eva's two words say too little, so hers is in English).
    let ack = |t: &serde_json::Value| {
        t["messages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["direction"] == "out")
            .map(|m| m["body"].as_str().unwrap_or_default().to_string())
    };
    assert!(ack(&t).is_some_and(|b| b.contains("Obvykle odpovídáme do")), "{t}");
    // (A running drain reads the settings again each second.)
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert!(s.swaks("eva@mail.example", "help@shop.test", &mail("eva@mail.example", "Kdy to bude", "Dobrý den")).contains("250"));
    let t = ticket(&s, "Kdy to bude", |t| t["messages"].as_array().is_some_and(|m| m.iter().any(|m| m["direction"] == "out")));
    let body = ack(&t).unwrap();
    assert!(body.contains("We will answer by ") && body.contains("(Europe/Prague time)") && !body.contains("usually"), "{body}");
    assert!(body.contains("Our support hours: Monday–Friday 09:00–17:00 (Europe/Prague)"), "{body}");
}

#[test]
fn rules_sqlite() {
    rules(Backend::Sqlite);
}

#[test]
fn rules_postgres() {
    rules(Backend::Postgres);
}
