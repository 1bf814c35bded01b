//! Certificate numbers: `LL{year}-{5}-{5}-{check}`, e.g. `LL2026-7K3M9-QX2PD-4`.
//!
//! Ten random Crockford base-32 characters (50 bits) make numbers impossible to walk: the public
//! verification route cannot be used to list volunteers. The last character is a check over
//! everything before it, so a mistyped number is answered 404 without a lookup.

use rand::Rng;

/// Crockford's base 32: digits and capitals without I, L, O and U.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const RANDOM_LEN: usize = 10;
/// The spec's pattern for a number.
pub const PATTERN: &str = "^LL[0-9]{4}-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]$";

fn value(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|v| v as u32)
}

/// The check character over the year's digits and the random characters: a weighted sum
/// modulo 32 with odd weights (units modulo 32), so every single wrong character changes it.
fn check(symbols: &[u8]) -> Option<u8> {
    let mut sum = 0u32;
    for (i, &c) in symbols.iter().enumerate() {
        let weight = 2 * (i as u32 % 16) + 1;
        sum += weight * value(c)?;
    }
    Some(ALPHABET[(sum % 32) as usize])
}

/// A fresh number for a certificate issued in `year` (the issue date's year in China).
pub fn generate(year: i32) -> String {
    let mut rng = rand::rng();
    let random: Vec<u8> = (0..RANDOM_LEN)
        .map(|_| ALPHABET[rng.random_range(0..32)])
        .collect();
    compose(year, &random)
}

fn compose(year: i32, random: &[u8]) -> String {
    let year = format!("{:04}", year.clamp(0, 9999));
    let mut symbols = year.as_bytes().to_vec();
    symbols.extend_from_slice(random);
    let c = check(&symbols).expect("alphabet symbols") as char;
    let r = std::str::from_utf8(random).expect("ascii");
    format!("LL{year}-{}-{}-{c}", &r[..5], &r[5..])
}

/// Whether `s` is shaped like a number and its check character fits.
pub fn is_well_formed(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 20 || !s.starts_with("LL") || b[6] != b'-' || b[12] != b'-' || b[18] != b'-' {
        return false;
    }
    if !b[2..6].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let mut symbols = b[2..6].to_vec();
    symbols.extend_from_slice(&b[7..12]);
    symbols.extend_from_slice(&b[13..18]);
    check(&symbols).is_some_and(|c| c == b[19])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_numbers_are_well_formed_and_differ() {
        let a = generate(2026);
        let b = generate(2026);
        assert_ne!(a, b);
        for n in [&a, &b] {
            assert!(is_well_formed(n), "{n}");
            assert!(n.starts_with("LL2026-"), "{n}");
            assert_eq!(n.len(), 20);
        }
        let re_chars = |s: &str| {
            s.bytes()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase() || c == b'-')
        };
        assert!(re_chars(&a));
    }

    #[test]
    fn every_single_wrong_character_is_caught() {
        let n = compose(2026, b"7K3M9QX2PD");
        assert_eq!(n, format!("LL2026-7K3M9-QX2PD-{}", n.chars().last().unwrap()));
        assert!(is_well_formed(&n));
        let bytes = n.as_bytes();
        for pos in (2..20).filter(|&p| ![6, 12, 18].contains(&p)) {
            for &c in ALPHABET.iter() {
                if c == bytes[pos] || (pos < 6 && !c.is_ascii_digit()) {
                    continue;
                }
                let mut wrong = bytes.to_vec();
                wrong[pos] = c;
                let wrong = String::from_utf8(wrong).unwrap();
                assert!(!is_well_formed(&wrong), "{wrong} passed");
            }
        }
    }

    #[test]
    fn malformed_strings_are_refused() {
        let n = compose(2026, b"00000ZZZZZ");
        for bad in [
            "",
            "LL2026",
            &n.to_lowercase(),
            &n.replace('-', "_"),
            &format!("{n}0"),
            &n.replacen("LL", "XX", 1),
            "LL2026-IIIII-OOOOO-U",
        ] {
            assert!(!is_well_formed(bad), "{bad}");
        }
    }
}
