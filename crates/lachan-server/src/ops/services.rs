//! The catalogue of blockable services.

use lachan_policy::{Service, ServiceGroup};

use super::OpError;
use crate::state::AppState;

/// The services of the catalogue, in catalogue order; only those of `group` when one is named.
pub fn list_services(
    state: &AppState,
    group: Option<&str>,
) -> Result<Vec<&'static Service>, OpError> {
    let group = match group.map(str::trim) {
        None | Some("") => None,
        Some(name) => Some(name.parse::<ServiceGroup>().map_err(|_| {
            let groups: Vec<&str> = ServiceGroup::ALL.iter().map(|g| g.as_str()).collect();
            OpError::Invalid(format!(
                "unknown service group '{name}'; use one of: {}",
                groups.join(", ")
            ))
        })?),
    };
    let catalog = state.catalog;
    Ok(catalog
        .all()
        .iter()
        .filter(|s| group.is_none_or(|g| s.group == g))
        .collect())
}
