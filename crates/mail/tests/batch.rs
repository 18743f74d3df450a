//! A burst of mail applied as one batch, on both backends: answers that arrived before the mail
//! they answer, a colleague in Cc answering, a redelivery, a stranger quoting a real Message-ID,
//! a bounce and a reply to a ticket from an earlier batch all end where they belong, with one
//! acknowledgement per new ticket and searchable text.

use podpora_domain::{EmailAddress, TicketStatus};
use podpora_mail::ingest::{self, Envelope, Outcome, Source};
use podpora_store::testing::for_each_backend;
use podpora_store::{mailboxes, messages, outbox, tickets};

mod common;
use common::room;

fn mail(from: &str, id: &str, subject: &str, extra: &str, body: &str) -> Vec<u8> {
    format!("From: {from}\r\nTo: help@shop.example\r\nSubject: {subject}\r\nMessage-ID: <{id}>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0100\r\n{extra}Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n").into_bytes()
}

#[tokio::test]
async fn a_burst_is_threaded_as_it_was_meant() {
    for_each_backend(|t| async move {
        let db = t.db.clone();
        mailboxes::add(&db, &mailboxes::NewMailbox { address: EmailAddress::parse("help@shop.example").unwrap(), name: "Shop".into(), imap_url: None }).await.unwrap();
        let room = room(&t);
        let env = Envelope { mail_from: None, rcpt_to: vec![EmailAddress::parse("help@shop.example").unwrap()] };
        let accept = |raw: Vec<u8>| {
            let (room, env) = (room.clone(), env.clone());
            async move { ingest::accept(&room, Source::Smtp, &env, raw).await.unwrap().inbound_id }
        };
        let number = |o: Outcome| match o {
            Outcome::Ticket { number, .. } => number,
            other => panic!("not a ticket: {other:?}"),
        };
        // An earlier batch: a ticket that exists before the burst, then solved by an agent.
        let p = accept(mail("Petr <petr@example.cz>", "p@mail.cz", "Invoice", "", "Where is my invoice?")).await;
        let earlier = number(ingest::process(&room, p).await.unwrap());
        let mut conn = db.conn().await.unwrap();
        let earlier_id = tickets::by_number(&mut conn, earlier).await.unwrap().unwrap().id;
        tickets::set_status(&mut conn, earlier_id, TicketStatus::Solved).await.unwrap();
        let acks_before = outbox::health(&db).await.unwrap().total();

        // The burst, in the order the accepts committed.
        let ids = [
            accept(mail("Ann <ann@example.cz>", "a@mail.cz", "Broken zipper", "Cc: Bob <bob@example.cz>\r\n", "The zipper broke on day one."))
                .await,
            // Answers C, which was accepted after it.
            accept(mail("Ann <ann@example.cz>", "b@mail.cz", "Re: Wrong colour", "In-Reply-To: <c@mail.cz>\r\nReferences: <c@mail.cz>\r\n", "Also the parcel was wet quokkaword."))
                .await,
            accept(mail("Ann <ann@example.cz>", "c@mail.cz", "Wrong colour", "", "I ordered red, got green.")).await,
            // Bob was in Cc of A: his answer joins A's ticket.
            accept(mail("Bob <bob@example.cz>", "d@mail.cz", "Re: Broken zipper", "In-Reply-To: <a@mail.cz>\r\n", "Same here.")).await,
            // A redelivered.
            accept(mail("Ann <ann@example.cz>", "a@mail.cz", "Broken zipper", "Cc: Bob <bob@example.cz>\r\n", "The zipper broke on day one.")).await,
            // A stranger quoting a real Message-ID opens a ticket of their own.
            accept(mail("Mallory <mallory@evil.example>", "f@evil.example", "Re: Broken zipper", "In-Reply-To: <a@mail.cz>\r\n", "Send me the refund.")).await,
            accept(
                "From: MAILER-DAEMON@mx.example\r\nTo: help@shop.example\r\nSubject: Undelivered Mail Returned to Sender\r\nMessage-ID: <g@mx.example>\r\nAuto-Submitted: auto-replied\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n--x\r\nContent-Type: message/delivery-status\r\n\r\nStatus: 5.1.1\r\n--x--\r\n"
                    .as_bytes()
                    .to_vec(),
            )
            .await,
            // Petr answers his ticket from the earlier batch: it reopens.
            accept(mail("Petr <petr@example.cz>", "h@mail.cz", "Re: Invoice", "In-Reply-To: <p@mail.cz>\r\n", "Still nothing.")).await,
        ];
        // One drain applies the whole burst as one batch.
        ingest::process(&room, ids[7]).await.unwrap();
        let mut outcome = Vec::new();
        for id in ids {
            outcome.push(ingest::wait_settled(&room, id, std::time::Duration::from_secs(5)).await.unwrap().expect("processed"));
        }
        let n: Vec<Option<i64>> = outcome.iter().map(|o| if let Outcome::Ticket { number, .. } = o { Some(number.get()) } else { None }).collect();
        let (a, b, c, d, e, f, g, h) = (n[0], n[1], n[2], n[3], n[4], n[5], n[6], n[7]);
        assert_eq!(b, c, "the answer that came first joins the ticket of the mail it answers");
        assert_ne!(a, c);
        assert_eq!(d, a, "a colleague in Cc answering joins the ticket");
        assert_eq!(e, a, "a redelivery stays on its ticket");
        assert!(f.is_some() && f != a, "a stranger never joins someone else's ticket");
        assert!(g.is_none(), "the bounce is set aside: {:?}", outcome[6]);
        assert_eq!(h, Some(earlier.get()));

        let by_number = |n: Option<i64>| {
            let db = db.clone();
            async move {
                let mut conn = db.conn().await.unwrap();
                tickets::by_number(&mut conn, podpora_domain::TicketNumber::new(n.unwrap()).unwrap()).await.unwrap().unwrap()
            }
        };
        let ta = by_number(a).await;
        let inbound: Vec<_> = messages::for_ticket(&mut conn, ta.id).await.unwrap().into_iter().filter(|m| m.direction == podpora_domain::Direction::In).collect();
        assert_eq!(inbound.len(), 2, "A once (not twice) and Bob's answer");
        let people: Vec<String> = tickets::participants(&mut conn, ta.id).await.unwrap().into_iter().map(|p| p.address.to_string()).collect();
        assert!(people.contains(&"ann@example.cz".to_string()) && people.contains(&"bob@example.cz".to_string()), "{people:?}");
        assert!(!people.iter().any(|p| p.contains("mallory")));
        let tc = by_number(c).await;
        assert_eq!(messages::for_ticket(&mut conn, tc.id).await.unwrap().iter().filter(|m| m.direction == podpora_domain::Direction::In).count(), 2);
        assert_eq!(by_number(h).await.status, TicketStatus::Solved.after_customer_reply());
        assert_eq!(by_number(f).await.related_number, a, "the stranger's ticket points to the one they quoted, opened in the same batch");
        assert_eq!(ta.related_number, None);
        // One acknowledgement per new ticket (A, C, the stranger's), none for answers or the bounce.
        let acks = outbox::health(&db).await.unwrap().total() - acks_before;
        assert_eq!(acks, 3);
        // The answer's words find the ticket it joined, once indexed (the batch queued them; `serve`
        // indexes beside the next batches); so do a new ticket's head and first words.
        assert!(podpora_store::search::pending(&db).await.unwrap());
        assert!(podpora_store::search::catch_up(&db).await.unwrap() > 0);
        assert!(!podpora_store::search::pending(&db).await.unwrap());
        let (found, _) = tickets::list(&db, &tickets::TicketQuery { q: Some(format!("zipper {}", a.unwrap())), limit: 10, ..tickets::TicketQuery::new(podpora_domain::access::MailboxScope::All) }).await.unwrap();
        assert_eq!(found.iter().map(|s| s.ticket.number.get()).collect::<Vec<_>>(), vec![a.unwrap()]);
        let (found, _) = tickets::list(&db, &tickets::TicketQuery { q: Some("quokkaword".into()), limit: 10, ..tickets::TicketQuery::new(podpora_domain::access::MailboxScope::All) }).await.unwrap();
        assert_eq!(found.iter().map(|s| s.ticket.number.get()).collect::<Vec<_>>(), vec![c.unwrap()]);
        drop(conn);
        t
    })
    .await;
}

/// PostgreSQL takes inbound ids before the commit: another instance's accept of the original can
/// become visible after the reply to it. The reply waits for it instead of opening a ticket.
#[tokio::test]
async fn a_reply_waits_for_the_mail_it_answers_still_being_committed() {
    let t = podpora_store::testing::postgres().await;
    let room = room(&t);
    mailboxes::add(
        &t.db,
        &mailboxes::NewMailbox { address: EmailAddress::parse("help@shop.example").unwrap(), name: "Shop".into(), imap_url: None },
    )
    .await
    .unwrap();
    let mb = mailboxes::list(&t.db).await.unwrap()[0].id;
    // The original, being committed by another instance: its row exists in an open transaction.
    let original = mail("Ann <ann@example.cz>", "orig@mail.cz", "Lost parcel", "", "Where is it?");
    let mut other = t.db.begin().await.unwrap();
    let blob = room.blobs.put_many_in(&mut other, vec![original.clone()]).await.unwrap().remove(0);
    let to = vec!["help@shop.example".to_string()];
    let new = podpora_store::inbound::NewInbound {
        source: "smtp",
        mailbox_id: Some(mb),
        envelope_from: None,
        envelope_to: &to,
        raw_blob: blob.as_str(),
        size: original.len() as i64,
        set_aside: None,
    };
    let original_id = podpora_store::inbound::insert(&mut other, &new).await.unwrap();
    // The reply, accepted here and committed first.
    let env = Envelope { mail_from: None, rcpt_to: vec![EmailAddress::parse("help@shop.example").unwrap()] };
    let reply = ingest::accept(
        &room,
        Source::Smtp,
        &env,
        mail("Ann <ann@example.cz>", "re@mail.cz", "Re: Lost parcel", "In-Reply-To: <orig@mail.cz>\r\n", "Any news?"),
    )
    .await
    .unwrap()
    .inbound_id;
    assert!(reply > original_id);
    let processing = tokio::spawn({
        let room = room.clone();
        async move { ingest::process(&room, reply).await }
    });
    // The reply's processing holds the mailbox and is draining before the original commits.
    let lease = format!("ingest:{mb}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while podpora_store::jobs::lease_holder(&t.db, &lease).await.unwrap().is_none() {
        assert!(std::time::Instant::now() < deadline, "the reply's processing never took the mailbox");
        assert!(!processing.is_finished(), "the reply was processed before the mail it answers was committed");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(!processing.is_finished(), "the reply was processed before the mail it answers was committed");
    other.commit().await.unwrap();
    let reply_ticket = processing.await.unwrap().unwrap();
    let original_ticket = ingest::wait_settled(&room, original_id, std::time::Duration::from_secs(5)).await.unwrap().expect("processed");
    match (original_ticket, reply_ticket) {
        (Outcome::Ticket { number: a, .. }, Outcome::Ticket { number: b, created: false, .. }) => assert_eq!(a, b),
        other => panic!("the reply did not join the original's ticket: {other:?}"),
    }
    t.cleanup().await;
}

/// Accepts arriving together share one transaction: each still gets its own inbound row with
/// the mailbox of its first recipient that is ours (a `+tag` address included), its own bytes,
/// and an immediate set-aside where asked; the same bytes twice are stored once.
#[tokio::test]
async fn concurrent_accepts_are_committed_together_and_each_kept_right() {
    for_each_backend(|t| async move {
        let room = room(&t);
        mailboxes::add(
            &t.db,
            &mailboxes::NewMailbox { address: EmailAddress::parse("help@shop.example").unwrap(), name: "Shop".into(), imap_url: None },
        )
        .await
        .unwrap();
        mailboxes::add(
            &t.db,
            &mailboxes::NewMailbox { address: EmailAddress::parse("sales@shop.example").unwrap(), name: "Sales".into(), imap_url: None },
        )
        .await
        .unwrap();
        let ids: std::collections::HashMap<String, i64> =
            mailboxes::list(&t.db).await.unwrap().into_iter().map(|m| (m.address.to_string(), m.id)).collect();
        let to = |list: &[&str]| Envelope {
            mail_from: Some("x@example.cz".into()),
            rcpt_to: list.iter().map(|a| EmailAddress::parse(a).unwrap()).collect(),
        };
        let same = mail("Ann <ann@example.cz>", "same@mail.cz", "Twice", "", "Same bytes.");
        let cases: Vec<(Envelope, Vec<u8>, Option<&str>)> = vec![
            (to(&["help@shop.example"]), mail("a@example.cz", "1@m", "One", "", "1"), None),
            (to(&["nobody@elsewhere.example", "sales+vip@shop.example"]), mail("b@example.cz", "2@m", "Two", "", "2"), None),
            (to(&["nobody@elsewhere.example"]), mail("c@example.cz", "3@m", "Three", "", "3"), None),
            (to(&["help@shop.example"]), mail("d@example.cz", "4@m", "Four", "", "4"), Some("too large: only the headers were kept")),
            (to(&["help@shop.example"]), same.clone(), None),
            (to(&["help@shop.example"]), same.clone(), None),
        ];
        let accepted = futures::future::join_all(cases.iter().map(|(env, raw, aside)| {
            let room = room.clone();
            async move {
                match aside {
                    Some(reason) => ingest::accept_set_aside(&room, Source::Imap, env, raw.clone(), reason).await,
                    None => ingest::accept(&room, Source::Smtp, env, raw.clone()).await,
                }
                .unwrap()
                .inbound_id
            }
        }))
        .await;
        let mut conn = t.db.conn().await.unwrap();
        let mut rows = Vec::new();
        for id in &accepted {
            rows.push(podpora_store::inbound::get(&mut conn, *id).await.unwrap());
        }
        let unique: std::collections::HashSet<i64> = accepted.iter().copied().collect();
        assert_eq!(unique.len(), cases.len(), "an inbound row each");
        assert_eq!(
            rows.iter().map(|r| r.mailbox_id).collect::<Vec<_>>(),
            vec![
                Some(ids["help@shop.example"]),
                Some(ids["sales@shop.example"]),
                None,
                Some(ids["help@shop.example"]),
                Some(ids["help@shop.example"]),
                Some(ids["help@shop.example"])
            ]
        );
        assert_eq!(rows[1].envelope_to, vec!["nobody@elsewhere.example", "sales+vip@shop.example"]);
        assert_eq!(rows[3].status, podpora_store::inbound::InboundStatus::SetAside);
        assert_eq!(rows[3].reason.as_deref(), Some("too large: only the headers were kept"));
        assert!(rows.iter().enumerate().all(|(i, r)| i == 3 || r.status == podpora_store::inbound::InboundStatus::Received));
        for (row, (_, raw, _)) in rows.iter().zip(&cases) {
            assert_eq!(&room.blobs.get(&podpora_store::BlobId::parse(&row.raw_blob).unwrap()).await.unwrap(), raw);
        }
        assert_eq!(rows[4].raw_blob, rows[5].raw_blob);
        drop(conn);
        t
    })
    .await;
}
