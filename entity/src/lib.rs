//! Database tables. No behaviour lives here; the service crate owns the rules.

pub mod account;
pub mod activity;
pub mod activity_signup;
pub mod award_claim;
pub mod goods;
pub mod idempotency_key;
pub mod member_report;
pub mod order_event;
pub mod outbox;
pub mod redemption;
pub mod redemption_line;
pub mod refresh_token;
pub mod region;
pub mod residence;
pub mod restock;
pub mod role_grant;
pub mod service_item;
pub mod service_order;
pub mod store;
pub mod subscription_credit;
pub mod team;
pub mod team_member;
pub mod transfer;
pub mod unit;
pub mod user;
pub mod wish;
