//! Login (WeChat, password, dev), tokens, and who may do what.
//!
//! The core here (principal, tokens, password, attempts) is the lowest of the identity domains:
//! it reads user and grant rows directly and imports no other domain. The login flows, which
//! find or create the person, live in `users::session`.

pub mod attempts;
pub mod callers;
pub mod password;
pub mod principal;
pub mod routes;
pub mod tokens;

pub use principal::Principal;
