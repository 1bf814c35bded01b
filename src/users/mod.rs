//! People: finding or creating them, how others see them, the caller's own page, and sessions.
//!
//! Other domains import `people` (through the re-exports below); `me` and `session` sit above
//! residences and the ledger and are imported by the routes only.

pub mod me;
pub mod people;
pub mod routes;
pub mod session;

pub use people::{UserOut, ensure_by_phone};
