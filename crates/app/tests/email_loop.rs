//! The email ticket loop end to end, on SQLite and on PostgreSQL: SMTP in (swaks) → ticket →
//! auto-acknowledgement captured by a real SMTP sink → Gmail- and Outlook-style replies land on
//! the same ticket → a stranger quoting real ids gets a new ticket → agent reply via the API is
//! delivered with the right threading headers → an auto-responder ping-pong stops → graceful stop.

mod common;
use common::*;
use mail_parser::{HeaderValue, MimeHeaders};
use serde_json::json;

fn header_ids(v: &HeaderValue) -> Vec<String> {
    match v {
        HeaderValue::Text(t) => vec![t.to_string()],
        HeaderValue::TextList(l) => l.iter().map(|s| s.to_string()).collect(),
        _ => vec![],
    }
}

fn ticket_count(s: &Server) -> usize {
    s.get("/api/v1/tickets?limit=200").1["tickets"].as_array().map(|a| a.len()).unwrap_or(0)
}

fn messages_of(s: &Server, n: i64) -> Vec<serde_json::Value> {
    s.get(&format!("/api/v1/tickets/{n}")).1["messages"].as_array().cloned().unwrap_or_default()
}

fn email_loop(backend: Backend) {
    let sink = Sink::start();
    let mut s = Server::start(backend, ServerOptions { relay: Some(sink.url()), ..Default::default() });
    let out = s.cli(&["mailbox", "add", "--address", "help@shop.test", "--name", "Shop Support"], b"");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // 1. A customer writes, with a colleague in CC.
    let first = "From: Jan Novák <jan@customer.test>\r\nTo: help@shop.test\r\nCc: Eva <eva@customer.test>\r\nSubject: =?UTF-8?Q?Objedn=C3=A1vka_123?=\r\nMessage-ID: <CAF1gmail@mail.gmail.com>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0100\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nDobrý den, kde je moje zásilka?\r\n";
    let transcript = s.swaks("jan@customer.test", "help@shop.test", first);
    assert!(transcript.contains("250 2.0.0 OK"), "{transcript}");
    let number = wait_for(30, "the ticket", || {
        let (_, v) = s.get("/api/v1/tickets");
        v["tickets"].as_array()?.first()?["number"].as_i64()
    });
    let (_, t) = s.get(&format!("/api/v1/tickets/{number}"));
    let participants: Vec<&str> = t["ticket"]["participants"].as_array().unwrap().iter().map(|p| p["address"].as_str().unwrap()).collect();
    assert!(participants.contains(&"jan@customer.test") && participants.contains(&"eva@customer.test"), "{participants:?}");
    assert_eq!(t["ticket"]["subject"], "Objednávka 123");
    assert_eq!(t["messages"][0]["body"], "Dobrý den, kde je moje zásilka?");

    // 2. The acknowledgement reaches the sink: number, threading, RFC 3834.
    let tag = format!("[#{number}]");
    let ack_raw = sink.wait_message("the acknowledgement", |m| m.subject().is_some_and(|x| x.contains(&tag)));
    let ack = parse(&ack_raw);
    assert_eq!(ack.to().unwrap().first().unwrap().address(), Some("jan@customer.test"));
    assert_eq!(ack.header_raw("Auto-Submitted").map(str::trim), Some("auto-replied"));
    assert_eq!(header_ids(ack.in_reply_to()), vec!["CAF1gmail@mail.gmail.com"]);
    assert!(ack.header_raw("Thread-Index").is_some() && ack.header_raw("Thread-Topic").is_some());
    let ack_text = ack.body_text(0).unwrap().to_string();
    assert!(ack_text.contains(&format!("#{number}")), "{ack_text}");
    let ack_id = ack.message_id().unwrap().to_string();
    assert!(ack_id.starts_with(&format!("pp1.{number}.a.")), "{ack_id}");

    // 3. Gmail-style reply: full References chain, "Re:" subject.
    let gmail = format!("From: Jan Novák <jan@customer.test>\r\nTo: Shop Support <help@shop.test>\r\nSubject: Re: {tag} We have received your message: Objednávka 123\r\nMessage-ID: <CAF2gmail@mail.gmail.com>\r\nIn-Reply-To: <{ack_id}>\r\nReferences: <CAF1gmail@mail.gmail.com> <{ack_id}>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nJeště doplním číslo: 555.\r\n\r\nOn Mon, 23 Nov 2026 at 10:01, Shop Support <help@shop.test> wrote:\r\n> Hello Jan,\r\n");
    s.swaks("jan@customer.test", "help@shop.test", &gmail);
    wait_for(30, "the Gmail reply on the ticket", || (messages_of(&s, number).len() == 3).then_some(()));
    let msgs = messages_of(&s, number);
    assert_eq!(msgs[2]["body"], "Ještě doplním číslo: 555.");
    assert!(msgs[2]["quoted"].as_str().unwrap().contains("Hello Jan"));

    // 4. Outlook-style reply from the colleague in CC: only the last reference, "AW:", no tag, Thread-Index.
    let outlook = format!("From: Eva <eva@customer.test>\r\nTo: help@shop.test\r\nSubject: AW: Objednávka 123\r\nMessage-ID: <AM0PR01outlook@eurprd01.prod.outlook.com>\r\nIn-Reply-To: <{ack_id}>\r\nThread-Index: AQHZ1234567890abcdefghijklmnopqrstuv\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nI can confirm.\r\n\r\n________________________________\r\nFrom: Shop Support <help@shop.test>\r\nSent: Monday, 23 November 2026 10:01\r\nTo: Jan\r\nSubject: {tag} x\r\n\r\nold\r\n");
    s.swaks("eva@customer.test", "help@shop.test", &outlook);
    wait_for(30, "the Outlook reply on the ticket", || (messages_of(&s, number).len() == 4).then_some(()));
    assert_eq!(messages_of(&s, number)[3]["body"], "I can confirm.");
    assert_eq!(ticket_count(&s), 1);

    // 5. A stranger quoting the real ids and the tag gets a ticket of their own.
    let stranger = format!("From: eve@evil.test\r\nTo: help@shop.test\r\nSubject: Re: {tag} Objednávka 123\r\nMessage-ID: <evil1@evil.test>\r\nIn-Reply-To: <{ack_id}>\r\nReferences: <CAF1gmail@mail.gmail.com> <{ack_id}>\r\n\r\nPlease send the parcel to my address instead.\r\n");
    s.swaks("eve@evil.test", "help@shop.test", &stranger);
    wait_for(30, "the stranger's own ticket", || (ticket_count(&s) == 2).then_some(()));
    assert_eq!(messages_of(&s, number).len(), 4, "the stranger's mail must not reach the ticket");
    let (_, list) = s.get("/api/v1/tickets?sort=newest");
    let evil_number = list["tickets"][0]["number"].as_i64().unwrap();
    assert_ne!(evil_number, number);
    assert_eq!(s.get(&format!("/api/v1/tickets/{evil_number}")).1["ticket"]["related_number"], json!(number));

    // 6. The agent replies through the API; the sink gets it threaded, to Jan with Eva in Cc.
    let (st, _) = s.request(
        "POST",
        &format!("/api/v1/tickets/{number}/messages"),
        Some(json!({"kind": "reply", "body": "Zásilka je na cestě."})),
        Some(&s.token),
    );
    assert_eq!(st, 201);
    let (st, _) = s.request(
        "POST",
        &format!("/api/v1/tickets/{number}/messages"),
        Some(json!({"kind": "note", "body": "Checked with the courier."})),
        Some(&s.token),
    );
    assert_eq!(st, 201);
    let reply_raw = sink.wait_message("the agent reply", |m| m.body_text(0).is_some_and(|b| b.contains("Zásilka je na cestě")));
    let reply = parse(&reply_raw);
    assert_eq!(reply.subject(), Some(format!("Re: {tag} Objednávka 123").as_str()));
    assert_eq!(header_ids(reply.in_reply_to()), vec!["AM0PR01outlook@eurprd01.prod.outlook.com"], "replies answer the last customer mail");
    let refs = header_ids(reply.references());
    assert!(refs.contains(&"CAF1gmail@mail.gmail.com".to_string()) && refs.contains(&ack_id), "{refs:?}");
    assert_eq!(reply.to().unwrap().first().unwrap().address(), Some("eva@customer.test"));
    assert!(reply.cc().unwrap().iter().any(|a| a.address() == Some("jan@customer.test")));
    assert!(reply.header_raw("Auto-Submitted").is_none());
    assert!(reply.body_text(0).unwrap().contains("> I can confirm."), "history is quoted");
    wait_for(30, "the reply to be marked sent", || {
        let m = messages_of(&s, number);
        m.iter().any(|x| x["body"] == "Zásilka je na cestě." && x["delivery"] == "sent").then_some(())
    });
    assert!(!sink.messages().iter().any(|r| String::from_utf8_lossy(r).contains("Checked with the courier")), "notes are never mailed");

    // 6b. A reply that leaves Eva out, with an attachment: only Jan gets it, the file travels along.
    let (st, v) = s.request(
        "POST",
        &format!("/api/v1/tickets/{number}/messages"),
        Some(json!({"kind": "reply", "body": "Posílám štítek.", "exclude": ["eva@customer.test"], "attachments": [{"filename": "štítek.pdf", "content_type": "application/pdf", "data_base64": "JVBERi0xLjQK"}]})),
        Some(&s.token),
    );
    assert_eq!(st, 201, "{v}");
    let raw = sink.wait_message("the reply with an attachment", |m| m.body_text(0).is_some_and(|b| b.contains("Posílám štítek")));
    let m = parse(&raw);
    assert_eq!(m.to().unwrap().first().unwrap().address(), Some("jan@customer.test"));
    assert!(m.cc().is_none(), "Eva was left out");
    let att = m.attachments().next().expect("attachment");
    assert_eq!((att.attachment_name(), att.contents()), (Some("štítek.pdf"), &b"%PDF-1.4\n"[..]));
    let (st, v) = s.request(
        "POST",
        &format!("/api/v1/tickets/{number}/messages"),
        Some(json!({"kind": "reply", "body": "x", "attachments": [{"filename": "a", "data_base64": "%%%"}]})),
        Some(&s.token),
    );
    assert_eq!((st, v["error"]["code"].as_str()), (422, Some("invalid")));

    // 7. The customer answers the agent's reply: it threads by our signed Message-ID.
    let reply_id = reply.message_id().unwrap().to_string();
    let again = format!("From: jan@customer.test\r\nTo: help@shop.test\r\nSubject: Re: Objednávka\r\nMessage-ID: <CAF3gmail@mail.gmail.com>\r\nIn-Reply-To: <{reply_id}>\r\n\r\nDěkuji!\r\n");
    s.swaks("jan@customer.test", "help@shop.test", &again);
    wait_for(30, "the thank-you on the ticket", || messages_of(&s, number).iter().any(|m| m["body"] == "Děkuji!").then_some(()));

    // 8. Auto-responder ping-pong: a robot that answers every mail it gets. One acknowledgement, then silence.
    let robot = "From: Robot <robot@responder.test>\r\nTo: help@shop.test\r\nSubject: Question\r\nMessage-ID: <r0@responder.test>\r\n\r\nHello?\r\n";
    s.swaks("robot@responder.test", "help@shop.test", robot);
    let mut answered = std::collections::HashSet::new();
    for round in 0..4 {
        let to_robot: Vec<Vec<u8>> = sink
            .messages()
            .into_iter()
            .filter(|r| parse(r).to().is_some_and(|t| t.iter().any(|a| a.address() == Some("robot@responder.test"))))
            .collect();
        for raw in to_robot {
            let m = parse(&raw);
            let id = m.message_id().unwrap_or("").to_string();
            if answered.insert(id.clone()) {
                let auto = format!("From: Robot <robot@responder.test>\r\nTo: help@shop.test\r\nSubject: Re: {}\r\nMessage-ID: <r{round}x@responder.test>\r\nIn-Reply-To: <{id}>\r\n\r\nI am out of office.\r\n", m.subject().unwrap_or(""));
                s.swaks("robot@responder.test", "help@shop.test", &auto);
            }
        }
        if round == 0 {
            wait_for(30, "the robot's first acknowledgement", || {
                sink.messages()
                    .iter()
                    .any(|r| parse(r).to().is_some_and(|t| t.iter().any(|a| a.address() == Some("robot@responder.test"))))
                    .then_some(())
            });
        }
    }
    wait_for(30, "the robot's replies to be processed", || {
        let (_, v) = s.get("/api/v1/inbound?status=received");
        v["inbound"].as_array().is_some_and(|a| a.is_empty()).then_some(())
    });
    let acks_to_robot = sink
        .messages()
        .iter()
        .filter(|r| parse(r).to().is_some_and(|t| t.iter().any(|a| a.address() == Some("robot@responder.test"))))
        .count();
    assert_eq!(acks_to_robot, 1, "exactly one acknowledgement to the auto-responder");

    // 9. Our own mail coming back is set aside as a loop, visible with its reason.
    s.swaks("help@shop.test", "help@shop.test", &String::from_utf8_lossy(&ack_raw));
    wait_for(30, "the loop to be set aside", || {
        let (_, v) = s.get("/api/v1/inbound");
        v["inbound"].as_array()?.iter().find(|i| i["reason"].as_str().is_some_and(|r| r.contains("loop"))).cloned()
    });

    // 10. Metrics and graceful shutdown.
    let (st, metrics) = s.request("GET", "/metrics", None, None);
    assert_eq!(st, 200);
    assert!(metrics.as_str().unwrap().contains("podpora_outbox_messages{status=\"sent\"}"));
    assert_eq!(s.stop(), Some(0), "{}", s.stderr());
}

#[test]
fn email_loop_sqlite() {
    email_loop(Backend::Sqlite);
}

#[test]
fn email_loop_postgres() {
    email_loop(Backend::Postgres);
}
