//! Configuration from the environment, validated once at start.
//! Every problem is collected so an operator can fix them all in one go.

use crate::client_ip::{ProxyHeader, ProxyTrust};
use rand::RngCore;
use secrecy::{SecretBox, SecretString};
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://./data/linli.db?mode=rwc";
pub const DEFAULT_WECHAT_API_BASE: &str = "https://api.weixin.qq.com";
const MIN_SECRET_LEN: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppEnv {
    Dev,
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone)]
pub struct WechatConfig {
    pub appid: Option<String>,
    pub secret: Option<SecretString>,
    pub api_base: String,
}

/// Points bank limits.
#[derive(Debug, Clone)]
pub struct LedgerRules {
    /// Most coins, and minutes, one staff grant may give.
    pub grant_max_coins: i64,
    pub grant_max_minutes: i64,
    /// Most coins, and minutes, a community's staff may grant in one day (UTC+8).
    pub grant_daily_coins: i64,
    pub grant_daily_minutes: i64,
    /// Largest single donation; unset: up to the giver's available balance.
    pub donation_max: Option<i64>,
}

/// Love supermarket (爱心超市) rules.
#[derive(Debug, Clone)]
pub struct StoreRules {
    /// A redemption not picked up within this is expired: coins released, stock returned.
    pub pickup_within: Duration,
    /// Wrong pickup codes a store may submit in one window before it must wait.
    pub wrong_codes_per_window: i64,
    pub wrong_code_window: Duration,
}

/// Notifications: WeChat subscribe-message templates and the relay.
#[derive(Debug, Clone)]
pub struct NotifyConfig {
    /// Template sent to a member when an order is assigned to them.
    pub template_assigned: Option<String>,
    /// Template sent to a resident as their order moves on (accepted, started, completed, rejected).
    pub template_progress: Option<String>,
    /// Mini-program page the message opens.
    pub page: String,
    /// Template sent to an activity's participants (promoted from the waitlist, cancelled).
    pub template_activity: Option<String>,
    /// Mini-program page an activity message opens.
    pub activity_page: String,
    /// Mini-program page a wish's message opens.
    pub wish_page: String,
    /// Mini-program page of the volunteer's service record (a star message opens it).
    pub record_page: String,
    /// Mini-program page a problem-list item's message opens.
    pub problem_page: String,
    /// Whether this instance runs the relay.
    pub relay: bool,
    pub relay_every: Duration,
    /// Event streams one user may hold open at once, across instances.
    pub max_streams_per_user: i64,
    /// How often an event stream sends a keep-alive and re-checks its caller's token and role.
    pub stream_check_every: Duration,
}

/// 微心愿 rules.
#[derive(Debug, Clone)]
pub struct WishRules {
    /// A fulfilled wish the resident has not confirmed within this is confirmed by the clock.
    pub confirm_within: Duration,
}

/// Uploaded pictures (`POST /api/v1/media`).
#[derive(Debug, Clone)]
pub struct MediaConfig {
    /// Where the local backend keeps the files (`MEDIA_DIR`).
    pub dir: std::path::PathBuf,
    /// Largest upload accepted, in bytes (`MEDIA_MAX_BYTES`); larger answers 413.
    pub max_bytes: usize,
    /// Uploads one user may make per hour (`MEDIA_UPLOADS_PER_HOUR`).
    pub uploads_per_hour: i64,
    /// An upload attached to nothing for this long is deleted by the sweep.
    pub orphan_after: Duration,
    /// When set (`MEDIA_S3_BUCKET`), pictures live in this bucket instead of `dir`.
    pub s3: Option<S3Config>,
}

/// An S3-compatible bucket for pictures (AWS S3, MinIO, Aliyun OSS, Tencent COS, …).
#[derive(Debug, Clone)]
pub struct S3Config {
    pub bucket: String,
    /// `MEDIA_S3_ENDPOINT`, without a trailing `/`; when set, requests use path-style addressing
    /// (`{endpoint}/{bucket}/{key}`); unset: AWS, virtual-hosted style.
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: SecretString,
    /// Prefix of every key (`MEDIA_S3_PREFIX`, without leading or trailing `/`).
    pub prefix: Option<String>,
}

/// 吹哨报到: default deadlines (hours) for a department to acknowledge (报到) and to resolve a
/// whistle, by urgency; a region may set its own for its subtree (`regions::deadlines`).
#[derive(Debug, Clone)]
pub struct WhistleRules {
    pub respond_hours: i32,
    pub respond_urgent_hours: i32,
    pub resolve_hours: i32,
    pub resolve_urgent_hours: i32,
}

/// 问题清单 deadlines: days of the list's month in China (a day past the month's end means its
/// last day). Filing closes at the end of `file_day`, the joint meeting is due by the end of
/// `meeting_day`, and unresolved items pass to the street when `street_day` begins.
#[derive(Debug, Clone, Copy)]
pub struct ProblemRules {
    pub file_day: u32,
    pub meeting_day: u32,
    pub street_day: u32,
}

/// 志愿服务星级: cumulative credited hours that reach each star, ascending (1★ first).
#[derive(Debug, Clone)]
pub struct StarRules {
    pub hours: Vec<i64>,
}

/// Order limits and SLA clocks.
#[derive(Debug, Clone)]
pub struct OrderRules {
    /// Not dispatched within this → escalated one level up.
    pub dispatch_within: Duration,
    /// Claimed but not started within this → back to the pool or the dispatcher.
    pub start_within: Duration,
    /// Completed but not confirmed within this → closed automatically.
    pub confirm_within: Duration,
    /// How often the SLA worker looks.
    pub sla_tick: Duration,
    /// Orders a member may hold open (claimed or in service) at once.
    pub max_open_per_member: u64,
    /// Orders a resident may place per hour.
    pub submits_per_hour: i64,
    /// Minutes credited at most for an order without a service item.
    pub default_max_minutes: i32,
    /// Minutes credited beyond the time between start and complete (rounded up), for a member
    /// who pressed start late or complete early.
    pub minutes_slack: i32,
    /// Default hours of each step's deadline for an urgent order, and those of the steps with no
    /// older setting above (a region may set its own: `regions::deadlines`).
    pub urgent_dispatch_hours: i32,
    pub accept_hours: i32,
    pub urgent_accept_hours: i32,
    pub claim_hours: i32,
    pub urgent_claim_hours: i32,
    pub urgent_start_hours: i32,
    pub complete_hours: i32,
    pub urgent_complete_hours: i32,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub bind: SocketAddr,
    pub database_url: String,
    /// A read replica of `database_url` (`DATABASE_READ_URL`), for dashboards, leaderboards,
    /// exports and public feeds; `None`: everything reads the primary.
    pub database_read_url: Option<String>,
    pub db_max_connections: u32,
    /// How long a request waits for a pool connection (also bounds connecting) before 503.
    pub db_acquire_timeout: Duration,
    /// How long a token's kv check (revocation, stamps) is reused on one instance.
    pub caller_recheck: Duration,
    pub redis_url: Option<String>,
    /// Prefix of every Redis key and channel, so instances of several deployments can share one Redis.
    pub redis_prefix: String,
    pub app_env: AppEnv,
    pub jwt_secret: SecretString,
    /// True when no `JWT_SECRET` was given and a random one was made (dev only).
    pub jwt_secret_generated: bool,
    pub bootstrap_admin_phones: Vec<String>,
    /// Key of phone encryption and lookup hashes (32 bytes).
    pub pii_key: Arc<SecretBox<[u8; 32]>>,
    /// True when no `PII_KEY` was given and the fixed development key is used.
    pub pii_key_is_dev: bool,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    /// Password attempts allowed per phone, and per client IP, in one 15-minute window.
    pub login_attempts_per_phone: i64,
    pub login_attempts_per_ip: i64,
    /// Setting a first password needs a login at most this old (a refreshed token keeps its login time).
    pub fresh_login_within: Duration,
    /// Behind reverse proxies: how many, and which header they write the client address to.
    pub proxy: ProxyTrust,
    pub wechat: WechatConfig,
    pub orders: OrderRules,
    pub notify: NotifyConfig,
    pub ledger: LedgerRules,
    pub store: StoreRules,
    pub wishes: WishRules,
    pub whistles: WhistleRules,
    pub problems: ProblemRules,
    pub stars: StarRules,
    pub media: MediaConfig,
    pub body_limit: usize,
    pub shutdown_timeout: Duration,
    pub http_workers: usize,
    pub log_format: LogFormat,
}

/// All the problems found in the environment.
#[derive(Debug)]
pub struct ConfigError(pub Vec<String>);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "invalid configuration ({} problem(s)):", self.0.len())?;
        for p in &self.0 {
            writeln!(f, "  - {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|k| std::env::var(k).ok())
    }

    /// Builds the configuration from any variable source (the environment, or a map in tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let mut errs = Vec::new();
        // Empty values count as unset: `FOO=` in a unit file must not mean "the empty secret".
        let var = |k: &str| get(k).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());

        let app_env = match var("APP_ENV").as_deref() {
            None | Some("dev") | Some("development") => AppEnv::Dev,
            Some("production") | Some("prod") => AppEnv::Production,
            Some(other) => {
                errs.push(format!("APP_ENV: `{other}` is not one of dev, production"));
                AppEnv::Dev
            }
        };

        let bind = var("BIND").unwrap_or_else(|| "127.0.0.1:8080".into());
        let bind = bind.parse::<SocketAddr>().unwrap_or_else(|_| {
            errs.push(format!(
                "BIND: `{bind}` is not an address like 127.0.0.1:8080 or 0.0.0.0:80"
            ));
            SocketAddr::from(([127, 0, 0, 1], 8080))
        });
        if var("APP_ENV").is_none() {
            let signs = production_signs(&var, bind);
            if !signs.is_empty() {
                errs.push(format!(
                    "APP_ENV: not set, but this looks like a production deployment ({}), where dev \
                     login must not exist: set APP_ENV=production, or APP_ENV=dev for a development machine",
                    signs.join(", ")
                ));
            }
        }

        let database_url = var("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.into());
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            errs.push("DATABASE_URL: must start with sqlite: or postgres://".into());
        }
        let database_read_url = var("DATABASE_READ_URL");
        if let Some(r) = &database_read_url
            && r.starts_with("sqlite:") != database_url.starts_with("sqlite:")
        {
            errs.push("DATABASE_READ_URL: must be the same kind of database as DATABASE_URL".into());
        }
        let default_pool = if database_url.starts_with("sqlite:") {
            4
        } else {
            16
        };
        let db_max_connections = parse_num(&var, "DB_MAX_CONNECTIONS", default_pool, 1..=1000, &mut errs);
        let db_acquire_ms = parse_num(&var, "DB_ACQUIRE_TIMEOUT_MS", 3000, 100..=60_000, &mut errs);
        let caller_recheck_ms = parse_num(&var, "CALLER_RECHECK_MS", 500, 0..=1000, &mut errs);

        let redis_url = var("REDIS_URL");
        if let Some(u) = &redis_url
            && !(u.starts_with("redis://") || u.starts_with("rediss://") || u.starts_with("redis+unix://"))
        {
            errs.push("REDIS_URL: must start with redis:// or rediss://".into());
        }
        let redis_prefix = var("REDIS_PREFIX").unwrap_or_else(|| "linli:".into());

        let (jwt_secret, jwt_secret_generated) = match var("JWT_SECRET") {
            Some(s) if s.len() < MIN_SECRET_LEN => {
                errs.push(format!(
                    "JWT_SECRET: must be at least {MIN_SECRET_LEN} characters"
                ));
                (s, false)
            }
            Some(s) => (s, false),
            None if app_env == AppEnv::Production => {
                errs.push("JWT_SECRET: required when APP_ENV=production".into());
                (String::new(), false)
            }
            None => (random_secret(), true),
        };

        let mut bootstrap_admin_phones = Vec::new();
        for phone in var("BOOTSTRAP_ADMIN_PHONES").unwrap_or_default().split(',') {
            let phone = phone.trim();
            if phone.is_empty() {
                continue;
            }
            if is_mainland_mobile(phone) {
                bootstrap_admin_phones.push(phone.to_owned());
            } else {
                errs.push(format!(
                    "BOOTSTRAP_ADMIN_PHONES: `{phone}` is not an 11-digit mobile number"
                ));
            }
        }

        let (pii_key, pii_key_is_dev) = match var("PII_KEY") {
            Some(hex) => match decode_key(&hex) {
                Some(k) => (k, false),
                None => {
                    errs.push("PII_KEY: must be 64 hex characters (32 bytes)".into());
                    ([0; 32], false)
                }
            },
            None if app_env == AppEnv::Production => {
                errs.push("PII_KEY: required when APP_ENV=production (64 hex characters)".into());
                ([0; 32], false)
            }
            // Fixed so a dev database stays readable across restarts; never for real data.
            None => (*b"linli-dev-pii-key-not-for-prod!!", true),
        };
        let access_ttl = parse_num(&var, "ACCESS_TOKEN_TTL_SECS", 900, 60..=86_400, &mut errs);
        let refresh_ttl = parse_num(
            &var,
            "REFRESH_TOKEN_TTL_SECS",
            30 * 86_400,
            3_600..=365 * 86_400,
            &mut errs,
        );
        let login_attempts_per_phone = parse_num(&var, "LOGIN_ATTEMPTS_PER_PHONE", 5, 1..=1000, &mut errs);
        let login_attempts_per_ip = parse_num(&var, "LOGIN_ATTEMPTS_PER_IP", 30, 1..=100_000, &mut errs);
        let fresh_login_mins = parse_num(&var, "FRESH_LOGIN_MINS", 5, 0..=1440, &mut errs);
        let proxy = proxy_trust(&var, &mut errs);

        let hour = 3600u64;
        let orders = OrderRules {
            dispatch_within: Duration::from_secs(
                hour * parse_num(&var, "SLA_DISPATCH_HOURS", 24, 1..=720, &mut errs),
            ),
            start_within: Duration::from_secs(
                hour * parse_num(&var, "SLA_START_HOURS", 48, 1..=720, &mut errs),
            ),
            confirm_within: Duration::from_secs(
                86_400 * parse_num(&var, "SLA_CONFIRM_DAYS", 7, 1..=90, &mut errs),
            ),
            sla_tick: Duration::from_secs(parse_num(&var, "SLA_TICK_SECS", 60, 1..=3600, &mut errs)),
            max_open_per_member: parse_num(&var, "MAX_OPEN_ORDERS_PER_MEMBER", 5, 1..=100, &mut errs),
            submits_per_hour: parse_num(&var, "ORDER_SUBMITS_PER_HOUR", 10, 1..=1000, &mut errs),
            default_max_minutes: parse_num(&var, "DEFAULT_MAX_MINUTES", 240, 1..=1440, &mut errs),
            minutes_slack: parse_num(&var, "ORDER_MINUTES_SLACK_MINS", 15, 0..=1440, &mut errs),
            urgent_dispatch_hours: parse_num(&var, "SLA_DISPATCH_URGENT_HOURS", 4, 1..=720, &mut errs),
            accept_hours: parse_num(&var, "SLA_ACCEPT_HOURS", 24, 1..=720, &mut errs),
            urgent_accept_hours: parse_num(&var, "SLA_ACCEPT_URGENT_HOURS", 4, 1..=720, &mut errs),
            claim_hours: parse_num(&var, "SLA_CLAIM_HOURS", 48, 1..=720, &mut errs),
            urgent_claim_hours: parse_num(&var, "SLA_CLAIM_URGENT_HOURS", 8, 1..=720, &mut errs),
            urgent_start_hours: parse_num(&var, "SLA_START_URGENT_HOURS", 12, 1..=720, &mut errs),
            complete_hours: parse_num(&var, "SLA_COMPLETE_HOURS", 48, 1..=720, &mut errs),
            urgent_complete_hours: parse_num(&var, "SLA_COMPLETE_URGENT_HOURS", 12, 1..=720, &mut errs),
        };

        let notify = NotifyConfig {
            max_streams_per_user: parse_num(&var, "EVENTS_MAX_STREAMS_PER_USER", 3, 1..=100, &mut errs),
            stream_check_every: Duration::from_secs(parse_num(
                &var,
                "EVENTS_CHECK_SECS",
                15,
                1..=300,
                &mut errs,
            )),
            template_assigned: var("WECHAT_TPL_ASSIGNED"),
            template_progress: var("WECHAT_TPL_PROGRESS"),
            page: var("WECHAT_PAGE_ORDER").unwrap_or_else(|| "pages/order/detail".into()),
            template_activity: var("WECHAT_TPL_ACTIVITY"),
            activity_page: var("WECHAT_PAGE_ACTIVITY").unwrap_or_else(|| "pages/activity/detail".into()),
            wish_page: var("WECHAT_PAGE_WISH").unwrap_or_else(|| "pages/wish/detail".into()),
            record_page: var("WECHAT_PAGE_RECORD").unwrap_or_else(|| "pages/me/record".into()),
            problem_page: var("WECHAT_PAGE_PROBLEM").unwrap_or_else(|| "pages/problem/detail".into()),
            relay: match var("NOTIFY_RELAY").as_deref() {
                None | Some("true") | Some("1") => true,
                Some("false") | Some("0") => false,
                Some(other) => {
                    errs.push(format!("NOTIFY_RELAY: `{other}` is not true or false"));
                    true
                }
            },
            relay_every: Duration::from_millis(parse_num(
                &var,
                "NOTIFY_INTERVAL_MS",
                1000,
                50..=60_000,
                &mut errs,
            )),
        };

        let ledger = LedgerRules {
            grant_max_coins: parse_num(&var, "GRANT_MAX_COINS", 1_000, 1..=1_000_000, &mut errs),
            grant_max_minutes: parse_num(&var, "GRANT_MAX_MINUTES", 600, 1..=100_000, &mut errs),
            grant_daily_coins: parse_num(&var, "GRANT_DAILY_COINS", 50_000, 1..=100_000_000, &mut errs),
            grant_daily_minutes: parse_num(&var, "GRANT_DAILY_MINUTES", 30_000, 1..=10_000_000, &mut errs),
            donation_max: var("DONATION_MAX")
                .map(|_| parse_num(&var, "DONATION_MAX", 0, 1..=100_000_000, &mut errs)),
        };

        let store = StoreRules {
            pickup_within: Duration::from_secs(
                hour * parse_num(&var, "REDEMPTION_PICKUP_HOURS", 72, 1..=720, &mut errs),
            ),
            wrong_codes_per_window: parse_num(&var, "PICKUP_WRONG_CODES_PER_WINDOW", 10, 1..=1000, &mut errs),
            wrong_code_window: Duration::from_secs(
                60 * parse_num(&var, "PICKUP_WRONG_CODE_WINDOW_MINS", 10, 1..=1440, &mut errs),
            ),
        };

        let wishes = WishRules {
            confirm_within: Duration::from_secs(
                24 * hour * parse_num(&var, "WISH_CONFIRM_DAYS", 7, 1..=90, &mut errs),
            ),
        };

        let whistles = WhistleRules {
            respond_hours: parse_num(&var, "WHISTLE_RESPOND_HOURS", 24, 1..=720, &mut errs),
            respond_urgent_hours: parse_num(&var, "WHISTLE_RESPOND_URGENT_HOURS", 2, 1..=720, &mut errs),
            resolve_hours: parse_num(&var, "WHISTLE_RESOLVE_HOURS", 72, 1..=2160, &mut errs),
            resolve_urgent_hours: parse_num(&var, "WHISTLE_RESOLVE_URGENT_HOURS", 24, 1..=2160, &mut errs),
        };
        let problems = ProblemRules {
            file_day: parse_num(&var, "PROBLEM_FILE_DAY", 10, 1..=31, &mut errs),
            meeting_day: parse_num(&var, "PROBLEM_MEETING_DAY", 15, 1..=31, &mut errs),
            street_day: parse_num(&var, "PROBLEM_STREET_DAY", 25, 1..=31, &mut errs),
        };
        if !(problems.file_day < problems.meeting_day && problems.meeting_day < problems.street_day) {
            errs.push(format!(
                "PROBLEM_FILE_DAY < PROBLEM_MEETING_DAY < PROBLEM_STREET_DAY must hold (got {}, {}, {})",
                problems.file_day, problems.meeting_day, problems.street_day
            ));
        }

        let stars = StarRules {
            hours: parse_thresholds(&var, "STAR_HOURS", &[100, 300, 600, 1000, 1500], &mut errs),
        };

        let api_base = var("WECHAT_API_BASE").unwrap_or_else(|| DEFAULT_WECHAT_API_BASE.into());
        if app_env == AppEnv::Production && !api_base.starts_with("https://") {
            errs.push("WECHAT_API_BASE: must be an https:// URL when APP_ENV=production".into());
        } else if !(api_base.starts_with("http://") || api_base.starts_with("https://")) {
            errs.push("WECHAT_API_BASE: must be an http:// or https:// URL".into());
        }
        let wechat = WechatConfig {
            appid: var("WECHAT_APPID"),
            secret: var("WECHAT_SECRET").map(SecretString::from),
            api_base: api_base.trim_end_matches('/').to_owned(),
        };
        if wechat.appid.is_some() != wechat.secret.is_some() {
            errs.push("WECHAT_APPID and WECHAT_SECRET: set both or neither".into());
        }

        let media = MediaConfig {
            dir: var("MEDIA_DIR").unwrap_or_else(|| "./data/media".into()).into(),
            max_bytes: parse_num(
                &var,
                "MEDIA_MAX_BYTES",
                10 * 1024 * 1024,
                1024..=100 * 1024 * 1024,
                &mut errs,
            ),
            uploads_per_hour: parse_num(&var, "MEDIA_UPLOADS_PER_HOUR", 60, 1..=100_000, &mut errs),
            orphan_after: Duration::from_secs(24 * hour),
            s3: media_s3(&var, app_env, &mut errs),
        };

        let body_limit = parse_num(
            &var,
            "BODY_LIMIT_BYTES",
            256 * 1024,
            1024..=16 * 1024 * 1024,
            &mut errs,
        );
        let shutdown_secs = parse_num(&var, "SHUTDOWN_TIMEOUT_SECS", 30, 0..=600, &mut errs);

        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let http_workers = parse_num(&var, "HTTP_WORKERS", cores, 1..=256, &mut errs);

        let log_format = match var("LOG_FORMAT").as_deref() {
            None => match app_env {
                AppEnv::Production => LogFormat::Json,
                AppEnv::Dev => LogFormat::Text,
            },
            Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                errs.push(format!("LOG_FORMAT: `{other}` is not one of text, json"));
                LogFormat::Text
            }
        };

        if !errs.is_empty() {
            return Err(ConfigError(errs));
        }
        Ok(Config {
            bind,
            database_url,
            database_read_url,
            db_max_connections,
            db_acquire_timeout: Duration::from_millis(db_acquire_ms),
            caller_recheck: Duration::from_millis(caller_recheck_ms),
            redis_url,
            redis_prefix,
            app_env,
            jwt_secret: SecretString::from(jwt_secret),
            jwt_secret_generated,
            bootstrap_admin_phones,
            pii_key: Arc::new(SecretBox::new(Box::new(pii_key))),
            pii_key_is_dev,
            access_token_ttl: Duration::from_secs(access_ttl),
            refresh_token_ttl: Duration::from_secs(refresh_ttl),
            login_attempts_per_phone,
            login_attempts_per_ip,
            fresh_login_within: Duration::from_secs(60 * fresh_login_mins),
            proxy,
            wechat,
            orders,
            notify,
            ledger,
            store,
            wishes,
            whistles,
            problems,
            stars,
            media,
            body_limit,
            shutdown_timeout: Duration::from_secs(shutdown_secs),
            http_workers,
            log_format,
        })
    }
}

fn parse_num<T>(
    var: &impl Fn(&str) -> Option<String>,
    key: &str,
    default: T,
    range: std::ops::RangeInclusive<T>,
    errs: &mut Vec<String>,
) -> T
where
    T: std::str::FromStr + PartialOrd + fmt::Display + Copy,
{
    match var(key) {
        None => default,
        Some(raw) => match raw.parse::<T>() {
            Ok(v) if range.contains(&v) => v,
            _ => {
                errs.push(format!(
                    "{key}: `{raw}` must be a whole number from {} to {}",
                    range.start(),
                    range.end()
                ));
                default
            }
        },
    }
}

/// A comma list of 1 to 10 ascending whole numbers from 1 to 1,000,000.
fn parse_thresholds(
    var: &impl Fn(&str) -> Option<String>,
    key: &str,
    default: &[i64],
    errs: &mut Vec<String>,
) -> Vec<i64> {
    let Some(raw) = var(key) else {
        return default.to_vec();
    };
    let parsed: Option<Vec<i64>> = raw.split(',').map(|v| v.trim().parse().ok()).collect();
    match parsed {
        Some(v)
            if (1..=10).contains(&v.len())
                && v.iter().all(|h| (1..=1_000_000).contains(h))
                && v.windows(2).all(|w| w[0] < w[1]) =>
        {
            v
        }
        _ => {
            errs.push(format!(
                "{key}: `{raw}` must be 1 to 10 ascending whole numbers from 1 to 1000000, comma separated"
            ));
            default.to_vec()
        }
    }
}

/// What makes an environment without `APP_ENV` look like production: a production secret, or
/// listening beyond this machine. Such a start is refused rather than guessed, because dev mode
/// serves a login by phone alone.
fn production_signs(var: &impl Fn(&str) -> Option<String>, bind: SocketAddr) -> Vec<String> {
    let mut signs: Vec<String> = ["JWT_SECRET", "PII_KEY", "BOOTSTRAP_ADMIN_PHONES"]
        .into_iter()
        .filter(|k| var(k).is_some())
        .map(str::to_owned)
        .collect();
    if !bind.ip().is_loopback() {
        signs.push(format!("BIND={bind}"));
    }
    signs
}

const MEDIA_S3_VARS: [&str; 5] = [
    "MEDIA_S3_ENDPOINT",
    "MEDIA_S3_REGION",
    "MEDIA_S3_ACCESS_KEY_ID",
    "MEDIA_S3_SECRET_ACCESS_KEY",
    "MEDIA_S3_PREFIX",
];

/// The picture bucket, when `MEDIA_S3_BUCKET` is set. The other `MEDIA_S3_*` without it are
/// refused rather than ignored: pictures meant for a bucket must not land in `MEDIA_DIR` unnoticed.
fn media_s3(
    var: &impl Fn(&str) -> Option<String>,
    app_env: AppEnv,
    errs: &mut Vec<String>,
) -> Option<S3Config> {
    let Some(bucket) = var("MEDIA_S3_BUCKET") else {
        for key in MEDIA_S3_VARS {
            if var(key).is_some() {
                errs.push(format!("{key}: only applies with MEDIA_S3_BUCKET"));
            }
        }
        return None;
    };
    let bucket_ok = (3..=63).contains(&bucket.len())
        && bucket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
    if !bucket_ok {
        errs.push(format!(
            "MEDIA_S3_BUCKET: `{bucket}` is not a bucket name (3 to 63 lowercase letters, digits, `-`, `.`)"
        ));
    }
    let endpoint = var("MEDIA_S3_ENDPOINT").map(|e| e.trim_end_matches('/').to_owned());
    match endpoint.as_deref() {
        Some(e) if app_env == AppEnv::Production && !e.starts_with("https://") => {
            errs.push("MEDIA_S3_ENDPOINT: must be an https:// URL when APP_ENV=production".into());
        }
        Some(e) if !(e.starts_with("http://") || e.starts_with("https://")) => {
            errs.push("MEDIA_S3_ENDPOINT: must be an http:// or https:// URL".into());
        }
        _ => {}
    }
    let mut required = |key: &str| {
        var(key).unwrap_or_else(|| {
            errs.push(format!("{key}: required when MEDIA_S3_BUCKET is set"));
            String::new()
        })
    };
    let access_key_id = required("MEDIA_S3_ACCESS_KEY_ID");
    let secret_access_key = SecretString::from(required("MEDIA_S3_SECRET_ACCESS_KEY"));
    let prefix = var("MEDIA_S3_PREFIX")
        .map(|p| p.trim_matches('/').to_owned())
        .filter(|p| !p.is_empty());
    if let Some(p) = &prefix
        && crate::media::storage::check_key(p).is_err()
    {
        errs.push(format!(
            "MEDIA_S3_PREFIX: `{p}` must be `/`-separated names, none empty, `.` or `..`"
        ));
    }
    Some(S3Config {
        bucket,
        endpoint,
        region: var("MEDIA_S3_REGION").unwrap_or_else(|| "us-east-1".into()),
        access_key_id,
        secret_access_key,
        prefix,
    })
}

/// `TRUST_PROXY=true` trusts one proxy; `TRUST_PROXY_HOPS` says how many stand in front.
fn proxy_trust(var: &impl Fn(&str) -> Option<String>, errs: &mut Vec<String>) -> ProxyTrust {
    let trusted = match var("TRUST_PROXY").as_deref() {
        None | Some("false") | Some("0") => false,
        Some("true") | Some("1") => true,
        Some(other) => {
            errs.push(format!("TRUST_PROXY: `{other}` is not true or false"));
            false
        }
    };
    let header = match var("TRUST_PROXY_HEADER").as_deref() {
        None | Some("x-forwarded-for") => ProxyHeader::XForwardedFor,
        Some("forwarded") => ProxyHeader::Forwarded,
        Some(other) => {
            errs.push(format!(
                "TRUST_PROXY_HEADER: `{other}` is not one of x-forwarded-for, forwarded"
            ));
            ProxyHeader::XForwardedFor
        }
    };
    if !trusted {
        for key in ["TRUST_PROXY_HOPS", "TRUST_PROXY_HEADER"] {
            if var(key).is_some() {
                errs.push(format!("{key}: only applies with TRUST_PROXY=true"));
            }
        }
        return ProxyTrust::NONE;
    }
    ProxyTrust {
        hops: parse_num(var, "TRUST_PROXY_HOPS", 1, 1..=10, errs),
        header,
    }
}

fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn decode_key(hex: &str) -> Option<[u8; 32]> {
    if hex.len() != 64 || !hex.is_ascii() {
        return None;
    }
    let mut key = [0u8; 32];
    for (i, byte) in key.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[i * 2..i * 2 + 2], 16).ok()?;
    }
    Some(key)
}

/// Mainland China mobile numbers: 11 digits starting with 1.
pub fn is_mainland_mobile(s: &str) -> bool {
    s.len() == 11 && s.starts_with('1') && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;
    use std::collections::HashMap;

    fn load(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_serve_sqlite_in_dev_with_generated_secret() {
        let c = load(&[]).unwrap();
        assert_eq!(c.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(c.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(c.app_env, AppEnv::Dev);
        assert!(c.redis_url.is_none());
        assert!(c.jwt_secret_generated);
        assert_eq!(c.jwt_secret.expose_secret().len(), 64);
        assert_eq!(c.log_format, LogFormat::Text);
        assert_eq!(c.orders.minutes_slack, 15);
        assert_eq!(c.stars.hours, [100, 300, 600, 1000, 1500]);
    }

    #[test]
    fn star_thresholds_are_ascending_whole_hours() {
        assert_eq!(
            load(&[("STAR_HOURS", " 1, 2 ,50")]).unwrap().stars.hours,
            [1, 2, 50]
        );
        for bad in ["0,10", "10,10", "a", "1,2,3,4,5,6,7,8,9,10,11", "1,,2"] {
            let err = load(&[("STAR_HOURS", bad)]).unwrap_err();
            assert!(err.to_string().contains("STAR_HOURS"), "{bad}: {err}");
        }
    }

    #[test]
    fn problem_list_days_are_validated_at_start_up() {
        let c = load(&[]).unwrap();
        assert_eq!(
            (c.problems.file_day, c.problems.meeting_day, c.problems.street_day),
            (10, 15, 25)
        );
        let c = load(&[("PROBLEM_STREET_DAY", "31")]).unwrap();
        assert_eq!(c.problems.street_day, 31);
        for (key, bad) in [
            ("PROBLEM_FILE_DAY", "0"),
            ("PROBLEM_MEETING_DAY", "32"),
            ("PROBLEM_STREET_DAY", "x"),
        ] {
            let err = load(&[(key, bad)]).unwrap_err();
            assert!(err.to_string().contains(key), "{key}={bad}: {err}");
        }
        let err = load(&[("PROBLEM_FILE_DAY", "20")]).unwrap_err();
        assert!(
            err.to_string().contains("PROBLEM_FILE_DAY < PROBLEM_MEETING_DAY"),
            "{err}"
        );
    }

    #[test]
    fn production_requires_jwt_secret() {
        let err = load(&[("APP_ENV", "production")]).unwrap_err();
        assert!(err.to_string().contains("JWT_SECRET: required"), "{err}");
        assert!(err.to_string().contains("PII_KEY: required"), "{err}");
        let ok = load(&[
            ("APP_ENV", "production"),
            ("JWT_SECRET", &"k".repeat(40)),
            ("PII_KEY", &"ab".repeat(32)),
        ])
        .unwrap();
        assert!(!ok.pii_key_is_dev);
        assert_eq!(ok.pii_key.expose_secret()[0], 0xab);
        assert!(!ok.jwt_secret_generated);
        assert_eq!(ok.log_format, LogFormat::Json);
    }

    #[test]
    fn empty_value_is_unset() {
        let err = load(&[("APP_ENV", "production"), ("JWT_SECRET", "  ")]).unwrap_err();
        assert!(err.to_string().contains("JWT_SECRET: required"));
    }

    #[test]
    fn every_bad_value_is_reported_at_once() {
        let cases = [
            ("BIND", "localhost"),
            ("DATABASE_URL", "mysql://x"),
            ("DATABASE_READ_URL", "sqlite://replica.db"),
            ("REDIS_URL", "http://x"),
            ("APP_ENV", "staging"),
            ("JWT_SECRET", "short"),
            ("BOOTSTRAP_ADMIN_PHONES", "13800000001,12345"),
            ("WECHAT_API_BASE", "ftp://x"),
            ("WECHAT_APPID", "wx123"),
            ("BODY_LIMIT_BYTES", "ten"),
            ("SHUTDOWN_TIMEOUT_SECS", "9999"),
            ("DB_MAX_CONNECTIONS", "0"),
            ("LOG_FORMAT", "xml"),
            ("HTTP_WORKERS", "-1"),
            ("PII_KEY", "xyz"),
            ("ACCESS_TOKEN_TTL_SECS", "5"),
            ("LOGIN_ATTEMPTS_PER_PHONE", "0"),
            ("TRUST_PROXY", "maybe"),
            ("SLA_DISPATCH_HOURS", "0"),
            ("ORDER_MINUTES_SLACK_MINS", "-1"),
            ("STAR_HOURS", "300,100"),
            ("MEDIA_MAX_BYTES", "100"),
            ("MEDIA_UPLOADS_PER_HOUR", "0"),
            ("MEDIA_S3_PREFIX", "pictures"),
        ];
        let err = load(&cases).unwrap_err();
        for (key, _) in cases {
            assert!(
                err.0.iter().any(|p| p.starts_with(key)),
                "no error for {key}: {err}"
            );
        }
        assert!(err.to_string().contains("`12345`"));
    }

    #[test]
    fn admin_phones_are_parsed() {
        let c = load(&[
            ("APP_ENV", "dev"),
            ("BOOTSTRAP_ADMIN_PHONES", " 13800000001, ,13900000002 "),
        ])
        .unwrap();
        assert_eq!(c.bootstrap_admin_phones, ["13800000001", "13900000002"]);
    }

    #[test]
    fn secrets_are_not_printed_by_debug() {
        let c = load(&[
            ("APP_ENV", "dev"),
            ("JWT_SECRET", "super-secret-value-that-is-long-enough"),
            ("MEDIA_S3_BUCKET", "photos"),
            ("MEDIA_S3_ACCESS_KEY_ID", "AKID"),
            ("MEDIA_S3_SECRET_ACCESS_KEY", "s3-secret-key-value"),
        ])
        .unwrap();
        let printed = format!("{c:?}");
        assert!(!printed.contains("super-secret"), "{printed}");
        assert!(!printed.contains("s3-secret"), "{printed}");
    }

    const S3_KEYS: [(&str, &str); 2] = [
        ("MEDIA_S3_ACCESS_KEY_ID", "AKID"),
        ("MEDIA_S3_SECRET_ACCESS_KEY", "s3-secret"),
    ];

    #[test]
    fn media_s3_takes_a_bucket_and_its_keys() {
        assert!(load(&[]).unwrap().media.s3.is_none());
        let mut vars = S3_KEYS.to_vec();
        vars.extend([
            ("MEDIA_S3_BUCKET", "linli-photos"),
            ("MEDIA_S3_ENDPOINT", "http://127.0.0.1:9000/"),
            ("MEDIA_S3_PREFIX", "/prod/pictures/"),
        ]);
        let s3 = load(&vars).unwrap().media.s3.unwrap();
        assert_eq!(s3.bucket, "linli-photos");
        assert_eq!(s3.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
        assert_eq!(s3.region, "us-east-1");
        assert_eq!(s3.access_key_id, "AKID");
        assert_eq!(s3.secret_access_key.expose_secret(), "s3-secret");
        assert_eq!(s3.prefix.as_deref(), Some("prod/pictures"));
        vars.push(("MEDIA_S3_REGION", "oss-cn-hangzhou"));
        assert_eq!(load(&vars).unwrap().media.s3.unwrap().region, "oss-cn-hangzhou");
    }

    #[test]
    fn media_s3_refuses_a_half_configuration() {
        // The bucket without its keys: both missing ones are named.
        let err = load(&[("MEDIA_S3_BUCKET", "photos")]).unwrap_err().to_string();
        assert!(
            err.contains("MEDIA_S3_ACCESS_KEY_ID: required when MEDIA_S3_BUCKET is set"),
            "{err}"
        );
        assert!(
            err.contains("MEDIA_S3_SECRET_ACCESS_KEY: required when MEDIA_S3_BUCKET is set"),
            "{err}"
        );
        let err = load(&[("MEDIA_S3_BUCKET", "photos"), S3_KEYS[0]])
            .unwrap_err()
            .to_string();
        assert!(!err.contains("MEDIA_S3_ACCESS_KEY_ID"), "{err}");
        assert!(err.contains("MEDIA_S3_SECRET_ACCESS_KEY: required"), "{err}");
        // Any other MEDIA_S3_* without the bucket: not silently stored under MEDIA_DIR.
        for key in MEDIA_S3_VARS {
            let err = load(&[(key, "x")]).unwrap_err().to_string();
            assert!(
                err.contains(&format!("{key}: only applies with MEDIA_S3_BUCKET")),
                "{err}"
            );
        }
        for (key, bad) in [
            ("MEDIA_S3_BUCKET", "Photos"),
            ("MEDIA_S3_BUCKET", "ab"),
            ("MEDIA_S3_ENDPOINT", "minio:9000"),
            ("MEDIA_S3_PREFIX", "a/../b"),
        ] {
            let mut vars = S3_KEYS.to_vec();
            vars.push((key, bad));
            if key != "MEDIA_S3_BUCKET" {
                vars.push(("MEDIA_S3_BUCKET", "photos"));
            }
            let err = load(&vars).unwrap_err();
            assert!(err.0.iter().any(|p| p.starts_with(key)), "{key}={bad}: {err}");
        }
    }

    #[test]
    fn media_s3_over_plain_http_is_for_development_only() {
        let secret = "k".repeat(40);
        let mut vars = S3_KEYS.to_vec();
        vars.extend([
            ("MEDIA_S3_BUCKET", "photos"),
            ("APP_ENV", "production"),
            ("JWT_SECRET", secret.as_str()),
            ("PII_KEY", PROD_KEY),
        ]);
        let with = |endpoint: &'static str| {
            let mut vars = vars.clone();
            vars.push(("MEDIA_S3_ENDPOINT", endpoint));
            load(&vars)
        };
        let err = with("http://minio.internal:9000").unwrap_err().to_string();
        assert!(
            err.contains("MEDIA_S3_ENDPOINT: must be an https:// URL"),
            "{err}"
        );
        assert!(with("https://oss-cn-hangzhou.aliyuncs.com").is_ok());
        // AWS itself (no endpoint) is https.
        assert!(load(&vars).unwrap().media.s3.unwrap().endpoint.is_none());
    }

    const PROD_KEY: &str = "abababababababababababababababababababababababababababababababab";

    #[test]
    fn production_looking_start_without_app_env_is_refused() {
        let secret = "k".repeat(40);
        let cases: [(&str, &str, &str); 5] = [
            ("JWT_SECRET", &secret, "JWT_SECRET"),
            ("PII_KEY", PROD_KEY, "PII_KEY"),
            ("BOOTSTRAP_ADMIN_PHONES", "13800000001", "BOOTSTRAP_ADMIN_PHONES"),
            ("BIND", "0.0.0.0:8080", "BIND=0.0.0.0:8080"),
            ("BIND", "[::]:80", "BIND=[::]:80"),
        ];
        for (key, value, named) in cases {
            let err = load(&[(key, value)]).unwrap_err().to_string();
            assert!(err.contains("APP_ENV: not set"), "{key}: {err}");
            assert!(err.contains(named), "{key}: {err}");
            assert!(
                err.contains("set APP_ENV=production, or APP_ENV=dev for a development machine"),
                "{err}"
            );
            // Saying which it is settles it.
            assert_eq!(
                load(&[(key, value), ("APP_ENV", "dev")]).unwrap().app_env,
                AppEnv::Dev
            );
        }
    }

    #[test]
    fn loopback_dev_machine_needs_no_app_env() {
        for bind in ["127.0.0.1:9000", "[::1]:8080"] {
            assert_eq!(load(&[("BIND", bind)]).unwrap().app_env, AppEnv::Dev, "{bind}");
        }
    }

    #[test]
    fn production_wants_https_wechat() {
        let secret = "k".repeat(40);
        let prod = [
            ("APP_ENV", "production"),
            ("JWT_SECRET", secret.as_str()),
            ("PII_KEY", PROD_KEY),
        ];
        let with = |base: &'static str| {
            let mut vars = prod.to_vec();
            vars.push(("WECHAT_API_BASE", base));
            load(&vars)
        };
        let err = with("http://127.0.0.1:9000").unwrap_err().to_string();
        assert!(err.contains("WECHAT_API_BASE: must be an https:// URL"), "{err}");
        assert_eq!(
            with("https://wx.example.cn/").unwrap().wechat.api_base,
            "https://wx.example.cn"
        );
        // A local fake WeChat stays possible on a development machine.
        assert!(load(&[("WECHAT_API_BASE", "http://127.0.0.1:9000")]).is_ok());
    }

    #[test]
    fn trusted_proxies_are_counted() {
        assert_eq!(load(&[]).unwrap().proxy, ProxyTrust::NONE);
        let one = load(&[("TRUST_PROXY", "true")]).unwrap().proxy;
        assert_eq!((one.hops, one.header), (1, ProxyHeader::XForwardedFor));
        let two = load(&[
            ("TRUST_PROXY", "1"),
            ("TRUST_PROXY_HOPS", "2"),
            ("TRUST_PROXY_HEADER", "forwarded"),
        ])
        .unwrap()
        .proxy;
        assert_eq!((two.hops, two.header), (2, ProxyHeader::Forwarded));
        for bad in [
            vec![("TRUST_PROXY_HOPS", "2")],
            vec![("TRUST_PROXY", "true"), ("TRUST_PROXY_HOPS", "0")],
            vec![("TRUST_PROXY", "true"), ("TRUST_PROXY_HEADER", "x-real-ip")],
        ] {
            assert!(load(&bad).is_err(), "{bad:?}");
        }
    }
}
