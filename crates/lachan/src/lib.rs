//! The wiring of Lachan's `lachan` binary, as a library so that end-to-end tests can run the
//! whole system in one process with an injected clock ([`serve::run_with`]).
//!
//! It joins the crates: configuration ([`config`]), the store synchronised with it ([`app`]),
//! the DNS gateway and the console ([`serve`]), alerts ([`alerts`]) and the console's live view
//! of the gateway ([`gateway`]), the text-safety commands ([`text`]), the image-safety
//! commands ([`image`]) and the photo-privacy commands ([`photo`]). It holds no filtering,
//! storage or HTTP logic of its own.

pub mod alerts;
pub mod app;
pub mod check;
pub mod config;
pub mod gateway;
pub mod image;
pub mod lists;
pub mod photo;
pub mod querylog;
pub mod serve;
pub mod text;
