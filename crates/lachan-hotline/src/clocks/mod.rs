//! Legal clocks: deadlines that start and are met by events on a case ([`ClockEvent`]), defined
//! as data ([`ClockBook`], `data/clocks.toml`), and how a clock stands at a given time
//! ([`ClockState::status`]). Callers pass the time; nothing here reads the system clock.

mod book;
mod event;
mod state;

pub use book::{ClockBook, ClockError, ClockRule, MAX_CLOCK_HOURS, MIN_CLOCK_HOURS};
pub use event::ClockEvent;
pub use state::{ClockState, ClockStatus};
