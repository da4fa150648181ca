//! What every request handler shares.

use std::net::IpAddr;
use std::sync::Arc;

use lachan_policy::ServiceCatalog;
use lachan_store::Store;

use crate::gateway::Gateway;
use crate::hotline::{HotlineOptions, HotlineService};
use crate::images::{BankIndex, ImageOptions, ImageService};
use crate::limiter::{FailureLimiter, LoginLimiter};
use crate::text::{TextOptions, TextService};
use crate::vault::Vault;

/// The console's own `Host` values when none are configured (the default listen address).
pub const DEFAULT_CONSOLE_HOSTS: &[&str] = &["127.0.0.1:8080", "localhost:8080"];

/// The state of the HTTP application; cheap to clone.
#[derive(Clone)]
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
    /// Failed sign-ins per source address and per username.
    pub(crate) logins: Arc<LoginLimiter>,
    /// Held while the first administrator is made, so that two setups cannot both succeed.
    pub(crate) setup_lock: Arc<tokio::sync::Mutex<()>>,
    /// Says, in Vietnamese, why a host is blocked for a client (the block page shows it).
    pub explain: Option<BlockExplainer>,
    /// The running DNS gateway, when there is one.
    pub gateway: Option<Arc<dyn Gateway>>,
    /// The text-safety engine with its policy and limits.
    pub(crate) text: Arc<TextService>,
    /// The image-safety engine with its limits and the hash banks in memory.
    pub(crate) images: Arc<ImageService>,
    /// The hotline: its options, the attachment vault and the public form's limiter.
    pub(crate) hotline: Arc<HotlineService>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("console_hosts", &self.console_hosts)
            .field("explain", &self.explain.is_some())
            .field("gateway", &self.gateway.is_some())
            .field("text", self.text.options())
            .field("images", self.images.options())
            .field("hotline", self.hotline.options())
            .finish_non_exhaustive()
    }
}

/// Why `host` (a name, no port) is blocked for the device at `client`, in words for a child;
/// `None` when there is nothing to say.
pub type BlockExplainer = Arc<dyn Fn(&str, IpAddr) -> Option<String> + Send + Sync>;

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
            logins: Arc::new(LoginLimiter::default()),
            setup_lock: Arc::new(tokio::sync::Mutex::new(())),
            explain: None,
            gateway: None,
            text: Arc::new(TextService::new(TextOptions::default())),
            images: Arc::new(ImageService::new(ImageOptions::default())),
            hotline: Arc::new(HotlineService::new(HotlineOptions::default(), None)),
        }
    }

    /// The same state, with the image-safety API under `options` (else
    /// [`ImageOptions::default`]).
    pub fn with_images(mut self, options: ImageOptions) -> AppState {
        self.images = Arc::new(ImageService::new(options));
        self
    }

    /// Loads the store's image hash banks now, if they changed since they were last loaded
    /// (every image check does the same, so an import made while serving is matched from the
    /// next check on); returns what is loaded.
    pub async fn load_image_banks(&self) -> Result<Arc<BankIndex>, lachan_store::StoreError> {
        self.images.current(&self.store).await
    }

    /// The same state, with the text-safety API under `options` (else
    /// [`TextOptions::default`]).
    pub fn with_text(mut self, options: TextOptions) -> AppState {
        self.text = Arc::new(TextService::new(options));
        self
    }

    /// The same state, with the hotline under `options` (else [`HotlineOptions::default`]),
    /// sealing case attachments with `vault` (without one, attachments are refused).
    pub fn with_hotline(mut self, options: HotlineOptions, vault: Option<Arc<Vault>>) -> AppState {
        self.hotline = Arc::new(HotlineService::new(options, vault));
        self
    }

    /// The hotline's options in force.
    pub fn hotline_options(&self) -> &HotlineOptions {
        self.hotline.options()
    }

    /// The same state, with the block page explaining blocks through `explain`.
    pub fn with_explainer(mut self, explain: BlockExplainer) -> AppState {
        self.explain = Some(explain);
        self
    }

    /// The same state, applying changes to and reading live state from `gateway`.
    pub fn with_gateway(mut self, gateway: Arc<dyn Gateway>) -> AppState {
        self.gateway = Some(gateway);
        self
    }

    /// Now, by the gateway's clock when there is a gateway, else by the system clock.
    pub fn now(&self) -> jiff::Timestamp {
        self.gateway
            .as_ref()
            .map_or_else(jiff::Timestamp::now, |g| g.now())
    }
}
