//! Whole numbers written as ASCII digits without `core::fmt`.
//!
//! `to_string()` and `format!` on numbers pull the formatting machinery into the wasm binary;
//! the kit only ever writes non-negative integers (a cookie's `Max-Age`, a storage record's expiry
//! time), so ten lines do it.

use alloc::string::String;

/// Appends the decimal digits of `n` to `out`.
pub fn push_u64(out: &mut String, n: u64) {
    // The leading digits first (at most 19 calls deep), then this one. Dividing by the constant
    // 10 has no division-by-zero panic path, and a digit taken from a `str` needs no UTF-8
    // encoding of a `char`.
    if n >= 10 {
        push_u64(out, n / 10);
    }
    let digit = (n % 10) as usize;
    out.push_str(DIGITS.get(digit..=digit).unwrap_or_default());
}

const DIGITS: &str = "0123456789";

/// Reads 1 to 19 ASCII digits (no sign, no spaces) as a number.
pub fn parse_u64(digits: &str) -> Option<u64> {
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    digits.bytes().try_fold(0u64, |n, b| {
        b.is_ascii_digit().then(|| n * 10 + u64::from(b - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn matches_the_standard_formatting() {
        for n in [0, 1, 9, 10, 99, 100, 2_592_000, 1_767_225_600_000, u64::MAX] {
            let mut out = String::from("x=");
            push_u64(&mut out, n);
            assert_eq!(out, alloc::format!("x={n}"));
        }
    }

    #[test]
    fn parses_what_it_writes() {
        for n in [0, 7, 1_767_225_600_000, 999_999_999_999_999_999] {
            assert_eq!(parse_u64(&n.to_string()), Some(n));
        }
        for bad in ["", "-1", "+1", "1 ", "1e3", "12345678901234567890"] {
            assert_eq!(parse_u64(bad), None, "{bad:?}");
        }
    }
}
