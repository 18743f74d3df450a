//! Showing mail safely. A message's HTML is served on its own URL, sanitised again and with a
//! Content-Security-Policy that allows no script at all, and the page embeds it in a sandboxed
//! iframe. Inline (`cid:`) images come from our attachment store, only as raster images; remote
//! images are blocked until the agent asks, then fetched through `remote_image`, which only fetches
//! URLs the message really contains and refuses loopback, private, link-local and other
//! non-public addresses (checked after DNS resolution, and again on every redirect).
//! Attachments are always downloads (`Content-Disposition: attachment`, nosniff).

use super::session::Agent;
use super::{page_error, UiError};
use crate::ui_try;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use podpora_mail::sanitize::{display_html, remote_images, DisplayImages};
use podpora_store::messages::Message;
use serde::Deserialize;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// A message the agent may see (its ticket is within their rights), else "not found".
async fn visible_message(state: &AppState, agent: &Agent, id: &str) -> Result<Message, UiError> {
    let id: i64 = id.parse().map_err(|_| UiError::NotFound)?;
    Ok(podpora_commands::messages::get(&state.room, &agent.actor, id).await?.0)
}

#[derive(Deserialize)]
pub struct FrameParams {
    images: Option<String>,
}

pub async fn message_frame(State(state): State<AppState>, agent: Agent, Path(id): Path<String>, Query(p): Query<FrameParams>) -> Response {
    let lang = agent.lang;
    let m = ui_try!(lang, visible_message(&state, &agent, &id).await);
    let show_remote = p.images.as_deref() == Some("1");
    let html = m.body_html.clone().unwrap_or_default();
    let atts = m.attachments.clone();
    let inline = move |cid: &str| {
        atts.iter()
            .find(|a| a.content_id.as_deref().map(|c| c.trim_matches(['<', '>'])) == Some(cid))
            .map(|a| format!("/a/{}/inline", a.id))
    };
    let mid = m.id;
    let remote = move |u: &str| {
        show_remote.then(|| format!("/m/{mid}/image?u={}", percent_encoding::utf8_percent_encode(u, percent_encoding::NON_ALPHANUMERIC)))
    };
    let (body, remote_count) = display_html(&html, &DisplayImages { inline: &inline, remote: &remote });
    let banner = if remote_count > 0 && !show_remote {
        format!("<p class=\"pp-blocked\">{}</p>", maud::html! { (podpora_domain::i18n::t(lang, "ticket-images-blocked")) }.into_string())
    } else {
        String::new()
    };
    // A complete document of its own; links open outside the frame.
    let doc = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><base target=\"_blank\"><style>body{{font:14px/1.45 system-ui,sans-serif;margin:0;padding:8px;overflow-wrap:anywhere;color:#222}}img{{max-width:100%;height:auto}}.pp-blocked{{font-size:12px;color:#666;border:1px dashed #bbb;padding:4px 6px}}details.pp-quoted>summary{{cursor:pointer;color:#666;width:3em;border:1px solid #ccc;border-radius:3px;text-align:center;list-style:none}}</style></head><body>{banner}{body}</body></html>"
    );
    let mut r = Html(doc).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; frame-ancestors 'self'; form-action 'none'; base-uri 'none'; sandbox allow-same-origin allow-popups allow-popups-to-escape-sandbox"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN"));
    super::secure_headers(r)
}

pub async fn raw_mail(State(state): State<AppState>, agent: Agent, Path(id): Path<String>) -> Response {
    let lang = agent.lang;
    let id: i64 = ui_try!(lang, id.parse().map_err(|_| UiError::NotFound));
    let (m, bytes) = ui_try!(lang, podpora_commands::messages::raw_mail(&state.room, &agent.actor, id).await);
    crate::api::download(bytes, &format!("ticket-message-{}.eml", m.id), "message/rfc822")
}

async fn visible_attachment(state: &AppState, agent: &Agent, id: &str) -> Result<(podpora_store::messages::Attachment, Vec<u8>), UiError> {
    let id: i64 = id.parse().map_err(|_| UiError::NotFound)?;
    Ok(podpora_commands::messages::attachment(&state.room, &agent.actor, id).await?)
}

pub async fn attachment(State(state): State<AppState>, agent: Agent, Path(id): Path<String>) -> Response {
    let lang = agent.lang;
    let (a, bytes) = ui_try!(lang, visible_attachment(&state, &agent, &id).await);
    crate::api::download(bytes, &a.filename, &a.content_type)
}

pub(crate) fn image_response(bytes: Vec<u8>, content_type: &'static str) -> Response {
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=3600"));
    r
}

/// An inline image, shown only when its bytes are a raster image (whatever the mail claimed).
pub async fn inline_image(State(state): State<AppState>, agent: Agent, Path(id): Path<String>) -> Response {
    let lang = agent.lang;
    let (a, bytes) = ui_try!(lang, visible_attachment(&state, &agent, &id).await);
    match podpora_domain::media::raster_type(&bytes) {
        Some(ct) => image_response(bytes, ct),
        None => crate::api::download(bytes, &a.filename, &a.content_type),
    }
}

#[derive(Deserialize)]
pub struct ImageParams {
    u: String,
}

const MAX_REMOTE_IMAGE: usize = 5 << 20;

pub async fn remote_image(State(state): State<AppState>, agent: Agent, Path(id): Path<String>, Query(p): Query<ImageParams>) -> Response {
    let lang = agent.lang;
    let m = ui_try!(lang, visible_message(&state, &agent, &id).await);
    // Only images this message really contains: the proxy is not a general fetcher.
    if !remote_images(m.body_html.as_deref().unwrap_or("")).contains(&p.u) {
        return page_error(lang, UiError::NotFound);
    }
    match fetch_public_image(&p.u).await {
        Ok((bytes, ct)) => image_response(bytes, ct),
        Err(why) => {
            tracing::info!(message = m.id, %why, "remote image refused");
            (StatusCode::FORBIDDEN, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], why).into_response()
        }
    }
}

/// Whether an address is on the public internet (not ours, not the LAN, not the cloud metadata
/// service, not anything reserved).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let s = v6.segments();
            // NAT64 (64:ff9b::/96) embeds an IPv4 address.
            if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
                return is_public_v4(Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8));
            }
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] == 0x2001 && s[1] == 0xdb8)
                || v6 == Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 1))
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || o[0] == 0
        || (o[0] == 100 && (o[1] & 0xc0) == 64)
        || (o[0] == 192 && o[1] == 0 && o[2] == 0)
        || (o[0] == 198 && (o[1] & 0xfe) == 18)
        || o[0] >= 240)
}

/// Fetches an image from a public address, following at most three redirects, each vetted.
async fn fetch_public_image(url: &str) -> Result<(Vec<u8>, &'static str), String> {
    let mut url = reqwest::Url::parse(url).map_err(|_| "not a URL".to_string())?;
    for _ in 0..4 {
        if !matches!(url.scheme(), "http" | "https") {
            return Err("only http and https images are fetched".into());
        }
        let host = url.host_str().ok_or("no host")?.trim_matches(['[', ']']).to_string();
        let port = url.port_or_known_default().ok_or("no port")?;
        let addrs: Vec<SocketAddr> =
            tokio::net::lookup_host((host.as_str(), port)).await.map_err(|e| format!("cannot resolve {host}: {e}"))?.collect();
        if addrs.is_empty() || addrs.iter().any(|a| !is_public(a.ip())) {
            return Err(format!("{host} is not a public address"));
        }
        // Connect to exactly the address we checked (no second lookup an attacker could change).
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(10))
            .resolve(&host, addrs[0])
            .user_agent("podpora image proxy")
            .build()
            .map_err(|e| e.to_string())?;
        let mut resp = client.get(url.clone()).send().await.map_err(|e| format!("fetch failed: {e}"))?;
        if resp.status().is_redirection() {
            let next = resp.headers().get(header::LOCATION).and_then(|l| l.to_str().ok()).ok_or("redirect without a location")?;
            url = url.join(next).map_err(|_| "bad redirect".to_string())?;
            continue;
        }
        if !resp.status().is_success() {
            return Err(format!("the server answered {}", resp.status()));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| e.to_string())? {
            bytes.extend_from_slice(&chunk);
            if bytes.len() > MAX_REMOTE_IMAGE {
                return Err("image too large".into());
            }
        }
        return podpora_domain::media::raster_type(&bytes).map(|ct| (bytes, ct)).ok_or_else(|| "not a raster image".into());
    }
    Err("too many redirects".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses() {
        for bad in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2001:db8::1",
        ] {
            assert!(!is_public(bad.parse().unwrap()), "{bad}");
        }
        for good in ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"] {
            assert!(is_public(good.parse().unwrap()), "{good}");
        }
    }

    /// Each refusal for its own reason; a loopback server that would answer with a real PNG is
    /// still refused, so the test fails if the address check goes (not only when nothing listens).
    #[tokio::test]
    async fn proxy_refuses_local_targets() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let served = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let server = tokio::spawn({
            let served = served.clone();
            async move {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                while let Ok((mut s, _)) = listener.accept().await {
                    served.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let mut buf = [0u8; 1024];
                    let _ = s.read(&mut buf).await;
                    let png = b"\x89PNG\r\n\x1a\n0000";
                    let head = format!("HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: {}\r\n\r\n", png.len());
                    let _ = s.write_all(head.as_bytes()).await;
                    let _ = s.write_all(png).await;
                }
            }
        });
        let live = format!("http://127.0.0.1:{port}/x.png");
        let live_by_name = format!("http://localhost:{port}/x.png");
        for (u, reason) in [
            (live.as_str(), "127.0.0.1 is not a public address"),
            (live_by_name.as_str(), "localhost is not a public address"),
            ("http://[::1]/x.png", "::1 is not a public address"),
            ("http://169.254.169.254/latest/meta-data", "169.254.169.254 is not a public address"),
            ("http://10.0.0.1/x.png", "10.0.0.1 is not a public address"),
            ("file:///etc/passwd", "only http and https images are fetched"),
            ("gopher://x/", "only http and https images are fetched"),
        ] {
            assert_eq!(fetch_public_image(u).await, Err(reason.to_string()), "{u}");
        }
        assert_eq!(served.load(std::sync::atomic::Ordering::SeqCst), 0, "a refused URL was fetched");
        server.abort();
    }
}
