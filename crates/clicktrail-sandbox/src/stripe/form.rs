//! Stripe's request parameters: `application/x-www-form-urlencoded` pairs whose keys use brackets
//! to build nested hashes and arrays (`metadata[plan]=pro`, `items[0][price]=price_1`,
//! `enabled_events[]=invoice.paid`, `expand[0]=latest_invoice`), decoded into a [`Params`] tree.
//!
//! A small parser rather than `serde_qs`: handlers need the *path* of a bad or missing parameter for
//! Stripe's error envelope (`"param": "items[0][price]"`), a canonical form of the whole tree for
//! idempotency fingerprints, and both array spellings the official SDKs send (`a[]` and `a[0]`);
//! typed deserialisation would lose the first two. Query strings of `GET` requests use the same
//! parser.

use std::collections::BTreeMap;

use serde::Serialize;

use super::error::ApiError;

/// One value in a parameter tree.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Param {
    /// A scalar, exactly as sent (Stripe parses numbers and booleans per parameter).
    Value(String),
    /// A hash (`metadata[k]=v`).
    Map(BTreeMap<String, Param>),
    /// An array (`items[0][price]=...`, `expand[]=...`).
    List(Vec<Param>),
}

/// A decoded parameter hash, with the bracketed path it sits at (empty for the top level), so that
/// errors can name the exact parameter.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Params {
    path: String,
    map: BTreeMap<String, Param>,
}

enum Segment {
    Name(String),
    Push,
}

fn segments(key: &str) -> Result<Vec<Segment>, String> {
    let (head, mut rest) = match key.find('[') {
        Some(i) => (&key[..i], &key[i..]),
        None => (key, ""),
    };
    if head.is_empty() {
        return Err(format!("Invalid parameter name: {key}"));
    }
    let mut out = vec![Segment::Name(head.to_owned())];
    while !rest.is_empty() {
        let close = rest
            .find(']')
            .filter(|_| rest.starts_with('['))
            .ok_or_else(|| format!("Invalid parameter name: {key}"))?;
        let inner = &rest[1..close];
        out.push(if inner.is_empty() {
            Segment::Push
        } else {
            Segment::Name(inner.to_owned())
        });
        rest = &rest[close + 1..];
    }
    Ok(out)
}

fn insert(
    map: &mut BTreeMap<String, Param>,
    segs: &[Segment],
    value: String,
    key: &str,
) -> Result<(), String> {
    let conflict =
        || format!("Invalid parameter structure: {key} mixes a value, a hash and an array");
    let Segment::Name(name) = &segs[0] else {
        return Err(conflict());
    };
    match &segs[1..] {
        [] => {
            map.insert(name.clone(), Param::Value(value));
        }
        [Segment::Push] => match map
            .entry(name.clone())
            .or_insert_with(|| Param::List(Vec::new()))
        {
            Param::List(items) => items.push(Param::Value(value)),
            _ => return Err(conflict()),
        },
        [Segment::Push, ..] => {
            return Err(format!(
                "Invalid parameter name: {key} (use indices, not [], for arrays of hashes)"
            ));
        }
        rest => match map
            .entry(name.clone())
            .or_insert_with(|| Param::Map(BTreeMap::new()))
        {
            Param::Map(inner) => insert(inner, rest, value, key)?,
            _ => return Err(conflict()),
        },
    }
    Ok(())
}

/// Turns hashes whose keys are all decimal indices into arrays, ordered by index.
fn normalise(param: Param) -> Param {
    match param {
        Param::Map(map) => {
            let indexed = !map.is_empty()
                && map.keys().all(|k| {
                    !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit()) && k.len() < 10
                });
            if indexed {
                let mut items: Vec<(u64, Param)> = map
                    .into_iter()
                    .map(|(k, v)| (k.parse().unwrap_or(u64::MAX), normalise(v)))
                    .collect();
                items.sort_by_key(|(i, _)| *i);
                Param::List(items.into_iter().map(|(_, v)| v).collect())
            } else {
                Param::Map(map.into_iter().map(|(k, v)| (k, normalise(v))).collect())
            }
        }
        Param::List(items) => Param::List(items.into_iter().map(normalise).collect()),
        value => value,
    }
}

impl Params {
    /// Decodes a form body or query string.
    pub fn parse(input: &[u8]) -> Result<Self, ApiError> {
        let mut map = BTreeMap::new();
        for (key, value) in form_urlencoded::parse(input) {
            let segs = segments(&key).map_err(|m| ApiError::invalid_request(m, None))?;
            insert(&mut map, &segs, value.into_owned(), &key)
                .map_err(|m| ApiError::invalid_request(m, Some(key.to_string())))?;
        }
        let map = map.into_iter().map(|(k, v)| (k, normalise(v))).collect();
        Ok(Self {
            path: String::new(),
            map,
        })
    }

    /// The bracketed name of `key` under this hash (`items[0][price]`).
    pub fn name(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}[{key}]", self.path)
        }
    }

    /// Refuses any top-level key outside `allowed`, as Stripe does (`parameter_unknown`).
    /// `expand` is always allowed.
    pub fn allow(&self, allowed: &[&str]) -> Result<(), ApiError> {
        match self
            .map
            .keys()
            .find(|k| *k != "expand" && !allowed.contains(&k.as_str()))
        {
            Some(k) => Err(ApiError::unknown_param(&self.name(k))),
            None => Ok(()),
        }
    }

    /// Whether the key was sent at all.
    pub fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// A scalar parameter; a hash or array there is an error.
    pub fn str(&self, key: &str) -> Result<Option<&str>, ApiError> {
        match self.map.get(key) {
            None => Ok(None),
            Some(Param::Value(v)) => Ok(Some(v)),
            Some(_) => Err(ApiError::invalid_request(
                format!("Invalid string: {} must be a string", self.name(key)),
                Some(self.name(key)),
            )),
        }
    }

    /// A scalar parameter that must be present and non-empty.
    pub fn required_str(&self, key: &str) -> Result<&str, ApiError> {
        match self.str(key)? {
            Some(v) if !v.is_empty() => Ok(v),
            _ => Err(ApiError::missing_param(&self.name(key))),
        }
    }

    /// An integer parameter.
    pub fn int(&self, key: &str) -> Result<Option<i64>, ApiError> {
        match self.str(key)? {
            None => Ok(None),
            Some(v) => v.parse().map(Some).map_err(|_| {
                ApiError::invalid_request(format!("Invalid integer: {v}"), Some(self.name(key)))
            }),
        }
    }

    /// A decimal number parameter (`percent_off`).
    pub fn float(&self, key: &str) -> Result<Option<f64>, ApiError> {
        match self.str(key)? {
            None => Ok(None),
            Some(v) => v
                .parse()
                .ok()
                .filter(|f: &f64| f.is_finite())
                .map(Some)
                .ok_or_else(|| {
                    ApiError::invalid_request(format!("Invalid decimal: {v}"), Some(self.name(key)))
                }),
        }
    }

    /// A boolean parameter (`true` / `false`).
    pub fn bool(&self, key: &str) -> Result<Option<bool>, ApiError> {
        match self.str(key)? {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(v) => Err(ApiError::invalid_request(
                format!("Invalid boolean: {v}"),
                Some(self.name(key)),
            )),
        }
    }

    /// A nested hash (`subscription_data[...]`).
    pub fn hash(&self, key: &str) -> Result<Option<Params>, ApiError> {
        match self.map.get(key) {
            None => Ok(None),
            Some(Param::Map(map)) => Ok(Some(Params {
                path: self.name(key),
                map: map.clone(),
            })),
            // `metadata[0]=x` decodes as an array; as a hash its keys are the indices.
            Some(Param::List(items)) if items.iter().all(|p| matches!(p, Param::Value(_))) => {
                let map = items
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (i.to_string(), p.clone()))
                    .collect();
                Ok(Some(Params {
                    path: self.name(key),
                    map,
                }))
            }
            Some(Param::Value(v)) if v.is_empty() => Ok(Some(Params {
                path: self.name(key),
                map: BTreeMap::new(),
            })),
            Some(_) => Err(ApiError::invalid_request(
                format!("Invalid hash: {} must be a hash", self.name(key)),
                Some(self.name(key)),
            )),
        }
    }

    /// An array of hashes (`items[0][price]`); each element carries its indexed path.
    pub fn hashes(&self, key: &str) -> Result<Vec<Params>, ApiError> {
        let items = match self.map.get(key) {
            None => return Ok(Vec::new()),
            Some(Param::List(items)) => items,
            Some(_) => {
                return Err(ApiError::invalid_request(
                    format!("Invalid array: {} must be an array", self.name(key)),
                    Some(self.name(key)),
                ));
            }
        };
        items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Param::Map(map) => Ok(Params {
                    path: format!("{}[{i}]", self.name(key)),
                    map: map.clone(),
                }),
                _ => Err(ApiError::invalid_request(
                    format!("Invalid hash: {}[{i}] must be a hash", self.name(key)),
                    Some(format!("{}[{i}]", self.name(key))),
                )),
            })
            .collect()
    }

    /// An array of strings (`enabled_events[]`, `expand[]`, `types[]`).
    pub fn strings(&self, key: &str) -> Result<Option<Vec<String>>, ApiError> {
        match self.map.get(key) {
            None => Ok(None),
            Some(Param::List(items)) => items
                .iter()
                .map(|p| match p {
                    Param::Value(v) => Ok(v.clone()),
                    _ => Err(ApiError::invalid_request(
                        format!(
                            "Invalid array: {} must be an array of strings",
                            self.name(key)
                        ),
                        Some(self.name(key)),
                    )),
                })
                .collect::<Result<_, _>>()
                .map(Some),
            Some(Param::Value(v)) if v.is_empty() => Ok(Some(Vec::new())),
            Some(_) => Err(ApiError::invalid_request(
                format!("Invalid array: {} must be an array", self.name(key)),
                Some(self.name(key)),
            )),
        }
    }

    /// The scalar entries of this hash, for `metadata`: key -> value (an empty value unsets).
    pub fn entries(&self) -> Result<Vec<(String, String)>, ApiError> {
        self.map
            .iter()
            .map(|(k, v)| match v {
                Param::Value(v) => Ok((k.clone(), v.clone())),
                _ => Err(ApiError::invalid_request(
                    format!(
                        "Invalid value for {}: metadata values must be strings",
                        self.name(k)
                    ),
                    Some(self.name(k)),
                )),
            })
            .collect()
    }

    /// A canonical text of the whole tree (keys sorted), for idempotency fingerprints.
    pub fn canonical(&self) -> String {
        serde_json::to_string(&self.map).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Params {
        Params::parse(s.as_bytes()).expect("parses")
    }

    #[test]
    fn nested_hashes_and_indexed_arrays() {
        let p = parse(
            "customer=cus_1&items[0][price]=price_a&items[1][price]=price_b&items[1][quantity]=2&metadata[impact_click_id]=XYZ",
        );
        assert_eq!(p.required_str("customer").unwrap(), "cus_1");
        let items = p.hashes("items").unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[1].required_str("price").unwrap(), "price_b");
        assert_eq!(items[1].int("quantity").unwrap(), Some(2));
        assert_eq!(items[0].name("price"), "items[0][price]");
        let meta = p.hash("metadata").unwrap().unwrap().entries().unwrap();
        assert_eq!(meta, vec![("impact_click_id".to_owned(), "XYZ".to_owned())]);
    }

    #[test]
    fn both_array_spellings_give_the_same_list() {
        let a = parse("enabled_events[]=invoice.paid&enabled_events[]=charge.refunded");
        let b = parse("enabled_events[0]=invoice.paid&enabled_events[1]=charge.refunded");
        assert_eq!(
            a.strings("enabled_events").unwrap(),
            b.strings("enabled_events").unwrap()
        );
        assert_eq!(a.canonical(), b.canonical());
    }

    #[test]
    fn indices_sort_numerically() {
        let p = parse("expand[10]=k&expand[2]=c&expand[0]=a");
        assert_eq!(p.strings("expand").unwrap().unwrap(), vec!["a", "c", "k"]);
    }

    #[test]
    fn percent_encoding_is_decoded() {
        let p = parse("email=a%40b.c&metadata[k%20x]=v+w");
        assert_eq!(p.str("email").unwrap(), Some("a@b.c"));
        assert_eq!(
            p.hash("metadata").unwrap().unwrap().entries().unwrap()[0],
            ("k x".into(), "v w".into())
        );
    }

    #[test]
    fn canonical_ignores_order() {
        assert_eq!(
            parse("a=1&b[x]=2").canonical(),
            parse("b[x]=2&a=1").canonical()
        );
        assert_ne!(parse("a=1").canonical(), parse("a=2").canonical());
    }

    #[test]
    fn malformed_keys_and_conflicts_are_errors() {
        assert!(Params::parse(b"a[b=1").is_err());
        assert!(Params::parse(b"[x]=1").is_err());
        assert!(Params::parse(b"a=1&a[b]=2").is_err());
    }

    #[test]
    fn typed_getters_name_the_parameter() {
        let p = parse("limit=abc&items[0][quantity]=x");
        let e = p.int("limit").unwrap_err();
        assert_eq!(e.param.as_deref(), Some("limit"));
        let e = p.hashes("items").unwrap()[0].int("quantity").unwrap_err();
        assert_eq!(e.param.as_deref(), Some("items[0][quantity]"));
        let e = p.required_str("customer").unwrap_err();
        assert_eq!(e.message, "Missing required param: customer.");
    }

    #[test]
    fn unknown_top_level_params_are_refused() {
        let p = parse("email=a&colour=blue");
        let e = p.allow(&["email"]).unwrap_err();
        assert_eq!(e.message, "Received unknown parameter: colour");
        assert!(parse("email=a&expand[]=x").allow(&["email"]).is_ok());
    }
}
