//! Pickup codes: six digits the buyer reads out, or a QR payload signed by the server that the
//! clerk scans. The digits are unique among the store's open redemptions; the QR payload names
//! the redemption itself and cannot be forged without the server's key.

use crate::config::Config;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use rand::Rng;
use secrecy::ExposeSecret;
use sha2::Sha256;

const PREFIX: &str = "LINLI1";
const SIG_BYTES: usize = 16;

/// What the clerk presented.
#[derive(Debug, PartialEq, Eq)]
pub enum Presented {
    /// Six digits, to look up among the store's open redemptions.
    Code(String),
    /// A genuine QR payload: the redemption it names, at the store it names.
    Signed { store_id: i64, redemption_id: i64 },
}

pub fn random_code() -> String {
    format!("{:06}", rand::rng().random_range(0..1_000_000))
}

fn mac(config: &Config) -> Hmac<Sha256> {
    // A key of its own, derived from the signing secret.
    let mut derive = <Hmac<Sha256> as Mac>::new_from_slice(config.jwt_secret.expose_secret().as_bytes())
        .expect("any key length");
    derive.update(b"linli/redemption-qr");
    let key = derive.finalize().into_bytes();
    <Hmac<Sha256> as Mac>::new_from_slice(&key).expect("any key length")
}

fn signed_part(store_id: i64, redemption_id: i64, code: &str) -> String {
    format!("{PREFIX}:{store_id}:{redemption_id}:{code}")
}

/// The QR payload of a redemption.
pub fn qr_payload(config: &Config, store_id: i64, redemption_id: i64, code: &str) -> String {
    let body = signed_part(store_id, redemption_id, code);
    let mut m = mac(config);
    m.update(body.as_bytes());
    let sig = m.finalize().into_bytes();
    format!("{body}:{}", URL_SAFE_NO_PAD.encode(&sig[..SIG_BYTES]))
}

/// Reads what the clerk typed or scanned; `None` when it is neither six digits nor a genuine
/// QR payload.
pub fn parse(config: &Config, input: &str) -> Option<Presented> {
    let input = input.trim();
    if input.len() == 6 && input.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Presented::Code(input.to_owned()));
    }
    let (body, sig) = input.rsplit_once(':')?;
    let mut parts = body.split(':');
    let (prefix, store, id, code) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if prefix != PREFIX || parts.next().is_some() || code.len() != 6 {
        return None;
    }
    let sig = URL_SAFE_NO_PAD.decode(sig).ok()?;
    if sig.len() != SIG_BYTES {
        return None;
    }
    let mut m = mac(config);
    m.update(body.as_bytes());
    m.verify_truncated_left(&sig).ok()?;
    Some(Presented::Signed {
        store_id: store.parse().ok()?,
        redemption_id: id.parse().ok()?,
    })
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

    #[test]
    fn codes_are_six_digits() {
        for _ in 0..1000 {
            let c = random_code();
            assert_eq!(c.len(), 6);
            assert!(c.bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn qr_payloads_verify_and_resist_tampering() {
        let c = config("a-secret-of-at-least-thirty-two-chars!!");
        let qr = qr_payload(&c, 7, 42, "123456");
        assert_eq!(
            parse(&c, &qr),
            Some(Presented::Signed {
                store_id: 7,
                redemption_id: 42
            })
        );
        assert_eq!(parse(&c, " 654321 "), Some(Presented::Code("654321".into())));
        // Another store, another redemption, another code, another key: all refused.
        for forged in [
            qr.replacen(":7:", ":8:", 1),
            qr.replacen(":42:", ":43:", 1),
            qr.replacen("123456", "123457", 1),
        ] {
            assert_eq!(parse(&c, &forged), None, "{forged}");
        }
        let other = config("another-secret-of-at-least-thirty-two!!");
        assert_eq!(parse(&other, &qr), None);
        for junk in [
            "",
            "12345",
            "1234567",
            "abcdef",
            "LINLI1:7:42:123456",
            "LINLI1:7:42:123456:",
        ] {
            assert_eq!(parse(&c, junk), None, "{junk}");
        }
    }
}
