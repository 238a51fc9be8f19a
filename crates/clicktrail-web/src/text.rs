//! Splitting strings on an ASCII separator, without `core::fmt` or `memchr`.
//!
//! `str::split` and `str::split_once` with a `char` pattern bring core's generic searcher and
//! its `memchr` into the wasm binary; every separator the kit splits on is one ASCII byte, and
//! cutting a `str` at an ASCII byte is always on a character boundary, so a byte loop does.

/// `s` cut at the first `separator`: the parts before and after it, or `None`.
pub fn split_once(s: &str, separator: u8) -> Option<(&str, &str)> {
    let at = s.bytes().position(|b| b == separator)?;
    Some((s.get(..at)?, s.get(at + 1..)?))
}

/// The parts of `s` between `separator`s (`"a&&b"` gives `"a"`, `""`, `"b"`; `""` gives `""`).
pub fn split(s: &str, separator: u8) -> impl Iterator<Item = &str> {
    let mut rest = Some(s);
    core::iter::from_fn(move || {
        let current = rest?;
        match split_once(current, separator) {
            Some((part, after)) => {
                rest = Some(after);
                Some(part)
            }
            None => {
                rest = None;
                Some(current)
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn splits_like_the_standard_library() {
        for s in ["", "a", "a&b", "&a&&b&", "é&ü", "&&"] {
            assert_eq!(
                split(s, b'&').collect::<Vec<_>>(),
                s.split('&').collect::<Vec<_>>()
            );
            assert_eq!(split_once(s, b'&'), s.split_once('&'));
        }
    }
}
