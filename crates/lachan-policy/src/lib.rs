//! Lachan's shared vocabulary and time rules: the risk taxonomy (categories and their five risk
//! groups), service groups and the blocked-services catalogue (a data file), filtering profiles,
//! how a query was answered, and the pure logic of schedules, pauses and daily time budgets
//! (Decree 147/2024 defaults) that decides whether a service is allowed right now.
//!
//! This crate is pure: it must never depend on networking, databases, files or clocks (callers
//! pass the current time; time zones come from the tz database compiled in), so that every
//! engine (DNS, text, image, cases) can share it and test it alone.

mod access;
mod budget;
#[macro_use]
mod category;
mod decision;
mod profile;
mod schedule;
mod services;

pub use access::{Access, BlockReason, InvalidTarget, Moment, Target, TimeLimits, access};
pub use budget::{
    Budget, BudgetState, BudgetUse, ExtraTime, UsageDay, budget_uses, day_overview,
    decree_147_defaults, evaluate,
};
pub use category::{Category, RiskGroup, ServiceGroup, UnknownName};
pub use decision::Decision;
pub use profile::{BlockAnswer, Profile, YoutubeMode};
pub use schedule::{
    DEFAULT_TIME_ZONE, Interval, Pause, Schedule, ScheduleError, UnknownTimeZone, Weekly, Zone,
};
pub use services::{CatalogError, Service, ServiceCatalog};
