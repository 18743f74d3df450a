//! SLA configuration on both backends: calendars are checked (zone, hours, holidays) and get a
//! country's public holidays ready-made; a policy's targets are business durations, one per
//! channel and priority; a mailbox's policy and calendar say when a new ticket's first answer is
//! due, across evenings, weekends and holidays; a calendar in use cannot be removed.

use podpora_commands::admin::Admin;
use podpora_commands::sla::{self, CalendarChange, SlaPolicyChange, TargetSpec};
use podpora_commands::{Actor, CommandError};
use podpora_domain::{Channel, EmailAddress, Priority, Role};
use podpora_mail::testing::room;
use podpora_store::testing::for_each_backend;
use podpora_store::{mailboxes, users};

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

#[tokio::test]
async fn a_mailbox_policy_says_when_the_first_answer_is_due() {
    for_each_backend(|t| async move {
        let room = room(&t);
        let cli = Admin::command_line();
        let shop = mailboxes::add(
            &t.db,
            &mailboxes::NewMailbox { address: EmailAddress::parse("help@shop.test").unwrap(), name: "Shop".into(), imap_url: None },
        )
        .await
        .unwrap()
        .id;
        let boss = users::create(&room.db, &EmailAddress::parse("boss@shop.test").unwrap(), "Boss", Role::Admin, "x").await.unwrap();
        let admin = Actor::of(&room.db, boss).await.unwrap();
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
