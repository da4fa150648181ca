//! The page a child sees when their browser reaches Lachan because a site's name was blocked.
//!
//! Status 403 with `Cache-Control: no-store`: the site really is refused (403 is the honest
//! status, and crawlers or apps do not take the page for the site's content), browsers show a
//! 403 body like any page, and nothing may cache it, so that the real site shows again at once
//! when it is unblocked (a schedule ends, a guardian allows it).
//!
//! Its footer links to the hotline's public report form by a relative `/report`: that path is
//! served on every host name (see `console::dispatch`), so the link works on the blocked name.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

/// Longest host name shown, in characters (a DNS name has at most 253).
const MAX_SHOWN_CHARS: usize = 253;

/// The block page for a request to `host`, saying `reason` when one is known.
pub(crate) fn response(host: &str, reason: Option<&str>) -> Response {
    let mut response = (StatusCode::FORBIDDEN, Html(render(host, reason))).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
    );
    response
}

/// The page's HTML, with `host` and `reason` escaped.
fn render(host: &str, reason: Option<&str>) -> String {
    let shown: String = host.chars().take(MAX_SHOWN_CHARS).collect();
    let why = reason.map_or(String::new(), |r| {
        let r: String = r.chars().take(200).collect();
        format!(
            "<p class=\"why\">Lý do: <strong>{}</strong></p>",
            escape_html(&r)
        )
    });
    PAGE.replace("{host}", &escape_html(&shown))
        .replace("{why}", &why)
}

/// `text` with the characters that are special in HTML text and attributes escaped.
pub(crate) fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const PAGE: &str = r#"<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Trang này đã được chặn</title>
<style>
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#eef6ff;color:#1d2b3a;line-height:1.5}
main{max-width:34rem;margin:0 auto;padding:1.5rem 1.25rem}
.card{background:#fff;border-radius:1rem;padding:1.5rem;box-shadow:0 2px 10px rgba(0,0,0,.08)}
.icon{text-align:center;margin:0}.shield{fill:#2f6fb3}.tick{fill:none;stroke:#fff}
h1{font-size:1.5rem;text-align:center;margin:.5rem 0 1rem}
.host{font-family:ui-monospace,monospace;background:#f1f4f8;border-radius:.5rem;padding:.5rem .75rem;overflow-wrap:anywhere;text-align:center}
h2{font-size:1.1rem;margin:1.25rem 0 .5rem}
ul{padding-left:1.25rem;margin:0}
.help{margin-top:1.25rem;background:#fff6e0;border-left:4px solid #f0a500;border-radius:.5rem;padding:.75rem 1rem}
.help a{color:#8a4b00;font-weight:bold}
.en{margin-top:1.25rem;font-size:.9rem;color:#4a5a6a}
.why{text-align:center}
.report{margin-top:1rem;font-size:.95rem}.report a,.en a{color:#24578e;font-weight:bold}
</style>
</head>
<body>
<main>
<div class="card">
<p class="icon" aria-hidden="true"><svg width="56" height="64" viewBox="0 0 56 64"><path d="M28 2 L52 11 V30 C52 46 41 56 28 62 C15 56 4 46 4 30 V11 Z" class="shield"/><path d="M17 32 L25 40 L40 24" class="tick" stroke-width="5" stroke-linecap="round" stroke-linejoin="round"/></svg></p>
<h1>Trang này đã được chặn</h1>
<p class="host">{host}</p>
{why}
<p>Lachan đã chặn trang này để giữ an toàn cho em khi lên mạng. Trang có thể không hợp với lứa tuổi của em, hoặc bây giờ đang ngoài giờ được dùng.</p>
<h2>Em nên làm gì?</h2>
<ul>
<li>Đừng lo, em không làm gì sai cả.</li>
<li>Nếu em cần trang này để học, hãy nhờ bố mẹ hoặc thầy cô mở giúp.</li>
<li>Em có thể quay lại trang trước và tiếp tục.</li>
</ul>
<div class="help">
<strong>Em cần giúp đỡ hay muốn tâm sự?</strong><br>
Gọi <a href="tel:111">Tổng đài 111 — miễn phí, 24/7</a>. Tổng đài quốc gia bảo vệ trẻ em luôn lắng nghe em.
</div>
<p class="report">Thấy trẻ em bị hại trên mạng? <a href="/report">Báo cáo cho Tổng đài 111</a> (không cần tài khoản, có thể giấu tên).</p>
<p class="en" lang="en">This site was blocked by Lachan to keep you safe online. If you need it, ask a parent or teacher. Need help? Call 111, Vietnam's child helpline: free, 24/7. Saw a child harmed online? <a href="/report?lang=en">Report it to hotline 111</a>.</p>
</div>
</main>
</body>
</html>
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_the_host_is_escaped() {
        let page = render("<script>alert('x')</script>&\".test", Some("<b>x</b>"));
        assert!(page.contains("Lý do: <strong>&lt;b&gt;x&lt;/b&gt;</strong>"));
        assert!(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;.test"));
        assert!(!page.contains("<script>"));
    }

    #[test]
    fn the_page_links_to_the_hotline_s_report_form() {
        let page = render("example.com", None);
        assert!(page.contains("href=\"/report\""), "{page}");
        assert!(page.contains("href=\"tel:111\""));
    }

    #[test]
    fn long_hosts_are_cut() {
        let page = render(&"a".repeat(10_000), None);
        assert!(page.contains(&"a".repeat(MAX_SHOWN_CHARS)));
        assert!(!page.contains(&"a".repeat(MAX_SHOWN_CHARS + 1)));
    }
}
