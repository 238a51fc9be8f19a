//! [`Customer`]: a tolerant view of a customer, deleted or not.

use serde_json::Value;

use super::Metadata;
use super::read::Obj;
use crate::Error;

/// A tolerant view of a Stripe customer (`cus_...`).
///
/// A deleted customer is `{"id": ..., "object": "customer", "deleted": true}`: every other
/// field is then absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    /// `cus_...`.
    pub id: String,
    /// The customer's email.
    pub email: Option<String>,
    /// The customer's name.
    pub name: Option<String>,
    /// The customer's metadata (the last place the forwarder looks for a click id).
    pub metadata: Metadata,
    /// Whether the customer was deleted.
    pub deleted: bool,
    /// Creation time, unix seconds.
    pub created: Option<i64>,
}

impl Customer {
    /// Reads a customer object.
    pub fn from_value(value: &Value) -> Result<Self, Error> {
        Self::read(value, "")
    }

    pub(crate) fn read(value: &Value, path: &str) -> Result<Self, Error> {
        let o = Obj::new(value, path)?;
        o.expect_object("customer")?;
        Ok(Self {
            id: o.required_string("id")?,
            email: o.string("email")?,
            name: o.string("name")?,
            metadata: o.metadata("metadata")?,
            deleted: o.bool("deleted")?.unwrap_or(false),
            created: o.i64("created")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_deleted_customer_reads_as_deleted() {
        let c =
            Customer::from_value(&json!({"id": "cus_1", "object": "customer", "deleted": true}))
                .unwrap();
        assert!(c.deleted);
        assert!(c.metadata.is_empty());
        assert_eq!(c.email, None);
    }
}
