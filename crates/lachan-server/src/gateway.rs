//! The running DNS gateway as the console sees it: apply changes now, read a profile's live
//! state (pause, schedule, time used and left), grant extra time.
//!
//! The binary implements [`Gateway`] over the resolver's filter; this crate never sees the
//! resolver itself. Without a gateway (tests of the HTTP side alone) changes are only stored.

use std::future::Future;
use std::pin::Pin;

use jiff::Timestamp;
use lachan_policy::{BlockReason, BudgetUse, ExtraTime};

/// A boxed future that can be sent between threads.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The live side of the DNS gateway.
pub trait Gateway: Send + Sync {
    /// Applies the store's profiles and devices to DNS now. The error is a text for the user.
    fn apply(&self) -> BoxFuture<'_, Result<(), String>>;
    /// The profile's state now; `None` when DNS does not know the profile (yet).
    fn live(&self, profile: &str) -> Option<LiveProfile>;
    /// Adds extra time, already saved in the store by the caller, to the running budgets.
    fn grant_extra(&self, profile: &str, extra: ExtraTime);
    /// Now, by the gateway's clock (injectable in tests).
    fn now(&self) -> Timestamp;
}

/// A profile's state at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveProfile {
    /// Why all internet is blocked now (a pause or a schedule), if it is.
    pub blocked: Option<BlockReason>,
    /// Each daily budget: minutes used and allowed today (per service for per-service budgets,
    /// only the services used today).
    pub budgets: Vec<BudgetUse>,
    /// When today's budgets reset (the next local midnight).
    pub resets_at: Timestamp,
}
