//! Devices (the store's clients): list, read, create, change and delete those assigned to the
//! principal's profiles, and the unknown devices seen recently in the query log.

use std::collections::HashMap;
use std::net::IpAddr;

use lachan_store::{ClientRecord, ORIGIN_CONSOLE};
use serde::{Deserialize, Serialize};

use super::profiles::visible_record;
use super::{OpError, apply, record, validate};
use crate::principal::Principal;
use crate::state::AppState;

/// How far back unknown devices are looked for.
const UNSEEN_WINDOW_MS: i64 = 7 * 24 * 60 * 60 * 1000;

/// Most unknown devices listed.
const UNSEEN_LIMIT: u32 = 50;

/// A device as the console and the API show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceView {
    /// Unique name, e.g. "An's tablet".
    pub name: String,
    /// IP addresses, CIDR ranges and MAC addresses that identify it.
    pub matchers: Vec<String>,
    /// The profile applied to it.
    pub profile: String,
    /// `console` or `file`.
    pub origin: String,
    /// Whether the console may change it (only console-made devices).
    pub editable: bool,
}

impl DeviceView {
    fn of(client: ClientRecord) -> DeviceView {
        DeviceView {
            editable: client.origin == ORIGIN_CONSOLE,
            name: client.name,
            matchers: client.matchers,
            profile: client.profile,
            origin: client.origin,
        }
    }
}

/// What a guardian writes for a device.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceInput {
    /// The device's name (for a change, the current name: renaming is not supported).
    pub name: String,
    /// IP addresses, CIDR ranges or MAC addresses; an entry may hold several, separated by
    /// commas or spaces.
    pub matchers: Vec<String>,
    /// The profile to apply: one the principal manages.
    pub profile: String,
}

/// A client address seen in the query log that no device matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnseenDevice {
    /// The address.
    pub ip: IpAddr,
    /// First query in the window (Unix milliseconds).
    pub first_ms: i64,
    /// Last query (Unix milliseconds).
    pub last_ms: i64,
    /// Queries in the window.
    pub queries: u64,
}

/// The devices assigned to profiles `who` manages, by name.
pub async fn list_devices(state: &AppState, who: &Principal) -> Result<Vec<DeviceView>, OpError> {
    let households: HashMap<String, Option<String>> = state
        .store
        .profile_records()
        .await?
        .into_iter()
        .map(|r| (r.profile.name, r.household))
        .collect();
    let manages = |profile: &str| {
        households
            .get(profile)
            .is_some_and(|h| who.manages(h.as_deref()))
            || (who.is_admin() && !households.contains_key(profile))
    };
    Ok(state
        .store
        .clients()
        .await?
        .into_iter()
        .filter(|c| manages(&c.profile))
        .map(DeviceView::of)
        .collect())
}

/// One device `who` manages.
pub async fn get_device(
    state: &AppState,
    who: &Principal,
    name: &str,
) -> Result<DeviceView, OpError> {
    visible_device(state, who, name).await.map(DeviceView::of)
}

/// Creates a console device assigned to a profile `who` manages.
pub async fn create_device(
    state: &AppState,
    who: &Principal,
    input: &DeviceInput,
) -> Result<DeviceView, OpError> {
    let name = validate::name("device", &input.name)?;
    let client = checked(state, who, name, input).await?;
    if state
        .store
        .clients()
        .await?
        .iter()
        .any(|c| c.name == client.name)
    {
        return Err(OpError::Conflict(format!(
            "a device named '{}' already exists; choose another name",
            client.name
        )));
    }
    save(state, who, &client, "device created").await
}

/// Replaces the addresses and profile of the console device `name`.
pub async fn update_device(
    state: &AppState,
    who: &Principal,
    name: &str,
    input: &DeviceInput,
) -> Result<DeviceView, OpError> {
    let old = editable_device(state, who, name).await?;
    if !input.name.trim().is_empty() && input.name.trim() != old.name {
        return Err(OpError::Invalid(format!(
            "devices cannot be renamed (from '{}' to '{}'); delete it and add it again",
            old.name,
            input.name.trim()
        )));
    }
    let client = checked(state, who, old.name.clone(), input).await?;
    save(state, who, &client, "device updated").await
}

/// Deletes the console device `name`.
pub async fn delete_device(state: &AppState, who: &Principal, name: &str) -> Result<(), OpError> {
    let old = editable_device(state, who, name).await?;
    if !state.store.delete_console_client(&old.name).await? {
        return Err(OpError::NotFound(format!("device '{}'", old.name)));
    }
    let detail = format!("{} (profile {})", old.matchers.join(" "), old.profile);
    record(state, who, "device deleted", &old.name, &detail).await?;
    apply(state).await
}

/// Client addresses of the last 7 days that no device matches, newest first: a guardian names
/// one by creating a device with its address. Any principal may see them (they belong to no
/// household yet).
pub async fn unseen_devices(
    state: &AppState,
    _who: &Principal,
) -> Result<Vec<UnseenDevice>, OpError> {
    let since = state
        .now()
        .as_millisecond()
        .saturating_sub(UNSEEN_WINDOW_MS);
    let known = known_networks(&state.store.clients().await?);
    Ok(state
        .store
        .unseen_clients(since, UNSEEN_LIMIT)
        .await?
        .into_iter()
        .filter(|c| !known.iter().any(|net| net.contains(&c.ip)))
        .map(|c| UnseenDevice {
            ip: c.ip,
            first_ms: c.first_ms,
            last_ms: c.last_ms,
            queries: c.queries,
        })
        .collect())
}

/// The addresses and ranges devices are recognised by (MAC addresses cannot be matched
/// against the log's addresses): an address named since it was seen is no longer "new".
fn known_networks(clients: &[ClientRecord]) -> Vec<ipnet::IpNet> {
    clients
        .iter()
        .flat_map(|c| &c.matchers)
        .filter_map(|m| {
            m.parse::<ipnet::IpNet>()
                .ok()
                .or_else(|| m.parse::<IpAddr>().ok().map(ipnet::IpNet::from))
        })
        .collect()
}

/// The device `name` if it is assigned to a profile `who` manages; otherwise not found.
async fn visible_device(
    state: &AppState,
    who: &Principal,
    name: &str,
) -> Result<ClientRecord, OpError> {
    let name = name.trim();
    let found = state
        .store
        .clients()
        .await?
        .into_iter()
        .find(|c| c.name == name)
        .ok_or_else(|| OpError::NotFound(format!("device '{name}'")))?;
    let profile = state.store.profile_record(&found.profile).await?;
    let manages = match &profile {
        Some(p) => who.manages(p.household.as_deref()),
        None => who.is_admin(),
    };
    if manages {
        Ok(found)
    } else {
        Err(OpError::NotFound(format!("device '{name}'")))
    }
}

/// [`visible_device`], refusing devices of the configuration file.
async fn editable_device(
    state: &AppState,
    who: &Principal,
    name: &str,
) -> Result<ClientRecord, OpError> {
    let found = visible_device(state, who, name).await?;
    if found.origin != ORIGIN_CONSOLE {
        return Err(OpError::Conflict(format!(
            "device '{}' is declared in the configuration file; change it there",
            found.name
        )));
    }
    Ok(found)
}

/// Checks a device's addresses and profile; addresses used by another device are refused.
async fn checked(
    state: &AppState,
    who: &Principal,
    name: String,
    input: &DeviceInput,
) -> Result<ClientRecord, OpError> {
    let matchers = validate::matchers(&input.matchers)?;
    let profile = visible_record(state, who, &input.profile).await?;
    let clients = state.store.clients().await?;
    for other in clients.iter().filter(|c| c.name != name) {
        if let Some(taken) = matchers.iter().find(|m| other.matchers.contains(m)) {
            return Err(OpError::Conflict(format!(
                "{taken} is already used by another device; remove it there first"
            )));
        }
    }
    Ok(ClientRecord {
        name,
        matchers,
        profile: profile.profile.name,
        origin: ORIGIN_CONSOLE.to_string(),
    })
}

/// Saves a checked device, records `action` and applies it.
async fn save(
    state: &AppState,
    who: &Principal,
    client: &ClientRecord,
    action: &str,
) -> Result<DeviceView, OpError> {
    state.store.save_console_client(client).await?;
    let detail = format!("{} (profile {})", client.matchers.join(" "), client.profile);
    record(state, who, action, &client.name, &detail).await?;
    apply(state).await?;
    Ok(DeviceView::of(client.clone()))
}
