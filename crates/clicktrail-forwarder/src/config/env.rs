//! Environment overrides (`CLICKTRAIL_<SECTION>__<KEY>`), read through figment's `Env` but with
//! values parsed here.
//!
//! figment 0.10's `Env` provider parses every value with its TOML-like value parser, whose
//! unescaping of a quoted string slices by character index (`figment/src/value/escape.rs`): a
//! value such as `"é\t"` (quoted, with a non-ASCII character before a backslash) panics inside
//! configuration loading. Found by the config loader's property test. Here such a value is kept
//! verbatim as a string, which the key's own validation then judges (and refuses, naming the
//! key); every other value is parsed exactly as figment parses it.

use figment::providers::Env;
use figment::value::{Dict, Map, Value};
use figment::{Metadata, Profile, Provider};

/// Every environment override as its own provider, so figment merges them like any other source
/// and reports them as environment variables in errors.
pub(crate) fn overrides(env: Env) -> Vec<EnvOverride> {
    let metadata = env.metadata();
    env.iter()
        .map(|(key, raw)| EnvOverride {
            key: key.as_str().to_owned(),
            value: parse(&raw),
            metadata: metadata.clone(),
        })
        .collect()
}

/// One `CLICKTRAIL_*` variable: its dotted key and parsed value.
#[derive(Debug, Clone)]
pub(crate) struct EnvOverride {
    key: String,
    value: Value,
    metadata: Metadata,
}

impl Provider for EnvOverride {
    fn metadata(&self) -> Metadata {
        self.metadata.clone()
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        let dict = figment::util::nest(&self.key, self.value.clone())
            .into_dict()
            .unwrap_or_default();
        Ok(Profile::Default.collect(dict))
    }
}

/// Parses a value as figment does, except the one shape its parser panics on (also after
/// leading white space, which figment's parser skips before a quote).
fn parse(raw: &str) -> Value {
    if raw.trim_start().starts_with('"') && raw.contains('\\') && !raw.is_ascii() {
        return Value::from(raw.to_owned());
    }
    raw.parse().unwrap_or_else(|_| Value::from(raw.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_parse_as_figment_parses_them() {
        assert_eq!(parse("8").to_u128(), Some(8));
        assert_eq!(parse("true").to_bool(), Some(true));
        assert_eq!(parse("2s").as_str(), Some("2s"));
        assert_eq!(parse("\"quoted\\tvalue\"").as_str(), Some("quoted\tvalue"));
    }

    #[test]
    fn the_shape_figment_panics_on_is_kept_verbatim() {
        let raw = "\"¡𐀀 ¡¡\\\u{1}\"";
        assert_eq!(parse(raw).as_str(), Some(raw));
        // Found by the property test too: white space before the quote.
        let raw = "\t\"¡\\¡\"";
        assert_eq!(parse(raw).as_str(), Some(raw));
    }
}
