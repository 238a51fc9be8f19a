//! A small typed reader over `serde_json::Value`, used by every typed view.
//!
//! Each accessor treats an absent key and `null` alike (Stripe writes `null` for unset fields and
//! drops fields across API versions), ignores keys it is not asked about, and refuses a value of
//! the wrong JSON type with an error carrying the field's full path (`lines.data[2].amount`).

use serde_json::{Map, Value};

use super::Metadata;
use crate::{Currency, Error};

/// A JSON object being read, with its path inside the parsed document.
#[derive(Debug, Clone)]
pub(crate) struct Obj<'a> {
    map: &'a Map<String, Value>,
    path: String,
}

impl<'a> Obj<'a> {
    /// Reads `value` as an object located at `path` (`""` for the document root).
    pub(crate) fn new(value: &'a Value, path: &str) -> Result<Self, Error> {
        match value {
            Value::Object(map) => Ok(Self {
                map,
                path: path.to_owned(),
            }),
            _ => Err(wrong_type(
                if path.is_empty() { "(root)" } else { path },
                "an object",
            )),
        }
    }

    /// The full path of `key` under this object.
    pub(crate) fn path_of(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// The raw value at `key`, `None` when absent or `null`.
    pub(crate) fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    /// An optional string.
    pub(crate) fn str(&self, key: &str) -> Result<Option<&'a str>, Error> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(wrong_type(&self.path_of(key), "a string")),
        }
    }

    /// An optional string, owned.
    pub(crate) fn string(&self, key: &str) -> Result<Option<String>, Error> {
        Ok(self.str(key)?.map(str::to_owned))
    }

    /// A string that must be present.
    pub(crate) fn required_string(&self, key: &str) -> Result<String, Error> {
        self.string(key)?.ok_or_else(|| Error::MissingField {
            field: self.path_of(key),
        })
    }

    /// An optional integer (Stripe's amounts and timestamps).
    pub(crate) fn i64(&self, key: &str) -> Result<Option<i64>, Error> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_i64()
                .map(Some)
                .ok_or_else(|| wrong_type(&self.path_of(key), "an integer")),
        }
    }

    /// An optional boolean.
    pub(crate) fn bool(&self, key: &str) -> Result<Option<bool>, Error> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(wrong_type(&self.path_of(key), "a boolean")),
        }
    }

    /// An optional nested object.
    pub(crate) fn obj(&self, key: &str) -> Result<Option<Obj<'a>>, Error> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => Obj::new(v, &self.path_of(key)).map(Some),
        }
    }

    /// An optional array of objects, each with its indexed path (`key[0]`, `key[1]`, ...).
    pub(crate) fn objects(&self, key: &str) -> Result<Option<Vec<Obj<'a>>>, Error> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Array(items)) => {
                let path = self.path_of(key);
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| Obj::new(item, &format!("{path}[{i}]")))
                    .collect::<Result<Vec<_>, _>>()
                    .map(Some)
            }
            Some(_) => Err(wrong_type(&self.path_of(key), "an array")),
        }
    }

    /// A Stripe list (`{"object":"list","data":[...],"has_more":...}`): its items and `has_more`.
    pub(crate) fn list(&self, key: &str) -> Result<Option<(Vec<Obj<'a>>, bool)>, Error> {
        let Some(list) = self.obj(key)? else {
            return Ok(None);
        };
        let items = list.objects("data")?.unwrap_or_default();
        let has_more = list.bool("has_more")?.unwrap_or(false);
        Ok(Some((items, has_more)))
    }

    /// An expandable reference: either the id string, or the expanded object whose `id` is read.
    pub(crate) fn expandable_id(&self, key: &str) -> Result<Option<String>, Error> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(id)) => Ok(Some(id.clone())),
            Some(Value::Object(_)) => self.obj(key)?.map_or(Ok(None), |o| o.string("id")),
            Some(_) => Err(wrong_type(&self.path_of(key), "an id string or an object")),
        }
    }

    /// A currency code.
    pub(crate) fn currency(&self, key: &str) -> Result<Option<Currency>, Error> {
        match self.str(key)? {
            None => Ok(None),
            Some(code) => Currency::new(code)
                .map(Some)
                .map_err(|_| wrong_type(&self.path_of(key), "a three-letter currency code")),
        }
    }

    /// A metadata map; absent or `null` reads as empty.
    pub(crate) fn metadata(&self, key: &str) -> Result<Metadata, Error> {
        Ok(self.metadata_opt(key)?.unwrap_or_default())
    }

    /// A metadata map, `None` when absent or `null`.
    pub(crate) fn metadata_opt(&self, key: &str) -> Result<Option<Metadata>, Error> {
        let Some(map) = self.obj(key)? else {
            return Ok(None);
        };
        let mut out = Metadata::new();
        for (k, v) in map.map {
            match v {
                Value::String(s) => {
                    out.insert(k.clone(), s.clone());
                }
                Value::Null => {}
                _ => return Err(wrong_type(&map.path_of(k), "a string")),
            }
        }
        Ok(Some(out))
    }

    /// The sum of `amount` over an array of objects (`total_taxes`, `discount_amounts`, ...),
    /// `None` when the array is absent.
    pub(crate) fn sum_amounts(&self, key: &str) -> Result<Option<i64>, Error> {
        let Some(items) = self.objects(key)? else {
            return Ok(None);
        };
        let mut total: i64 = 0;
        for item in &items {
            let amount = item.i64("amount")?.unwrap_or(0);
            total = total.checked_add(amount).ok_or_else(|| {
                wrong_type(
                    &self.path_of(key),
                    "a list of amounts whose sum fits in 64 bits",
                )
            })?;
        }
        Ok(Some(total))
    }

    /// Refuses a document whose `object` is present and not `expected`.
    pub(crate) fn expect_object(&self, expected: &'static str) -> Result<(), Error> {
        match self.str("object")? {
            Some(found) if found != expected => Err(Error::WrongObject {
                expected,
                found: found.to_owned(),
            }),
            _ => Ok(()),
        }
    }
}

pub(crate) fn wrong_type(field: &str, expected: &'static str) -> Error {
    Error::WrongType {
        field: field.to_owned(),
        expected,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn null_and_absent_read_as_none_and_wrong_types_name_the_path() {
        let doc = json!({"a": null, "n": "12", "o": {"list": [{"amount": 1}, {"amount": "x"}]}});
        let root = Obj::new(&doc, "data.object").unwrap();
        assert_eq!(root.str("a").unwrap(), None);
        assert_eq!(root.i64("missing").unwrap(), None);
        assert_eq!(
            root.i64("n").unwrap_err().to_string(),
            "field `data.object.n` is not an integer"
        );
        let o = root.obj("o").unwrap().unwrap();
        assert_eq!(
            o.sum_amounts("list").unwrap_err().to_string(),
            "field `data.object.o.list[1].amount` is not an integer"
        );
        assert_eq!(
            root.required_string("id").unwrap_err().to_string(),
            "missing field `data.object.id`"
        );
    }

    #[test]
    fn expandables_read_as_ids_either_way() {
        let doc = json!({"a": "cus_1", "b": {"id": "cus_2", "object": "customer"}, "c": 5});
        let root = Obj::new(&doc, "").unwrap();
        assert_eq!(root.expandable_id("a").unwrap().as_deref(), Some("cus_1"));
        assert_eq!(root.expandable_id("b").unwrap().as_deref(), Some("cus_2"));
        assert_eq!(
            root.expandable_id("c").unwrap_err().to_string(),
            "field `c` is not an id string or an object"
        );
    }

    #[test]
    fn metadata_keeps_strings_and_refuses_other_values() {
        let doc = json!({"m": {"k": "v", "gone": null}, "bad": {"k": 1}});
        let root = Obj::new(&doc, "").unwrap();
        let m = root.metadata("m").unwrap();
        assert_eq!(m.len(), 1);
        assert_eq!(m["k"], "v");
        assert!(root.metadata("absent").unwrap().is_empty());
        assert_eq!(
            root.metadata("bad").unwrap_err().to_string(),
            "field `bad.k` is not a string"
        );
    }
}
