//! 志愿活动 (activities): published under a community or grid by its staff, or by a unit admin
//! for the unit; signup with a waitlist held under a crowd; check-in and check-out by a rotating
//! signed code or by staff by hand; minutes (and coins) credited through the points bank once
//! per (activity, person), whoever checks out first, the member, staff or the clock.
//!
//! Lock order: the activity row (signup, withdrawal, edit, cancel), then signup rows, then the
//! accounts (ledger). Check-in and check-out take no activity lock: each is one conditional
//! update of the person's signup row.
//!
//! The HTTP surface is `routes`; every other file is the domain core and knows nothing of HTTP.

pub mod attendance;
pub mod codes;
pub mod listing;
pub mod publish;
pub mod routes;
pub mod row;
pub mod signup;
pub mod view;
pub mod visibility;
