//! Devices: the list (with the profile each is assigned to), adding one by IP, CIDR or MAC,
//! assigning it to another profile, deleting it, and the new devices seen in the query log,
//! each with a one-click form to name and assign it.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use lachan_policy::Zone;

use super::form::Posted;
use super::i18n::Tr;
use super::page::{Nav, Page, Req, render};
use super::text;
use super::viewer::Viewer;
use crate::ops::{self, DeviceInput, DeviceView};
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
pub(crate) async fn list(State(state): State<AppState>, req: Req, Viewer(who): Viewer) -> Response {
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
    let (profiles, devices, unseen) = page.or_error(loaded);
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
pub(crate) async fn create(State(state): State<AppState>, post: Posted) -> Response {
    let input = DeviceInput {
        name: post.fields.get("name").to_string(),
        matchers: post.fields.all("matchers"),
        profile: post.fields.get("profile").to_string(),
    };
    let made = ops::create_device(&state, &post.who, &input).await;
    post.redirect("/devices", made, device_flash("flash-device-added"))
}

/// `POST /devices/assign`: gives a device another profile.
pub(crate) async fn assign(State(state): State<AppState>, post: Posted) -> Response {
    let Posted { who, fields, .. } = &post;
    let assigned = async {
        let device = ops::get_device(&state, who, fields.get("name")).await?;
        let input = DeviceInput {
            name: device.name.clone(),
            matchers: device.matchers,
            profile: fields.get("profile").to_string(),
        };
        ops::update_device(&state, who, &device.name, &input).await
    }
    .await;
    post.redirect("/devices", assigned, device_flash("flash-device-assigned"))
}

/// The flash message `id` about a device and its profile.
fn device_flash(id: &str) -> impl FnOnce(Tr, DeviceView) -> String {
    move |tr, device| {
        tr.t2(
            id,
            ("name", device.name.into()),
            ("profile", device.profile.into()),
        )
    }
}

/// `POST /devices/delete`.
pub(crate) async fn delete(State(state): State<AppState>, post: Posted) -> Response {
    let name = post.fields.get("name");
    let deleted = ops::delete_device(&state, &post.who, name).await;
    post.redirect("/devices", deleted, |tr, ()| {
        tr.t1("flash-device-deleted", "name", name)
    })
}
