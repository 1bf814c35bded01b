use crate::auth::principal::CallerCache;
use crate::auth::tokens::TokenKeys;
use crate::config::Config;
use crate::kv::Kv;
use crate::media::s3::ObjectStoreBucket;
use crate::media::storage::{LocalDir, Storage};
use crate::pii::Pii;
use crate::regions::cache::RegionCache;
use crate::wechat::WechatClient;
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use secrecy::ExposeSecret;
use std::sync::Arc;

/// What every handler may reach: storage, coordination, keys and configuration.
#[derive(Clone)]
pub struct AppState {
    /// The primary: every write, and every read that decides one.
    pub db: DatabaseConnection,
    /// The read replica when `DATABASE_READ_URL` is set, else the primary: dashboards,
    /// leaderboards, exports and public feeds, which may lag the primary by the replica's delay.
    pub read: DatabaseConnection,
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
    /// Where uploaded pictures are kept: `MEDIA_DIR`, or the `MEDIA_S3_BUCKET` bucket.
    pub media: Arc<dyn Storage>,
    /// What "now" is for the figures a request reads (dashboards' default month, boards).
    pub clock: Clock,
}

/// The time figures are read at: the system clock, unless a test has set it.
#[derive(Clone, Default)]
pub struct Clock(Arc<std::sync::RwLock<Option<DateTime<Utc>>>>);

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        self.0.read().ok().and_then(|at| *at).unwrap_or_else(Utc::now)
    }

    /// Sets the clock to `at` (`None`: the system clock again), for every clone of this state.
    pub fn set(&self, at: Option<DateTime<Utc>>) {
        if let Ok(mut held) = self.0.write() {
            *held = at;
        }
    }
}

impl AppState {
    pub fn new(
        db: DatabaseConnection,
        read: DatabaseConnection,
        kv: Kv,
        config: Config,
    ) -> anyhow::Result<AppState> {
        // One TLS stack (rustls with ring) for every outbound HTTPS call (WeChat, the picture
        // bucket), installed before either client is built.
        crate::init_tls();
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(5))
            .user_agent(concat!("linli/", env!("CARGO_PKG_VERSION")))
            .build()?;
        let media: Arc<dyn Storage> = match &config.media.s3 {
            Some(s3) => Arc::new(ObjectStoreBucket::new(s3)?),
            None => Arc::new(LocalDir::new(config.media.dir.clone())),
        };
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
            read,
            kv,
            callers: CallerCache::new(config.caller_recheck),
            media,
            config: Arc::new(config),
            regions: Arc::default(),
            clock: Clock::default(),
        })
    }
}
