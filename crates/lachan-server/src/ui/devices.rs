//! Devices: the list (with the profile each is assigned to), adding one by IP, CIDR or MAC,
//! assigning it to another profile, deleting it, and the new devices seen in the query log,
//! each with a one-click form to name and assign it.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use lachan_policy::Zone;

use super::form::{Fields, poster, signed_in};
use super::page::{Nav, Page, Req, redirect_with, render};
use super::text;
use crate::ops::{self, DeviceInput};
use crate::principal::Principal;
use crate::state::AppState;

/// A device row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DeviceRow {
    pub name: String,
    pub matchers: String,
    pub profile: String,
    pub editable: bool,
}

/// A new device seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UnseenRow {
    pub ip: String,
    pub last_seen: String,
    pub queries: u64,
}

#[derive(Template)]
#[template(path = "devices.html")]
struct DevicesPage {
    page: Page,
    profiles: Vec<String>,
    devices: Vec<DeviceRow>,
    unseen: Vec<UnseenRow>,
}

/// `GET /devices`.
pub(crate) async fn list(
    State(state): State<AppState>,
    req: Req,
    who: Option<Principal>,
) -> Response {
    let who = match signed_in(&state, who).await {
        Ok(who) => who,
        Err(response) => return response,
    };
    let mut page = Page::new(
        &req,
        Some(&who),
        Nav::Devices,
        "devices-title",
        "devices-help",
    );
    let tr = req.tr();
    let loaded = async {
        let profiles = ops::list_profiles(&state, &who).await?;
        let devices = ops::list_devices(&state, &who).await?;
        let unseen = ops::unseen_devices(&state, &who).await?;
        Ok::<_, ops::OpError>((profiles, devices, unseen))
    }
    .await;
    let (profiles, devices, unseen) = match loaded {
        Ok(found) => found,
        Err(error) => {
            page = page.with_error(text::op_error(tr, &error));
            Default::default()
        }
    };
    let zone = Zone::default();
    let view = DevicesPage {
        page,
        profiles: profiles.into_iter().map(|p| p.profile.name).collect(),
        devices: devices
            .into_iter()
            .map(|d| DeviceRow {
                matchers: d.matchers.join(", "),
                name: d.name,
                profile: d.profile,
                editable: d.editable,
            })
            .collect(),
        unseen: unseen
            .into_iter()
            .map(|u| UnseenRow {
                ip: u.ip.to_string(),
                last_seen: text::date_time(tr, &zone, u.last_ms),
                queries: u.queries,
            })
            .collect(),
    };
    render(StatusCode::OK, &view)
}

/// `POST /devices`: adds a device (from the add form, or a new device seen).
pub(crate) async fn create(
    State(state): State<AppState>,
    req: Req,
    who: Option<Principal>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(fields);
    let who = match poster(&state, who, &req, &fields).await {
        Ok(who) => who,
        Err(response) => return response,
    };
    let tr = req.tr();
    let input = DeviceInput {
        name: fields.get("name").to_string(),
        matchers: fields.all("matchers"),
        profile: fields.get("profile").to_string(),
    };
    match ops::create_device(&state, &who, &input).await {
        Ok(device) => redirect_with(
            "/devices",
            false,
            &tr.t2(
                "flash-device-added",
                ("name", device.name.into()),
                ("profile", device.profile.into()),
            ),
        ),
        Err(error) => redirect_with("/devices", true, &text::op_error(tr, &error)),
    }
}

/// `POST /devices/assign`: gives a device another profile.
pub(crate) async fn assign(
    State(state): State<AppState>,
    req: Req,
    who: Option<Principal>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(fields);
    let who = match poster(&state, who, &req, &fields).await {
        Ok(who) => who,
        Err(response) => return response,
    };
    let tr = req.tr();
    let name = fields.get("name");
    let result = async {
        let device = ops::get_device(&state, &who, name).await?;
        let input = DeviceInput {
            name: device.name.clone(),
            matchers: device.matchers,
            profile: fields.get("profile").to_string(),
        };
        ops::update_device(&state, &who, &device.name, &input).await
    }
    .await;
    match result {
        Ok(device) => redirect_with(
            "/devices",
            false,
            &tr.t2(
                "flash-device-assigned",
                ("name", device.name.into()),
                ("profile", device.profile.into()),
            ),
        ),
        Err(error) => redirect_with("/devices", true, &text::op_error(tr, &error)),
    }
}

/// `POST /devices/delete`.
pub(crate) async fn delete(
    State(state): State<AppState>,
    req: Req,
    who: Option<Principal>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(fields);
    let who = match poster(&state, who, &req, &fields).await {
        Ok(who) => who,
        Err(response) => return response,
    };
    let tr = req.tr();
    let name = fields.get("name");
    match ops::delete_device(&state, &who, name).await {
        Ok(()) => redirect_with(
            "/devices",
            false,
            &tr.t1("flash-device-deleted", "name", name),
        ),
        Err(error) => redirect_with("/devices", true, &text::op_error(tr, &error)),
    }
}
