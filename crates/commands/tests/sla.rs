//! SLA configuration on both backends: calendars are checked (zone, hours, holidays) and get a
//! country's public holidays ready-made; a policy's targets are business durations, one per
//! channel and priority; a mailbox's policy and calendar say when a new ticket's first answer is
//! due, across evenings, weekends and holidays; a calendar in use cannot be removed. End to end:
//! mail in, a rule tags it and gives it to a team whose policy assigns it, the inbox shows its due
//! time and sorts by it, the assignee and the lead are warned, the breach is recorded and the
//! ticket escalated to the lead once, after simulated time; the clock stops while the ticket waits
//! on the customer and runs again for their next message.

use podpora_commands::admin::Admin;
use podpora_commands::messages::{self, Audience, NewPost};
use podpora_commands::routing::{self, PolicyChange, RoutingPool as Pool};
use podpora_commands::sla::{self, CalendarChange, SlaPolicyChange, TargetSpec};
use podpora_commands::tickets::{self as desk, TicketChange};
use podpora_commands::{admin, rules, Actor, CommandError};
use podpora_domain::routing::{AssignedBy, PolicyKind};
use podpora_domain::rules::{ActionKind, ActionSpec, ConditionSpec, Field, Op, Trigger};
use podpora_domain::sla::Escalate;
use podpora_domain::{Channel, EmailAddress, MessageKind, Priority, Role, TicketStatus};
use podpora_mail::ingest::{self, Envelope, Outcome, Source};
use podpora_mail::testing::room;
use podpora_mail::Mailroom;
use podpora_store::notifications::{self, Kind};
use podpora_store::testing::{age_ticket, for_each_backend};
use podpora_store::tickets::{Sort, TicketQuery};
use podpora_store::{activity, mailboxes, users};

const MIN: i64 = 60_000;

/// A moment in Prague's local time in November or December (CET, UTC+1), as ms since the epoch.
fn prague(y: i64, m: i64, d: i64, h: i64) -> i64 {
    // Days since 1970-01-01 of a civil date (H. Hinnant's days_from_civil).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    (days * 24 + h - 1) * 3_600_000
}

/// A room with the mailbox help@shop.test and its admin.
async fn shop(t: &podpora_store::testing::TestDb) -> (Mailroom, i64, Actor) {
    let room = room(t);
    let address = EmailAddress::parse("help@shop.test").unwrap();
    let shop = mailboxes::add(&t.db, &mailboxes::NewMailbox { address, name: "Shop".into(), imap_url: None }).await.unwrap().id;
    let boss = users::create(&room.db, &EmailAddress::parse("boss@shop.test").unwrap(), "Boss", Role::Admin, "x").await.unwrap();
    let admin = Actor::of(&room.db, boss).await.unwrap();
    (room, shop, admin)
}

#[tokio::test]
async fn a_mailbox_policy_says_when_the_first_answer_is_due() {
    for_each_backend(|t| async move {
        let (room, shop, admin) = shop(&t).await;
        let cli = Admin::command_line();
        let office = |zone: &str, week: &str, holidays: &str| CalendarChange {
            name: "Office".into(),
            time_zone: zone.into(),
            week: week.into(),
            holidays: holidays.into(),
        };
        for bad in [
            office("Mars/Olympus", "mon-fri 09:00-17:00", ""),
            office("Europe/Prague", "weekdays 9-5", ""),
            office("Europe/Prague", "mon-fri 09:00-17:00", "24.12. Christmas"),
        ] {
            assert!(matches!(sla::save_calendar(&room, &cli, None, &bad).await, Err(CommandError::Invalid(_))), "{bad:?}");
        }
        let cal = sla::save_calendar(
            &room,
            &cli,
            None,
            &office("Europe/Prague", "mon-fri 09:00-17:00", "2026-11-17 Struggle for Freedom and Democracy Day"),
        )
        .await
        .unwrap();
        let cal = sla::add_public_holidays(&room, &cli, cal.id, "cz", 2026).await.unwrap();
        assert!(
            cal.holidays.contains("2026-12-24 Christmas Eve") && cal.holidays.lines().filter(|l| l.starts_with("2026-11-17")).count() == 1,
            "{}",
            cal.holidays
        );
        assert!(sla::add_public_holidays(&room, &cli, cal.id, "xx", 2026).await.is_err());

        let target = |channel, first: &str| TargetSpec { channel, first_response: Some(first.into()), ..Default::default() };
        let mut policy = SlaPolicyChange {
            name: "Standard".into(),
            calendar_id: cal.id,
            warn_before: "1h".into(),
            targets: vec![target(None, "8h"), target(Some(Channel::Chat), "1m"), target(Some(Channel::Chat), "2m")],
            mailboxes: vec![shop],
            escalate: None,
        };
        assert!(matches!(sla::save_policy(&room, &cli, None, &policy).await, Err(CommandError::Invalid(_))), "two targets for chat");
        policy.targets.pop();
        policy.targets.push(TargetSpec { priority: Some(Priority::Urgent), first_response: Some("soon".into()), ..Default::default() });
        assert!(matches!(sla::save_policy(&room, &cli, None, &policy).await, Err(CommandError::Invalid(_))), "not a duration");
        policy.targets.pop();
        let saved = sla::save_policy(&room, &cli, None, &policy).await.unwrap();
        assert_eq!((saved.warn_before.as_str(), saved.mailboxes.clone()), ("1h", vec![shop]));
        assert_eq!(sla::policies(&room, &admin).await.unwrap(), vec![saved.clone()]);

        let due = |at: i64, channel| {
            let room = room.clone();
            async move { sla::answer_by(&room, shop, channel, Priority::Normal, at).await.unwrap() }
        };
        // Monday 16:00: one business hour today, seven tomorrow.
        assert_eq!(due(prague(2026, 11, 23, 16), Channel::Email).await, Some(prague(2026, 11, 24, 16)));
        // Friday 16:00: on Monday.
        assert_eq!(due(prague(2026, 11, 27, 16), Channel::Email).await, Some(prague(2026, 11, 30, 16)));
        // Wednesday 23 December 16:00: the 24th to the 26th are holidays, the 27th a Sunday.
        assert_eq!(due(prague(2026, 12, 23, 16), Channel::Email).await, Some(prague(2026, 12, 28, 16)));
        // A chat on Monday at 10:00 is due a minute later; at night, a minute after opening.
        assert_eq!(due(prague(2026, 11, 23, 10), Channel::Chat).await, Some(prague(2026, 11, 23, 10) + 60_000));
        assert_eq!(due(prague(2026, 11, 23, 22), Channel::Chat).await, Some(prague(2026, 11, 24, 9) + 60_000));
        // The 17 November holiday is kept.
        assert_eq!(due(prague(2026, 11, 16, 16), Channel::Email).await, Some(prague(2026, 11, 18, 16)));

        assert!(matches!(sla::delete_calendar(&room, &cli, cal.id).await, Err(CommandError::Conflict(_))));
        sla::delete_policy(&room, &cli, saved.id).await.unwrap();
        assert_eq!(due(prague(2026, 11, 23, 16), Channel::Email).await, None, "no policy, no due time");
        sla::delete_calendar(&room, &cli, cal.id).await.unwrap();
        t
    })
    .await;
}

async fn mail_in(room: &Mailroom, from: &str, subject: &str, body: &str, id: &str) -> podpora_domain::TicketNumber {
    let raw = format!(
        "From: Jana <{from}>\r\nTo: help@shop.test\r\nSubject: {subject}\r\nMessage-ID: <{id}@client.test>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    );
    let env = Envelope { mail_from: Some(from.into()), rcpt_to: vec![EmailAddress::parse("help@shop.test").unwrap()] };
    let accepted = ingest::accept(room, Source::Smtp, &env, raw.into_bytes()).await.unwrap();
    match ingest::process(room, accepted.inbound_id).await.unwrap() {
        Outcome::Ticket { number, .. } => number,
        other => panic!("{other:?}"),
    }
}

fn told(list: &[notifications::Notification]) -> Vec<(Kind, &str)> {
    let mut v: Vec<(Kind, &str)> = list.iter().map(|n| (n.kind, n.text.as_str())).collect();
    v.sort_by_key(|(k, t)| (format!("{k:?}"), t.to_string()));
    v
}

#[tokio::test]
async fn tickets_are_measured_warned_breached_and_escalated() {
    for_each_backend(|t| async move {
        let (room, shop, admin) = shop(&t).await;
        let cli = Admin::command_line();
        podpora_commands::accounts::set_status(
            &room,
            &admin,
            &EmailAddress::parse("boss@shop.test").unwrap(),
            podpora_domain::AgentStatus::Off,
        )
        .await
        .unwrap();
        let mut agents = Vec::new();
        for name in ["ann", "lea"] {
            let u =
                users::create(&room.db, &EmailAddress::parse(&format!("{name}@shop.test")).unwrap(), name, Role::Agent, "x").await.unwrap();
            users::set_mailboxes(&room.db, u.id, false, &[shop]).await.unwrap();
            agents.push(Actor::of(&room.db, users::get(&room.db, u.id).await.unwrap().unwrap()).await.unwrap());
        }
        let (ann, lea) = (agents[0].id(), agents[1].id());
        // Lea leads the claims team but is away: Ann gets its tickets, Lea hears of trouble.
        let claims = admin::add_team(&room, &cli, "Claims").await.unwrap();
        admin::set_team_members(&room, &cli, claims, &[ann, lea], Some(lea)).await.unwrap();
        podpora_commands::accounts::set_status(
            &room,
            &agents[1],
            &EmailAddress::parse("lea@shop.test").unwrap(),
            podpora_domain::AgentStatus::Away,
        )
        .await
        .unwrap();
        let rr = PolicyChange {
            policy: PolicyKind::RoundRobin,
            fallback: None,
            sticky_days: None,
            by_language: None,
            reassign_off_shift: None,
            overflow_team: None,
            overflow_after: None,
        };
        routing::set_policy(&room, &cli, Pool::Team(claims), &rr).await.unwrap();
        let rule = rules::RuleSpec {
            name: "Claims".into(),
            trigger: Trigger::Created,
            enabled: true,
            stop: false,
            conditions: vec![ConditionSpec { field: Field::Body, op: Op::Contains, value: "reklamace".into() }],
            actions: vec![
                ActionSpec { action: ActionKind::AddTag, value: "claim".into() },
                ActionSpec { action: ActionKind::SetTeam, value: claims.to_string() },
            ],
        };
        rules::create(&room, &cli, &rule).await.unwrap();
        // Around the clock, so that the test means the same at any hour.
        let always = CalendarChange {
            name: "24/7".into(),
            time_zone: "Europe/Prague".into(),
            week: "mon-sun 00:00-24:00".into(),
            holidays: String::new(),
        };
        let cal = sla::save_calendar(&room, &cli, None, &always).await.unwrap();
        let policy = SlaPolicyChange {
            name: "Standard".into(),
            calendar_id: cal.id,
            warn_before: "30m".into(),
            targets: vec![TargetSpec {
                first_response: Some("1h".into()),
                next_response: Some("2h".into()),
                resolution: Some("8h".into()),
                ..Default::default()
            }],
            mailboxes: vec![shop],
            escalate: Some(Escalate::Breach),
        };
        sla::save_policy(&room, &cli, None, &policy).await.unwrap();

        // Mail in: the rule tags it and gives it to Claims, whose policy assigns it to Ann.
        let n = mail_in(&room, "jana@example.cz", "Rozbitý hrnek", "Dobrý den, reklamace: hrnek dorazil rozbitý.", "a1").await;
        let quiet = mail_in(&room, "petr@example.cz", "Dotaz", "Kdy otevíráte?", "b1").await;
        routing::route_due(&room, routing::BATCH).await.unwrap();
        let ticket = desk::open(&room, &admin, n).await.unwrap();
        assert_eq!((ticket.team_id, ticket.assignee_id), (Some(claims), Some(ann)));
        assert_eq!(desk::view(&room, &admin, n).await.unwrap().tags, vec!["claim".to_string()]);
        let looked = sla::track(&room).await.unwrap();
        assert_eq!((looked.warnings, looked.breaches), (0, 0));
        let ticket = desk::open(&room, &admin, n).await.unwrap();
        let due = ticket.sla_due_at.expect("a due time");
        assert!((due - ticket.created_at - 60 * MIN).abs() < 1000, "first response due in an hour");
        assert_eq!(ticket.sla_warn_at, Some(due - 30 * MIN));

        // The inbox shows it and sorts by it: the older quiet ticket is due later once it is younger.
        age_ticket(&room.db, ticket.id, 10 * MIN).await;
        sla::track(&room).await.unwrap();
        let mut q = TicketQuery::new(podpora_domain::access::MailboxScope::All);
        q.sort = Sort::Due;
        let (list, _) = desk::list(&room, &admin, q).await.unwrap();
        assert_eq!(list.iter().map(|s| s.ticket.number).collect::<Vec<_>>(), vec![n, quiet]);
        assert!(list[0].ticket.sla_due_at < list[1].ticket.sla_due_at);

        // Forty minutes in: Ann and Lea are warned, once.
        age_ticket(&room.db, ticket.id, 30 * MIN).await;
        assert_eq!(sla::track(&room).await.unwrap().warnings, 1);
        assert_eq!(sla::track(&room).await.unwrap().warnings, 0, "warned once");
        for who in [ann, lea] {
            assert_eq!(told(&notifications::unread(&room.db, who).await.unwrap()), vec![(Kind::SlaWarning, "first_response")]);
        }
        // Past the hour: the breach is recorded, Ann told, and the ticket escalated to Lea.
        age_ticket(&room.db, ticket.id, 25 * MIN).await;
        let r = sla::track(&room).await.unwrap();
        assert_eq!((r.breaches, r.escalated), (1, 1));
        assert_eq!(sla::track(&room).await.unwrap(), sla::Tracked { looked: 0, ..Default::default() }, "nothing happens twice");
        let ticket = desk::open(&room, &admin, n).await.unwrap();
        assert_eq!((ticket.assignee_id, ticket.assigned_by), (Some(lea), Some(AssignedBy::Escalation)));
        assert!(ticket.sla_due_at.unwrap() < podpora_store::now_ms(), "overdue");
        assert!(told(&notifications::unread(&room.db, ann).await.unwrap()).contains(&(Kind::SlaBreach, "first_response")));
        assert!(told(&notifications::unread(&room.db, lea).await.unwrap()).contains(&(Kind::Escalation, "first_response")));
        let mut conn = room.db.conn().await.unwrap();
        let events = podpora_store::sla::events_of(&mut conn, ticket.id).await.unwrap();
        assert_eq!(
            events.iter().map(|e| (e.metric.as_str(), e.kind.as_str())).collect::<Vec<_>>(),
            vec![("first_response", "warning"), ("first_response", "breach")]
        );
        let log = activity::for_ticket(&mut conn, ticket.id).await.unwrap();
        assert!(log.iter().any(|e| e.action == "sla-breach") && log.iter().any(|e| e.action == "routed" && e.detail.contains("escalated")));
        drop(conn);
        // A mail to Lea about it (Ann's too), from the mailbox.
        let mut conn = room.db.conn().await.unwrap();
        let notices = podpora_store::outbox::count_for_ticket(&mut conn, ticket.id, "notice").await.unwrap();
        assert_eq!(notices, 4, "warnings to Ann and Lea, the breach to Ann, the escalation to Lea");
        drop(conn);

        // Lea answers (late): the first response is met, the resolution (8 h) is next.
        let reply = NewPost {
            kind: MessageKind::Message,
            body: "Omlouváme se, posíláme nový.",
            audience: Audience::AllBut(vec![]),
            cc: vec![],
            bcc: vec![],
            files: vec![],
            seen: None,
        };
        messages::post(&room, &agents[1], n, reply).await.unwrap();
        sla::track(&room).await.unwrap();
        let ticket = desk::open(&room, &admin, n).await.unwrap();
        assert!(ticket.first_response_at.is_some());
        assert!((ticket.sla_due_at.unwrap() - ticket.created_at - 480 * MIN).abs() < 1000, "resolution due");
        // Waiting on the customer stops the clock; their next message starts it again.
        let pending = TicketChange { status: Some(TicketStatus::Pending), ..Default::default() };
        desk::update(&room, &agents[1], n, &pending).await.unwrap();
        sla::track(&room).await.unwrap();
        assert_eq!(desk::open(&room, &admin, n).await.unwrap().sla_due_at, None, "paused");
        let reply = format!("Re: Rozbitý hrnek [#{}]", n.get());
        let again = mail_in(&room, "jana@example.cz", &reply, "Děkuji, a kdy přijde?", "a2").await;
        assert_eq!(again, n);
        sla::track(&room).await.unwrap();
        let ticket = desk::open(&room, &admin, n).await.unwrap();
        assert_eq!(ticket.status, TicketStatus::Open);
        let next = ticket.awaiting_since.expect("waits for our answer") + 120 * MIN;
        assert!((ticket.sla_due_at.unwrap() - next).abs() < 1000, "next response due in two hours");
        t
    })
    .await;
}
