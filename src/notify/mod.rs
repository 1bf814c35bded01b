//! Notifications. Each order transition (and each wish step) that someone must act on writes
//! outbox rows in its own transaction; the relay delivers them: WeChat subscribe messages
//! (counting the credits the mini-program reports) and console events fanned out through the KV
//! store's pub/sub, which dispatch consoles read as server-sent events.

mod notice;
pub mod relay;
pub mod routes;
pub mod streams;
mod subscriptions;

pub use notice::{
    ActivityChange, OrderChange, ProblemNotice, StarChange, WishChange, enqueue, enqueue_activity,
    enqueue_problem, enqueue_star, enqueue_wish, region_channel,
};
pub use subscriptions::add_credits;
