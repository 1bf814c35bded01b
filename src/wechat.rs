//! WeChat mini-program server API: `jscode2session`, `stable_token`, `getuserphonenumber`.
//! The base URL is configurable so tests talk to a local fake.

use crate::config::WechatConfig;
use crate::error::{AppError, ErrorCode};
use crate::kv::Kv;
use secrecy::ExposeSecret;
use serde::Deserialize;
use std::time::Duration;

const TOKEN_KEY: &str = "wechat:access_token";
const LOCK_KEY: &str = "wechat:access_token:lock";
const LOCK_TTL: Duration = Duration::from_secs(10);
/// Refresh this long before WeChat's own expiry.
const EARLY_REFRESH_SECS: u64 = 300;

#[derive(Clone)]
pub struct WechatClient {
    http: reqwest::Client,
    config: WechatConfig,
    kv: Kv,
}

/// Who WeChat says the mini-program user is. `session_key` is never read into memory.
#[derive(Debug, Deserialize)]
pub struct Session {
    pub openid: String,
    pub unionid: Option<String>,
}

#[derive(Deserialize)]
struct ErrReply {
    #[serde(default)]
    errcode: i64,
    #[serde(default)]
    errmsg: String,
}

#[derive(Deserialize)]
struct TokenReply {
    access_token: String,
    expires_in: u64,
}

#[derive(Deserialize)]
struct PhoneReply {
    phone_info: PhoneInfo,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PhoneInfo {
    pure_phone_number: String,
}

fn map_errcode(errcode: i64, errmsg: &str, call: &str) -> AppError {
    let code = match errcode {
        40029 => ErrorCode::WechatCodeInvalid,
        40163 => ErrorCode::WechatCodeUsed,
        45011 => ErrorCode::WechatRateLimited,
        _ => ErrorCode::WechatUnavailable,
    };
    tracing::warn!(call, errcode, errmsg, "WeChat refused");
    let mut err = AppError::new(code).with_detail(format!("微信返回 {errcode}"));
    if matches!(code, ErrorCode::WechatRateLimited | ErrorCode::WechatUnavailable) {
        err.retry_after = Some(if errcode == 45011 { 60 } else { 5 });
    }
    err
}

/// A transport error, without the URL: its query holds the app secret or the access token.
fn transport(err: reqwest::Error, call: &str) -> AppError {
    unavailable(err.without_url(), call)
}

fn unavailable(err: impl std::fmt::Display, call: &str) -> AppError {
    tracing::warn!(call, error = %err, "WeChat unreachable");
    let mut e = AppError::new(ErrorCode::WechatUnavailable);
    e.retry_after = Some(5);
    e
}

/// Parses a WeChat reply: an `errcode` other than 0 is an error, whatever else came along.
fn parse<T: for<'de> Deserialize<'de>>(body: &[u8], call: &str) -> Result<T, AppError> {
    if let Ok(err) = serde_json::from_slice::<ErrReply>(body)
        && err.errcode != 0
    {
        return Err(map_errcode(err.errcode, &err.errmsg, call));
    }
    serde_json::from_slice(body).map_err(|e| unavailable(e, call))
}

impl WechatClient {
    pub fn new(http: reqwest::Client, config: WechatConfig, kv: Kv) -> WechatClient {
        WechatClient { http, config, kv }
    }

    fn credentials(&self) -> Result<(&str, &str), AppError> {
        match (&self.config.appid, &self.config.secret) {
            (Some(a), Some(s)) => Ok((a, s.expose_secret())),
            _ => Err(AppError::new(ErrorCode::WechatNotConfigured)),
        }
    }

    async fn send(&self, req: reqwest::RequestBuilder, call: &str) -> Result<Vec<u8>, AppError> {
        let res = req.send().await.map_err(|e| transport(e, call))?;
        if !res.status().is_success() {
            return Err(unavailable(format!("HTTP {}", res.status()), call));
        }
        Ok(res.bytes().await.map_err(|e| transport(e, call))?.to_vec())
    }

    pub async fn code2session(&self, code: &str) -> Result<Session, AppError> {
        let (appid, secret) = self.credentials()?;
        let req = self
            .http
            .get(format!("{}/sns/jscode2session", self.config.api_base))
            .query(&[
                ("appid", appid),
                ("secret", secret),
                ("js_code", code),
                ("grant_type", "authorization_code"),
            ]);
        parse(&self.send(req, "jscode2session").await?, "jscode2session")
    }

    /// The shared access token: cached in the KV store, fetched by one instance at a time.
    /// `stale` is a token WeChat just refused: it is replaced (force refresh), not returned.
    pub async fn access_token(&self, stale: Option<&str>) -> Result<String, AppError> {
        let usable = |t: &Option<String>| t.as_deref().is_some_and(|t| Some(t) != stale);
        let cached = self.kv.get(TOKEN_KEY).await?;
        if usable(&cached) {
            return Ok(cached.unwrap_or_default());
        }
        // Any value unique to this call marks the lock as ours.
        let me = format!("{:016x}", rand::random::<u64>());
        // Wait a little for a refresher elsewhere rather than stampede WeChat.
        for _ in 0..100 {
            if self.kv.set_nx(LOCK_KEY, &me, LOCK_TTL).await? {
                let cached = self.kv.get(TOKEN_KEY).await?;
                let result = if usable(&cached) {
                    Ok(cached.unwrap_or_default())
                } else {
                    self.fetch_token(stale.is_some()).await
                };
                self.kv.del_if_eq(LOCK_KEY, &me).await?;
                return result;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            let cached = self.kv.get(TOKEN_KEY).await?;
            if usable(&cached) {
                return Ok(cached.unwrap_or_default());
            }
        }
        Err(unavailable(
            "timed out waiting for the token refresher",
            "stable_token",
        ))
    }

    async fn fetch_token(&self, force_refresh: bool) -> Result<String, AppError> {
        let (appid, secret) = self.credentials()?;
        let req = self
            .http
            .post(format!("{}/cgi-bin/stable_token", self.config.api_base))
            .json(&serde_json::json!({
                "grant_type": "client_credential",
                "appid": appid,
                "secret": secret,
                "force_refresh": force_refresh,
            }));
        let reply: TokenReply = parse(&self.send(req, "stable_token").await?, "stable_token")?;
        let ttl = reply.expires_in.saturating_sub(EARLY_REFRESH_SECS).max(1);
        self.kv
            .set(TOKEN_KEY, &reply.access_token, Some(Duration::from_secs(ttl)))
            .await?;
        Ok(reply.access_token)
    }

    /// The phone number behind a `getPhoneNumber` code; one forced token refresh if WeChat
    /// says the cached token is invalid or expired (40001 / 42001).
    pub async fn phone_number(&self, code: &str) -> Result<String, AppError> {
        let mut token = self.access_token(None).await?;
        for attempt in 0..2 {
            let req = self
                .http
                .post(format!(
                    "{}/wxa/business/getuserphonenumber",
                    self.config.api_base
                ))
                .query(&[("access_token", token.as_str())])
                .json(&serde_json::json!({ "code": code }));
            let body = self.send(req, "getuserphonenumber").await?;
            let errcode = serde_json::from_slice::<ErrReply>(&body)
                .map(|e| e.errcode)
                .unwrap_or(0);
            if attempt == 0 && (errcode == 40001 || errcode == 42001) {
                token = self.access_token(Some(&token)).await?;
                continue;
            }
            let reply: PhoneReply = parse(&body, "getuserphonenumber")?;
            return Ok(reply.phone_info.pure_phone_number);
        }
        Err(unavailable(
            "the refreshed token was refused too",
            "getuserphonenumber",
        ))
    }
}

/// How a subscribe message went.
#[derive(Debug, PartialEq, Eq)]
pub enum SendOutcome {
    Sent,
    /// WeChat will not take it (43101: the user has no subscription left; other codes): do not retry.
    Refused(i64),
    /// Busy, rate limited or unreachable before anything was sent: try again later.
    Retry(String),
    /// The request went out but no answer came back: it may have been delivered, so it is not
    /// sent again (a duplicate would cost the user a subscription).
    Unknown(String),
}

impl WechatClient {
    /// `subscribeMessage.send`, with one forced token refresh on 40001 / 42001.
    pub async fn send_subscribe(
        &self,
        openid: &str,
        template: &str,
        payload: &serde_json::Value,
    ) -> SendOutcome {
        let mut token = match self.access_token(None).await {
            Ok(t) => t,
            Err(e) => return SendOutcome::Retry(e.to_string()),
        };
        for attempt in 0..2 {
            let req = self
                .http
                .post(format!("{}/cgi-bin/message/subscribe/send", self.config.api_base))
                .query(&[("access_token", token.as_str())])
                .json(&serde_json::json!({
                    "touser": openid,
                    "template_id": template,
                    "page": payload["page"],
                    "data": payload["data"],
                    "miniprogram_state": "formal",
                }));
            let body = match req.send().await {
                Ok(res) if res.status().is_success() => match res.bytes().await {
                    Ok(b) => b,
                    Err(e) => return SendOutcome::Unknown(e.without_url().to_string()),
                },
                Ok(res) => return SendOutcome::Retry(format!("HTTP {}", res.status())),
                Err(e) if e.is_connect() || e.is_builder() => {
                    return SendOutcome::Retry(e.without_url().to_string());
                }
                Err(e) => return SendOutcome::Unknown(e.without_url().to_string()),
            };
            let errcode = serde_json::from_slice::<ErrReply>(&body)
                .map(|e| e.errcode)
                .unwrap_or(-1);
            match errcode {
                0 => return SendOutcome::Sent,
                40001 | 42001 if attempt == 0 => match self.access_token(Some(&token)).await {
                    Ok(t) => token = t,
                    Err(e) => return SendOutcome::Retry(e.to_string()),
                },
                -1 | 45009 | 45011 | 40001 | 42001 => {
                    return SendOutcome::Retry(format!("errcode {errcode}"));
                }
                other => return SendOutcome::Refused(other),
            }
        }
        SendOutcome::Retry("token refused twice".into())
    }
}
