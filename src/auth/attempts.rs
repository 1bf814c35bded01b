//! Password guesses, wherever a password is checked (login, password change): limited per
//! subject (a phone, an account) and per client address, over one 15-minute window.

use crate::error::AppResult;
use crate::ratelimit;
use crate::state::AppState;
use std::time::Duration;

const WINDOW: Duration = Duration::from_secs(15 * 60);

/// One attempt, counted against its subject before any hashing is done.
pub struct Attempt {
    ip_key: String,
    subject_key: String,
}

impl Attempt {
    /// Counts the attempt on `subject`; answers 429 when the subject or the address has used up
    /// its window. Per address only failures count (an office behind one NAT logs in all day);
    /// per subject every attempt counts, which also bounds the argon2 work one caller can cause.
    pub async fn begin(state: &AppState, client_ip: &str, subject: &str) -> AppResult<Attempt> {
        let attempt = Attempt {
            ip_key: format!("login:ip:{client_ip}"),
            subject_key: format!("login:{subject}"),
        };
        ratelimit::check(&state.kv, &attempt.ip_key, state.config.login_attempts_per_ip).await?;
        ratelimit::hit(
            &state.kv,
            &attempt.subject_key,
            state.config.login_attempts_per_phone,
            WINDOW,
        )
        .await?;
        Ok(attempt)
    }

    /// A wrong password: the address has one failure more.
    pub async fn failed(&self, state: &AppState) -> AppResult<()> {
        ratelimit::hit(&state.kv, &self.ip_key, i64::MAX, WINDOW).await
    }

    /// A successful login clears the subject's failures.
    pub async fn succeeded(&self, state: &AppState) -> AppResult<()> {
        ratelimit::reset(&state.kv, &self.subject_key).await
    }
}
