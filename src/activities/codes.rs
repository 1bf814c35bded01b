//! Rotating check-in codes. The organiser's screen shows a QR payload naming the activity, the
//! direction (check-in or check-out) and a 30-second time window, signed with a key derived from
//! the server's signing secret, so any instance verifies it without storage. A code is accepted
//! in its own window and the next one (up to 60 s after it appeared).
//!
//! Format: `LINLIA1.{activity_id}.{i|o}.{window}.{signature}`, where `window` is the Unix time
//! divided by 30 and `signature` the first 16 bytes of HMAC-SHA256 over everything before it,
//! base64url without padding.

use crate::config::Config;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeZone, Utc};
use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use utoipa::ToSchema;

const PREFIX: &str = "LINLIA1";
const SIG_BYTES: usize = 16;
/// Seconds in one window.
pub const WINDOW_SECS: i64 = 30;

/// 签到方向：in 签到 / out 签退
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    In,
    Out,
}

impl Direction {
    fn tag(self) -> &'static str {
        match self {
            Direction::In => "i",
            Direction::Out => "o",
        }
    }
}

/// Why a code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not a code, forged, for another activity or the other direction.
    Invalid,
    /// Genuine, but its time is over.
    Expired,
}

/// A code to show, and when it stops being accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    pub code: String,
    /// The next code appears then.
    pub refresh_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// The window `at` falls in.
pub fn window(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(WINDOW_SECS)
}

fn window_start(w: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(w * WINDOW_SECS, 0).single().unwrap_or_default()
}

fn signature(config: &Config, body: &str) -> Hmac<Sha256> {
    // A key of its own, derived from the signing secret.
    let mut derive = <Hmac<Sha256> as Mac>::new_from_slice(config.jwt_secret.expose_secret().as_bytes())
        .expect("any key length");
    derive.update(b"linli/activity-checkin");
    let mut m =
        <Hmac<Sha256> as Mac>::new_from_slice(&derive.finalize().into_bytes()).expect("any key length");
    m.update(body.as_bytes());
    m
}

/// The code of `activity_id` and `direction` for the window of `at`.
pub fn issue(config: &Config, activity_id: i64, direction: Direction, at: DateTime<Utc>) -> Issued {
    let w = window(at);
    let body = format!("{PREFIX}.{activity_id}.{}.{w}", direction.tag());
    let sig = signature(config, &body).finalize().into_bytes();
    Issued {
        code: format!("{body}.{}", URL_SAFE_NO_PAD.encode(&sig[..SIG_BYTES])),
        refresh_at: window_start(w + 1),
        expires_at: window_start(w + 2),
    }
}

/// Checks a submitted code against the activity and direction at `now`; answers its window.
pub fn verify(
    config: &Config,
    code: &str,
    activity_id: i64,
    direction: Direction,
    now: DateTime<Utc>,
) -> Result<i64, Refusal> {
    let code = code.trim();
    let (body, sig) = code.rsplit_once('.').ok_or(Refusal::Invalid)?;
    let sig = URL_SAFE_NO_PAD.decode(sig).map_err(|_| Refusal::Invalid)?;
    if sig.len() != SIG_BYTES || !body.starts_with(PREFIX) {
        return Err(Refusal::Invalid);
    }
    signature(config, body)
        .verify_truncated_left(&sig)
        .map_err(|_| Refusal::Invalid)?;
    let parts: Vec<&str> = body.split('.').collect();
    let [_, id, tag, w] = parts[..] else {
        return Err(Refusal::Invalid);
    };
    if id != activity_id.to_string() || tag != direction.tag() {
        return Err(Refusal::Invalid);
    }
    let w: i64 = w.parse().map_err(|_| Refusal::Invalid)?;
    let current = window(now);
    if w > current {
        Err(Refusal::Invalid)
    } else if w < current - 1 {
        Err(Refusal::Expired)
    } else {
        Ok(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(secret: &str) -> Config {
        Config::from_lookup(|k| match k {
            "JWT_SECRET" => Some(secret.to_owned()),
            "APP_ENV" => Some("dev".to_owned()),
            _ => None,
        })
        .unwrap()
    }

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(secs, 0).unwrap()
    }

    #[test]
    fn a_code_lives_in_its_window_and_the_next() {
        let c = config("a-secret-of-at-least-thirty-two-chars!!");
        let t = 1_800_000_000; // a window boundary (divisible by 30)
        let issued = issue(&c, 7, Direction::In, at(t + 5));
        assert_eq!(issued.refresh_at, at(t + 30));
        assert_eq!(issued.expires_at, at(t + 60));
        let w = window(at(t));
        for now in [t + 5, t + 29, t + 30, t + 59] {
            assert_eq!(
                verify(&c, &issued.code, 7, Direction::In, at(now)),
                Ok(w),
                "{now}"
            );
        }
        for now in [t + 60, t + 3600] {
            assert_eq!(
                verify(&c, &issued.code, 7, Direction::In, at(now)),
                Err(Refusal::Expired)
            );
        }
        // Before its window (a code from the future) it is not accepted either.
        assert_eq!(
            verify(&c, &issued.code, 7, Direction::In, at(t - 1)),
            Err(Refusal::Invalid)
        );
    }

    #[test]
    fn forged_foreign_and_turned_codes_are_invalid() {
        let c = config("a-secret-of-at-least-thirty-two-chars!!");
        let now = at(1_800_000_010);
        let code = issue(&c, 7, Direction::In, now).code;
        assert_eq!(verify(&c, &code, 8, Direction::In, now), Err(Refusal::Invalid));
        assert_eq!(verify(&c, &code, 7, Direction::Out, now), Err(Refusal::Invalid));
        let other = config("another-secret-of-at-least-thirty-two!!");
        assert_eq!(
            verify(&other, &code, 7, Direction::In, now),
            Err(Refusal::Invalid)
        );
        for forged in [
            code.replacen(".7.", ".8.", 1),
            code.replacen(".i.", ".o.", 1),
            code.replacen(&window(now).to_string(), &(window(now) + 1).to_string(), 1),
        ] {
            assert_eq!(
                verify(&c, &forged, 7, Direction::In, now),
                Err(Refusal::Invalid),
                "{forged}"
            );
        }
        for junk in [
            "",
            "LINLIA1",
            "LINLIA1.7.i.1",
            "LINLIA1.7.i.1.",
            "a.b.c.d.e",
            "LINLI1:7:42:123456:abc",
        ] {
            assert_eq!(
                verify(&c, junk, 7, Direction::In, now),
                Err(Refusal::Invalid),
                "{junk}"
            );
        }
    }
}
