//! Organisations on both backends: customers of an organisation's domains join it (those there
//! already when a domain is added, new ones as they write); an agent naming it on the customer
//! panel, in any case, links to the same one; a domain belongs to one organisation; the
//! account-manager policy gives an organisation's customers to its manager (a customer's own
//! manager first); the inbox filters by organisation; rules read its name.

use podpora_commands::admin::Admin;
use podpora_commands::customers::{self, CustomerEdit};
use podpora_commands::intake::{self, NewTicket};
use podpora_commands::organisations::{self, OrganisationChange};
use podpora_commands::routing::{self, PolicyChange, RoutingPool as Pool};
use podpora_commands::tickets as desk;
use podpora_commands::{accounts, Actor, CommandError};
use podpora_domain::routing::{AssignedBy, PolicyKind};
use podpora_domain::{AgentStatus, Channel, EmailAddress, Lang, Role, TicketNumber};
use podpora_mail::testing::room;
use podpora_mail::Mailroom;
use podpora_store::testing::for_each_backend;
use podpora_store::{mailboxes, users};

fn addr(s: &str) -> EmailAddress {
    EmailAddress::parse(s).unwrap()
}

async fn ticket(room: &Mailroom, admin: &Actor, from: &str) -> TicketNumber {
    let t = NewTicket {
        from: addr(from),
        name: "Jana",
        subject: "Objednávka",
        body: "Dobrý den",
        mailbox: Some(addr("help@shop.test")),
        channel: Channel::Web,
    };
    intake::open_ticket(room, admin, &t).await.unwrap()
}

async fn organisation_of(room: &Mailroom, admin: &Actor, n: TicketNumber) -> Option<i64> {
    desk::view(room, admin, n).await.unwrap().customer.and_then(|c| c.organisation_id)
}

#[tokio::test]
async fn customers_join_their_organisation_and_its_manager_gets_their_tickets() {
    for_each_backend(|t| async move {
        let room = room(&t);
        let cli = Admin::command_line();
        let shop = mailboxes::add(&t.db, &mailboxes::NewMailbox { address: addr("help@shop.test"), name: "Shop".into(), imap_url: None })
            .await
            .unwrap()
            .id;
        let boss = users::create(&room.db, &addr("boss@shop.test"), "Boss", Role::Admin, "x").await.unwrap();
        let admin = Actor::of(&room.db, boss).await.unwrap();
        accounts::set_status(&room, &admin, &addr("boss@shop.test"), AgentStatus::Off).await.unwrap();
        let mut agents = Vec::new();
        for name in ["ann", "bob", "cid"] {
            let u = users::create(&room.db, &addr(&format!("{name}@shop.test")), name, Role::Agent, "x").await.unwrap();
            users::set_mailboxes(&room.db, u.id, false, &[shop]).await.unwrap();
            agents.push(u.id);
        }
        // A customer who wrote before the organisation existed.
        let early = ticket(&room, &admin, "jana@obchod.firma.cz").await;
        assert_eq!(organisation_of(&room, &admin, early).await, None);

        let bad = OrganisationChange { name: "Firma".into(), domains: "firma".into(), ..Default::default() };
        assert!(matches!(organisations::create(&room, &cli, &bad).await, Err(CommandError::Invalid(_))), "a domain needs a dot");
        let firma = OrganisationChange {
            name: "Firma s.r.o.".into(),
            domains: "@Firma.cz, firma.sk".into(),
            account_manager_id: Some(agents[1]),
            notes: "Platí fakturou.".into(),
        };
        let org = organisations::create(&room, &cli, &firma).await.unwrap();
        assert_eq!((org.domains.clone(), org.customers), (vec!["firma.cz".to_string(), "firma.sk".to_string()], 1), "{org:?}");
        assert_eq!(organisation_of(&room, &admin, early).await, Some(org.id));
        let other = OrganisationChange { name: "Jiná".into(), domains: "firma.sk".into(), ..Default::default() };
        assert!(
            matches!(organisations::create(&room, &cli, &other).await, Err(CommandError::Conflict(_))),
            "a domain is one organisation's"
        );
        assert!(matches!(
            organisations::create(&room, &cli, &OrganisationChange { name: "FIRMA S.R.O.".into(), ..Default::default() }).await,
            Err(CommandError::Conflict(_))
        ));

        // New customers of its domains join as they write; others do not.
        let later = ticket(&room, &admin, "petr@firma.sk").await;
        let stranger = ticket(&room, &admin, "eva@mail.example").await;
        assert_eq!(organisation_of(&room, &admin, later).await, Some(org.id));
        assert_eq!(organisation_of(&room, &admin, stranger).await, None);
        // Named on the customer panel, in another case: the same organisation.
        let edit = CustomerEdit { name: "Eva".into(), organisation: "firma S.R.O.".into(), ..Default::default() };
        customers::edit(&room, &admin, stranger, &edit).await.unwrap();
        assert_eq!(organisation_of(&room, &admin, stranger).await, Some(org.id));
        assert_eq!(desk::view(&room, &admin, stranger).await.unwrap().customer.unwrap().organisation, "Firma s.r.o.");

        // The inbox by organisation.
        let mut q = desk::query(&admin);
        q.organisation = Some(org.id);
        let (listed, _) = desk::list(&room, &admin, q).await.unwrap();
        let mut numbers: Vec<i64> = listed.iter().map(|t| t.ticket.number.get()).collect();
        numbers.sort_unstable();
        assert_eq!(numbers, vec![early.get(), later.get(), stranger.get()]);

        // The account-manager policy: the organisation's manager (Bob) gets its customers' mail,
        // a customer's own manager (Cid) comes first.
        let am = PolicyChange {
            policy: PolicyKind::AccountManager,
            fallback: None,
            sticky_days: None,
            by_language: None,
            reassign_off_shift: None,
            overflow_team: None,
            overflow_after: None,
        };
        routing::set_policy(&room, &cli, Pool::Mailbox(shop), &am).await.unwrap();
        customers::set_account_manager(&room, &admin, stranger, Some(agents[2])).await.unwrap();
        let (a, b) = (ticket(&room, &admin, "jana@obchod.firma.cz").await, ticket(&room, &admin, "eva@mail.example").await);
        routing::route_due(&room, routing::BATCH).await.unwrap();
        let (ta, tb) = (desk::open(&room, &admin, a).await.unwrap(), desk::open(&room, &admin, b).await.unwrap());
        assert_eq!((ta.assignee_id, ta.assigned_by), (Some(agents[1]), Some(AssignedBy::AccountManager)));
        assert_eq!(routing::assignment_text(&ta, Lang::En, &|_| String::new()).as_deref(), Some("account manager of the organisation"));
        assert_eq!(tb.assignee_id, Some(agents[2]));

        // Removing it leaves its customers without one.
        organisations::delete(&room, &cli, org.id).await.unwrap();
        assert_eq!(organisation_of(&room, &admin, early).await, None);
        t
    })
    .await;
}
