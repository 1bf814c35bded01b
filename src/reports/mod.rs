//! 双报到: units report to a community (单位报到), members report to the community they live in
//! (党员报到); staff approve, and approval makes the person a member there.
//!
//! The HTTP surface is `routes`; every other file is the domain core and knows nothing of HTTP.

pub mod members;
pub mod rollup;
pub mod routes;
pub mod stats;
pub mod units;
pub mod visibility;
