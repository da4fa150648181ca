//! The wiring of Lachan's `lachan` binary, as a library so that end-to-end tests can run the
//! whole system in one process with an injected clock ([`serve::run_with`]).
//!
//! It joins the crates: configuration ([`config`]), the store synchronised with it ([`app`]),
//! the DNS gateway and the console ([`serve`]), alerts ([`alerts`]), the hotline's background
//! work ([`hotline`]) and the console's live view of the gateway ([`gateway`]), the text-safety
//! commands ([`text`]), the image-safety commands ([`image`]), the photo-privacy commands
//! ([`photo`]), the audit-log commands ([`audit`]) and accounts made on the command line
//! ([`user`]). It holds no filtering, storage or HTTP logic of its own.

pub mod alerts;
pub mod app;
pub mod audit;
pub mod check;
pub mod config;
pub mod gateway;
pub mod hotline;
pub mod image;
pub mod lists;
pub mod photo;
pub mod querylog;
pub mod serve;
pub mod text;
pub mod user;
