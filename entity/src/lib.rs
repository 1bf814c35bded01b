//! Database tables. No behaviour lives here; the service crate owns the rules.

pub mod member_report;
pub mod refresh_token;
pub mod region;
pub mod role_grant;
pub mod unit;
pub mod user;
