//! `/hotline/authorities`: who referrals and takedown requests go to. The hotline's people see
//! the list; administrators add, edit (`?edit=ID` opens the row in the form) and deactivate or
//! reactivate them (never delete: past actions name them).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use lachan_hotline::{AuthorityKind, MAX_AUTHORITY_CHARS};
use lachan_store::hotline::{Authority, AuthorityInput};

use super::elsewhere;
use super::report_form::choices;
use super::words::word;
use crate::ops::{self, OpError};
use crate::state::AppState;
use crate::ui::form::{Fields, Posted};
use crate::ui::i18n::{Lang, Tr};
use crate::ui::page::{Nav, Page, Req, render};
use crate::ui::profiles::Choice;
use crate::ui::viewer::Viewer;

/// The page's own address.
const HERE: &str = "/hotline/authorities";

/// A row of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AuthorityRow {
    pub id: i64,
    pub name: String,
    pub other_name: String,
    pub kind: String,
    pub contact: String,
    pub active: bool,
}

/// The add or edit form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AuthorityForm {
    pub title: String,
    pub action: String,
    pub editing: bool,
    pub kinds: Vec<Choice>,
    pub name_vi: String,
    pub name_en: String,
    pub contact: String,
}

#[derive(Template)]
#[template(path = "hotline_authorities.html")]
struct AuthoritiesPage {
    page: Page,
    admin: bool,
    form: Option<AuthorityForm>,
    authorities: Vec<AuthorityRow>,
    max_chars: usize,
}

fn row(tr: Tr, a: &Authority) -> AuthorityRow {
    let (name, other_name) = match tr.lang() {
        Lang::Vi => (&a.details.name_vi, &a.details.name_en),
        Lang::En => (&a.details.name_en, &a.details.name_vi),
    };
    AuthorityRow {
        id: a.id,
        name: name.clone(),
        other_name: if other_name == name {
            String::new()
        } else {
            other_name.clone()
        },
        kind: word(tr, a.details.kind),
        contact: if a.details.contact.is_empty() {
            "—".to_string()
        } else {
            a.details.contact.clone()
        },
        active: a.active,
    }
}

/// The form for `editing` (an authority), or for a new one.
fn form(tr: Tr, editing: Option<&Authority>) -> AuthorityForm {
    match editing {
        Some(a) => AuthorityForm {
            title: tr.t1(
                "hotline-authorities-edit",
                "name",
                a.details.name_vi.clone(),
            ),
            action: format!("{HERE}/{}", a.id),
            editing: true,
            kinds: choices(tr, AuthorityKind::ALL, a.details.kind.as_str()),
            name_vi: a.details.name_vi.clone(),
            name_en: a.details.name_en.clone(),
            contact: a.details.contact.clone(),
        },
        None => AuthorityForm {
            title: tr.t("hotline-authorities-add"),
            action: HERE.to_string(),
            editing: false,
            kinds: choices(tr, AuthorityKind::ALL, ""),
            name_vi: String::new(),
            name_en: String::new(),
            contact: String::new(),
        },
    }
}

/// `GET /hotline/authorities[?edit=ID]`.
pub(crate) async fn list(
    State(state): State<AppState>,
    req: Req,
    Viewer(who): Viewer,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let tr = req.tr();
    let authorities = match ops::list_authorities(&state, &who, true).await {
        Ok(list) => list,
        Err(error) => return elsewhere(tr, &error),
    };
    let admin = who.is_admin();
    let editing = query
        .get("edit")
        .and_then(|id| id.parse::<i64>().ok())
        .and_then(|id| authorities.iter().find(|a| a.id == id));
    let view = AuthoritiesPage {
        page: Page::new(
            &req,
            Some(&who),
            Nav::Authorities,
            "hotline-authorities-title",
            "hotline-authorities-help",
        ),
        admin,
        form: admin.then(|| form(tr, editing)),
        authorities: authorities.iter().map(|a| row(tr, a)).collect(),
        max_chars: MAX_AUTHORITY_CHARS,
    };
    render(StatusCode::OK, &view)
}

/// The authority the form's fields describe.
fn input(fields: &Fields) -> Result<AuthorityInput, OpError> {
    let kind = fields.get("kind");
    let kind = kind.parse::<AuthorityKind>().map_err(|e| {
        OpError::Invalid(format!(
            "'{}' is not a kind; use one of: {}",
            e.name, e.expected
        ))
    })?;
    Ok(AuthorityInput {
        kind,
        name_vi: fields.get("name_vi").to_string(),
        name_en: fields.get("name_en").to_string(),
        contact: fields.get("contact").to_string(),
    })
}

/// Adds an authority (`id` none) or replaces the details of authority `id` with the form's
/// fields, then goes back to the list saying so.
async fn save(state: &AppState, post: &Posted, id: Option<i64>) -> Response {
    let saved = async {
        let input = input(&post.fields)?;
        match id {
            Some(id) => ops::update_authority(state, &post.who, id, &input).await,
            None => ops::create_authority(state, &post.who, &input).await,
        }
    };
    post.redirect(HERE, saved.await, |tr, a| {
        tr.t1("hotline-flash-authority-saved", "name", a.details.name_vi)
    })
}

/// `POST /hotline/authorities`: adds one (administrators).
pub(crate) async fn create(State(state): State<AppState>, post: Posted) -> Response {
    save(&state, &post, None).await
}

/// `POST /hotline/authorities/{id}`: replaces one's details (administrators).
pub(crate) async fn update(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    post: Posted,
) -> Response {
    save(&state, &post, Some(id)).await
}

/// `POST /hotline/authorities/{id}/active`: deactivates (`active=0`) or reactivates one.
pub(crate) async fn set_active(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    post: Posted,
) -> Response {
    let active = post.fields.get("active") == "1";
    let set = ops::set_authority_active(&state, &post.who, id, active).await;
    post.redirect(HERE, set, |tr, a| {
        tr.t(if a.active {
            "hotline-flash-authority-active"
        } else {
            "hotline-flash-authority-inactive"
        })
    })
}
