//! The command layer on both backends: rights (what an agent of one mailbox, a light agent and an
//! admin may see and do), business rules (collision check, hand-over, bulk actions, canned
//! replies), and that a change comes with its activity entry and its live event or not at all.

use podpora_commands::customers::CustomerEdit;
use podpora_commands::intake::{self, NewTicket};
use podpora_commands::messages::{self as posts, Audience, NewPost, Upload};
use podpora_commands::tickets::{self as desk, BulkAction, TicketChange};
use podpora_commands::{accounts, canned, Actor, CommandError, Thing};
use podpora_domain::access::MailboxScope;
use podpora_domain::{AgentStatus, Channel, EmailAddress, MessageKind, Priority, Role, Snooze, Tag, TicketNumber, TicketStatus};
use podpora_mail::testing::room;
use podpora_mail::Mailroom;
use podpora_store::events::Event;
use podpora_store::testing::{for_each_backend, TestDb};
use podpora_store::tickets::TicketQuery;
use podpora_store::{activity, mailboxes, users};

fn addr(s: &str) -> EmailAddress {
    EmailAddress::parse(s).unwrap()
}

/// An account of `role` that sees `mailboxes` (admins see all).
async fn actor(room: &Mailroom, email: &str, role: Role, mailboxes: &[i64]) -> Actor {
    let u = users::create(&room.db, &addr(email), email.split('@').next().unwrap(), role, "x").await.unwrap();
    users::set_mailboxes(&room.db, u.id, false, mailboxes).await.unwrap();
    Actor::of(&room.db, users::get(&room.db, u.id).await.unwrap().unwrap()).await.unwrap()
}

/// Two mailboxes, an admin, an agent of the first, a light agent of the first, and a ticket in each.
struct Desk {
    room: Mailroom,
    admin: Actor,
    ann: Actor,
    light: Actor,
    shop: i64,
    in_shop: TicketNumber,
    in_sales: TicketNumber,
}

async fn desk(t: &TestDb) -> Desk {
    let room = room(t);
    let shop = mailboxes::add(&t.db, &mailboxes::NewMailbox { address: addr("help@shop.test"), name: "Shop".into(), imap_url: None })
        .await
        .unwrap()
        .id;
    let sales = mailboxes::add(&t.db, &mailboxes::NewMailbox { address: addr("sales@shop.test"), name: "Sales".into(), imap_url: None })
        .await
        .unwrap()
        .id;
    let admin = actor(&room, "boss@shop.test", Role::Admin, &[]).await;
    let ann = actor(&room, "ann@shop.test", Role::Agent, &[shop]).await;
    let light = actor(&room, "lee@shop.test", Role::LightAgent, &[shop]).await;
    let open = |mailbox: &'static str, from: &'static str| {
        let (room, admin) = (room.clone(), admin.clone());
        async move {
            let t = NewTicket {
                from: addr(from),
                name: "Jana",
                subject: "Parcel",
                body: "Where is it?",
                mailbox: Some(addr(mailbox)),
                channel: Channel::Api,
            };
            intake::open_ticket(&room, &admin, &t).await.unwrap()
        }
    };
    let in_shop = open("help@shop.test", "jana@customer.test").await;
    let in_sales = open("sales@shop.test", "petr@customer.test").await;
    let _ = sales;
    Desk { room, admin, ann, light, shop, in_shop, in_sales }
}

fn note(body: &str) -> NewPost<'_> {
    NewPost { kind: MessageKind::Note, body, audience: Audience::AllBut(vec![]), cc: vec![], bcc: vec![], files: vec![], seen: None }
}

fn reply(body: &str, seen: Option<i64>) -> NewPost<'_> {
    NewPost { kind: MessageKind::Message, body, seen, ..note(body) }
}

#[tokio::test]
async fn listings_and_tickets_never_reach_past_the_actors_rights() {
    for_each_backend(|t| async move {
        let d = desk(&t).await;
        // Whatever scope a caller asks for, the listing is narrowed to the actor's rights.
        let everything = TicketQuery::new(MailboxScope::All);
        let (seen, _) = desk::list(&d.room, &d.ann, everything.clone()).await.unwrap();
        assert_eq!(seen.iter().map(|s| s.ticket.number).collect::<Vec<_>>(), vec![d.in_shop]);
        assert_eq!(desk::count(&d.room, &d.ann, everything.clone(), 100).await.unwrap(), 1);
        let (all, _) = desk::list(&d.room, &d.admin, everything).await.unwrap();
        assert_eq!(all.len(), 2);
        // Another mailbox's ticket is "not found", as a number that does not exist.
        for n in [d.in_sales, TicketNumber::new(999).unwrap()] {
            assert!(matches!(desk::open(&d.room, &d.ann, n).await, Err(CommandError::NotFound(Thing::Ticket))));
            assert!(matches!(desk::view(&d.room, &d.ann, n).await, Err(CommandError::NotFound(Thing::Ticket))));
            assert!(matches!(posts::post(&d.room, &d.ann, n, note("hi")).await, Err(CommandError::NotFound(Thing::Ticket))));
            let change = TicketChange { priority: Some(Priority::High), ..Default::default() };
            assert!(matches!(desk::update(&d.room, &d.ann, n, &change).await, Err(CommandError::NotFound(Thing::Ticket))));
        }
        assert!(matches!(desk::merge(&d.room, &d.ann, d.in_shop, d.in_sales).await, Err(CommandError::NotFound(_))));
        // A message or attachment of a ticket outside the rights is "not found" too.
        let sales_msg = desk::view(&d.room, &d.admin, d.in_sales).await.unwrap().messages[0].id;
        assert!(matches!(posts::get(&d.room, &d.ann, sales_msg).await, Err(CommandError::NotFound(Thing::Message))));
        assert_eq!(posts::get(&d.room, &d.admin, sales_msg).await.unwrap().1.number, d.in_sales);
        // A ticket opened in a mailbox the actor may not see is refused.
        let stray = NewTicket {
            from: addr("x@y.test"),
            name: "",
            subject: "s",
            body: "b",
            mailbox: Some(addr("sales@shop.test")),
            channel: Channel::Api,
        };
        assert!(matches!(intake::open_ticket(&d.room, &d.ann, &stray).await, Err(CommandError::NotFound(Thing::Mailbox))));
        t
    })
    .await;
}

#[tokio::test]
async fn light_agents_add_notes_but_never_write_to_customers_or_change_status() {
    for_each_backend(|t| async move {
        let d = desk(&t).await;
        let n = d.in_shop;
        assert!(matches!(posts::post(&d.room, &d.light, n, reply("Hello", None)).await, Err(CommandError::Forbidden(r)) if r.key == "reply-light-agent"));
        posts::post(&d.room, &d.light, n, note("Checked the warehouse")).await.unwrap();
        let solve = TicketChange { status: Some(TicketStatus::Solved), ..Default::default() };
        assert!(matches!(desk::update(&d.room, &d.light, n, &solve).await, Err(CommandError::Forbidden(_))));
        assert!(matches!(desk::snooze(&d.room, &d.light, n, Snooze::Hour).await, Err(CommandError::Forbidden(_))));
        assert!(matches!(desk::merge(&d.room, &d.light, n, n).await, Err(CommandError::Forbidden(_))));
        // Naming the status the ticket has is no change; tags and priority are theirs to set.
        let same = desk::open(&d.room, &d.light, n).await.unwrap().status;
        let change = TicketChange { status: Some(same), tags: Some(vec![Tag::parse("Warehouse").unwrap()]), priority: Some(Priority::High), ..Default::default() };
        let after = desk::update(&d.room, &d.light, n, &change).await.unwrap();
        assert_eq!((after.status, after.priority), (same, Priority::High));
        let view = desk::view(&d.room, &d.ann, n).await.unwrap();
        assert_eq!(view.tags, ["warehouse"]);
        assert_eq!(view.messages.iter().filter(|m| m.kind == MessageKind::Note).count(), 1);
        t
    })
    .await;
}

/// Waits for the next event about ticket `n` (PostgreSQL delivers through LISTEN).
async fn next_event(rx: &mut tokio::sync::broadcast::Receiver<Event>, n: TicketNumber) -> Option<Event> {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Ok(e @ Event::Ticket { number, .. })) if number == n.get() => return Some(e),
            Ok(Ok(_)) => continue,
            _ => return None,
        }
    }
}

#[tokio::test]
async fn a_change_comes_with_its_activity_entry_and_live_event_or_not_at_all() {
    for_each_backend(|t| async move {
        if let Some(url) = &t.url {
            t.db.listen_events(url).await.unwrap();
        }
        let d = desk(&t).await;
        let mut rx = t.db.events().subscribe();
        let n = d.in_shop;
        // A refused change writes nothing and announces nothing.
        let stranger = actor(&d.room, "sam@shop.test", Role::Agent, &[]).await;
        let to_stranger = TicketChange { assignee: Some(Some(stranger.id())), priority: Some(Priority::Urgent), ..Default::default() };
        let refused = desk::update(&d.room, &d.ann, n, &to_stranger).await;
        assert!(matches!(refused, Err(CommandError::Invalid(r)) if r.key == "error-agent-no-access"), "an assignee must see the ticket");
        let ticket = desk::open(&d.room, &d.ann, n).await.unwrap();
        assert_eq!((ticket.assignee_id, ticket.priority), (None, Priority::Normal), "a refused change left a trace");
        // A change: the ticket, its log and one event, from the actor.
        let change = TicketChange { assignee: Some(Some(d.ann.id())), priority: Some(Priority::Urgent), ..Default::default() };
        desk::update(&d.room, &d.ann, n, &change).await.unwrap();
        // (The PostgreSQL listener may start after the first events; what it hears is this change.)
        let heard = next_event(&mut rx, n).await.expect("the change was announced");
        assert_eq!(heard, Event::Ticket { number: n.get(), mailbox_id: Some(d.shop), by_user: Some(d.ann.id()) });
        let ticket = desk::open(&d.room, &d.ann, n).await.unwrap();
        assert_eq!((ticket.assignee_id, ticket.priority), (Some(d.ann.id()), Priority::Urgent));
        let log = activity::for_ticket(&mut t.db.conn().await.unwrap(), ticket.id).await.unwrap();
        let mine: Vec<_> = log.iter().filter(|a| a.user_id == Some(d.ann.id())).map(|a| a.action.as_str()).collect();
        assert_eq!(mine, ["assign", "priority"]);
        // The customer panel is a change of the ticket's customer, logged on the ticket.
        let edit = CustomerEdit { name: "Jana Dvořáková".into(), language: Some(podpora_domain::Lang::Cs), ..Default::default() };
        podpora_commands::customers::edit(&d.room, &d.ann, n, &edit).await.unwrap();
        assert!(next_event(&mut rx, n).await.is_some());
        let view = desk::view(&d.room, &d.ann, n).await.unwrap();
        assert_eq!(view.customer.unwrap().language.as_deref(), Some("cs"));
        let too_long = CustomerEdit { notes: "x".repeat(5001), ..Default::default() };
        assert!(matches!(podpora_commands::customers::edit(&d.room, &d.ann, n, &too_long).await, Err(CommandError::Invalid(r)) if r.key == "error-too-long"));
        t
    })
    .await;
}

#[tokio::test]
async fn a_reply_after_a_colleagues_is_held_back_until_confirmed() {
    for_each_backend(|t| async move {
        let d = desk(&t).await;
        let n = d.in_shop;
        let seen = desk::view(&d.room, &d.ann, n).await.unwrap().messages.last().unwrap().id;
        // The admin answers first; Ann's reply, written while looking at the older state, waits.
        posts::post(&d.room, &d.admin, n, reply("On its way.", Some(seen))).await.unwrap();
        match posts::post(&d.room, &d.ann, n, reply("Shipped today.", Some(seen))).await {
            Err(CommandError::Collision { name }) => assert_eq!(name, "boss"),
            other => panic!("not held back: {other:?}"),
        }
        // An internal note is never held back; "send anyway" sends.
        posts::post(&d.room, &d.ann, n, note("Both of us answered")).await.unwrap();
        let posted = posts::post(&d.room, &d.ann, n, reply("Shipped today.", None)).await.unwrap();
        assert!(posted.outbox_id.is_some(), "a reply is queued for delivery");
        let view = desk::view(&d.room, &d.ann, n).await.unwrap();
        assert_eq!(view.messages.iter().filter(|m| m.kind == MessageKind::Message && m.author_user_id.is_some()).count(), 2);
        assert_eq!(view.ticket.status, TicketStatus::Open, "the first answer opens a new ticket");
        // Leaving everybody out of a reply is refused; so is an empty one.
        let nobody = NewPost { audience: Audience::Only(vec![]), ..reply("Anyone?", None) };
        assert!(matches!(posts::post(&d.room, &d.ann, n, nobody).await, Err(CommandError::Invalid(_))));
        assert!(
            matches!(posts::post(&d.room, &d.ann, n, reply("  ", None)).await, Err(CommandError::Invalid(r)) if r.key == "reply-empty")
        );
        t
    })
    .await;
}

#[test]
fn uploads_have_one_rule_for_every_edge() {
    let file = |name: &str, ct: Option<&str>, len: usize| Upload {
        filename: name.into(),
        content_type: ct.map(str::to_string),
        bytes: vec![b'x'; len],
    };
    let ok = posts::files(vec![file("faktura.pdf", Some("Application/PDF"), 10), file("a.bin", None, 1)]).unwrap();
    assert_eq!((ok[0].content_type.as_str(), ok[1].content_type.as_str()), ("application/pdf", "application/octet-stream"));
    assert!(matches!(posts::files(vec![file("", None, 1)]), Err(CommandError::Invalid(r)) if r.key == "error-file-name"));
    assert!(
        matches!(posts::files(vec![file("a", Some("text/html; x=\"<\""), 1)]), Err(CommandError::Invalid(r)) if r.key == "error-content-type")
    );
    let big = posts::files(vec![file("a", None, posts::MAX_FILES_BYTES), file("b", None, 1)]);
    assert!(matches!(big, Err(CommandError::Invalid(r)) if r.key == "error-attachments-size"));
}

#[tokio::test]
async fn hand_over_bulk_and_canned_replies_follow_the_same_rules() {
    for_each_backend(|t| async move {
        let d = desk(&t).await;
        let n = d.in_shop;
        let bob = actor(&d.room, "bob@shop.test", Role::Agent, &[d.shop]).await;
        let sam = actor(&d.room, "sam@shop.test", Role::Agent, &[]).await;
        // To someone who cannot see the ticket: refused, and nothing of it written.
        let before = desk::view(&d.room, &d.ann, n).await.unwrap();
        assert!(matches!(desk::hand_over(&d.room, &d.ann, n, sam.id(), "yours").await, Err(CommandError::Invalid(_))));
        assert!(matches!(desk::hand_over(&d.room, &d.ann, n, bob.id(), "  ").await, Err(CommandError::Invalid(r)) if r.key == "reply-empty"));
        let unchanged = desk::view(&d.room, &d.ann, n).await.unwrap();
        assert_eq!((unchanged.ticket.assignee_id, unchanged.messages.len(), unchanged.activity.len()), (None, before.messages.len(), before.activity.len()));
        desk::hand_over(&d.room, &d.ann, n, bob.id(), "The customer wants a refund").await.unwrap();
        let after = desk::view(&d.room, &d.ann, n).await.unwrap();
        assert_eq!(after.ticket.assignee_id, Some(bob.id()));
        assert_eq!(after.messages.last().map(|m| (m.kind, m.body_text.as_str())), Some((MessageKind::Note, "@bob@shop.test The customer wants a refund")));
        assert!(after.activity.iter().any(|a| a.action == "handover" && a.detail.starts_with(&bob.id().to_string())));
        assert_eq!(podpora_store::notifications::unread(&t.db, bob.id()).await.unwrap().len(), 1);

        // Bulk: tickets outside the rights are skipped like missing ones.
        let second = {
            let t = NewTicket { from: addr("eva@customer.test"), name: "Eva", subject: "Refund", body: "Please", mailbox: None, channel: Channel::Web };
            intake::open_ticket(&d.room, &d.ann, &t).await.unwrap()
        };
        let tags = BulkAction::AddTags(vec![Tag::parse("refund").unwrap()]);
        let out = desk::bulk(&d.room, &d.ann, &[n, second, d.in_sales], &tags).await.unwrap();
        assert_eq!(out.changed, 2);
        assert_eq!(desk::view(&d.room, &d.admin, d.in_sales).await.unwrap().tags, Vec::<String>::new());
        assert!(matches!(desk::bulk(&d.room, &d.light, &[n, second], &BulkAction::Close).await, Err(CommandError::Forbidden(_))));
        assert!(matches!(desk::bulk(&d.room, &d.ann, &[n, d.in_sales], &BulkAction::Merge).await, Err(CommandError::Invalid(r)) if r.key == "bulk-merge-needs-two"));
        let merged = desk::bulk(&d.room, &d.ann, &[second, n], &BulkAction::Merge).await.unwrap();
        assert_eq!(merged.merged_into, Some(n.min(second)));
        let closed = desk::open(&d.room, &d.ann, n.max(second)).await.unwrap();
        assert_eq!((closed.status, closed.related_number), (TicketStatus::Closed, Some(n.min(second).get())));

        // Canned replies: personal ones are their owner's, shared ones are written by admins.
        let mine = canned::add(&d.room, &d.ann, "Refund", "Dear {{customer_first_name}}, ticket {{ticket_number}}.", false).await.unwrap();
        assert!(matches!(canned::add(&d.room, &d.ann, "Shared", "Hi", true).await, Err(CommandError::Forbidden(_))));
        assert!(matches!(canned::add(&d.room, &d.ann, "Bad", "{{password}}", false).await, Err(CommandError::Invalid(_))));
        let text = canned::text_for(&d.room, &d.ann, n, mine).await.unwrap();
        assert_eq!(text, format!("Dear Jana, ticket {n}."));
        assert!(matches!(canned::text_for(&d.room, &bob, n, mine).await, Err(CommandError::NotFound(Thing::CannedReply))));
        assert!(matches!(canned::delete(&d.room, &bob, mine).await, Err(CommandError::NotFound(_))));
        canned::delete(&d.room, &d.ann, mine).await.unwrap();
        assert!(canned::list(&d.room, &d.ann).await.unwrap().is_empty());
        t
    })
    .await;
}

/// A small new action through one command (the UI's account page and the API only wire it): an
/// agent sets their own availability, an admin anyone's, nobody else's.
#[tokio::test]
async fn agents_set_their_own_availability_and_admins_anyones() {
    for_each_backend(|t| async move {
        let d = desk(&t).await;
        let (ann, light) = (d.ann.user().email.clone(), d.light.user().email.clone());
        assert_eq!(d.ann.user().status, AgentStatus::Online, "everyone starts online");
        assert_eq!(accounts::set_status(&d.room, &d.ann, &ann, AgentStatus::Away).await.unwrap().status, AgentStatus::Away);
        assert!(matches!(accounts::set_status(&d.room, &d.ann, &light, AgentStatus::Off).await, Err(CommandError::Forbidden(_))));
        accounts::set_status(&d.room, &d.admin, &light, AgentStatus::Off).await.unwrap();
        let missing = EmailAddress::parse("nobody@shop.test").unwrap();
        assert!(matches!(
            accounts::set_status(&d.room, &d.admin, &missing, AgentStatus::Off).await,
            Err(CommandError::NotFound(Thing::Agent))
        ));
        let stored: Vec<(String, AgentStatus)> = users::list(&t.db)
            .await
            .unwrap()
            .into_iter()
            .map(|u| (u.email.to_string(), u.status))
            .filter(|(e, _)| e != "boss@shop.test")
            .collect();
        assert_eq!(stored, [("ann@shop.test".to_string(), AgentStatus::Away), ("lee@shop.test".to_string(), AgentStatus::Off)]);
        t
    })
    .await;
}

/// An admin sets what routing needs to know of an agent; what was typed is checked (capacity,
/// language codes, skills, working hours in a real time zone); outside the working hours the
/// agent counts as off shift whatever they set.
#[tokio::test]
async fn agents_have_capacity_languages_skills_and_a_shift() {
    for_each_backend(|t| async move {
        let d = desk(&t).await;
        let ann = d.ann.user().email.clone();
        let admin = d.admin.admin().unwrap();
        let change = |capacity: i64, languages: &str, hours: &str, zone: &str| accounts::ProfileChange {
            capacity,
            languages: languages.into(),
            skills: "Returns, b2b".into(),
            time_zone: zone.into(),
            working_hours: hours.into(),
        };
        let agent =
            accounts::set_profile(&d.room, &admin, &ann, &change(8, "CS, sk", "mon-fri 09:00-17:00", "Europe/Prague")).await.unwrap();
        assert_eq!((agent.profile.capacity, agent.profile.languages.clone()), (8, vec!["cs".to_string(), "sk".to_string()]));
        assert_eq!(agent.profile.skills, ["returns", "b2b"]);
        let stored = users::find_by_email(&t.db, &ann).await.unwrap().unwrap();
        assert_eq!(stored.profile, agent.profile);
        // Monday 23 November 2026 at 10:00 and at 20:00 in Prague: on shift, then off.
        let (ten, eight_pm) = (1_795_424_400_000, 1_795_460_400_000);
        assert_eq!(accounts::availability(&stored, ten), AgentStatus::Online);
        assert_eq!(accounts::availability(&stored, eight_pm), AgentStatus::Off);
        // Refused: each with its reason, nothing stored.
        for (bad, key) in [
            (change(-1, "cs", "", ""), Some("error-capacity")),
            (change(5, "czech", "", ""), Some("error-language-code")),
            (change(5, "cs", "weekdays 9-5", "Europe/Prague"), None),
            (change(5, "cs", "mon 09:00-17:00", "Europe/Brno"), None),
        ] {
            match accounts::set_profile(&d.room, &admin, &ann, &bad).await {
                Err(CommandError::Invalid(r)) => {
                    if let Some(key) = key {
                        assert_eq!(r.key, key);
                    }
                }
                other => panic!("{bad:?} was not refused: {other:?}"),
            }
        }
        assert_eq!(users::find_by_email(&t.db, &ann).await.unwrap().unwrap().profile, agent.profile);
        // Without working hours the agent's own status alone counts.
        let agent = accounts::set_profile(&d.room, &admin, &ann, &change(3, "", "", "")).await.unwrap();
        assert_eq!(accounts::availability(&agent, eight_pm), AgentStatus::Online);
        // Only admins get to do this (the `Admin` proof).
        assert!(d.ann.admin().is_err());
        // A team's lead is one of its members (made one if not).
        let team = podpora_commands::admin::add_team(&d.room, &admin, "Returns").await.unwrap();
        podpora_commands::admin::set_team_members(&d.room, &admin, team, &[], Some(agent.id)).await.unwrap();
        let teams = podpora_store::teams::list(&t.db).await.unwrap();
        let returns = teams.iter().find(|x| x.id == team).unwrap();
        assert_eq!((returns.lead, returns.members.clone()), (Some(agent.id), vec![agent.id]));
        t
    })
    .await;
}
