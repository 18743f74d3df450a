//! Sending acknowledgements in a group, on both backends: the outcome of every mail is recorded
//! and the jobs of finished mail are gone in the same step; a temporary failure leaves its job
//! for a retry, and at the last attempt it becomes final and its job goes too.

use podpora_domain::EmailAddress;
use podpora_mail::ingest::{self, Envelope, Source};
use podpora_mail::outbound::{self, SendError, SendItem, Transport, JOB_SEND, MAX_ATTEMPTS};
use podpora_mail::Mailroom;
use podpora_store::testing::for_each_backend;
use podpora_store::{jobs, mailboxes, outbox};

mod common;
use common::room;

async fn claim_sends(room: &Mailroom) -> Vec<SendItem> {
    jobs::claim(&room.db, "test-worker", 32, 60_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|j| j.kind == JOB_SEND)
        .map(|j| SendItem { outbox_id: j.payload.parse().unwrap(), attempt: j.attempts, job: Some(j.id) })
        .collect()
}

#[tokio::test]
async fn outcomes_and_jobs_are_settled_together() {
    for_each_backend(|t| async move {
        let room = room(&t);
        mailboxes::add(&room.db, &mailboxes::NewMailbox { address: EmailAddress::parse("help@shop.example").unwrap(), name: "Shop".into(), imap_url: None }).await.unwrap();
        let env = Envelope { mail_from: None, rcpt_to: vec![EmailAddress::parse("help@shop.example").unwrap()] };
        for i in 0..3 {
            let raw = format!("From: c{i}@example.cz\r\nTo: help@shop.example\r\nSubject: Order {i}\r\nMessage-ID: <o{i}@example.cz>\r\n\r\nWhere is it?\r\n");
            let id = ingest::accept(&room, Source::Smtp, &env, raw.into_bytes()).await.unwrap().inbound_id;
            ingest::process(&room, id).await.unwrap();
        }
        assert_eq!(jobs::pending(&room.db).await.unwrap(), 3, "an acknowledgement to send per new ticket");

        // The relay is down: every mail stays queued with the reason, every job stays for a retry.
        let closed = podpora_store::testing::free_port();
        let down = Transport::new(Some(&format!("smtp://127.0.0.1:{closed}")), Default::default(), t.dir.path()).unwrap();
        let items = claim_sends(&room).await;
        assert_eq!(items.len(), 3);
        let results = outbound::send_many(&room, &down, &items).await;
        assert!(results.iter().all(|r| matches!(r, Err(SendError::Temporary(_)))), "{results:?}");
        assert_eq!(jobs::pending(&room.db).await.unwrap(), 3);
        let mails = outbox::get_many(&room.db, &items.iter().map(|i| i.outbox_id).collect::<Vec<_>>()).await.unwrap();
        assert!(mails.values().all(|o| o.status == podpora_domain::Delivery::Queued && o.last_error.is_some()));

        // At the last attempt the failure is final: the mail is failed and its job is gone.
        let last = SendItem { attempt: MAX_ATTEMPTS, ..items[0] };
        assert!(matches!(outbound::send_many(&room, &down, &[last]).await[0], Err(SendError::Permanent(_))));
        assert_eq!(outbox::get_many(&room.db, &[last.outbox_id]).await.unwrap()[&last.outbox_id].status, podpora_domain::Delivery::Failed);
        assert_eq!(jobs::pending(&room.db).await.unwrap(), 2);

        // Written out as .eml files: sent, and the jobs are gone with the recorded outcome.
        let files = Transport::new(None, Default::default(), t.dir.path()).unwrap();
        let rest = &items[1..];
        assert!(outbound::send_many(&room, &files, rest).await.iter().all(Result::is_ok));
        assert_eq!(jobs::pending(&room.db).await.unwrap(), 0);
        let mails = outbox::get_many(&room.db, &rest.iter().map(|i| i.outbox_id).collect::<Vec<_>>()).await.unwrap();
        assert!(mails.values().all(|o| o.status == podpora_domain::Delivery::Sent));
        let written = std::fs::read_dir(t.dir.path().join("outbox")).unwrap().filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "eml")).count();
        assert_eq!(written, 2);

        // Sending again (a job that ran twice) does not send twice.
        assert!(outbound::send_many(&room, &files, rest).await.iter().all(Result::is_ok));
        let again = std::fs::read_dir(t.dir.path().join("outbox")).unwrap().filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "eml")).count();
        assert_eq!(again, 2);
        t
    })
    .await;
}
