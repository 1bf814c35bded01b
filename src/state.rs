use crate::auth::principal::CallerCache;
use crate::auth::tokens::TokenKeys;
use crate::config::Config;
use crate::kv::Kv;
use crate::pii::Pii;
use crate::regions::cache::RegionCache;
use crate::wechat::WechatClient;
use sea_orm::DatabaseConnection;
use secrecy::ExposeSecret;
use std::sync::Arc;

/// What every handler may reach: storage, coordination, keys and configuration.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub kv: Kv,
    pub config: Arc<Config>,
    pub tokens: TokenKeys,
    pub pii: Pii,
    pub wechat: WechatClient,
    /// Lookup hashes of `BOOTSTRAP_ADMIN_PHONES`: who is a system admin, decided per request.
    pub admin_hashes: Arc<std::collections::HashSet<String>>,
    /// Recent callers and the region tree, held in process (see [`crate::cache`]).
    pub callers: CallerCache,
    pub regions: Arc<RegionCache>,
}

impl AppState {
    pub fn new(db: DatabaseConnection, kv: Kv, config: Config) -> anyhow::Result<AppState> {
        // One TLS stack (rustls with ring) for every outbound HTTPS call.
        crate::init_tls();
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(5))
            .user_agent(concat!("linli/", env!("CARGO_PKG_VERSION")))
            .build()?;
        let pii = Pii::new(config.pii_key.expose_secret());
        let admin_hashes = Arc::new(
            config
                .bootstrap_admin_phones
                .iter()
                .map(|p| pii.lookup_hash(p))
                .collect(),
        );
        Ok(AppState {
            admin_hashes,
            tokens: TokenKeys::new(
                &config.jwt_secret,
                config.access_token_ttl,
                config.refresh_token_ttl,
            ),
            pii,
            wechat: WechatClient::new(http, config.wechat.clone(), kv.clone()),
            db,
            kv,
            callers: CallerCache::new(config.caller_recheck),
            config: Arc::new(config),
            regions: Arc::default(),
        })
    }
}
