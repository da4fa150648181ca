//! The console's handle on the running gateway: changes made in the console are applied to
//! DNS at once, and the console reads live time use from the filter.

use std::sync::Arc;

use arc_swap::ArcSwap;
use jiff::Timestamp;
use lachan_dns::Filter;
use lachan_policy::ExtraTime;
use lachan_server::{BoxFuture, Gateway, LiveProfile};
use lachan_store::Store;

use crate::app::{self, Setup};

/// [`Gateway`] over the resolver's filter and the store.
pub struct LiveGateway {
    filter: Arc<Filter>,
    store: Store,
    /// The configuration in force (replaced on SIGHUP).
    setup: Arc<ArcSwap<Setup>>,
    /// One rebuild at a time: two quick console changes must not interleave.
    applying: tokio::sync::Mutex<()>,
}

impl LiveGateway {
    /// A gateway rebuilding `filter` from `store` with the configuration in `setup`.
    pub fn new(filter: Arc<Filter>, store: Store, setup: Arc<ArcSwap<Setup>>) -> LiveGateway {
        LiveGateway {
            filter,
            store,
            setup,
            applying: tokio::sync::Mutex::new(()),
        }
    }
}

impl Gateway for LiveGateway {
    fn apply(&self) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async move {
            let _one_at_a_time = self.applying.lock().await;
            let setup = self.setup.load_full();
            let config = app::filter_config(&self.store, &setup)
                .await
                .map_err(|e| format!("{e:#}"))?;
            let filter = self.filter.clone();
            tokio::task::spawn_blocking(move || filter.reload(&config))
                .await
                .map_err(|e| format!("the filter rebuild stopped: {e}"))?
                .map_err(|e| e.to_string())?;
            tracing::info!("console change applied to DNS");
            Ok(())
        })
    }

    fn live(&self, profile: &str) -> Option<LiveProfile> {
        self.filter.time_status(profile).map(|s| LiveProfile {
            blocked: s.blocked,
            budgets: s.budgets,
            resets_at: s.resets_at,
        })
    }

    fn grant_extra(&self, profile: &str, extra: ExtraTime) {
        if !self.filter.grant_extra(profile, extra) {
            tracing::warn!(profile, "extra time for a profile DNS does not know");
        }
    }

    fn now(&self) -> Timestamp {
        self.filter.now()
    }
}
