//! What every request handler shares.

use std::sync::Arc;

use lachan_policy::ServiceCatalog;
use lachan_store::Store;

use crate::limiter::FailureLimiter;

/// The console's own `Host` values when none are configured (the default listen address).
pub const DEFAULT_CONSOLE_HOSTS: &[&str] = &["127.0.0.1:8080", "localhost:8080"];

/// The state of the HTTP application; cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// The blockable services.
    pub catalog: &'static ServiceCatalog,
    /// `Host` header values (name and port, as a browser sends them) that address the console
    /// rather than a blocked site. IP literals always do, whatever the port.
    pub console_hosts: Arc<[String]>,
    /// Failed bearer-token attempts per source address.
    pub(crate) failures: Arc<FailureLimiter>,
}

impl AppState {
    /// State over `store` and `catalog`; `console_hosts` as in [`AppState::console_hosts`],
    /// compared without regard to case.
    pub fn new(
        store: Store,
        catalog: &'static ServiceCatalog,
        console_hosts: impl IntoIterator<Item = String>,
    ) -> AppState {
        AppState {
            store,
            catalog,
            console_hosts: console_hosts
                .into_iter()
                .map(|h| h.to_ascii_lowercase())
                .collect(),
            failures: Arc::new(FailureLimiter::default()),
        }
    }
}
