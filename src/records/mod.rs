//! 志愿服务记录 (the volunteer record): one append-only row per credited service, orders and
//! activities alike, written in the transaction that posts the credit to the time bank;
//! corrections are negative rows with a reason (《志愿服务记录与证明出具办法》: true, accurate,
//! complete, traceable). Stars (星级) follow cumulative credited hours.
//!
//! The HTTP surface is `routes`; every other file is the domain core and knows nothing of HTTP.

pub mod corrections;
pub mod credit;
pub mod history;
pub mod routes;
pub mod stars;
