//! The agent UI in a real browser (headless Chromium through chromedriver): log in, see a ticket
//! that arrived by SMTP, reply, and the reply reaches the SMTP sink; hostile mail (an XSS corpus
//! in bodies, subjects, names and attachment names, in several encodings) executes nothing; two
//! agents on two instances of one PostgreSQL database see each other's presence and typing, the
//! inbox updates live, and a reply after a colleague's asks before sending. With
//! `PODPORA_SCREENSHOTS=1` the main screens are written to docs/ (committed, shown in the README).

mod common;
use common::browser::Browser;
use common::*;
use mail_parser::MimeHeaders;

const PASSWORD: &str = "correct horse battery";

/// Takes a screenshot (checked to be a PNG); writes it to `docs/` only when asked with
/// `PODPORA_SCREENSHOTS=1`, so an ordinary test run leaves the committed pictures alone.
fn screenshot_for_docs(b: &Browser, name: &str) {
    let png = b.screenshot();
    if std::env::var("PODPORA_SCREENSHOTS").is_ok_and(|v| v == "1") {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs").join(name);
        std::fs::write(&path, png).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}

fn ingest(s: &Server, raw: &str) {
    let out = s.cli(&["ingest", "--to", "help@shop.test"], raw.as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

fn ticket_number_by_subject(s: &Server, subject: &str) -> i64 {
    wait_for(30, &format!("a ticket '{subject}'"), || {
        let (_, v) = s.get("/api/v1/tickets?limit=200&sort=newest");
        v["tickets"].as_array()?.iter().find(|t| t["subject"].as_str() == Some(subject)).and_then(|t| t["number"].as_i64())
    })
}

/// Whether anything from the corpus ran: a flag on the page or in any frame, or an alert.
fn pwned(b: &Browser) -> bool {
    let flag = b.js("return !!(window.__pwned || Array.from(document.querySelectorAll('iframe')).some(function(f){ try { return !!f.contentWindow.__pwned } catch(e) { return false } }))");
    flag.as_bool().unwrap_or(true)
}

#[test]
fn agent_replies_in_a_real_browser_and_hostile_mail_runs_nothing() {
    let sink = Sink::start();
    let s = Server::start(Backend::Sqlite, ServerOptions { relay: Some(sink.url()), ..Default::default() });
    let out = s.cli(&["mailbox", "add", "--address", "help@shop.test", "--name", "Shop Support"], b"");
    assert!(out.status.success());
    s.swaks("jana@customer.test", "help@shop.test", "From: Jana Dvořáková <jana@customer.test>\r\nTo: help@shop.test\r\nSubject: Reklamace objednávky 4471\r\nMessage-ID: <order-4471@customer.test>\r\n\r\nDobrý den,\r\nbalík dorazil poškozený. Co s tím?\r\n\r\nJana\r\n");
    let n = ticket_number_by_subject(&s, "Reklamace objednávky 4471");

    let b = Browser::start();
    b.goto(&format!("{}/inbox", s.http));
    assert!(b.url().contains("/login"), "the inbox needs a login");
    b.login(&s.http, "admin@shop.test", PASSWORD);
    b.wait_find(&format!("tr.ticket[data-number='{n}']"));
    assert!(b.text(".tickets").contains("Reklamace objednávky 4471"));
    screenshot_for_docs(&b, "inbox.png");

    // A shared canned reply with variables, written in the UI.
    b.goto(&format!("{}/canned", s.http));
    b.type_into("input[name=name]", "Damaged parcel");
    b.type_into("textarea[name=body]", "Dobrý den {{customer_first_name}}, k tiketu {{ticket_number}}: ");
    b.click("input[name=shared]");
    b.click("form[action='/canned'] button[type=submit]");
    wait_for(20, "the saved canned reply", || b.text("main").contains("Damaged parcel").then_some(()));
    b.goto(&format!("{}/inbox", s.http));
    b.wait_find("tr.ticket");

    // Keyboard: j selects the first row, Enter opens it.
    b.js("document.activeElement && document.activeElement.blur()");
    b.js("document.dispatchEvent(new KeyboardEvent('keydown', {key: 'j'}))");
    b.js("document.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter'}))");
    wait_for(20, "the ticket page", || b.url().contains(&format!("/t/{n}")).then_some(()));
    assert!(b.text("article.message.in").contains("balík dorazil poškozený"));

    // The canned reply is found by typing its name and lands in the reply box filled in.
    b.type_into("input[data-canned]", "Damaged parcel");
    b.js("document.querySelector('input[data-canned]').dispatchEvent(new Event('change'))");
    let expected = format!("Dobrý den Jana, k tiketu #{n}: ");
    wait_for(20, "the canned reply in the reply box", || {
        (b.js("return document.querySelector('form.reply textarea').value").as_str() == Some(expected.as_str())).then_some(())
    });
    b.type_into("form.reply textarea", "posíláme náhradu ještě dnes.");
    // An attachment, a Cc and a Bcc.
    let upload = s.dir.path().join("štítek k vrácení.pdf");
    std::fs::write(&upload, b"%PDF-1.4 return label").unwrap();
    b.type_into("input[name=file]", &upload.display().to_string());
    b.type_into("input[name=cc]", "manager@customer.test");
    b.type_into("input[name=bcc]", "archive@shop.test");
    b.js("window.scrollTo(0, 0)");
    screenshot_for_docs(&b, "ticket.png");
    b.click("form.reply button[type=submit]");
    wait_for(20, "the reply notice", || b.text(".notice").contains("Reply queued").then_some(()));
    let raw = sink.wait_message("the agent's reply", |m| {
        m.subject().is_some_and(|s| s.contains(&format!("[#{n}]"))) && m.body_text(0).is_some_and(|t| t.contains("posíláme náhradu"))
    });
    let m = parse(&raw);
    assert_eq!(m.in_reply_to().as_text(), Some("order-4471@customer.test"));
    assert!(m.cc().and_then(|a| a.first()).and_then(|a| a.address()).is_some_and(|a| a == "manager@customer.test"), "Cc");
    assert!(m.header("Bcc").is_none(), "a Bcc never shows in the headers");
    assert!(
        m.attachments().any(|a| a.attachment_name() == Some("štítek k vrácení.pdf") && a.contents() == b"%PDF-1.4 return label"),
        "the attachment"
    );
    assert!(m.to().and_then(|a| a.first()).and_then(|a| a.address()).is_some_and(|a| a == "jana@customer.test"));

    // An internal note with an @mention, then the activity log shows who did what.
    b.click("input[name=kind][value=note]");
    b.type_into("form.reply textarea", "@admin please check the courier");
    b.click("form.reply button[type=submit]");
    wait_for(20, "the note notice", || b.text(".notice").contains("Note added").then_some(()));
    assert!(b.text("article.message.note").contains("please check the courier"));
    assert!(b.text(".activity").contains("replied to the customer"));

    // The XSS corpus: bodies, subjects, sender names and attachment names.
    let corpus: Vec<(&str, String)> = vec![
        ("script", html_mail("X1 script", "<p>hi</p><script>top.__pwned=1</script><img src=x onerror=\"top.__pwned=1\">")),
        ("svg", html_mail("X2 svg", "<svg onload=\"top.__pwned=1\"><script>top.__pwned=1</script></svg><math><mtext><table><mglyph><style><img src=x onerror=top.__pwned=1>")),
        ("urls", html_mail("X3 urls", "<a id=j href=\"javascript:top.__pwned=1\">click</a><a href=\"JaVaScRiPt:top.__pwned=1\">2</a><form action=\"javascript:top.__pwned=1\"><button>go</button></form><object data=\"javascript:top.__pwned=1\"></object><embed src=\"javascript:top.__pwned=1\"><base href=\"javascript:/\"><meta http-equiv=\"refresh\" content=\"0;url=javascript:top.__pwned=1\">")),
        ("css", html_mail("X4 css", "<div style=\"background:url(javascript:top.__pwned=1);width:expression(top.__pwned=1)\">css</div><style>@import 'javascript:top.__pwned=1'; body{background:url(javascript:top.__pwned=1)}</style><iframe srcdoc=\"<script>top.__pwned=1</script>\"></iframe>")),
        ("encodings", "From: x@evil.test\r\nTo: help@shop.test\r\nSubject: X5 encodings\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/html; charset=utf-7\r\n\r\n+ADw-script+AD4-top.__pwned=1+ADw-/script+AD4-\r\n--b\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\nPHNjcmlwdD50b3AuX19wd25lZD0xPC9zY3JpcHQ+PGltZyBzcmM9eCBvbmVycm9yPXRvcC5fX3B3bmVkPTE+\r\n--b--\r\n".to_string()),
        ("qp-and-names", "From: \"<script>top.__pwned=1</script>\" <y@evil.test>\r\nTo: help@shop.test\r\nSubject: <img src=x onerror=top.__pwned=1> X6\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=3Cscript=3Etop.__pwned=3D1=3C/script=3E=3Cimg src=3Dx onerror=3Dtop.__pwned=3D1=3E\r\n--b\r\nContent-Type: text/html; name=\"\\\"><img src=x onerror=top.__pwned=1>.html\"\r\nContent-Disposition: attachment; filename=\"\\\"><img src=x onerror=top.__pwned=1>.html\"\r\n\r\n<script>top.__pwned=1</script>\r\n--b\r\nContent-Type: image/svg+xml; name=logo.svg\r\nContent-Disposition: inline; filename=logo.svg\r\nContent-ID: <logo@evil>\r\n\r\n<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"top.__pwned=1\"><script>top.__pwned=1</script></svg>\r\n--b--\r\n".to_string()),
        ("plain", "From: z@evil.test\r\nTo: help@shop.test\r\nSubject: X7 plain\r\n\r\n<script>top.__pwned=1</script> \"><img src=x onerror=top.__pwned=1>\r\n".to_string()),
    ];
    for (_, raw) in &corpus {
        ingest(&s, raw);
    }
    for (name, _) in &corpus {
        let subject = match *name {
            "script" => "X1 script",
            "svg" => "X2 svg",
            "urls" => "X3 urls",
            "css" => "X4 css",
            "encodings" => "X5 encodings",
            "qp-and-names" => "<img src=x onerror=top.__pwned=1> X6",
            _ => "X7 plain",
        };
        let number = ticket_number_by_subject(&s, subject);
        b.goto(&format!("{}/t/{number}", s.http));
        b.wait_find("article.message.in");
        // Let every frame load, click every link inside the frames, open "show images".
        wait_for(20, "the mail frames to load", || {
            b.js("return Array.from(document.querySelectorAll('iframe.mail')).every(function(f){ try { return f.contentDocument && f.contentDocument.readyState === 'complete' } catch(e) { return true } })").as_bool().filter(|x| *x)
        });
        b.js("Array.from(document.querySelectorAll('iframe.mail')).forEach(function(f){ try { f.contentDocument.querySelectorAll('a, button').forEach(function(a){ a.click() }) } catch(e) {} })");
        b.js("document.querySelectorAll('[data-show-images]').forEach(function(a){ a.click() })");
        std::thread::sleep(std::time::Duration::from_millis(300)); // give anything that could run a moment to run
        assert!(!pwned(&b), "{name}: script from a customer's mail ran");
        let src = b.page_source();
        assert!(!src.contains("<script>top"), "{name}: unescaped script in the page");
        // The inbox lists the hostile subject as text.
        b.goto(&format!("{}/inbox?view=all", s.http));
        b.wait_find("tr.ticket");
        assert!(!pwned(&b), "{name}: script ran in the inbox");
    }
    b.goto(&format!("{}/t/{n}", s.http));
    b.wait_find("article.message.in");
    b.goto(&format!("{}/admin", s.http));
    b.wait_find("section.admin");
    screenshot_for_docs(&b, "admin.png");
    b.goto(&format!("{}/admin/mailboxes", s.http));
    b.wait_find("article.mailbox form.settings");
    screenshot_for_docs(&b, "admin-mailboxes.png");
}

fn html_mail(subject: &str, html: &str) -> String {
    format!("From: attacker@evil.test\r\nTo: help@shop.test\r\nSubject: {subject}\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n")
}

#[test]
fn two_agents_on_two_instances_see_each_other_live() {
    let sink = Sink::start();
    let s = Server::start(Backend::Postgres, ServerOptions { relay: Some(sink.url()), ..Default::default() });
    assert!(s.cli(&["mailbox", "add", "--address", "help@shop.test", "--name", "Shop Support"], b"").status.success());
    let out = s.cli(&["user", "add", "--email", "bob@shop.test", "--name", "Bob Agent", "--role", "agent"], b"another good password\n");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (mut second, http2, smtp2, _dir2) = start_second_instance(&s);
    ingest(&s, "From: Petr <petr@customer.test>\r\nTo: help@shop.test\r\nSubject: Faktura chybi\r\nMessage-ID: <inv-1@customer.test>\r\n\r\nPosilate fakturu?\r\n");
    let n = ticket_number_by_subject(&s, "Faktura chybi");

    let ann = Browser::start();
    let bob = Browser::start();
    ann.login(&s.http, "admin@shop.test", PASSWORD);
    bob.login(&http2, "bob@shop.test", "another good password");
    ann.goto(&format!("{}/t/{n}", s.http));
    bob.goto(&format!("{http2}/t/{n}"));
    ann.wait_find("form.reply textarea");
    bob.wait_find("form.reply textarea");
    wait_for(30, "Ann to see Bob on the ticket", || ann.text("#presence").contains("Bob Agent").then_some(()));
    wait_for(30, "Bob to see Ann on the ticket", || bob.text("#presence").contains("Administrator").then_some(()));
    bob.type_into("form.reply textarea", "Fakturu posilam");
    wait_for(30, "Ann to see Bob typing", || ann.text("#presence").contains("typing").then_some(()));
    screenshot_for_docs(&ann, "presence.png");

    // Bob replies first; Ann, who opened the ticket earlier, is asked before her reply goes out.
    bob.click("form.reply button[type=submit]");
    wait_for(20, "Bob's reply notice", || bob.text(".notice").contains("Reply queued").then_some(()));
    ann.type_into("form.reply textarea", "Faktura je v priloze");
    ann.click("form.reply button[type=submit]");
    wait_for(20, "the collision warning", || ann.text(".warning").contains("replied to this ticket after you opened it").then_some(()));
    assert!(ann.text("article.message.out:last-of-type").contains("Fakturu posilam") || ann.page_source().contains("Fakturu posilam"));
    assert_eq!(
        ann.js("return document.querySelector('form.reply textarea').value").as_str(),
        Some("Faktura je v priloze"),
        "the draft is kept"
    );
    ann.click("form.reply button[type=submit]");
    wait_for(20, "Ann's reply after confirming", || ann.text(".notice").contains("Reply queued").then_some(()));

    // The inbox updates without a reload when mail arrives at the other instance.
    ann.goto(&format!("{}/inbox?view=all", s.http));
    ann.wait_find("tr.ticket");
    ann.js("window.__sameDocument = 1");
    let raw = "From: Eva <eva@customer.test>\r\nTo: help@shop.test\r\nSubject: Live arrival\r\n\r\nHello\r\n";
    let out = std::process::Command::new("swaks")
        .args(["--server", &format!("127.0.0.1:{smtp2}"), "--from", "eva@customer.test", "--to", "help@shop.test", "--data", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(raw.as_bytes())?;
            c.wait()
        });
    assert!(out.map(|s| s.success()).unwrap_or(false), "swaks to the second instance");
    wait_for(30, "the new ticket to appear in Ann's inbox without a reload", || {
        ann.text(".tickets").contains("Live arrival").then_some(())
    });
    assert_eq!(ann.js("return window.__sameDocument").as_i64(), Some(1), "the page was reloaded");
    let _ = second.kill();
    let _ = second.wait();
}
