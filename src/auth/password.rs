//! Staff passwords: argon2id with the crate's (OWASP) defaults, hashed off the async threads.

use crate::error::{AppError, AppResult};
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use std::sync::LazyLock;

/// Verified against when the phone is unknown, so both failures take the same time.
static DUMMY: LazyLock<String> = LazyLock::new(|| hash_now("linli-dummy-password").unwrap_or_default());

fn hash_now(password: &str) -> Option<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .ok()
        .map(|h| h.to_string())
}

pub async fn hash(password: String) -> AppResult<String> {
    tokio::task::spawn_blocking(move || hash_now(&password))
        .await
        .map_err(AppError::internal)?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("argon2 hashing failed")))
}

/// True when `password` matches `phc`; with no stored hash, spends the same effort and says no.
pub async fn verify(password: String, phc: Option<String>) -> AppResult<bool> {
    tokio::task::spawn_blocking(move || {
        let known = phc.is_some();
        let stored = phc.unwrap_or_else(|| DUMMY.clone());
        let ok = PasswordHash::new(&stored)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false);
        known && ok
    })
    .await
    .map_err(AppError::internal)
}
