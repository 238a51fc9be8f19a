//! What can go wrong: the kit never throws into the page, it logs one `console.warn` per kind
//! of problem and carries on.

use core::fmt;

/// A problem the kit reports with `console.warn` and then works around.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Warning {
    /// An option has a value of the wrong type or out of range; its default is used.
    InvalidOption(&'static str),
    /// A click id from the URL, the UTT or storage was refused by validation and ignored.
    InvalidClickId,
    /// The browser did not keep the cookie (blocked, or a `cookieDomain` that does not match
    /// the page); the localStorage mirror is used.
    CookieNotKept,
    /// Neither the cookie nor localStorage can be written: the click id lives for this page only.
    NothingKept,
    /// The page refused a DOM operation (for example a `fieldName` that makes an invalid CSS
    /// selector, or no `document.documentElement` to observe).
    Dom,
}

impl Warning {
    /// The message, without the `clicktrail: ` prefix (the browser glue adds it) and without the
    /// option name of [`Warning::InvalidOption`]. Short: it ships in every storefront's bundle.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InvalidOption(_) => "invalid value, default used for option",
            Self::InvalidClickId => "ignored an invalid click id",
            Self::CookieNotKept => "cookie refused, using localStorage",
            Self::NothingKept => "cannot store the click id",
            Self::Dom => "the page refused a DOM operation",
        }
    }

    /// A bit for remembering that this kind was already reported.
    pub const fn bit(self) -> u8 {
        1 << match self {
            Self::InvalidOption(_) => 0,
            Self::InvalidClickId => 1,
            Self::CookieNotKept => 2,
            Self::NothingKept => 3,
            Self::Dom => 4,
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("clicktrail: ")?;
        f.write_str(self.as_str())?;
        if let Self::InvalidOption(name) = self {
            f.write_str(" ")?;
            f.write_str(name)?;
        }
        Ok(())
    }
}

impl core::error::Error for Warning {}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn messages_name_the_option_and_bits_differ() {
        assert_eq!(
            Warning::InvalidOption("cookieDays").to_string(),
            "clicktrail: invalid value, default used for option cookieDays"
        );
        let all = [
            Warning::InvalidOption("x"),
            Warning::InvalidClickId,
            Warning::CookieNotKept,
            Warning::NothingKept,
            Warning::Dom,
        ];
        let bits = all.iter().fold(0u8, |acc, w| {
            assert_eq!(acc & w.bit(), 0);
            acc | w.bit()
        });
        assert_eq!(bits.count_ones(), 5);
    }
}
