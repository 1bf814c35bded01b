//! 吹哨报到: staff whistle a department (职能部门: 公安、消防、城管…, a unit attached to a street or
//! the county) to report on an order; the department acknowledges (报到) and resolves within
//! deadlines set per urgency by the region (or its ancestors, or the configured defaults). A
//! missed deadline is flagged once on the whistle (it counts on the black list) and moves an
//! order nobody works on one level up. Every step writes the order's timeline in the same
//! transaction. Rules in docs/whistles.md.
//!
//! The HTTP surface is `routes`; every other file is the domain core and knows nothing of HTTP.

pub mod departments;
pub mod listing;
pub mod overdue;
pub mod routes;
pub mod view;
pub mod whistle;
