//! Attachments of received mail are kept once, inside the stored raw mail, on both backends: read
//! back with exactly the bytes the parser gave, never stored a second time, found again when the
//! recorded place is off, and refused (not made up) when the mail does not hold them.

use base64::Engine;
use podpora_domain::EmailAddress;
use podpora_mail::ingest::{self, Envelope, Outcome, Source};
use podpora_store::testing::for_each_backend;
use podpora_store::{mailboxes, messages, tickets, BlobId, StoreError};

mod common;
use common::room;

#[tokio::test]
async fn attachments_are_kept_once_inside_their_mail() {
    for_each_backend(|t| async move {
        let db = t.db.clone();
        mailboxes::add(&db, &mailboxes::NewMailbox { address: EmailAddress::parse("help@shop.example").unwrap(), name: "Shop".into(), imap_url: None }).await.unwrap();
        let room = room(&t);
        let pdf: Vec<u8> = (0..60_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        let b64 = base64::engine::general_purpose::STANDARD.encode(&pdf);
        let wrapped: Vec<&str> = b64.as_bytes().chunks(76).map(|c| std::str::from_utf8(c).unwrap()).collect();
        let raw = format!(
            "From: Jana <jana@example.cz>\r\nTo: help@shop.example\r\nSubject: Faktura\r\nMessage-ID: <att@example.cz>\r\nMIME-Version: 1.0\r\n\
             Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nFaktura v příloze.\r\n\
             --b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"faktura.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n\
             --b\r\nContent-Type: text/plain; charset=utf-8; name=poznamka.txt\r\nContent-Disposition: attachment; filename=poznamka.txt\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nP=C5=99=C3=ADli=C5=A1 =\r\nkr=C3=A1tk=C3=A1\r\n--b--\r\n",
            wrapped.join("\r\n")
        );
        let env = Envelope { mail_from: None, rcpt_to: vec![EmailAddress::parse("help@shop.example").unwrap()] };
        let id = ingest::accept(&room, Source::Smtp, &env, raw.clone().into_bytes()).await.unwrap().inbound_id;
        let Outcome::Ticket { number, .. } = ingest::process(&room, id).await.unwrap() else { panic!("not a ticket") };
        let mut conn = db.conn().await.unwrap();
        let ticket = tickets::by_number(&mut conn, number).await.unwrap().unwrap();
        let msgs = messages::for_ticket(&mut conn, ticket.id).await.unwrap();
        let atts = &msgs[0].attachments;
        assert_eq!(atts.iter().map(|a| a.filename.as_str()).collect::<Vec<_>>(), ["faktura.pdf", "poznamka.txt"]);
        let raw_blob = BlobId::of(raw.as_bytes());
        for (a, want) in atts.iter().zip([pdf.clone(), "Příliš krátká".as_bytes().to_vec()]) {
            assert_eq!(a.size, want.len() as i64);
            assert_eq!(a.blob, BlobId::of(&want).as_str());
            assert_eq!(a.in_mail.as_ref().map(|m| m.mail.as_str()), Some(raw_blob.as_str()), "{}", a.filename);
            assert_eq!(ingest::attachment_bytes(&room, a).await.unwrap(), want, "{}", a.filename);
            // Not stored a second time: only the raw mail holds the bytes.
            assert!(matches!(room.blobs.get(&BlobId::of(&want)).await, Err(StoreError::NotFound)), "{}", a.filename);
        }
        assert_eq!(room.blobs.get(&raw_blob).await.unwrap(), raw.as_bytes());

        // A recorded place that is off (another parser's numbering, other offsets) still finds the bytes.
        let mut off = atts[0].clone();
        if let Some(m) = off.in_mail.as_mut() {
            m.part = 1;
            m.start += 3;
            m.end = m.start + 10;
        }
        assert_eq!(ingest::attachment_bytes(&room, &off).await.unwrap(), pdf);
        // Bytes the mail does not hold are an error, not someone else's bytes.
        let mut forged = atts[0].clone();
        forged.blob = BlobId::of(b"something else").as_str().to_string();
        assert!(ingest::attachment_bytes(&room, &forged).await.is_err());

        // Attachments stored on their own (agents' uploads, older mail) read as before.
        let own = room.blobs.put(b"uploaded".to_vec()).await.unwrap();
        let mut uploaded = atts[1].clone();
        uploaded.blob = own.as_str().to_string();
        uploaded.in_mail = None;
        assert_eq!(ingest::attachment_bytes(&room, &uploaded).await.unwrap(), b"uploaded");
        t
    })
    .await;
}
