//! Access tokens (short-lived JWT, HS256 pinned) and opaque rotating refresh tokens.

use crate::error::{AppError, ErrorCode};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use chrono::{DateTime, Utc};
use entity::refresh_token;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::time::Duration;

pub const ISSUER: &str = "linli";
pub const AUDIENCE: &str = "linli-api";
pub const ACCESS_TYP: &str = "access";
/// Clock skew tolerated between instances.
const LEEWAY_SECS: u64 = 30;

#[derive(Debug, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    pub exp: i64,
    pub iat: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    pub jti: String,
    pub typ: String,
    /// When the user last logged in (refreshes keep it), as in OpenID Connect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
}

#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
}

pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    B64URL.encode(buf)
}

fn sha256_hex(s: &str) -> String {
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn unauthorized(detail: &str) -> AppError {
    AppError::new(ErrorCode::Unauthorized).with_detail(detail)
}

impl TokenKeys {
    pub fn new(secret: &SecretString, access_ttl: Duration, refresh_ttl: Duration) -> TokenKeys {
        let key = secret.expose_secret().as_bytes();
        // Only HS256: a token naming any other algorithm (or `none`) is refused.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECS;
        TokenKeys {
            encoding: EncodingKey::from_secret(key),
            decoding: DecodingKey::from_secret(key),
            validation,
            access_ttl,
            refresh_ttl,
        }
    }

    pub fn issue_access(&self, user_id: i64, auth_time: i64) -> (String, AccessClaims) {
        let now = Utc::now().timestamp();
        let claims = AccessClaims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: user_id.to_string(),
            exp: now + self.access_ttl.as_secs() as i64,
            iat: now,
            nbf: Some(now),
            jti: random_token(16),
            typ: ACCESS_TYP.into(),
            auth_time: Some(auth_time),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 signing cannot fail");
        (token, claims)
    }

    /// Checks signature, algorithm, `exp`, `nbf`, `iss`, `aud`, and what the library leaves to us:
    /// `iat` not in the future, `typ` is an access token, `sub` is a user id.
    pub fn verify_access(&self, token: &str) -> Result<(i64, AccessClaims), AppError> {
        let data = jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &self.validation).map_err(
            |e| match e.kind() {
                // Only a token that was good and ran out: the client refreshes and retries.
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => AppError::new(ErrorCode::TokenExpired)
                    .with_detail("访问令牌已过期，请用 refresh_token 换新"),
                _ => unauthorized(&format!("令牌无效：{}", e.kind_label())),
            },
        )?;
        let claims = data.claims;
        if claims.typ != ACCESS_TYP {
            return Err(unauthorized("令牌类型不正确"));
        }
        if claims.iat > Utc::now().timestamp() + LEEWAY_SECS as i64 {
            return Err(unauthorized("令牌尚未生效"));
        }
        let user_id = claims.sub.parse::<i64>().map_err(|_| unauthorized("令牌无效"))?;
        Ok((user_id, claims))
    }
}

trait KindLabel {
    fn kind_label(&self) -> &'static str;
}

impl KindLabel for jsonwebtoken::errors::Error {
    fn kind_label(&self) -> &'static str {
        use jsonwebtoken::errors::ErrorKind as K;
        match self.kind() {
            K::ImmatureSignature => "尚未生效",
            K::InvalidSignature => "签名错误",
            K::InvalidAlgorithm | K::InvalidAlgorithmName => "算法不被接受",
            K::InvalidAudience => "受众不符",
            K::InvalidIssuer => "签发者不符",
            K::MissingRequiredClaim(_) => "缺少声明",
            _ => "格式错误",
        }
    }
}

/// Stores a new refresh token of `family` (a new family when `None`); returns the secret.
pub async fn issue_refresh(
    conn: &impl ConnectionTrait,
    keys: &TokenKeys,
    user_id: i64,
    family: Option<String>,
) -> Result<String, AppError> {
    let secret = random_token(32);
    let now = Utc::now();
    refresh_token::ActiveModel {
        user_id: Set(user_id),
        family: Set(family.unwrap_or_else(|| random_token(16))),
        token_hash: Set(sha256_hex(&secret)),
        expires_at: Set(now + keys.refresh_ttl),
        used_at: Set(None),
        revoked_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(secret)
}

/// What presenting a refresh token found.
pub enum Spent {
    /// It was live and is now used: issue the next one of its family in the same transaction.
    Fresh(refresh_token::Model),
    /// It had been used already: its family is now revoked (commit that), someone holds a copy.
    Reused,
    /// Unknown, expired or revoked.
    Invalid,
}

/// Marks `secret` used, exactly once. Run it in the transaction that issues the successor, so a
/// racing reuse that revokes the family also sees (and revokes) the successor.
pub async fn spend_refresh(conn: &impl ConnectionTrait, secret: &str) -> Result<Spent, AppError> {
    let hash = sha256_hex(secret);
    let now = Utc::now();
    let taken = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::UsedAt, Expr::value(now))
        .filter(refresh_token::Column::TokenHash.eq(&hash))
        .filter(refresh_token::Column::UsedAt.is_null())
        .filter(refresh_token::Column::RevokedAt.is_null())
        .filter(refresh_token::Column::ExpiresAt.gt(now))
        .exec(conn)
        .await?
        .rows_affected;
    let row = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(&hash))
        .one(conn)
        .await?;
    Ok(match row {
        Some(row) if taken == 1 => Spent::Fresh(row),
        Some(row) if row.used_at.is_some() && row.revoked_at.is_none() => {
            revoke_family(conn, &row.family, now).await?;
            tracing::warn!(user_id = row.user_id, "refresh token reused: family revoked");
            Spent::Reused
        }
        _ => Spent::Invalid,
    })
}

pub async fn revoke_family(
    conn: &impl ConnectionTrait,
    family: &str,
    at: DateTime<Utc>,
) -> Result<(), AppError> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(at))
        .filter(refresh_token::Column::Family.eq(family))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Ends every session of a user (all refresh-token families); access tokens run out on their own.
pub async fn revoke_user(
    conn: &impl ConnectionTrait,
    user_id: i64,
    at: DateTime<Utc>,
) -> Result<u64, AppError> {
    Ok(refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(at))
        .filter(refresh_token::Column::UserId.eq(user_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?
        .rows_affected)
}

/// When the login that started `family` happened (its first token), as a Unix time.
pub async fn family_started(conn: &impl ConnectionTrait, family: &str) -> Result<i64, AppError> {
    let first = refresh_token::Entity::find()
        .filter(refresh_token::Column::Family.eq(family))
        .order_by_asc(refresh_token::Column::CreatedAt)
        .one(conn)
        .await?;
    Ok(first.map_or(0, |t| t.created_at.timestamp()))
}

pub async fn find_refresh(
    conn: &impl ConnectionTrait,
    secret: &str,
) -> Result<Option<refresh_token::Model>, AppError> {
    Ok(refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(sha256_hex(secret)))
        .one(conn)
        .await?)
}
