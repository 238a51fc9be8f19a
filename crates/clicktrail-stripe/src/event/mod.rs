//! The event model: the [`Event`] envelope and tolerant typed views of the objects it carries.
//!
//! Stripe renders `data.object` in the endpoint's pinned API version, and `GET /v1/events`
//! renders each event in the version in force when it was created, so one deployment sees both
//! the pre-basil and the basil+ (`2025-03-31.basil`) shapes. The views read both. They are
//! built by reading the raw `serde_json::Value` through small typed accessors rather than with
//! `#[derive(Deserialize)]`: absent and `null` fields read as `None`, unknown fields are ignored,
//! expandable references read as the id whether expanded or not, fields that moved between
//! versions are looked up in each place, and a wrong JSON type in a field we read is an error
//! naming the field's full path (``field `data.object.lines.data[0].amount` is not an integer``).

mod charge;
mod checkout_session;
mod customer;
mod dispute;
mod envelope;
mod head;
mod invoice;
mod invoice_payment;
mod metadata;
mod promotion_code;
mod read;
mod refund;
mod subscription;

pub use charge::Charge;
pub use checkout_session::{CheckoutLineItem, CheckoutSession};
pub use customer::Customer;
pub use dispute::Dispute;
pub use envelope::Event;
pub use head::EventHead;
pub use invoice::{Invoice, InvoiceLine};
pub use invoice_payment::InvoicePayment;
pub use metadata::{Metadata, metadata_value};
pub use promotion_code::PromotionCode;
pub use refund::Refund;
pub use subscription::Subscription;
