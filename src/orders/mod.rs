//! Orders: 群众点单 → 社区派单 → 党员接单 → 服务 → 评单 → 晒单, with 吹哨报到.
//!
//! The HTTP surface is [`routes`]; every other file is the domain core and never touches HTTP.

pub mod items;
pub mod lifecycle;
pub mod listing;
pub mod minutes;
pub mod placement;
pub mod proxy;
pub mod review;
pub mod routes;
pub mod scope;
pub mod service;
pub mod showcase;
pub mod sla;
pub mod state;
pub mod view;
pub mod visibility;

pub use view::{EventOut, OrderDetailOut, OrderOut, order_out, orders_out};
pub use visibility::{Standing, standing, visible};
