//! Dashboards (统计): figures of a region's subtree over a range of China days, with the same
//! figures for each child region; definitions in docs/stats.md.
//!
//! The HTTP surface is `routes`; every other file is the domain core and knows nothing of HTTP.

pub mod civic;
pub mod dashboard;
pub mod figures;
pub mod orders;
pub mod people;
pub mod points;
pub mod range;
pub mod routes;
pub mod table;
