//! The knowledge base end to end over HTTP, on SQLite and PostgreSQL: articles and categories
//! through the API (DESIGN.md's contract), the agent's editor (a multipart save with an image,
//! the live preview, the history), and the public help centre — its strict CSP, canonical and
//! hreflang links, old slugs redirecting, drafts and internal articles (and their images) never
//! shown, the sitemap, and one vote per visitor.

mod common;
use common::*;
use serde_json::json;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\nIDATx\x9cc\0\x01\0\0\x05\0\x01\r\n-\xb4\0\0\0\0IEND\xaeB`\x82";

fn knowledge_base(backend: Backend) {
    let s = Server::start(backend, ServerOptions { relay: None, ..Default::default() });
    let api = |method: &str, path: &str, body: Option<serde_json::Value>| s.request(method, path, body, Some(&s.token));

    // Categories and articles through the API.
    let (st, cat) = api(
        "POST",
        "/api/v1/kb/categories",
        Some(json!({"kind": "articles", "names": [{"language": "cs", "name": "Doprava"}, {"language": "en", "name": "Delivery"}]})),
    );
    assert_eq!(st, 201, "{cat}");
    let cat_id = cat["id"].as_i64().unwrap();
    let (st, cs) = api(
        "POST",
        "/api/v1/articles",
        Some(
            json!({"title": "Kdy dorazí balík?", "body_markdown": "Balík **dorazí** do 2 dnů.", "category": cat_id, "language": "cs", "status": "published"}),
        ),
    );
    assert_eq!(st, 201, "{cs}");
    assert_eq!((cs["status"].as_str(), cs["url"].as_str()), (Some("published"), Some("/help/cs/kdy-dorazi-balik")));
    let cs_id = cs["id"].as_i64().unwrap();
    let (st, en) = api(
        "POST",
        "/api/v1/articles",
        Some(
            json!({"title": "When will my parcel arrive?", "body_markdown": "Within **2 days**.", "category": cat_id, "language": "en", "status": "published", "translation_of": cs_id}),
        ),
    );
    assert_eq!(st, 201, "{en}");
    let (_, draft) = api("POST", "/api/v1/articles", Some(json!({"title": "Tajný koncept", "body_markdown": "x", "language": "cs"})));
    let (_, internal) = api(
        "POST",
        "/api/v1/articles",
        Some(json!({"title": "Interní postup", "body_markdown": "y", "language": "cs", "internal": true, "status": "published"})),
    );
    assert_eq!(internal["url"], serde_json::Value::Null);
    let (st, e) = api("POST", "/api/v1/articles", Some(json!({"title": "x", "body_markdown": "y", "status": "live"})));
    assert_eq!((st, e["error"]["code"].as_str()), (422, Some("invalid")), "{e}");
    let (st, list) = s.request("GET", "/api/v1/articles?language=cs", None, Some(&s.token));
    assert_eq!(st, 200);
    assert_eq!(list["articles"].as_array().unwrap().len(), 3, "{list}");

    // The help centre.
    let mut visitor = Client::new(&s.http);
    let r = visitor.get("/help");
    assert!((300..400).contains(&r.status) && r.headers["location"].to_str().unwrap().starts_with("/help/"));
    let front = visitor.get("/help/cs");
    assert_eq!(front.status, 200);
    let csp = front.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.starts_with("default-src 'none'") && !csp.contains("script-src") && !csp.contains("unsafe"), "{csp}");
    assert!(front.body.contains("Kdy dorazí balík?") && front.body.contains("Doprava"), "{}", front.body);
    assert!(!front.body.contains("Tajný koncept") && !front.body.contains("Interní postup"));
    let page = visitor.get("/help/cs/kdy-dorazi-balik");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<strong>dorazí</strong>"));
    assert!(page.body.contains("rel=\"canonical\"") && page.body.contains("/help/cs/kdy-dorazi-balik\""));
    assert!(page.body.contains("hreflang=\"en\"") && page.body.contains("/help/en/when-will-my-parcel-arrive"), "{}", page.body);
    assert!(page.body.contains("property=\"og:title\" content=\"Kdy dorazí balík?\""));
    assert_eq!(visitor.get("/help/cs/tajny-koncept").status, 404, "a draft is not public");
    assert_eq!(visitor.get("/help/cs/interni-postup").status, 404, "an internal article is not public");
    assert_eq!(visitor.get("/help/xx").status, 404);
    let (_, c) = api("GET", "/api/v1/kb/categories", None);
    assert_eq!(c["categories"][0]["names"][0]["slug"], "doprava");
    assert_eq!(visitor.get("/help/cs/category/doprava").status, 200);

    // A new slug: the old address redirects permanently.
    let (st, _) = api("PATCH", &format!("/api/v1/articles/{cs_id}"), Some(json!({"slug": "doba-doruceni"})));
    assert_eq!(st, 200);
    let r = visitor.get("/help/cs/kdy-dorazi-balik");
    assert_eq!((r.status, r.headers["location"].to_str().unwrap()), (308, "/help/cs/doba-doruceni"));

    // The sitemap lists the public articles with their translations.
    let map = visitor.get("/sitemap.xml");
    assert_eq!(map.status, 200);
    assert!(map.body.contains("/help/cs/doba-doruceni</loc>") && map.body.contains("hreflang=\"en\""), "{}", map.body);
    assert!(!map.body.contains("tajny-koncept") && !map.body.contains("interni-postup"));

    // Votes: one per visitor, the second changes it.
    let r = visitor.post("/help/cs/doba-doruceni/vote", &[("helpful", "yes")]);
    assert_eq!(r.status, 303);
    assert!(r.headers["set-cookie"].to_str().unwrap().contains("SameSite=Lax"));
    assert!(visitor.get(r.headers["location"].to_str().unwrap()).body.contains("role=\"status\""));
    visitor.post("/help/cs/doba-doruceni/vote", &[("helpful", "no")]);
    let (_, a) = api("GET", &format!("/api/v1/articles/{cs_id}"), None);
    assert_eq!((a["helpful"].as_i64(), a["unhelpful"].as_i64()), (Some(0), Some(1)), "{a}");
    Client::new(&s.http).post("/help/cs/doba-doruceni/vote", &[("helpful", "yes")]);
    let (_, a) = api("GET", &format!("/api/v1/articles/{cs_id}"), None);
    assert_eq!((a["helpful"].as_i64(), a["unhelpful"].as_i64()), (Some(1), Some(1)));

    // The agent's editor: a new article saved with an image, the preview, the history.
    let mut agent = Client::new(&s.http);
    assert_eq!(agent.login("admin@shop.test", "correct horse battery").status, 303);
    let csrf = agent.csrf();
    let kb = agent.get("/kb");
    assert!(kb.status == 200 && kb.body.contains("Tajný koncept") && kb.body.contains("Interní postup"));
    let r = agent.post_multipart(
        "/kb",
        &[("_csrf", &csrf), ("title", "Reklamace"), ("body", "Jak reklamovat."), ("language", "cs"), ("category", ""), ("action", "draft")],
        &[("image", "foto.png", PNG)],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let at = r.headers["location"].to_str().unwrap().to_string();
    let editor = agent.get(&at);
    assert_eq!(editor.status, 200);
    let img = editor.body.find("src=\"/help/files/").map(|i| &editor.body[i + 5..]).unwrap();
    let img = img[..img.find('"').unwrap()].to_string();
    assert_eq!(agent.get(&img).status, 200, "an agent sees a draft's image");
    assert_eq!(Client::new(&s.http).get(&img).status, 404, "a visitor does not");
    let id = at.trim_start_matches("/kb/").split('?').next().unwrap().to_string();
    let r = agent.post_multipart(
        &format!("/kb/{id}"),
        &[
            ("_csrf", &csrf),
            ("title", "Reklamace"),
            ("body", "Jak reklamovat zboží."),
            ("category", ""),
            ("slug", "reklamace"),
            ("action", "publish"),
        ],
        &[],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let shown = Client::new(&s.http).get(&img);
    assert_eq!((shown.status, shown.headers["content-type"].to_str().unwrap()), (200, "image/png"));
    assert!(Client::new(&s.http).get("/help/cs/reklamace").body.contains("Jak reklamovat zboží."));
    // Without the CSRF token nothing is saved.
    let r = agent.post_multipart(&format!("/kb/{id}"), &[("title", "Hacked"), ("body", "x"), ("action", "publish")], &[]);
    assert_eq!(r.status, 403);
    let preview = agent.post("/kb/preview", &[("_csrf", &csrf), ("body", "# Nadpis\n<script>alert(1)</script>")]);
    assert_eq!(preview.status, 200);
    assert!(preview.body.contains("<h1>Nadpis</h1>") && !preview.body.contains("<script"), "{}", preview.body);
    let history = agent.get(&format!("/kb/{id}/history"));
    assert!(history.status == 200 && history.body.contains("Jak reklamovat zboží.") && history.body.contains("/restore/"));
    // An invalid save shows the editor again with the reason and what was typed.
    let r =
        agent.post_multipart(&format!("/kb/{id}"), &[("_csrf", &csrf), ("title", " "), ("body", "kept text"), ("action", "draft")], &[]);
    assert_eq!(r.status, 422);
    assert!(r.body.contains("kept text"), "{}", r.body);

    // The help centre's look: a name, a colour that white text reads well on, a logo.
    let (st, e) = api("PUT", "/api/v1/kb/brand", Some(json!({"name": "Obchod", "colour": "#ffcc00"})));
    assert_eq!((st, e["error"]["code"].as_str()), (422, Some("invalid")), "{e}");
    assert!(e["error"]["message"].as_str().unwrap().contains("4.5"), "{e}");
    let (st, b) = api("PUT", "/api/v1/kb/brand", Some(json!({"name": "Obchod Pomoc", "colour": "#05A"})));
    assert_eq!((st, b["colour"].as_str()), (200, Some("#0055aa")), "{b}");
    let (st, b) = api("PUT", "/api/v1/kb/brand", Some(json!({"name": "Obchod Pomoc", "colour": "#0a6b3a"})));
    assert_eq!(st, 200, "{b}");
    let front = Client::new(&s.http).get("/help/cs");
    assert!(front.body.contains("Obchod Pomoc") && front.body.contains("/help/theme.css?v=0a6b3a"), "{}", front.body);
    assert!(Client::new(&s.http).get("/help/theme.css?v=0a6b3a").body.contains("--brand: #0a6b3a"));
    assert_eq!(Client::new(&s.http).get("/help/logo").status, 404);
    let r = agent.post_multipart(
        "/kb/brand",
        &[("_csrf", &csrf), ("name", "Obchod Pomoc"), ("colour", "#0a6b3a")],
        &[("logo", "logo.png", PNG)],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let logo = Client::new(&s.http).get("/help/logo");
    assert_eq!((logo.status, logo.headers["content-type"].to_str().unwrap()), (200, "image/png"));
    assert!(Client::new(&s.http).get("/help/cs").body.contains("src=\"/help/logo\""));
    let r = agent.post_multipart(
        "/kb/brand",
        &[("_csrf", &csrf), ("name", "x"), ("colour", "#0a6b3a")],
        &[("logo", "x.svg", b"<svg onload=alert(1)>")],
    );
    assert_eq!(r.status, 422);

    // Search: the help centre's box on every page, its results page, and the API's one search.
    assert!(Client::new(&s.http).get("/help/cs").body.contains("action=\"/help/cs/search\""));
    let found = Client::new(&s.http).get("/help/cs/search?q=baliky");
    assert_eq!(found.status, 200);
    assert!(found.body.contains("href=\"/help/cs/doba-doruceni\"") && found.body.contains("<mark>Balík</mark>"), "{}", found.body);
    assert_eq!(found.headers["x-robots-tag"], "noindex");
    assert!(found.headers["content-security-policy"].to_str().unwrap().starts_with("default-src 'none'"));
    let none = Client::new(&s.http).get("/help/cs/search?q=interni+postup");
    assert!(!none.body.contains("Interní postup") && none.body.contains("nic nenašli"), "internal articles stay internal");
    let (st, r) = api("GET", "/api/v1/search?q=dorazi&kind=articles", None);
    assert_eq!(st, 200, "{r}");
    assert_eq!((r["results"][0]["kind"].as_str(), r["results"][0]["slug"].as_str()), (Some("article"), Some("doba-doruceni")), "{r}");
    assert!(r["results"][0]["url"].as_str().unwrap().ends_with("/help/cs/doba-doruceni"));
    let (_, r) = api("GET", "/api/v1/search?q=interni&lang=cs", None);
    assert_eq!(r["results"][0]["title"], "Interní postup", "agents find internal articles: {r}");
    let (st, e) = api("GET", "/api/v1/search?q=x&kind=people", None);
    assert_eq!((st, e["error"]["code"].as_str()), (422, Some("invalid")), "{e}");
    let (st, e) = api("GET", "/api/v1/search?q=x&lang=xx", None);
    assert_eq!((st, e["error"]["code"].as_str()), (422, Some("invalid")), "{e}");
    assert!(e["error"]["message"].as_str().unwrap().contains("lang"), "the field is named: {e}");
    let _ = (draft, en);
}

#[test]
fn knowledge_base_sqlite() {
    knowledge_base(Backend::Sqlite);
}

#[test]
fn knowledge_base_postgres() {
    knowledge_base(Backend::Postgres);
}
