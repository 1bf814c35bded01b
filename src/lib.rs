//! linli（邻里）: community service orders, a time bank and a love supermarket.

pub mod config;
pub mod db;
pub mod error;
pub mod extract;
pub mod kv;
pub mod metrics;
pub mod openapi;
pub mod ops;
pub mod regions;
pub mod routes;
pub mod seed;
pub mod startup;
pub mod state;
pub mod telemetry;
