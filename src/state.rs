use crate::config::Config;
use crate::kv::Kv;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

/// What every handler may reach: storage, coordination and configuration.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub kv: Kv,
    pub config: Arc<Config>,
}
