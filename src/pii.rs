//! Personal data at rest: phones are encrypted (AES-256-GCM), found through a keyed hash
//! (HMAC-SHA256) and masked in every response and log line except to their owner.

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use hmac::{Hmac, Mac};
use sha2::Sha256;

const VERSION: &str = "v1:";

#[derive(Clone)]
pub struct Pii {
    cipher: Aes256Gcm,
    mac_key: [u8; 32],
}

#[derive(Debug, thiserror::Error)]
#[error("stored personal data cannot be decrypted (wrong PII_KEY?)")]
pub struct PiiError;

fn derive(master: &[u8; 32], label: &[u8]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(master).expect("any key length");
    mac.update(label);
    mac.finalize().into_bytes().into()
}

impl Pii {
    pub fn new(master: &[u8; 32]) -> Pii {
        let enc_key = derive(master, b"linli/pii/encrypt");
        Pii {
            cipher: Aes256Gcm::new_from_slice(&enc_key).expect("32-byte key"),
            mac_key: derive(master, b"linli/pii/lookup"),
        }
    }

    pub fn encrypt(&self, plain: &str) -> String {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let sealed = self
            .cipher
            .encrypt(&nonce, plain.as_bytes())
            .expect("AES-GCM encryption cannot fail");
        let mut out = nonce.to_vec();
        out.extend(sealed);
        format!("{VERSION}{}", B64.encode(out))
    }

    pub fn decrypt(&self, stored: &str) -> Result<String, PiiError> {
        let raw = B64
            .decode(stored.strip_prefix(VERSION).ok_or(PiiError)?)
            .map_err(|_| PiiError)?;
        if raw.len() < 12 {
            return Err(PiiError);
        }
        let (nonce, sealed) = raw.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| PiiError)?;
        let plain = self
            .cipher
            .decrypt(&Nonce::from(nonce), sealed)
            .map_err(|_| PiiError)?;
        String::from_utf8(plain).map_err(|_| PiiError)
    }

    /// Deterministic keyed hash for equality look-ups; useless without the key.
    pub fn lookup_hash(&self, plain: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.mac_key).expect("any key length");
        mac.update(plain.as_bytes());
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// `13812341234` → `138****1234`; anything else keeps only its last two characters.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() == 11 {
        let head: String = chars[..3].iter().collect();
        let tail: String = chars[7..].iter().collect();
        return format!("{head}****{tail}");
    }
    let keep = chars.len().min(2);
    let tail: String = chars[chars.len() - keep..].iter().collect();
    format!("{}{tail}", "*".repeat(chars.len() - keep))
}

/// Free text shown in public: runs of three or more digits (room numbers, phones) become `*`.
pub fn redact_digits(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = 0usize;
    let mut digits = String::new();
    for c in text.chars().chain(std::iter::once('\0')) {
        if c.is_ascii_digit() {
            digits.push(c);
            run += 1;
            continue;
        }
        if run >= 3 {
            out.push_str(&"*".repeat(run));
        } else {
            out.push_str(&digits);
        }
        digits.clear();
        run = 0;
        if c != '\0' {
            out.push(c);
        }
    }
    out
}

/// `张三丰` → `张**`: a name shown to strangers.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => format!("{first}{}", "*".repeat(chars.count().max(1))),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encrypts_with_fresh_nonces_and_round_trips() {
        let pii = Pii::new(&[7; 32]);
        let a = pii.encrypt("13800000001");
        let b = pii.encrypt("13800000001");
        assert_ne!(a, b, "same plaintext, different ciphertext");
        assert!(!a.contains("13800000001"));
        assert_eq!(pii.decrypt(&a).unwrap(), "13800000001");
        assert!(
            Pii::new(&[8; 32]).decrypt(&a).is_err(),
            "another key cannot read it"
        );
        assert!(pii.decrypt("v1:!!").is_err());
    }

    #[test]
    fn lookup_hash_is_stable_and_keyed() {
        let pii = Pii::new(&[7; 32]);
        assert_eq!(pii.lookup_hash("13800000001"), pii.lookup_hash("13800000001"));
        assert_ne!(
            pii.lookup_hash("13800000001"),
            Pii::new(&[8; 32]).lookup_hash("13800000001")
        );
        assert_eq!(pii.lookup_hash("x").len(), 64);
    }

    #[test]
    fn masks() {
        assert_eq!(mask_phone("13812341234"), "138****1234");
        assert_eq!(mask_phone("12345"), "***45");
        assert_eq!(mask_name("张三丰"), "张**");
        assert_eq!(mask_name("李"), "李*");
        assert_eq!(
            redact_digits("3号楼502室，电话13812345678"),
            "3号楼***室，电话***********"
        );
        assert_eq!(redact_digits("12"), "12");
    }
}
