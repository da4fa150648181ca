//! API tokens (create with a role — administrators may choose admin, guardian or platform; the
//! token is shown once —, revoke), users (administrators: create a guardian with a household,
//! a hotline operator or supervisor with their hotline, an administrator who may also
//! supervise a hotline; delete) and the audit log (administrators).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use lachan_policy::Zone;
use lachan_store::Role;

use super::form::Posted;
use super::i18n::Tr;
use super::page::{Nav, Page, Req, redirect_with, render};
use super::text;
use super::viewer::Viewer;
use crate::MIN_PASSWORD_CHARS;
use crate::ops::{self, TokenInput, UserInput};
use crate::principal::{Principal, Via};
use crate::state::AppState;

/// Audit entries shown.
const AUDIT_SHOWN: u32 = 300;

/// A token row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TokenRow {
    pub id: i64,
    pub name: String,
    pub role: String,
    pub created: String,
    pub last_used: String,
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    page: Page,
    admin: bool,
    tokens: Vec<TokenRow>,
    new_token: Option<String>,
}

/// The role and household of an account or token, e.g. "Phụ huynh / giáo viên · Lớp 6A".
fn role_text(tr: Tr, role: Role, household: Option<&str>) -> String {
    match household {
        Some(h) => format!("{} · {h}", text::role(tr, role)),
        None => text::role(tr, role),
    }
}

/// The tokens page, with `new_token` shown once when one was just made.
async fn tokens_page(
    state: &AppState,
    req: &Req,
    who: &Principal,
    new_token: Option<String>,
    error: Option<String>,
) -> Response {
    let tr = req.tr();
    let mut page = Page::new(req, Some(who), Nav::Tokens, "tokens-title", "tokens-help");
    let zone = Zone::default();
    let tokens = page.or_error(ops::list_tokens(state, who).await);
    if let Some(error) = error {
        page = page.with_error(error);
    }
    let tokens = tokens
        .into_iter()
        .map(|t| TokenRow {
            id: t.id,
            role: role_text(tr, t.role, t.household.as_deref()),
            created: text::date_time(tr, &zone, t.created_ms),
            last_used: t
                .last_used_ms
                .map_or_else(|| tr.t("never"), |ms| text::date_time(tr, &zone, ms)),
            name: t.name,
        })
        .collect();
    let view = TokensPage {
        page,
        admin: who.is_admin(),
        tokens,
        new_token,
    };
    render(StatusCode::OK, &view)
}

/// `GET /tokens`.
pub(crate) async fn tokens(
    State(state): State<AppState>,
    req: Req,
    Viewer(who): Viewer,
) -> Response {
    tokens_page(&state, &req, &who, None, None).await
}

/// `POST /tokens`: makes a token and shows it, this once, on the page (not through a redirect,
/// so that it is never stored in a cookie or a URL).
pub(crate) async fn create_token(State(state): State<AppState>, post: Posted) -> Response {
    let Posted { who, fields, req } = &post;
    // Guardians make guardian tokens only: their form has no role field.
    let role = match fields.get("role").parse::<Role>() {
        Ok(role) if who.is_admin() => role,
        _ => Role::Guardian,
    };
    let input = TokenInput {
        name: fields.get("name").to_string(),
        role,
        household: fields.optional("household"),
    };
    match ops::create_token(&state, who, &input).await {
        Ok(made) => {
            let mut response = tokens_page(&state, req, who, Some(made.token), None).await;
            response.headers_mut().insert(
                axum::http::header::CACHE_CONTROL,
                axum::http::HeaderValue::from_static("no-store"),
            );
            response
        }
        Err(error) => {
            let error = text::op_error(req.tr(), &error);
            let mut response = tokens_page(&state, req, who, None, Some(error)).await;
            *response.status_mut() = StatusCode::BAD_REQUEST;
            response
        }
    }
}

/// `POST /tokens/revoke`.
pub(crate) async fn revoke_token(State(state): State<AppState>, post: Posted) -> Response {
    let revoked = async { ops::revoke_token(&state, &post.who, post.fields.id()?).await };
    post.redirect("/tokens", revoked.await, |tr, ()| {
        tr.t("flash-token-revoked")
    })
}

/// Where an administrators' page sends someone it cannot be shown to: back to the dashboard,
/// saying why unless it is only their role.
fn not_for_guardians(tr: Tr, error: ops::OpError) -> Response {
    match error {
        ops::OpError::Forbidden(_) => Redirect::to("/").into_response(),
        error => redirect_with("/", true, &text::op_error(tr, &error)),
    }
}

/// A user row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UserRow {
    pub id: i64,
    pub name: String,
    pub role: String,
    /// The household or class of a guardian, the hotline of an operator or supervisor.
    pub household: String,
    pub created: String,
    pub is_me: bool,
}

/// The roles a person may be given, in the order offered.
const PERSON_ROLES: [Role; 4] = [
    Role::Guardian,
    Role::Operator,
    Role::Supervisor,
    Role::Admin,
];

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    page: Page,
    users: Vec<UserRow>,
    roles: Vec<(&'static str, String)>,
    /// The hotline pre-filled for operators and supervisors (`[hotline] name`).
    hotline: String,
    min_password: usize,
}

/// `GET /users` (administrators; others go back to the dashboard).
pub(crate) async fn users(
    State(state): State<AppState>,
    req: Req,
    Viewer(who): Viewer,
) -> Response {
    let tr = req.tr();
    let users = match ops::list_users(&state, &who).await {
        Ok(users) => users,
        Err(error) => return not_for_guardians(tr, error),
    };
    let me = match &who.via {
        Via::Session { user_id, .. } => Some(*user_id),
        Via::Token { .. } => None,
    };
    let zone = Zone::default();
    let view = UsersPage {
        page: Page::new(&req, Some(&who), Nav::Users, "users-title", "users-help"),
        users: users
            .into_iter()
            .map(|u| UserRow {
                id: u.id,
                role: text::role(tr, u.role),
                household: match (u.household, u.hotline) {
                    (Some(household), _) => household,
                    (None, Some(hotline)) => tr.t1("users-hotline-of", "hotline", hotline),
                    (None, None) => "—".to_string(),
                },
                created: text::date_time(tr, &zone, u.created_ms),
                is_me: Some(u.id) == me,
                name: u.username,
            })
            .collect(),
        roles: PERSON_ROLES
            .iter()
            .map(|&r| (r.as_str(), text::role(tr, r)))
            .collect(),
        hotline: state.hotline.options().name.clone(),
        min_password: MIN_PASSWORD_CHARS,
    };
    render(StatusCode::OK, &view)
}

/// `POST /users`: makes a user.
pub(crate) async fn create_user(State(state): State<AppState>, post: Posted) -> Response {
    let fields = &post.fields;
    let input = UserInput {
        username: fields.get("username").to_string(),
        password: fields.raw("password").to_string(),
        role: match fields.get("role").parse::<Role>() {
            Ok(role) if PERSON_ROLES.contains(&role) => role,
            _ => Role::Guardian,
        },
        household: fields.optional("household"),
        hotline: fields.optional("hotline"),
    };
    let made = ops::create_user(&state, &post.who, &input).await;
    post.redirect("/users", made, |tr, user| {
        tr.t1("flash-user-created", "name", user.username)
    })
}

/// `POST /users/delete`.
pub(crate) async fn delete_user(State(state): State<AppState>, post: Posted) -> Response {
    let deleted = async { ops::delete_user(&state, &post.who, post.fields.id()?).await };
    post.redirect("/users", deleted.await, |tr, ()| tr.t("flash-user-deleted"))
}

/// An audit row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AuditRow {
    pub time: String,
    pub actor: String,
    pub action: String,
    pub object: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    page: Page,
    entries: Vec<AuditRow>,
}

/// `GET /audit` (administrators).
pub(crate) async fn audit(
    State(state): State<AppState>,
    req: Req,
    Viewer(who): Viewer,
) -> Response {
    let tr = req.tr();
    let entries = match ops::audit_log(&state, &who, AUDIT_SHOWN).await {
        Ok(entries) => entries,
        Err(error) => return not_for_guardians(tr, error),
    };
    let zone = Zone::default();
    let view = AuditPage {
        page: Page::new(&req, Some(&who), Nav::Audit, "audit-title", "audit-help"),
        entries: entries
            .into_iter()
            .map(|e| AuditRow {
                time: text::date_time(tr, &zone, e.time_ms),
                actor: text::audit_word(tr, &e.actor),
                action: text::audit_word(tr, &e.action),
                object: e.object,
                detail: e.detail,
            })
            .collect(),
    };
    render(StatusCode::OK, &view)
}
