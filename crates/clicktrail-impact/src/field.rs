//! Length and presence rules shared by the request types.

use crate::Error;

/// impact.com's limit for string fields that state no other.
pub(crate) const MAX_STRING: usize = 255;

/// impact.com's limit for `OrderId` and `ClickId`.
pub(crate) const MAX_ID: usize = 64;

/// A field that must be present: not empty (nor only whitespace) and at most `max` characters.
pub(crate) fn required(field: &str, value: &str, max: usize) -> Result<(), Error> {
    if value.trim().is_empty() {
        return Err(Error::Missing {
            field: field.to_owned(),
        });
    }
    within(field, value, max)
}

/// A field that may be left out, but when given follows the same rules as a required one.
pub(crate) fn optional(field: &str, value: Option<&str>, max: usize) -> Result<(), Error> {
    match value {
        None => Ok(()),
        Some(v) if v.trim().is_empty() => Err(Error::Empty {
            field: field.to_owned(),
        }),
        Some(v) => within(field, v, max),
    }
}

fn within(field: &str, value: &str, max: usize) -> Result<(), Error> {
    let len = value.chars().count();
    if len > max {
        return Err(Error::TooLong {
            field: field.to_owned(),
            max,
            len,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_characters_not_bytes() {
        assert!(required("ItemName1", &"é".repeat(255), MAX_STRING).is_ok());
        assert_eq!(
            required("ItemName1", &"é".repeat(256), MAX_STRING),
            Err(Error::TooLong {
                field: "ItemName1".into(),
                max: 255,
                len: 256
            })
        );
    }

    #[test]
    fn blank_is_missing_or_empty() {
        assert_eq!(
            required("OrderId", " ", MAX_ID),
            Err(Error::Missing {
                field: "OrderId".into()
            })
        );
        assert_eq!(
            optional("ClickId", Some(""), MAX_ID),
            Err(Error::Empty {
                field: "ClickId".into()
            })
        );
        assert_eq!(optional("ClickId", None, MAX_ID), Ok(()));
    }
}
