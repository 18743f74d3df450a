//! HTML from mail is hostile: only a conservative subset survives (ammonia), scripts, event
//! handlers, styles that can execute and `javascript:` URLs never do.

use std::sync::OnceLock;

fn cleaner() -> &'static ammonia::Builder<'static> {
    static B: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    B.get_or_init(|| {
        let mut b = ammonia::Builder::default();
        b.url_schemes(["http", "https", "mailto", "cid", "tel"].into_iter().collect())
            .link_rel(Some("noopener noreferrer nofollow"))
            .url_relative(ammonia::UrlRelative::Deny)
            .strip_comments(true);
        b
    })
}

pub fn clean_html(html: &str) -> String {
    cleaner().clean(html).to_string()
}

/// How a message's HTML is shown to an agent.
pub struct DisplayImages<'a> {
    /// URL for an inline image by its Content-ID (`cid:`), if the message has it.
    pub inline: &'a (dyn Fn(&str) -> Option<String> + Sync),
    /// URL through which a remote image is fetched, or `None` to block it (the default until the
    /// agent asks: remote images are tracking pixels as often as not).
    pub remote: &'a (dyn Fn(&str) -> Option<String> + Sync),
}

/// Sanitises again (whatever was stored) and rewrites image sources: `cid:` to our inline-image
/// URL, remote ones to the proxy or nothing. Returns the HTML and how many remote images it had.
pub fn display_html(html: &str, images: &DisplayImages<'_>) -> (String, usize) {
    // ammonia's attribute filter must be 'static, so it only records each image source and leaves a
    // placeholder with a per-call nonce (unguessable by the mail's author); the placeholders are
    // then replaced with the URLs the caller decides on.
    let nonce = crate::compose::nonce();
    let sources: std::sync::Arc<std::sync::Mutex<Vec<String>>> = Default::default();
    let (rec, tag) = (sources.clone(), nonce.clone());
    let mut b = ammonia::Builder::default();
    b.url_schemes(["http", "https", "mailto", "cid", "tel"].into_iter().collect())
        .link_rel(Some("noopener noreferrer nofollow"))
        .url_relative(ammonia::UrlRelative::Deny)
        .strip_comments(true);
    b.attribute_filter(move |element, attribute, value| {
        if element == "img" && attribute == "src" {
            let Ok(mut list) = rec.lock() else { return None };
            list.push(value.trim().to_string());
            return Some(format!("https://pp-img.invalid/{tag}/{}", list.len() - 1).into());
        }
        if (element == "img" && attribute == "srcset") || attribute == "background" {
            return None;
        }
        Some(value.into())
    });
    let mut out = b.clean(html).to_string();
    let list = sources.lock().map(|l| l.clone()).unwrap_or_default();
    let mut remote_count = 0;
    let mut urls = Vec::with_capacity(list.len());
    for src in &list {
        let url = if let Some(cid) = src.get(..4).filter(|p| p.eq_ignore_ascii_case("cid:")).map(|_| &src[4..]) {
            (images.inline)(cid.trim_matches(['<', '>']))
        } else if src.starts_with("data:") {
            None
        } else {
            remote_count += 1;
            (images.remote)(src)
        };
        urls.push(url.map(|u| u.replace('&', "&amp;").replace('"', "%22")).unwrap_or_default());
    }
    // Highest index first: placeholder 1 is a prefix of placeholder 10.
    for (i, url) in urls.iter().enumerate().rev() {
        out = out.replace(&format!("https://pp-img.invalid/{nonce}/{i}"), url);
    }
    let out = out.replace(" src=\"\"", "");
    (fold_quotes(&out), remote_count)
}

/// Folds quoted history (top-level `<blockquote>`s, as Gmail, Apple Mail and Thunderbird quote)
/// into `<details>`, which opens without script. Runs on sanitised output, where every
/// blockquote tag is a real element.
fn fold_quotes(html: &str) -> String {
    let lower = html.to_ascii_lowercase();
    let mut out = String::with_capacity(html.len() + 64);
    let (mut depth, mut i) = (0usize, 0usize);
    while i < html.len() {
        let open = lower[i..].find("<blockquote").map(|p| p + i);
        let close = lower[i..].find("</blockquote>").map(|p| p + i);
        match (open, close) {
            (Some(o), c) if c.is_none_or(|c| o < c) => {
                out.push_str(&html[i..o]);
                if depth == 0 {
                    out.push_str("<details class=\"pp-quoted\"><summary>…</summary>");
                }
                depth += 1;
                out.push_str("<blockquote");
                i = o + "<blockquote".len();
            }
            (_, Some(c)) => {
                out.push_str(&html[i..c + "</blockquote>".len()]);
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    out.push_str("</details>");
                }
                i = c + "</blockquote>".len();
            }
            _ => {
                out.push_str(&html[i..]);
                break;
            }
        }
    }
    if depth > 0 {
        out.push_str("</details>");
    }
    if out.len() == html.len() {
        return fold_outlook_quote(html);
    }
    out
}

/// Outlook does not quote with `<blockquote>`: it puts a header block (From/Sent/To/Subject, in
/// the sender's language) and the old mail below. Fold from the first place where the text reads
/// like such a block (the same rule as for plain text, `quote::is_outlook_block`) to the end.
fn fold_outlook_quote(html: &str) -> String {
    const FROM_KEYS: &[&str] = &["from:", "od:", "von:", "de:", "от:", "från:"];
    let lower = html.to_lowercase();
    if lower.len() != html.len() {
        return html.to_string(); // lowercasing changed byte offsets: do not guess
    }
    let mut checked = 0;
    let mut search = 0;
    while let Some(rel) = lower[search..].find(['<']) {
        let pos = search + rel;
        search = pos + 1;
        let tag = &lower[pos..lower.len().min(pos + 4)];
        if !(tag.starts_with("<hr") || tag.starts_with("<p") || tag.starts_with("<div")) {
            continue;
        }
        let end = floor_char_boundary(&lower, pos + 600);
        if !FROM_KEYS.iter().any(|k| lower[pos..end].contains(k)) {
            continue;
        }
        checked += 1;
        if checked > 200 {
            break;
        }
        let text = text_lines(&html[pos..floor_char_boundary(html, pos + 2000)]);
        let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        if !lines.is_empty() && crate::quote::is_outlook_block(&lines, 0) {
            return format!("{}<details class=\"pp-quoted\"><summary>…</summary>{}</details>", &html[..pos], &html[pos..]);
        }
    }
    html.to_string()
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The text of an HTML fragment, a line per block, tags dropped (enough to read a header block).
fn text_lines(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        let Some(gt) = rest[lt..].find('>') else { break };
        let tag = rest[lt + 1..lt + gt].trim_start_matches('/').to_ascii_lowercase();
        if ["br", "p", "div", "hr", "tr", "li"].iter().any(|b| tag == *b || tag.starts_with(&format!("{b} "))) {
            out.push('\n');
        }
        rest = &rest[lt + gt + 1..];
    }
    out.push_str(rest);
    out.replace("&nbsp;", " ").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
}

/// The remote image URLs of a message's HTML, as `display_html` sees them (for the image proxy,
/// which fetches only URLs the message really contains).
pub fn remote_images(html: &str) -> Vec<String> {
    let found = std::sync::Mutex::new(Vec::new());
    let remote = |u: &str| {
        if let Ok(mut f) = found.lock() {
            f.push(u.to_string());
        }
        None
    };
    let none = |_: &str| None;
    display_html(html, &DisplayImages { inline: &none, remote: &remote });
    found.into_inner().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_active_content() {
        for bad in [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<svg><script>alert(1)</script></svg>",
            "<div style=\"background:url(javascript:alert(1))\">x</div>",
            "<iframe src=\"https://evil\"></iframe>",
            "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
            "<form action=\"https://evil\"><input></form>",
        ] {
            let out = clean_html(bad).to_lowercase();
            for needle in ["<script", "onerror", "javascript:", "<iframe", "<form", "style="] {
                assert!(!out.contains(needle), "{bad} -> {out}");
            }
        }
        assert!(clean_html("<p>Hi <b>there</b><img src=\"cid:logo\"></p>").contains("cid:logo"));
    }

    #[test]
    fn quoted_history_folds() {
        let none = |_: &str| None;
        let (out, _) = display_html(
            "<p>New text</p><blockquote type=\"cite\"><p>old</p><blockquote>older</blockquote></blockquote><p>after</p>",
            &DisplayImages { inline: &none, remote: &none },
        );
        assert_eq!(out, "<p>New text</p><details class=\"pp-quoted\"><summary>…</summary><blockquote><p>old</p><blockquote>older</blockquote></blockquote></details><p>after</p>");
        let (out, _) = display_html("<p>no quotes</p>", &DisplayImages { inline: &none, remote: &none });
        assert_eq!(out, "<p>no quotes</p>");
        // Outlook (here in Czech): a rule and a header block, no blockquote.
        let outlook = "<div><p>Dobrý den, děkuji.</p></div><hr><div><b>Od:</b> Podpora &lt;help@shop.cz&gt;<br><b>Odesláno:</b> pondělí 23. listopadu 2026 10:00<br><b>Komu:</b> Jan<br><b>Předmět:</b> [#5] Objednávka</div><p>Původní text</p>";
        let (out, _) = display_html(outlook, &DisplayImages { inline: &none, remote: &none });
        assert!(out.starts_with("<div><p>Dobrý den, děkuji.</p></div><details class=\"pp-quoted\"><summary>…</summary><hr>"), "{out}");
        assert!(out.ends_with("</details>"), "{out}");
        let (out, _) = display_html("<p>From: our warehouse, the parcel left today.</p>", &DisplayImages { inline: &none, remote: &none });
        assert!(!out.contains("details"), "a lone From: line is not a quote: {out}");
    }

    #[test]
    fn display_rewrites_images() {
        let html = "<p>x<img src=\"cid:logo@x\"><img src=\"https://t.example/p.gif\"><img src=\"http://a.example/b.png\" srcset=\"http://a.example/c.png 2x\"><table background=\"http://e/x\"></table><img src=\"cid:missing\"></p>";
        let inline = |cid: &str| (cid == "logo@x").then(|| "/a/5/inline".to_string());
        let blocked = |_: &str| None;
        let (out, n) = display_html(html, &DisplayImages { inline: &inline, remote: &blocked });
        assert_eq!(n, 2);
        assert!(out.contains("src=\"/a/5/inline\""), "{out}");
        for gone in ["t.example", "a.example", "srcset", "background", "cid:"] {
            assert!(!out.contains(gone), "{gone} in {out}");
        }
        let proxied = |u: &str| Some(format!("/proxy?u={}", u.len()));
        let (out, _) = display_html(html, &DisplayImages { inline: &inline, remote: &proxied });
        assert!(out.contains("/proxy?u=23") && out.contains("/proxy?u=22"), "{out}");
        assert_eq!(remote_images(html), vec!["https://t.example/p.gif", "http://a.example/b.png"]);
        let (out, _) =
            display_html("<img src=x onerror=alert(1)><script>alert(2)</script>", &DisplayImages { inline: &inline, remote: &proxied });
        assert!(!out.contains("onerror") && !out.contains("script"), "{out}");
    }
}
