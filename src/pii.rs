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

/// A digit in any script: ASCII, full-width (`１`), circled (`①`) and the like.
fn is_digit(c: char) -> bool {
    c.is_numeric()
}

/// What people put between the digits of a phone number: spaces, dashes, dots.
fn is_joiner(c: char) -> bool {
    matches!(
        c,
        ' ' | '\u{a0}' | '\u{3000}' | '-' | '－' | '‐' | '–' | '—' | '.' | '．' | '·' | '・' | '_'
    )
}

/// Free text shown in public: runs of three or more digits (room numbers, phones) become `*`.
/// A run may mix scripts (`1３8`) and be broken up by spaces, dashes or dots (`138 1234-5678`).
pub fn redact_digits(text: &str) -> String {
    const MAX_JOINERS: usize = 2;
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if !is_digit(chars[i]) {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let (start, mut end, mut digits) = (i, i + 1, 1);
        loop {
            let mut k = end;
            while k < chars.len() && k - end < MAX_JOINERS && is_joiner(chars[k]) {
                k += 1;
            }
            if k < chars.len() && is_digit(chars[k]) {
                digits += 1;
                end = k + 1;
            } else {
                break;
            }
        }
        for &c in &chars[start..end] {
            out.push(if digits >= 3 && is_digit(c) { '*' } else { c });
        }
        i = end;
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

    #[test]
    fn redaction_catches_full_width_mixed_and_spaced_numbers() {
        for (text, want) in [
            ("电话１３８１２３４５６７８", "电话***********"),
            ("电话1３8１2345678", "电话***********"),
            ("138 1234 5678", "*** **** ****"),
            ("138-1234-5678", "***-****-****"),
            ("１３８　１２３４　５６７８", "***　****　****"),
            ("138.1234.5678找我", "***.****.****找我"),
            ("房号①②③", "房号***"),
            ("3 号楼 2 单元", "3 号楼 2 单元"),
            ("下午 2 点，来 2 人", "下午 2 点，来 2 人"),
        ] {
            assert_eq!(redact_digits(text), want, "{text}");
        }
    }

    proptest::proptest! {
        #[test]
        fn no_three_digits_survive_redaction(text in "[0-9０-９ \\-a-z号]{0,40}") {
            let out = redact_digits(&text);
            proptest::prop_assert!(!has_digit_run(&out), "{}", out);
            proptest::prop_assert_eq!(out.chars().count(), text.chars().count());
        }
    }

    /// Three digits with at most two joiners between neighbours.
    fn has_digit_run(s: &str) -> bool {
        let (mut run, mut gap) = (0, 0);
        for c in s.chars() {
            if is_digit(c) {
                run += 1;
                gap = 0;
                if run >= 3 {
                    return true;
                }
            } else if is_joiner(c) && run > 0 && gap < 2 {
                gap += 1;
            } else {
                (run, gap) = (0, 0);
            }
        }
        false
    }
}
