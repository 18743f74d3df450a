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
}
