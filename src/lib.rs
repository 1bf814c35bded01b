//! linli（邻里）: community service orders, a time bank and a love supermarket.

pub mod access;
pub mod activities;
pub mod api;
pub mod auth;
pub mod boards;
pub mod cache;
pub mod calendar;
pub mod certificates;
pub mod client_ip;
pub mod config;
pub mod console;
pub mod db;
pub mod error;
pub mod export;
pub mod extract;
pub mod idempotency;
pub mod jobs;
pub mod kv;
pub mod ledger;
pub mod media;
pub mod metrics;
pub mod notify;
pub mod openapi;
pub mod ops;
pub mod orders;
pub mod pii;
pub mod problems;
pub mod projects;
pub mod ratelimit;
pub mod records;
pub mod regions;
pub mod reports;
pub mod residences;
pub mod routes;
pub mod seed;
pub mod severity;
pub mod startup;
pub mod state;
pub mod stats;
pub mod store;
pub mod teams;
pub mod telemetry;
pub mod users;
pub mod wechat;
pub mod whistles;
pub mod wishes;

/// Installs the process's one TLS crypto provider (rustls with ring); later calls do nothing.
pub fn init_tls() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
