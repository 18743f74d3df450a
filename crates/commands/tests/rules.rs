//! Rules on both backends: a rule on created tickets tags, prioritises and gives a ticket to a
//! team whose policy then assigns it, in one routing decision; rules run in order and a stop
//! ends the pass; what rules change does not start them again; scheduled rules remind a quiet
//! customer and close the ticket later, once each; a dry run lists what a rule would touch and
//! writes nothing; rules that name what does not exist are refused.

use podpora_commands::admin::{self, Admin};
use podpora_commands::intake::{self, NewTicket};
use podpora_commands::routing::{self, PolicyChange, RoutingPool as Pool};
use podpora_commands::rules::{self, RuleSpec};
use podpora_commands::tickets::{self as desk, TicketChange};
use podpora_commands::{accounts, Actor, CommandError};
use podpora_domain::routing::{AssignedBy, PolicyKind};
use podpora_domain::rules::{ActionKind, ActionSpec, ConditionSpec, Field, Op, Trigger};
use podpora_domain::{AgentStatus, Channel, EmailAddress, MessageKind, Priority, Role, TicketNumber, TicketStatus};
use podpora_mail::testing::room;
use podpora_mail::Mailroom;
use podpora_store::testing::{age_ticket, for_each_backend, TestDb};
use podpora_store::tickets::Ticket;
use podpora_store::{activity, canned, mailboxes, messages, notifications, users};

const HOUR: i64 = 3_600_000;

fn addr(s: &str) -> EmailAddress {
    EmailAddress::parse(s).unwrap()
}

fn c(field: Field, op: Op, value: &str) -> ConditionSpec {
    ConditionSpec { field, op, value: value.into() }
}

fn a(action: ActionKind, value: &str) -> ActionSpec {
    ActionSpec { action, value: value.into() }
}

fn rule(name: &str, trigger: Trigger, conditions: Vec<ConditionSpec>, actions: Vec<ActionSpec>) -> RuleSpec {
    RuleSpec { name: name.into(), trigger, enabled: true, stop: false, conditions, actions }
}

struct Desk {
    room: Mailroom,
    admin: Actor,
    agents: Vec<Actor>,
}

async fn desk(t: &TestDb) -> Desk {
    let room = room(t);
    let shop = mailboxes::add(&t.db, &mailboxes::NewMailbox { address: addr("help@shop.test"), name: "Shop".into(), imap_url: None })
        .await
        .unwrap()
        .id;
    let boss = users::create(&room.db, &addr("boss@shop.test"), "Boss", Role::Admin, "x").await.unwrap();
    let admin = Actor::of(&room.db, boss).await.unwrap();
    accounts::set_status(&room, &admin, &addr("boss@shop.test"), AgentStatus::Off).await.unwrap();
    let mut agents = Vec::new();
    for name in ["ann", "bob"] {
        let u = users::create(&room.db, &addr(&format!("{name}@shop.test")), name, Role::Agent, "x").await.unwrap();
        users::set_mailboxes(&room.db, u.id, false, &[shop]).await.unwrap();
        agents.push(Actor::of(&room.db, users::get(&room.db, u.id).await.unwrap().unwrap()).await.unwrap());
    }
    Desk { room, admin, agents }
}

impl Desk {
    async fn ticket(&self, from: &str, subject: &str, body: &str) -> TicketNumber {
        let t = NewTicket {
            from: addr(from),
            name: "Jana Nováková",
            subject,
            body,
            mailbox: Some(addr("help@shop.test")),
            channel: Channel::Web,
        };
        intake::open_ticket(&self.room, &self.admin, &t).await.unwrap()
    }

    async fn get(&self, n: TicketNumber) -> Ticket {
        desk::open(&self.room, &self.admin, n).await.unwrap()
    }

    async fn tags(&self, n: TicketNumber) -> Vec<String> {
        desk::view(&self.room, &self.admin, n).await.unwrap().tags
    }

    async fn log(&self, n: TicketNumber) -> Vec<(String, String)> {
        let t = self.get(n).await;
        let log = activity::for_ticket(&mut self.room.db.conn().await.unwrap(), t.id).await.unwrap();
        log.into_iter().map(|e| (e.action, e.detail)).collect()
    }

    async fn route(&self) -> routing::Routed {
        routing::route_due(&self.room, routing::BATCH).await.unwrap()
    }

    async fn add(&self, spec: RuleSpec) -> i64 {
        rules::create(&self.room, &Admin::command_line(), &spec).await.unwrap().id
    }
}

#[tokio::test]
async fn a_rule_on_created_tickets_tags_and_routes_to_a_team() {
    for_each_backend(|t| async move {
        let d = desk(&t).await;
        let cli = Admin::command_line();
        let b2b = admin::add_team(&d.room, &cli, "B2B").await.unwrap();
        let members = [d.agents[0].id(), d.agents[1].id()];
        admin::set_team_members(&d.room, &cli, b2b, &members, Some(members[1])).await.unwrap();
        let rr = PolicyChange {
            policy: PolicyKind::RoundRobin,
            fallback: None,
            sticky_days: None,
            by_language: None,
            reassign_off_shift: None,
            overflow_team: None,
            overflow_after: None,
        };
        routing::set_policy(&d.room, &cli, Pool::Team(b2b), &rr).await.unwrap();
        d.add(rule(
            "Firms to B2B",
            Trigger::Created,
            vec![c(Field::SenderDomain, Op::Is, "firma.cz"), c(Field::Body, Op::Contains, "faktur")],
            vec![
                a(ActionKind::AddTag, "b2b"),
                a(ActionKind::SetTeam, &b2b.to_string()),
                a(ActionKind::Notify, "team_lead"),
                a(ActionKind::Notify, "assignee"),
            ],
        ))
        .await;
        // The assignee-to-be wants no mail about their work; the lead does.
        podpora_commands::accounts::set_mail_notifications(&d.room, &d.agents[0], false).await.unwrap();
        d.add(rule("B2B is urgent", Trigger::Created, vec![c(Field::Tag, Op::Is, "b2b")], vec![a(ActionKind::SetPriority, "urgent")]))
            .await;

        let firm = d.ticket("jana@obchod.firma.cz", "Dotaz", "Kde je moje faktura?").await;
        let other = d.ticket("petr@mail.example", "Dotaz", "Kde je moje faktura?").await;
        let r = d.route().await;
        assert_eq!(
            (r.taken, r.ruled, r.assigned),
            (2, 1, 1),
            "both are looked at; the rule acts on one; the mailbox assigns nothing itself"
        );
        let got = d.get(firm).await;
        assert_eq!(d.tags(firm).await, vec!["b2b".to_string()]);
        assert_eq!((got.team_id, got.priority), (Some(b2b), Priority::Urgent));
        // The team's policy assigned it in the same decision.
        assert_eq!((got.assignee_id, got.assigned_by), (Some(members[0]), Some(AssignedBy::RoundRobin)));
        let log = d.log(firm).await;
        assert!(log.contains(&("rule".into(), "Firms to B2B".into())) && log.contains(&("rule".into(), "B2B is urgent".into())), "{log:?}");
        // The team lead and the assignee were told, by the rule, in the app; the lead by mail too.
        for who in members {
            let told = notifications::unread(&d.room.db, who).await.unwrap();
            assert_eq!(told.iter().map(|n| (n.ticket_number, n.text.as_str())).collect::<Vec<_>>(), vec![(firm.get(), "Firms to B2B")]);
        }
        let mut conn = d.room.db.conn().await.unwrap();
        assert_eq!(podpora_store::outbox::count_for_ticket(&mut conn, got.id, "notice").await.unwrap(), 1, "one mail, to the lead");
        drop(conn);
        assert!(d.tags(other).await.is_empty());
        assert_eq!(d.get(other).await.priority, Priority::Normal);
        t
    })
    .await;
}

#[tokio::test]
async fn rules_run_in_order_stop_and_never_start_themselves_again() {
    for_each_backend(|t| async move {
        let d = desk(&t).await;
        let cli = Admin::command_line();
        let ann = d.agents[0].id();
        let first = d.add(rule("tag every change", Trigger::Updated, vec![], vec![a(ActionKind::AddTag, "touched")])).await;
        let mut stop =
            rule("VIP to Ann", Trigger::Updated, vec![c(Field::Tag, Op::Is, "vip")], vec![a(ActionKind::Assign, &ann.to_string())]);
        stop.stop = true;
        let vip = d.add(stop).await;
        let after = d.add(rule("after the stop", Trigger::Updated, vec![], vec![a(ActionKind::SetPriority, "low")])).await;
        let n = d.ticket("jana@mail.example", "Hello", "Hi").await;
        assert_eq!(d.route().await.taken, 0, "no rules on created tickets, no policy: nothing to decide");

        // An agent tags it: one pass of the rules on update, in order, up to the stop.
        let change = TicketChange { tags: Some(vec![podpora_domain::Tag::parse("vip").unwrap()]), ..Default::default() };
        desk::update(&d.room, &d.admin, n, &change).await.unwrap();
        let r = d.route().await;
        assert_eq!((r.taken, r.ruled), (1, 1));
        let got = d.get(n).await;
        assert_eq!(d.tags(n).await, vec!["touched".to_string(), "vip".to_string()]);
        assert_eq!((got.assignee_id, got.assigned_by, got.priority), (Some(ann), Some(AssignedBy::Rule), Priority::Normal));
        assert_eq!(routing::assignment_text(&got, podpora_domain::Lang::En, &|_| String::new()).as_deref(), Some("rule “VIP to Ann”"));
        // What the rules changed queued nothing: no second pass.
        assert_eq!(d.route().await.taken, 0);

        // Put the last rule first: it runs before the stop now.
        rules::reorder(&d.room, &cli, &[after, first, vip]).await.unwrap();
        desk::update(&d.room, &d.admin, n, &TicketChange { status: Some(TicketStatus::Open), ..Default::default() }).await.unwrap();
        d.route().await;
        assert_eq!(d.get(n).await.priority, Priority::Low);
        // An agent's note is a change too, seen as one.
        d.add(rule(
            "notes are urgent",
            Trigger::Updated,
            vec![c(Field::Event, Op::Is, "note")],
            vec![a(ActionKind::SetPriority, "urgent")],
        ))
        .await;
        rules::reorder(&d.room, &cli, &[after, first]).await.unwrap();
        let listed: Vec<String> = rules::list(&d.room, &cli).await.unwrap().into_iter().map(|r| r.name).collect();
        assert_eq!(listed, ["after the stop", "tag every change", "VIP to Ann", "notes are urgent"]);
        rules::delete(&d.room, &cli, vip).await.unwrap();
        let note = podpora_commands::messages::NewPost {
            kind: MessageKind::Note,
            body: "checked",
            audience: podpora_commands::messages::Audience::AllBut(vec![]),
            cc: vec![],
            bcc: vec![],
            files: vec![],
            seen: None,
        };
        podpora_commands::messages::post(&d.room, &d.admin, n, note).await.unwrap();
        d.route().await;
        assert_eq!(d.get(n).await.priority, Priority::Urgent);
        t
    })
    .await;
}

#[tokio::test]
async fn scheduled_rules_remind_then_close_once_each() {
    for_each_backend(|t| async move {
        let d = desk(&t).await;
        let reminder =
            canned::create(&d.room.db, None, "Reminder", "Dear {{customer_first_name}}, do you still need help with {{ticket_number}}?")
                .await
                .unwrap();
        d.add(rule(
            "remind after 5 days",
            Trigger::Schedule,
            vec![c(Field::Status, Op::Is, "pending"), c(Field::IdleHours, Op::AtLeast, "120"), c(Field::Tag, Op::IsNot, "reminded")],
            vec![a(ActionKind::SendReply, &reminder.to_string()), a(ActionKind::AddTag, "reminded")],
        ))
        .await;
        d.add(rule(
            "close 2 days later",
            Trigger::Schedule,
            vec![c(Field::Status, Op::Is, "pending"), c(Field::Tag, Op::Is, "reminded"), c(Field::IdleHours, Op::AtLeast, "48")],
            vec![a(ActionKind::SetStatus, "closed")],
        ))
        .await;
        let quiet = d.ticket("jana@mail.example", "Return", "How do I return it?").await;
        let busy = d.ticket("petr@mail.example", "Return", "How do I return it?").await;
        for n in [quiet, busy] {
            desk::update(&d.room, &d.admin, n, &TicketChange { status: Some(TicketStatus::Pending), ..Default::default() }).await.unwrap();
        }
        assert_eq!(rules::run_scheduled(&d.room).await.unwrap(), 0, "nothing is due yet");
        let id = d.get(quiet).await.id;
        age_ticket(&d.room.db, id, 121 * HOUR).await;
        age_ticket(&d.room.db, d.get(busy).await.id, 30 * HOUR).await;
        assert_eq!(rules::run_scheduled(&d.room).await.unwrap(), 1);
        assert_eq!(d.tags(quiet).await, vec!["reminded".to_string()]);
        let sent = messages::for_ticket(&mut d.room.db.conn().await.unwrap(), id).await.unwrap();
        // (The first mail out is the acknowledgement.)
        let out = |m: &&podpora_store::messages::Message| m.kind == MessageKind::Message && m.direction == podpora_domain::Direction::Out;
        assert_eq!(sent.iter().filter(out).count(), 2);
        let reply = sent.iter().rfind(out).expect("the reminder");
        assert_eq!(reply.body_text, format!("Dear Jana, do you still need help with #{}?", quiet.get()));
        assert_eq!((reply.author_user_id, reply.from_name.as_str()), (None, "Shop"), "sent in the mailbox's name, no agent's answer");
        // Run again at once: the reminder changed the ticket, nothing is due; and it is not sent twice.
        assert_eq!(rules::run_scheduled(&d.room).await.unwrap(), 0);
        age_ticket(&d.room.db, id, 47 * HOUR).await;
        assert_eq!(rules::run_scheduled(&d.room).await.unwrap(), 0, "47 hours are not 48");
        age_ticket(&d.room.db, id, 2 * HOUR).await;
        assert_eq!(rules::run_scheduled(&d.room).await.unwrap(), 1);
        assert_eq!(d.get(quiet).await.status, TicketStatus::Closed);
        assert_eq!(d.get(busy).await.status, TicketStatus::Pending);
        let sent = messages::for_ticket(&mut d.room.db.conn().await.unwrap(), id).await.unwrap();
        assert_eq!(sent.iter().filter(out).count(), 2, "one reminder only");
        t
    })
    .await;
}

#[tokio::test]
async fn a_dry_run_lists_what_a_rule_would_touch_and_changes_nothing() {
    for_each_backend(|t| async move {
        let d = desk(&t).await;
        let cli = Admin::command_line();
        let mut refunds = Vec::new();
        for i in 0..5 {
            refunds.push(d.ticket(&format!("c{i}@mail.example"), "Žádost o vrácení peněz", "Prosím o refundaci").await);
        }
        d.ticket("x@mail.example", "Parcel", "Where is it?").await;
        let spec =
            rule("refunds", Trigger::Created, vec![c(Field::Subject, Op::Contains, "vraceni")], vec![a(ActionKind::SetPriority, "high")]);
        let dry = rules::dry_run(&d.room, &cli, &spec).await.unwrap();
        assert_eq!((dry.checked, dry.matched), (6, 5));
        let numbers: Vec<i64> = dry.tickets.iter().map(|m| m.number).collect();
        assert_eq!(numbers, refunds.iter().rev().map(|n| n.get()).collect::<Vec<_>>(), "newest first");
        for n in &refunds {
            assert_eq!(d.get(*n).await.priority, Priority::Normal);
        }
        assert!(rules::list(&d.room, &cli).await.unwrap().is_empty(), "a dry run saves nothing");
        t
    })
    .await;
}

#[tokio::test]
async fn rules_naming_what_does_not_exist_are_refused() {
    for_each_backend(|t| async move {
        let d = desk(&t).await;
        let cli = Admin::command_line();
        let personal = canned::create(&d.room.db, Some(d.agents[0].id()), "Mine", "Hi").await.unwrap();
        for spec in [
            rule("team", Trigger::Created, vec![], vec![a(ActionKind::SetTeam, "999")]),
            rule("agent", Trigger::Created, vec![], vec![a(ActionKind::Assign, "999")]),
            rule("mailbox", Trigger::Created, vec![c(Field::Mailbox, Op::Is, "999")], vec![a(ActionKind::AddTag, "x")]),
            rule("canned", Trigger::Created, vec![], vec![a(ActionKind::SendReply, &personal.to_string())]),
            rule("schedule without time", Trigger::Schedule, vec![c(Field::Status, Op::Is, "pending")], vec![a(ActionKind::AddTag, "x")]),
            rule("bad op", Trigger::Created, vec![c(Field::Subject, Op::AtLeast, "3")], vec![a(ActionKind::AddTag, "x")]),
        ] {
            assert!(matches!(rules::create(&d.room, &cli, &spec).await, Err(CommandError::Invalid(_))), "{}", spec.name);
        }
        assert!(matches!(rules::delete(&d.room, &cli, 999).await, Err(CommandError::NotFound(_))));
        assert!(rules::list(&d.room, &cli).await.unwrap().is_empty());
        t
    })
    .await;
}
