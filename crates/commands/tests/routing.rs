//! Routing on both backends: each policy assigns as it says and records why; nobody available
//! leaves the ticket waiting until someone is; an agent going off shift gives back what they have
//! not answered; a team's policy takes over when a ticket is given to the team; and on PostgreSQL
//! two instances routing one pool at once stay fair.

use podpora_commands::admin::Admin;
use podpora_commands::intake::{self, NewTicket};
use podpora_commands::messages::{self as posts, Audience, NewPost};
use podpora_commands::routing::{self, PolicyChange, RoutingPool as Pool};
use podpora_commands::tickets::{self as desk, TicketChange};
use podpora_commands::{accounts, customers, Actor, CommandError};
use podpora_domain::routing::{AssignedBy, PolicyKind};
use podpora_domain::{AgentStatus, Channel, EmailAddress, Lang, MessageKind, Role, TicketNumber};
use podpora_mail::testing::room;
use podpora_mail::Mailroom;
use podpora_store::testing::{for_each_backend, TestDb};
use podpora_store::tickets::Ticket;
use podpora_store::{activity, mailboxes, teams, users};

fn addr(s: &str) -> EmailAddress {
    EmailAddress::parse(s).unwrap()
}

async fn agent(room: &Mailroom, email: &str, role: Role, mailboxes: &[i64]) -> Actor {
    let u = users::create(&room.db, &addr(email), email.split('@').next().unwrap(), role, "x").await.unwrap();
    users::set_mailboxes(&room.db, u.id, false, mailboxes).await.unwrap();
    Actor::of(&room.db, users::get(&room.db, u.id).await.unwrap().unwrap()).await.unwrap()
}

/// A mailbox, an admin who is off (not in the pool) and three agents of the mailbox.
struct Team {
    room: Mailroom,
    admin: Actor,
    shop: i64,
    agents: Vec<Actor>,
}

async fn team(t: &TestDb) -> Team {
    let room = room(t);
    let shop = mailboxes::add(&t.db, &mailboxes::NewMailbox { address: addr("help@shop.test"), name: "Shop".into(), imap_url: None })
        .await
        .unwrap()
        .id;
    let admin = agent(&room, "boss@shop.test", Role::Admin, &[]).await;
    accounts::set_status(&room, &admin, &addr("boss@shop.test"), AgentStatus::Off).await.unwrap();
    let mut agents = Vec::new();
    for name in ["ann", "bob", "cid"] {
        agents.push(agent(&room, &format!("{name}@shop.test"), Role::Agent, &[shop]).await);
    }
    Team { room, admin, shop, agents }
}

impl Team {
    async fn policy(&self, pool: Pool, policy: PolicyKind) {
        let change = PolicyChange {
            policy,
            fallback: None,
            sticky_days: None,
            by_language: None,
            reassign_off_shift: None,
            overflow_team: None,
            overflow_after: None,
        };
        routing::set_policy(&self.room, &Admin::command_line(), pool, &change).await.unwrap();
    }

    async fn ticket(&self, from: &str) -> TicketNumber {
        let t = NewTicket {
            from: addr(from),
            name: "Jana",
            subject: "Parcel",
            body: "Where is it?",
            mailbox: Some(addr("help@shop.test")),
            channel: Channel::Api,
        };
        intake::open_ticket(&self.room, &self.admin, &t).await.unwrap()
    }

    async fn get(&self, n: TicketNumber) -> Ticket {
        desk::open(&self.room, &self.admin, n).await.unwrap()
    }

    async fn route(&self) -> routing::Routed {
        routing::route_due(&self.room, routing::BATCH).await.unwrap()
    }

    async fn status(&self, who: usize, status: AgentStatus) {
        let a = &self.agents[who];
        accounts::set_status(&self.room, a, &a.user().email, status).await.unwrap();
    }

    fn id(&self, who: usize) -> Option<i64> {
        Some(self.agents[who].id())
    }

    fn name(&self) -> impl Fn(i64) -> String + '_ {
        |id| self.agents.iter().find(|a| a.id() == id).map(|a| a.user().name.clone()).unwrap_or_default()
    }
}

#[tokio::test]
async fn round_robin_takes_turns_and_waits_when_nobody_is_there() {
    for_each_backend(|t| async move {
        let d = team(&t).await;
        // Manual by default: nothing is queued, nobody assigned.
        let n = d.ticket("a@customer.test").await;
        assert_eq!(d.route().await.taken, 0);
        assert_eq!(d.get(n).await.assignee_id, None);

        d.policy(Pool::Mailbox(d.shop), PolicyKind::RoundRobin).await;
        let mut numbers = Vec::new();
        for i in 0..6 {
            numbers.push(d.ticket(&format!("c{i}@customer.test")).await);
        }
        let r = d.route().await;
        assert_eq!((r.taken, r.assigned), (6, 6));
        let mut got = Vec::new();
        for n in &numbers {
            got.push(d.get(*n).await.assignee_id);
        }
        assert_eq!(got, [d.id(0), d.id(1), d.id(2), d.id(0), d.id(1), d.id(2)]);
        let first = d.get(numbers[0]).await;
        assert_eq!(first.assigned_by, Some(AssignedBy::RoundRobin));
        assert_eq!(routing::assignment_text(&first, Lang::En, &d.name()).as_deref(), Some("round-robin: next of 3 available"));
        let log = activity::for_ticket(&mut d.room.db.conn().await.unwrap(), first.id).await.unwrap();
        assert!(
            log.iter().any(|a| a.action == "routed"
                && a.user_id.is_none()
                && a.detail.starts_with(&format!("{} round_robin turn 3", d.agents[0].id()))),
            "{log:?}"
        );

        // Bob steps away: Ann and Cid take turns.
        d.status(1, AgentStatus::Away).await;
        let (a, b) = (d.ticket("d1@customer.test").await, d.ticket("d2@customer.test").await);
        d.route().await;
        assert_eq!((d.get(a).await.assignee_id, d.get(b).await.assignee_id), (d.id(0), d.id(2)));

        // Nobody there: the ticket waits, says why, and goes to the first who comes back. (Cid
        // going off shift gives back his three unanswered tickets, which wait too.)
        d.status(0, AgentStatus::Away).await;
        d.status(2, AgentStatus::Off).await;
        let w = d.ticket("e@customer.test").await;
        let r = d.route().await;
        assert_eq!((r.assigned, r.waiting), (0, 4));
        assert_eq!(d.get(numbers[2]).await.assignee_id, None);
        let waiting = d.get(w).await;
        assert_eq!(waiting.assignee_id, None);
        assert_eq!(routing::assignment_text(&waiting, Lang::En, &d.name()).as_deref(), Some("nobody available: waits in the queue"));
        assert_eq!(d.route().await.taken, 0, "not due again before the retry time");
        d.status(1, AgentStatus::Online).await;
        assert_eq!(d.route().await.assigned, 4);
        assert_eq!((d.get(w).await.assignee_id, d.get(numbers[2]).await.assignee_id), (d.id(1), d.id(1)));

        // A ticket assigned by hand meanwhile is left as it is.
        let m = d.ticket("f@customer.test").await;
        desk::update(&d.room, &d.admin, m, &TicketChange { assignee: Some(d.id(2)), ..Default::default() }).await.unwrap();
        assert_eq!(d.route().await.assigned, 0);
        let manual = d.get(m).await;
        assert_eq!((manual.assignee_id, manual.assigned_by), (d.id(2), Some(AssignedBy::Manual)));
        t
    })
    .await;
}

fn reply(body: &str) -> NewPost<'_> {
    NewPost { kind: MessageKind::Message, body, audience: Audience::AllBut(vec![]), cc: vec![], bcc: vec![], files: vec![], seen: None }
}

#[tokio::test]
async fn sticky_customers_and_tickets_given_back_off_shift() {
    for_each_backend(|t| async move {
        let d = team(&t).await;
        d.policy(Pool::Mailbox(d.shop), PolicyKind::Sticky).await;
        // No history: round robin (the fallback), saying so.
        let first = d.ticket("jana@customer.test").await;
        d.route().await;
        let ticket = d.get(first).await;
        assert_eq!((ticket.assignee_id, ticket.assigned_by), (d.id(0), Some(AssignedBy::RoundRobin)));
        assert!(routing::assignment_text(&ticket, Lang::En, &d.name()).unwrap().contains("nobody answered them in the last 14 days"));
        // Bob answers Jana on another ticket; her next one goes to him.
        let other = d.ticket("jana@customer.test").await;
        d.route().await;
        desk::update(&d.room, &d.admin, other, &TicketChange { assignee: Some(d.id(1)), ..Default::default() }).await.unwrap();
        posts::post(&d.room, &d.agents[1], other, reply("It is on its way.")).await.unwrap();
        let again = d.ticket("jana@customer.test").await;
        d.route().await;
        let t3 = d.get(again).await;
        assert_eq!((t3.assignee_id, t3.assigned_by), (d.id(1), Some(AssignedBy::Sticky)));
        assert_eq!(routing::assignment_text(&t3, Lang::En, &d.name()).as_deref(), Some("sticky: answered them today"));
        assert_eq!(routing::assignment_text(&t3, Lang::Cs, &d.name()).as_deref(), Some("stálý kontakt: odpověděl(a) dnes"));

        // Bob goes off shift: the ticket he has not answered goes to someone else, the answered
        // one stays his.
        d.status(1, AgentStatus::Off).await;
        assert_eq!(d.get(again).await.assignee_id, None);
        d.route().await;
        let moved = d.get(again).await;
        assert!(moved.assignee_id.is_some() && moved.assignee_id != d.id(1), "{moved:?}");
        assert!(routing::assignment_text(&moved, Lang::En, &d.name()).unwrap().contains("bob, who answered last, is not available"));
        assert_eq!(d.get(other).await.assignee_id, d.id(1));
        let log = activity::for_ticket(&mut d.room.db.conn().await.unwrap(), moved.id).await.unwrap();
        assert!(log.iter().any(|a| a.action == "released" && a.detail == d.agents[1].id().to_string()), "{log:?}");
        t
    })
    .await;
}

#[tokio::test]
async fn least_loaded_account_managers_and_team_policies() {
    for_each_backend(|t| async move {
        let d = team(&t).await;
        d.policy(Pool::Mailbox(d.shop), PolicyKind::LeastLoaded).await;
        // Ann has 2 of 4, Bob 1 of 20, Cid 3 of 4: Bob has the lowest share.
        let caps = [4, 20, 4];
        for (i, cap) in caps.iter().enumerate() {
            let change = accounts::ProfileChange { capacity: *cap, ..Default::default() };
            accounts::set_profile(&d.room, &Admin::command_line(), &d.agents[i].user().email, &change).await.unwrap();
        }
        for (who, count) in [(0, 2), (1, 1), (2, 3)] {
            for _ in 0..count {
                let n = d.ticket("load@customer.test").await;
                desk::update(&d.room, &d.admin, n, &TicketChange { assignee: Some(d.id(who)), ..Default::default() }).await.unwrap();
            }
        }
        d.route().await;
        let n = d.ticket("x@customer.test").await;
        d.route().await;
        let got = d.get(n).await;
        assert_eq!((got.assignee_id, got.assigned_by), (d.id(1), Some(AssignedBy::LeastLoaded)));
        assert_eq!(routing::assignment_text(&got, Lang::En, &d.name()).as_deref(), Some("least loaded: 1 of 20 open tickets"));

        // A B2B customer with an account manager always goes to them, even away.
        d.policy(Pool::Mailbox(d.shop), PolicyKind::AccountManager).await;
        let b2b = d.ticket("buyer@firma.test").await;
        d.route().await;
        customers::set_account_manager(&d.room, &d.admin, b2b, d.id(2)).await.unwrap();
        d.status(2, AgentStatus::Away).await;
        let next = d.ticket("buyer@firma.test").await;
        d.route().await;
        let got = d.get(next).await;
        assert_eq!((got.assignee_id, got.assigned_by), (d.id(2), Some(AssignedBy::AccountManager)));
        assert_eq!(routing::assignment_text(&got, Lang::En, &d.name()).as_deref(), Some("account manager of the customer"));
        // Someone to whom the mailbox is not given cannot be anyone's manager here.
        assert!(customers::set_account_manager(&d.room, &d.admin, b2b, Some(424242)).await.is_err());

        // A team with round robin: a ticket given to it goes to a member.
        let team_id = teams::create(&d.room.db, "Returns").await.unwrap();
        teams::set_members(&d.room.db, team_id, &[d.agents[0].id()], None).await.unwrap();
        d.policy(Pool::Team(team_id), PolicyKind::RoundRobin).await;
        d.policy(Pool::Mailbox(d.shop), PolicyKind::Manual).await;
        let r = d.ticket("returns@customer.test").await;
        assert_eq!(d.route().await.assigned, 0, "the mailbox is manual");
        desk::update(&d.room, &d.admin, r, &TicketChange { team: Some(Some(team_id)), ..Default::default() }).await.unwrap();
        assert_eq!(d.route().await.assigned, 1);
        assert_eq!(d.get(r).await.assignee_id, d.id(0));
        t
    })
    .await;
}

#[tokio::test]
async fn a_full_team_queue_overflows_to_another_team() {
    for_each_backend(|t| async move {
        let d = team(&t).await;
        let cli = Admin::command_line();
        let (first, second) =
            (teams::create(&d.room.db, "First line").await.unwrap(), teams::create(&d.room.db, "Second line").await.unwrap());
        teams::set_members(&d.room.db, first, &[d.agents[0].id()], None).await.unwrap();
        teams::set_members(&d.room.db, second, &[d.agents[1].id()], None).await.unwrap();
        let policy = |overflow_team: Option<i64>, overflow_after: Option<u32>| PolicyChange {
            policy: PolicyKind::RoundRobin,
            fallback: None,
            sticky_days: None,
            by_language: None,
            reassign_off_shift: None,
            overflow_team,
            overflow_after,
        };
        for bad in [policy(Some(first), Some(1)), policy(Some(second), None), policy(Some(second), Some(0)), policy(Some(424242), Some(1))]
        {
            assert!(matches!(routing::set_policy(&d.room, &cli, Pool::Team(first), &bad).await, Err(CommandError::Invalid(_))), "{bad:?}");
        }
        assert!(
            routing::set_policy(&d.room, &cli, Pool::Mailbox(d.shop), &policy(Some(second), Some(1))).await.is_err(),
            "mailboxes do not overflow"
        );
        routing::set_policy(&d.room, &cli, Pool::Team(first), &policy(Some(second), Some(1))).await.unwrap();
        d.policy(Pool::Team(second), PolicyKind::RoundRobin).await;
        // Ann (the first line) is away: the first ticket waits in her team's queue, the second
        // finds one waiting already and goes to the second line, where Bob takes it.
        d.status(0, AgentStatus::Away).await;
        let (a, b) = (d.ticket("a@customer.test").await, d.ticket("b@customer.test").await);
        for n in [a, b] {
            desk::update(&d.room, &d.admin, n, &TicketChange { team: Some(Some(first)), ..Default::default() }).await.unwrap();
            d.route().await;
        }
        let (ta, tb) = (d.get(a).await, d.get(b).await);
        assert_eq!((ta.team_id, ta.assignee_id), (Some(first), None));
        assert_eq!((tb.team_id, tb.assignee_id), (Some(second), d.id(1)));
        let log = activity::for_ticket(&mut d.room.db.conn().await.unwrap(), tb.id).await.unwrap();
        assert!(log.iter().any(|e| e.action == "overflow" && e.detail == format!("{first} {second} 1")), "{log:?}");
        let stored = routing::policy(&d.room, &d.admin, Pool::Team(first)).await.unwrap();
        assert_eq!(stored.overflow(), Some(podpora_domain::routing::Overflow { to: second, after: 1 }));
        t
    })
    .await;
}

/// Two instances (two connection pools on one PostgreSQL database) route one pool at once, a
/// few tickets per transaction: every ticket is assigned once, nobody gets two in a row while
/// another waits, and each agent gets the same number.
#[tokio::test]
async fn round_robin_is_fair_across_two_instances() {
    let t = podpora_store::testing::postgres().await;
    let d = team(&t).await;
    d.policy(Pool::Mailbox(d.shop), PolicyKind::RoundRobin).await;
    for i in 0..60 {
        d.ticket(&format!("c{i}@customer.test")).await;
    }
    let second = podpora_store::Db::connect(t.url.as_deref().unwrap()).await.unwrap();
    let other = Mailroom { db: second, ..d.room.clone() };
    let run = |room: Mailroom| async move {
        let mut assigned = 0;
        loop {
            let r = routing::route_due(&room, 2).await.unwrap();
            if r.taken == 0 {
                return assigned;
            }
            assigned += r.assigned;
        }
    };
    let (a, b) = tokio::join!(tokio::spawn(run(d.room.clone())), tokio::spawn(run(other)));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a + b, 60);
    assert!(a > 0 && b > 0, "both instances routed ({a}, {b})");
    // The log's order is the order of the decisions (each waited for the pool's lock).
    let rows: Vec<(i64, String)> = sqlx_rows(&d.room).await;
    let agents: Vec<i64> = rows.iter().map(|(_, detail)| detail.split(' ').next().unwrap().parse().unwrap()).collect();
    assert_eq!(agents.len(), 60);
    for w in agents.windows(2) {
        assert_ne!(w[0], w[1], "an agent got two in a row: {agents:?}");
    }
    for a in &d.agents {
        assert_eq!(agents.iter().filter(|x| **x == a.id()).count(), 20, "{agents:?}");
    }
    let mut tickets: Vec<i64> = rows.iter().map(|(t, _)| *t).collect();
    tickets.sort_unstable();
    tickets.dedup();
    assert_eq!(tickets.len(), 60, "a ticket was routed twice");
    t.cleanup().await;
}

async fn sqlx_rows(room: &Mailroom) -> Vec<(i64, String)> {
    activity::of_action(&mut room.db.conn().await.unwrap(), "routed").await.unwrap()
}
