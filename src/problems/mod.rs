//! 问题清单 (the monthly problem list): staff of a community or grid file problems onto the
//! community's list of a month (摸底排查, until the file day); the community's joint meeting
//! (联席会议) accepts, merges or rejects them and publishes the list; units reported to the
//! community claim items (认领, one owner), may drop them before the street day, and resolve them;
//! what is still open when the street day begins passes to the street (`jobs::problems`).
//!
//! Every step is one conditional update on the state read (`state::advance`) with its entry in
//! the item's append-only log (`events`). Dates are pure functions (`deadlines`). Rules in
//! docs/problems.md.
//!
//! The HTTP surface is `routes`; every other file is the domain core and knows nothing of HTTP.

pub mod claims;
pub mod deadlines;
pub mod escalation;
mod events;
pub mod filing;
pub mod listing;
pub mod meetings;
pub mod orders;
pub mod reminders;
pub mod routes;
pub mod state;
pub mod view;
pub mod visibility;
