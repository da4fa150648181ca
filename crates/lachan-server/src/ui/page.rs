//! What every console page shares: the language, the signed-in user, the navigation, the CSRF
//! token for forms and the flash message left by the previous action; and turning a template
//! into a response.

use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use fluent_bundle::FluentValue;
use lachan_store::Role;

use super::cookies::{cookie, set_cookie};
use super::i18n::{Lang, Tr};
use super::text;
use crate::ops::OpError;
use crate::principal::Principal;

/// The cookie holding the message shown once on the page after a form was sent.
pub(crate) const FLASH_COOKIE: &str = "lachan_flash";

/// Longest flash text kept, in bytes (a cookie holds about 4 kB).
const MAX_FLASH_BYTES: usize = 600;

/// The areas of the console, in navigation order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Nav {
    /// The dashboard: one card per profile.
    Home,
    /// Per-day and per-week activity.
    Activity,
    /// Devices and new devices seen.
    Devices,
    /// Alerts.
    Alerts,
    /// The catalogue of services.
    Services,
    /// Photo privacy.
    Photo,
    /// API tokens.
    Tokens,
    /// Users (administrators).
    Users,
    /// The audit log (administrators).
    Audit,
    /// The hotline's queue, cases and notifications (operators, supervisors).
    Hotline,
    /// The hotline's statistics.
    HotlineStats,
    /// The authorities referrals and takedown requests go to.
    Authorities,
    /// Pages outside the navigation (sign-in, first run, the public report form).
    None,
}

/// Who a navigation link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Audience {
    /// Administrators, parents and teachers: the family and school pages.
    Family,
    /// Administrators only.
    Admins,
    /// The hotline's operators and supervisors, and administrators who also supervise it.
    Hotline,
    /// The hotline's people and every administrator (who edits the authorities).
    HotlineOrAdmins,
}

impl Nav {
    const ITEMS: [(Nav, &'static str, &'static str, Audience); 12] = [
        (Nav::Home, "/", "nav-home", Audience::Family),
        (Nav::Hotline, "/hotline", "nav-hotline", Audience::Hotline),
        (Nav::Activity, "/activity", "nav-activity", Audience::Family),
        (Nav::Devices, "/devices", "nav-devices", Audience::Family),
        (Nav::Alerts, "/alerts", "nav-alerts", Audience::Family),
        (Nav::Services, "/services", "nav-services", Audience::Family),
        (Nav::Photo, "/photo", "nav-photo", Audience::Family),
        (Nav::Tokens, "/tokens", "nav-tokens", Audience::Family),
        (
            Nav::HotlineStats,
            "/hotline/stats",
            "nav-hotline-stats",
            Audience::Hotline,
        ),
        (
            Nav::Authorities,
            "/hotline/authorities",
            "nav-authorities",
            Audience::HotlineOrAdmins,
        ),
        (Nav::Users, "/users", "nav-users", Audience::Admins),
        (Nav::Audit, "/audit", "nav-audit", Audience::Admins),
    ];
}

/// One link of the navigation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NavLink {
    /// Where it goes.
    pub href: &'static str,
    /// Its text.
    pub label: String,
    /// Whether it is the page being shown.
    pub current: bool,
}

/// A message shown at the top of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Flash {
    /// Whether it reports a failure.
    pub error: bool,
    /// The text.
    pub text: String,
}

/// The signed-in user, as the page header shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UserBar {
    /// Username.
    pub name: String,
    /// "Quản trị viên" or "Phụ huynh / giáo viên: Lớp 6A".
    pub role: String,
    /// Whether they are an administrator.
    pub admin: bool,
    /// Whether they use the family and school pages (administrators, parents, teachers).
    pub family: bool,
    /// Whether they work for a hotline: operators, supervisors, administrators who also
    /// supervise one.
    pub hotline: bool,
}

impl UserBar {
    /// The header's view of `who`, in `tr`'s language.
    fn of(tr: Tr, who: &Principal) -> UserBar {
        let role = text::role(tr, who.role);
        let role = match (who.household.as_deref(), who.hotline.as_deref()) {
            (Some(household), _) if who.role == Role::Guardian => {
                tr.t1("role-guardian-of", "household", household)
            }
            (_, Some(hotline)) => tr.t2(
                "role-of-hotline",
                ("role", role.into()),
                ("hotline", hotline.into()),
            ),
            _ => role,
        };
        UserBar {
            name: who.name().to_string(),
            role,
            admin: who.is_admin(),
            family: matches!(who.role, Role::Admin | Role::Guardian),
            hotline: who.hotline.is_some() && who.role != Role::Guardian,
        }
    }

    /// Whether a link for `audience` is shown to this user.
    fn sees(&self, audience: Audience) -> bool {
        match audience {
            Audience::Family => self.family,
            Audience::Admins => self.admin,
            Audience::Hotline => self.hotline,
            Audience::HotlineOrAdmins => self.hotline || self.admin,
        }
    }
}

/// What a page needs to know of its request: the language, the headers (cookies) and the
/// address.
#[derive(Debug, Clone)]
pub(crate) struct Req {
    /// The page's language.
    pub lang: Lang,
    /// The request's headers.
    pub headers: HeaderMap,
    /// The address asked for.
    pub uri: Uri,
}

impl<S: Send + Sync> FromRequestParts<S> for Req {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Req, Self::Rejection> {
        Ok(Req {
            lang: Lang::of_request(parts),
            headers: parts.headers.clone(),
            uri: parts.uri.clone(),
        })
    }
}

impl Req {
    /// The translator into the request's language.
    pub(crate) fn tr(&self) -> Tr {
        self.lang.tr()
    }
}

/// The request facts every page needs; built by [`Page::new`].
#[derive(Debug, Clone)]
pub(crate) struct Page {
    /// Translator into the page's language.
    pub tr: Tr,
    /// Translated title.
    pub title: String,
    /// One line saying what the page is for.
    pub help: String,
    /// Active area.
    pub nav: Nav,
    /// The signed-in user, if any.
    pub user: Option<UserBar>,
    /// The session's CSRF token, for the hidden field of every form.
    pub csrf: String,
    /// The message of the previous action, or an error of this one.
    pub flash: Option<Flash>,
    /// The link that shows this page in the other language.
    pub switch_href: String,
    /// Whether the page refreshes its `data-live` parts every 30 s.
    pub live: bool,
}

impl Page {
    /// A page for request `req` titled by message `title_id` with help `help_id`, in area
    /// `nav`, for `who`.
    pub(crate) fn new(
        req: &Req,
        who: Option<&Principal>,
        nav: Nav,
        title_id: &str,
        help_id: &str,
    ) -> Page {
        let (lang, headers, uri) = (req.lang, &req.headers, &req.uri);
        let tr = lang.tr();
        let user = who.map(|p| UserBar::of(tr, p));
        Page {
            title: tr.t(title_id),
            help: tr.t(help_id),
            nav,
            user,
            csrf: who
                .and_then(|p| p.csrf_token())
                .unwrap_or_default()
                .to_string(),
            flash: cookie(headers, FLASH_COOKIE).and_then(|v| decode_flash(&v)),
            switch_href: switch_href(uri, lang),
            live: false,
            tr,
        }
    }

    /// The text of message `id`.
    pub(crate) fn t(&self, id: &str) -> String {
        self.tr.t(id)
    }

    /// The text of message `id` with one variable.
    pub(crate) fn t1<'a>(
        &self,
        id: &str,
        name: &'a str,
        value: impl Into<FluentValue<'a>>,
    ) -> String {
        self.tr.t1(id, name, value)
    }

    /// The code of the page's language.
    pub(crate) fn lang(&self) -> &'static str {
        self.tr.lang().code()
    }

    /// The label of the language switch link (the other language's name).
    pub(crate) fn switch_label(&self) -> String {
        self.tr.t("lang-switch")
    }

    /// The navigation links this user may follow.
    pub(crate) fn nav_links(&self) -> Vec<NavLink> {
        let Some(user) = &self.user else {
            return Vec::new();
        };
        Nav::ITEMS
            .iter()
            .filter(|&&(_, _, _, audience)| user.sees(audience))
            .map(|&(nav, href, id, _)| NavLink {
                href,
                label: self.tr.t(id),
                current: nav == self.nav,
            })
            .collect()
    }

    /// Shows an error of the current action at the top of the page.
    pub(crate) fn with_error(mut self, text: String) -> Page {
        self.flash = Some(Flash { error: true, text });
        self
    }

    /// The value `loaded`; when loading failed, the default (nothing to show) with the error
    /// shown at the top of the page.
    pub(crate) fn or_error<T: Default>(&mut self, loaded: Result<T, OpError>) -> T {
        loaded.unwrap_or_else(|error| {
            let text = text::op_error(self.tr, &error);
            self.flash = Some(Flash { error: true, text });
            T::default()
        })
    }

    /// Marks the page as refreshing its live parts.
    pub(crate) fn live(mut self) -> Page {
        self.live = true;
        self
    }
}

/// This page's address with `lang=` set to the other language, keeping the other parameters.
fn switch_href(uri: &Uri, lang: Lang) -> String {
    let other = match lang {
        Lang::Vi => Lang::En,
        Lang::En => Lang::Vi,
    };
    let mut query: Vec<&str> = uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("lang="))
        .collect();
    let lang_pair = format!("lang={}", other.code());
    query.push(&lang_pair);
    format!("{}?{}", uri.path(), query.join("&"))
}

/// A rendered page with status `status`, or a plain error when the template fails.
pub(crate) fn render(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(error) => {
            tracing::error!(%error, "a console page could not be rendered");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the page could not be rendered; see Lachan's log",
            )
                .into_response()
        }
    }
}

/// A 303 redirect to `to` leaving a flash message for the page there.
pub(crate) fn redirect_with(to: &str, error: bool, text: &str) -> Response {
    let mut response = Redirect::to(to).into_response();
    let value = set_cookie(FLASH_COOKIE, &encode_flash(error, text), 60);
    if let Ok(value) = HeaderValue::try_from(value) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// The cookie form of a flash message: `ok:` or `err:` and the text, percent-encoded.
fn encode_flash(error: bool, text: &str) -> String {
    let mut cut = text.len().min(MAX_FLASH_BYTES);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let mut out = String::from(if error { "err:" } else { "ok:" });
    for byte in text[..cut].bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The flash message of a cookie value, if it is one.
fn decode_flash(value: &str) -> Option<Flash> {
    let (error, encoded) = if let Some(rest) = value.strip_prefix("err:") {
        (true, rest)
    } else {
        (false, value.strip_prefix("ok:")?)
    };
    let bytes = encoded.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let text = String::from_utf8(out).ok()?;
    (!text.is_empty()).then_some(Flash { error, text })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flash_texts_survive_the_cookie() {
        let text = "Đã lưu hồ sơ \"Lớp 6A\"; 100% <ok>";
        let encoded = encode_flash(false, text);
        assert!(
            encoded
                .bytes()
                .all(|b| b.is_ascii_graphic() && b != b';' && b != b'"')
        );
        assert_eq!(
            decode_flash(&encoded),
            Some(Flash {
                error: false,
                text: text.to_string()
            })
        );
        assert!(decode_flash(&encode_flash(true, "x")).unwrap().error);
    }

    #[test]
    fn bad_flash_cookies_are_ignored() {
        for value in ["", "ok:", "hello", "ok:%zz", "err:%C3", "ok:%4"] {
            assert_eq!(decode_flash(value), None, "{value}");
        }
    }

    #[test]
    fn long_flash_texts_are_cut_on_a_character() {
        let text = "ạ".repeat(1000);
        let flash = decode_flash(&encode_flash(false, &text)).unwrap();
        assert!(flash.text.len() <= MAX_FLASH_BYTES);
        assert!(flash.text.chars().all(|c| c == 'ạ'));
    }

    /// The navigation's addresses for someone of `role` with `hotline`.
    fn nav_for(role: Role, hotline: Option<&str>) -> Vec<&'static str> {
        let who = Principal {
            actor: "someone".into(),
            role,
            household: (role == Role::Guardian).then(|| "nguyen".into()),
            hotline: hotline.map(str::to_string),
            via: crate::principal::Via::Session {
                csrf: "t".into(),
                user_id: 1,
                token_hash: [0; 32],
            },
        };
        let req = Req {
            lang: Lang::Vi,
            headers: HeaderMap::new(),
            uri: Uri::from_static("/"),
        };
        let page = Page::new(&req, Some(&who), Nav::Home, "home-title", "home-help");
        page.nav_links().into_iter().map(|l| l.href).collect()
    }

    #[test]
    fn each_role_sees_its_own_pages() {
        let hotline = ["/hotline", "/hotline/stats", "/hotline/authorities"];
        assert_eq!(nav_for(Role::Operator, Some("111")), hotline);
        assert_eq!(nav_for(Role::Supervisor, Some("111")), hotline);
        let guardian = nav_for(Role::Guardian, None);
        assert!(guardian.contains(&"/") && guardian.contains(&"/photo"));
        assert!(
            !guardian
                .iter()
                .any(|h| h.starts_with("/hotline") || *h == "/users")
        );
        let admin = nav_for(Role::Admin, None);
        assert!(!admin.contains(&"/hotline"), "no case contents: {admin:?}");
        assert!(!admin.contains(&"/hotline/stats"), "{admin:?}");
        for href in ["/", "/hotline/authorities", "/users", "/audit"] {
            assert!(admin.contains(&href), "{href}: {admin:?}");
        }
        let supervising = nav_for(Role::Admin, Some("111"));
        assert_eq!(supervising.len(), admin.len() + 2);
        assert!(supervising.contains(&"/hotline"));
    }

    #[test]
    fn the_header_names_the_hotline() {
        let req = Req {
            lang: Lang::Vi,
            headers: HeaderMap::new(),
            uri: Uri::from_static("/"),
        };
        let who = Principal {
            actor: "tv-lan".into(),
            role: Role::Operator,
            household: None,
            hotline: Some("111".into()),
            via: crate::principal::Via::Session {
                csrf: "t".into(),
                user_id: 2,
                token_hash: [0; 32],
            },
        };
        let page = Page::new(
            &req,
            Some(&who),
            Nav::Hotline,
            "hotline-title",
            "hotline-help",
        );
        let user = page.user.unwrap();
        assert_eq!(user.role, "Tư vấn viên (tổng đài) · tổng đài 111");
        assert!(user.hotline && !user.family && !user.admin);
    }

    #[test]
    fn the_switch_link_keeps_the_query_and_flips_the_language() {
        let uri: Uri = "/activity?profile=An&lang=vi&day=2026-01-02"
            .parse()
            .unwrap();
        assert_eq!(
            switch_href(&uri, Lang::Vi),
            "/activity?profile=An&day=2026-01-02&lang=en"
        );
        let uri: Uri = "/".parse().unwrap();
        assert_eq!(switch_href(&uri, Lang::En), "/?lang=vi");
    }
}
