//! 志愿服务记录证明 (volunteer service certificates): a member asks for one over a period; the
//! server freezes the facts (the volunteer, every credited service in the period from the service
//! record, the total, the issuing community) under a random, checked number and records it. The
//! PDF is rendered from those facts on request (the same bytes every time); anyone can verify a
//! number publicly and sees the facts masked. Rules in docs/activities.md ("Certificates").
//!
//! The HTTP surface is `routes`; every other file is the domain core and knows nothing of HTTP.

pub mod facts;
pub mod issue;
pub mod listing;
pub mod lookup;
pub mod number;
pub mod pdf;
pub mod routes;
mod source;
