//! 志愿服务队 (volunteer teams): named teams under a community or one of its units, with a
//! leader and members; an activity may be limited to one team.
//!
//! The HTTP surface is `routes`; every other file is the domain core and knows nothing of HTTP.

pub mod listing;
pub mod manage;
pub mod membership;
pub mod routes;

pub use membership::{eligible_team, is_member};
