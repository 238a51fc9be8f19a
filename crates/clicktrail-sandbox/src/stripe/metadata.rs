//! `metadata[...]` parameters with Stripe's limits: at most 50 keys, keys up to 40 characters
//! without `[` or `]`, values up to 500 characters; an empty value unsets a key, and an empty
//! `metadata=` clears them all.

use super::error::ApiError;
use super::form::Params;
use super::state::Metadata;

/// Applies the `key` hash of `params` (usually `metadata`) to `current`.
pub fn apply(params: &Params, key: &str, current: &mut Metadata) -> Result<(), ApiError> {
    let Some(hash) = params.hash(key)? else {
        return Ok(());
    };
    let entries = hash.entries()?;
    if entries.is_empty() {
        current.clear();
        return Ok(());
    }
    for (k, v) in entries {
        let name = hash.name(&k);
        if k.chars().count() > 40 {
            return Err(ApiError::invalid_request(
                format!("Metadata keys can have up to 40 characters; {name} has more."),
                Some(name),
            ));
        }
        if v.chars().count() > 500 {
            return Err(ApiError::invalid_request(
                format!(
                    "Metadata values can have up to 500 characters, but you passed in a value that is {} characters. Invalid value: {name}",
                    v.chars().count()
                ),
                Some(name),
            ));
        }
        if v.is_empty() {
            current.remove(&k);
        } else {
            current.insert(k, v);
        }
    }
    if current.len() > 50 {
        return Err(ApiError::invalid_request(
            "You can have up to 50 metadata keys.",
            Some(key.to_owned()),
        ));
    }
    Ok(())
}

/// A fresh metadata map from the `key` hash of `params`.
pub fn from_params(params: &Params, key: &str) -> Result<Metadata, ApiError> {
    let mut m = Metadata::new();
    apply(params, key, &mut m)?;
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_unset_and_limits() {
        let mut m = from_params(
            &Params::parse(b"metadata[a]=1&metadata[b]=2").unwrap(),
            "metadata",
        )
        .unwrap();
        apply(&Params::parse(b"metadata[a]=").unwrap(), "metadata", &mut m).unwrap();
        assert_eq!(m.keys().collect::<Vec<_>>(), ["b"]);
        apply(&Params::parse(b"metadata=").unwrap(), "metadata", &mut m).unwrap();
        assert!(m.is_empty());
        let long_key = format!("metadata[{}]=1", "k".repeat(41));
        assert!(from_params(&Params::parse(long_key.as_bytes()).unwrap(), "metadata").is_err());
        let long_value = format!("metadata[k]={}", "v".repeat(501));
        assert!(from_params(&Params::parse(long_value.as_bytes()).unwrap(), "metadata").is_err());
        let many: String = (0..51).map(|i| format!("metadata[k{i}]=v&")).collect();
        assert!(from_params(&Params::parse(many.as_bytes()).unwrap(), "metadata").is_err());
    }
}
