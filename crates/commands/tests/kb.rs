//! The knowledge base on both backends: an article's draft stays apart from what is published;
//! every save is a version that can be restored; a renamed slug keeps the old address (it
//! redirects); translations are linked; internal articles and drafts never reach the help
//! centre, nor do their images; a visitor's second vote changes theirs; light agents read only.

use podpora_commands::admin::Admin;
use podpora_commands::kb::{self, ArticleInput, CategoryInput, CategoryNameInput, Lookup};
use podpora_commands::{Actor, CommandError};
use podpora_domain::{EmailAddress, Lang, Role};
use podpora_mail::testing::room;
use podpora_store::kb::ArticleQuery;
use podpora_store::testing::for_each_backend;
use podpora_store::users;

fn addr(s: &str) -> EmailAddress {
    EmailAddress::parse(s).unwrap()
}

fn text(title: &str, body: &str) -> ArticleInput {
    ArticleInput { title: Some(title.into()), body_markdown: Some(body.into()), ..Default::default() }
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\nIDATx\x9cc\0\x01\0\0\x05\0\x01\r\n-\xb4\0\0\0\0IEND\xaeB`\x82";

#[tokio::test]
async fn articles_are_drafted_published_translated_and_found_at_stable_addresses() {
    for_each_backend(|t| async move {
        let room = room(&t);
        let u = users::create(&room.db, &addr("jana@shop.test"), "Jana", Role::Agent, "x").await.unwrap();
        let jana = Actor::of(&room.db, u).await.unwrap();
        let l = users::create(&room.db, &addr("light@shop.test"), "Light", Role::LightAgent, "x").await.unwrap();
        let light = Actor::of(&room.db, l).await.unwrap();

        let cat = kb::create_category(
            &room,
            &Admin::command_line(),
            &CategoryInput {
                kind: "faq".into(),
                position: 1,
                names: vec![
                    CategoryNameInput { language: "cs".into(), name: "Vrácení zboží".into(), ..Default::default() },
                    CategoryNameInput { language: "en".into(), name: "Returns".into(), ..Default::default() },
                ],
            },
        )
        .await
        .unwrap();
        assert_eq!(cat.in_language("cs").unwrap().slug, "vraceni-zbozi");
        // A second category may not take a slug of the first in the same language.
        let clash = CategoryInput {
            names: vec![CategoryNameInput { language: "cs".into(), name: "Vrácení zboží".into(), ..Default::default() }],
            ..Default::default()
        };
        assert!(matches!(kb::create_category(&room, &Admin::command_line(), &clash).await, Err(CommandError::Conflict(_))));
        assert_eq!(kb::categories(&room).await.unwrap().len(), 1, "the refused category is not left behind");

        // A draft: agents see it, the help centre does not.
        let mut input = text("Jak vrátit zboží?", "Pošlete **zboží** do 14 dnů.\n\n<script>alert(1)</script>");
        input.category = Some(Some(cat.id));
        input.language = Some("cs".into());
        let a = kb::create(&room, &jana, &input).await.unwrap();
        assert_eq!((a.status, a.slug.as_str(), a.url.as_deref()), ("draft", "jak-vratit-zbozi", Some("/help/cs/jak-vratit-zbozi")));
        assert!(a.body_html.contains("<strong>zboží</strong>") && !a.body_html.contains("<script"), "{}", a.body_html);
        assert!(matches!(kb::public_article(&room, Lang::Cs, "jak-vratit-zbozi").await, Err(CommandError::NotFound(_))));
        // Light agents read but do not write.
        assert_eq!(kb::get(&room, &light, a.id).await.unwrap().title, "Jak vrátit zboží?");
        assert!(matches!(kb::create(&room, &light, &text("x", "y")).await, Err(CommandError::Forbidden(_))));
        assert!(matches!(kb::create(&room, &jana, &text("  ", "y")).await, Err(CommandError::Invalid(_))));
        let bad = ArticleInput { language: Some("xx".into()), ..text("x", "y") };
        assert!(matches!(kb::create(&room, &jana, &bad).await, Err(CommandError::Invalid(_))));

        // Published: on the help centre, rendered.
        let a = kb::update(&room, &jana, a.id, &ArticleInput { status: Some("published".into()), ..Default::default() }).await.unwrap();
        assert_eq!((a.status, a.unpublished_changes), ("published", false));
        let Lookup::Found(page) = kb::public_article(&room, Lang::Cs, "jak-vratit-zbozi").await.unwrap() else { panic!("not found") };
        let shown = page.article.published.clone().unwrap();
        assert!(shown.body_html.contains("<strong>zboží</strong>") && shown.body_text.contains("do 14 dnů"));
        assert_eq!(page.category.unwrap().id, cat.id);

        // A new draft of a published article waits; the help centre keeps the published text.
        let a = kb::update(&room, &jana, a.id, &text("Jak vrátit zboží", "Pošlete zboží do 30 dnů.")).await.unwrap();
        assert_eq!((a.status, a.unpublished_changes), ("published", true));
        let Lookup::Found(page) = kb::public_article(&room, Lang::Cs, "jak-vratit-zbozi").await.unwrap() else { panic!() };
        assert!(page.article.published.unwrap().body_text.contains("14 dnů"));
        let versions = kb::versions(&room, &jana, a.id).await.unwrap();
        assert_eq!(versions.len(), 2);
        assert!(versions[1].published_at.is_some() && versions[0].published_at.is_none());
        // Saving the same text again makes no version.
        kb::update(&room, &jana, a.id, &text("Jak vrátit zboží", "Pošlete zboží do 30 dnů.")).await.unwrap();
        assert_eq!(kb::versions(&room, &jana, a.id).await.unwrap().len(), 2);
        // Restoring the first version is a new version with its text.
        let a = kb::restore(&room, &jana, a.id, versions[1].id).await.unwrap();
        assert_eq!(a.body_markdown, "Pošlete **zboží** do 14 dnů.\n\n<script>alert(1)</script>");
        assert_eq!(kb::versions(&room, &jana, a.id).await.unwrap().len(), 3);

        // A new slug: the old address redirects to it.
        let a = kb::update(&room, &jana, a.id, &ArticleInput { slug: Some("Vrácení zboží".into()), ..Default::default() }).await.unwrap();
        assert_eq!(a.slug, "vraceni-zbozi");
        match kb::public_article(&room, Lang::Cs, "jak-vratit-zbozi").await.unwrap() {
            Lookup::Moved(to) => assert_eq!(to, "/help/cs/vraceni-zbozi"),
            Lookup::Found(_) => panic!("the old slug should redirect"),
        }
        // Another article wanting a slug that was used gets its own.
        let other =
            kb::create(&room, &jana, &ArticleInput { language: Some("cs".into()), ..text("Jak vrátit zboží?", "Jinak.") }).await.unwrap();
        assert_eq!(other.slug, "jak-vratit-zbozi-2");

        // Related: the other public articles of its category, those sharing title words first.
        let mut sibling = text("Vrácení peněz", "Peníze vracíme do 5 dnů.");
        sibling.category = Some(Some(cat.id));
        sibling.language = Some("cs".into());
        sibling.status = Some("published".into());
        let sibling = kb::create(&room, &jana, &sibling).await.unwrap();
        let Lookup::Found(page) = kb::public_article(&room, Lang::Cs, "vraceni-zbozi").await.unwrap() else { panic!() };
        assert_eq!(page.related.iter().map(|r| r.0).collect::<Vec<_>>(), [sibling.id]);
        kb::delete(&room, &Admin::command_line(), sibling.id).await.unwrap();

        // A translation joins the group; a second one in the same language is refused.
        let en = ArticleInput {
            language: Some("en".into()),
            translation_of: Some(a.id),
            status: Some("published".into()),
            category: Some(Some(cat.id)),
            ..text("Returning goods", "Send the goods back within 14 days.")
        };
        let e = kb::create(&room, &jana, &en).await.unwrap();
        assert_eq!(e.translations.get("cs"), Some(&a.id));
        assert_eq!(kb::get(&room, &jana, a.id).await.unwrap().translations.get("en"), Some(&e.id));
        assert!(matches!(kb::create(&room, &jana, &en).await, Err(CommandError::Conflict(_))));
        let Lookup::Found(page) = kb::public_article(&room, Lang::En, "returning-goods").await.unwrap() else { panic!() };
        assert_eq!(page.translations.iter().map(|t| t.language.as_str()).collect::<Vec<_>>(), ["cs", "en"]);

        // The FAQ category shows its public articles in the language asked.
        let (k, items) = kb::public_category(&room, Lang::En, "returns").await.unwrap();
        assert_eq!((k.kind.as_str(), items.len()), ("faq", 1));
        assert!(items[0].published.as_ref().unwrap().body_html.contains("14 days"));

        // Internal articles stay with the agents, and so do their images.
        let internal = kb::create(
            &room,
            &jana,
            &ArticleInput {
                internal: Some(true),
                status: Some("published".into()),
                language: Some("cs".into()),
                ..text("Interní postup", "Tajné.")
            },
        )
        .await
        .unwrap();
        assert_eq!(internal.url, None);
        assert!(matches!(kb::public_article(&room, Lang::Cs, "interni-postup").await, Err(CommandError::NotFound(_))));
        let path = kb::upload_image(&room, &jana, internal.id, "plán.png", PNG.to_vec()).await.unwrap();
        let file_id: i64 = path.trim_start_matches("/help/files/").split('/').next().unwrap().parse().unwrap();
        assert!(matches!(kb::image(&room, None, file_id).await, Err(CommandError::NotFound(_))));
        assert_eq!(kb::image(&room, Some(&light), file_id).await.unwrap().1, PNG);
        let public_img = kb::upload_image(&room, &jana, a.id, "a.png", PNG.to_vec()).await.unwrap();
        let public_id: i64 = public_img.trim_start_matches("/help/files/").split('/').next().unwrap().parse().unwrap();
        assert_eq!(kb::image(&room, None, public_id).await.unwrap().0.content_type, "image/png");
        // Only images, told by their bytes.
        assert!(matches!(
            kb::upload_image(&room, &jana, a.id, "x.png", b"<svg onload=alert(1)>".to_vec()).await,
            Err(CommandError::Invalid(_))
        ));
        let public = kb::public_articles(&room, Lang::Cs, false).await.unwrap();
        assert_eq!(public.iter().map(|p| p.id).collect::<Vec<_>>(), [a.id], "drafts and internal articles are not public");

        // Votes: one per visitor, a second changes it; drafts take none.
        assert_eq!(kb::vote(&room, a.id, "visitor-1", true).await.unwrap(), (1, 0));
        assert_eq!(kb::vote(&room, a.id, "visitor-2", true).await.unwrap(), (2, 0));
        assert_eq!(kb::vote(&room, a.id, "visitor-1", false).await.unwrap(), (1, 1));
        assert!(matches!(kb::vote(&room, other.id, "visitor-1", true).await, Err(CommandError::NotFound(_))));

        // Taking it off the help centre keeps the draft; deleting (admins) removes it.
        let a = kb::update(&room, &jana, a.id, &ArticleInput { status: Some("draft".into()), ..Default::default() }).await.unwrap();
        assert_eq!(a.status, "draft");
        assert!(matches!(kb::public_article(&room, Lang::Cs, "vraceni-zbozi").await, Err(CommandError::NotFound(_))));
        kb::delete(&room, &Admin::command_line(), a.id).await.unwrap();
        assert!(matches!(kb::get(&room, &jana, a.id).await, Err(CommandError::NotFound(_))));
        let e = kb::get(&room, &jana, e.id).await.unwrap();
        assert_eq!(e.translations.len(), 1, "the translation stays, alone");
        let all = kb::list(&room, &jana, &ArticleQuery::default()).await.unwrap();
        assert_eq!(all.len(), 3);
        let (sitemap, _) = kb::sitemap(&room).await.unwrap();
        assert_eq!(sitemap.iter().map(|s| s.id).collect::<Vec<_>>(), [e.id]);
        t
    })
    .await;
}
