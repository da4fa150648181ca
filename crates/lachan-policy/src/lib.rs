//! Lachan's shared vocabulary: the risk taxonomy (categories and their five risk groups),
//! service groups, and filtering profiles.
//!
//! This crate is pure: it must never depend on networking, databases, files or clocks, so that
//! every engine (DNS, text, image, cases) can share it and test it alone.

#[macro_use]
mod category;
mod decision;
mod profile;

pub use category::{Category, RiskGroup, ServiceGroup, UnknownName};
pub use decision::Decision;
pub use profile::{BlockAnswer, Profile, YoutubeMode};
