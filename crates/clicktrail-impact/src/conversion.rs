//! A new conversion: `POST /Advertisers/{SID}/Conversions`.
//!
//! Built with [`Conversion::builder`]; [`ConversionBuilder::build`] checks what impact.com would
//! check (required fields, lengths, an attribution key) plus what would make the credited amount
//! wrong (negative or mixed-exponent amounts). A built [`Conversion`] therefore always renders.
//!
//! Items carry `ItemSubTotal{n}` (the line's total), never `ItemPrice{n}`: impact.com takes one or
//! the other, and a subtotal is exact where `price x quantity` may not be. impact.com's sale amount
//! is then `sum(ItemSubTotal{n}) - OrderDiscount`, which [`Conversion::sale_amount`] computes.
//!
//! Amounts are never negative on the wire: impact.com documents no meaning for a negative item. A
//! credit (a proration line, a coupon) belongs in `OrderDiscount`; the builder refuses a discount
//! larger than the items, since that would credit a negative sale.

use serde::{Deserialize, Serialize};

use crate::field::{MAX_ID, MAX_STRING, optional, required};
use crate::{Amount, Error, format_event_date};

/// One line of a conversion: `ItemSku{n}`, `ItemName{n}`, `ItemCategory{n}`, `ItemQuantity{n}`,
/// `ItemSubTotal{n}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    sku: String,
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    category: Option<String>,
    quantity: u32,
    subtotal: Amount,
}

impl Item {
    /// A line: its SKU, its name, how many, and the line's total (not the unit price).
    pub fn new(
        sku: impl Into<String>,
        name: impl Into<String>,
        quantity: u32,
        subtotal: Amount,
    ) -> Self {
        Self {
            sku: sku.into(),
            name: name.into(),
            category: None,
            quantity,
            subtotal,
        }
    }

    /// Sets `ItemCategory{n}`.
    #[must_use]
    pub fn with_category(mut self, category: impl Into<String>) -> Self {
        self.category = Some(category.into());
        self
    }

    /// `ItemSku{n}`.
    pub fn sku(&self) -> &str {
        &self.sku
    }

    /// `ItemName{n}`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `ItemCategory{n}`, when set.
    pub fn category(&self) -> Option<&str> {
        self.category.as_deref()
    }

    /// `ItemQuantity{n}`.
    pub fn quantity(&self) -> u32 {
        self.quantity
    }

    /// `ItemSubTotal{n}`: the line's total.
    pub fn subtotal(&self) -> Amount {
        self.subtotal
    }
}

/// The fields of a [`Conversion`] before validation. Also its serialized form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversionBuilder {
    campaign_id: String,
    event_type_id: String,
    order_id: String,
    /// Unix seconds.
    event_date: i64,
    currency_code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    click_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    customer_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    customer_email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    customer_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    order_discount: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    order_promo_code: Option<String>,
    #[serde(default)]
    items: Vec<Item>,
}

impl ConversionBuilder {
    /// Sets `ClickId`: the partner click id, sent verbatim (it is case-sensitive).
    #[must_use]
    pub fn click_id(mut self, click_id: impl Into<String>) -> Self {
        self.click_id = Some(click_id.into());
        self
    }

    /// Sets `CustomerId`: a non-identifying id such as the Stripe customer id.
    #[must_use]
    pub fn customer_id(mut self, customer_id: impl Into<String>) -> Self {
        self.customer_id = Some(customer_id.into());
        self
    }

    /// Sets `CustomerEmail`. Pass the output of [`hash_email`](crate::hash_email): this value is
    /// sent as given.
    #[must_use]
    pub fn customer_email(mut self, hashed_email: impl Into<String>) -> Self {
        self.customer_email = Some(hashed_email.into());
        self
    }

    /// Sets `CustomerStatus` (values are configured per event type, e.g. `New`, `Returning`).
    #[must_use]
    pub fn customer_status(mut self, status: impl Into<String>) -> Self {
        self.customer_status = Some(status.into());
        self
    }

    /// Sets `OrderDiscount`, subtracted by impact.com from the sum of the items.
    #[must_use]
    pub fn order_discount(mut self, discount: Amount) -> Self {
        self.order_discount = Some(discount);
        self
    }

    /// Sets `OrderPromoCode`.
    #[must_use]
    pub fn order_promo_code(mut self, code: impl Into<String>) -> Self {
        self.order_promo_code = Some(code.into());
        self
    }

    /// Appends a line; lines are numbered from 1 in the order they are added.
    #[must_use]
    pub fn item(mut self, item: Item) -> Self {
        self.items.push(item);
        self
    }

    /// Appends several lines.
    #[must_use]
    pub fn items(mut self, items: impl IntoIterator<Item = Item>) -> Self {
        self.items.extend(items);
        self
    }

    /// Validates and returns the conversion. The currency code is upper-cased.
    pub fn build(mut self) -> Result<Conversion, Error> {
        required("CampaignId", &self.campaign_id, MAX_STRING)?;
        required("EventTypeId", &self.event_type_id, MAX_STRING)?;
        required("OrderId", &self.order_id, MAX_ID)?;
        let event_date = format_event_date(self.event_date)?;
        optional("ClickId", self.click_id.as_deref(), MAX_ID)?;
        optional("CustomerId", self.customer_id.as_deref(), MAX_STRING)?;
        optional("CustomerEmail", self.customer_email.as_deref(), MAX_STRING)?;
        optional(
            "CustomerStatus",
            self.customer_status.as_deref(),
            MAX_STRING,
        )?;
        optional(
            "OrderPromoCode",
            self.order_promo_code.as_deref(),
            MAX_STRING,
        )?;
        if self.click_id.is_none() && self.customer_id.is_none() {
            return Err(Error::NoAttributionKey);
        }
        if self.currency_code.is_empty() {
            return Err(Error::Missing {
                field: "CurrencyCode".to_owned(),
            });
        }
        if self.currency_code.len() != 3
            || !self.currency_code.bytes().all(|b| b.is_ascii_alphabetic())
        {
            return Err(Error::InvalidCurrency(self.currency_code));
        }
        self.currency_code.make_ascii_uppercase();

        let mut exponent = None;
        let mut check_amount = |field: String, amount: Amount| -> Result<(), Error> {
            if amount.is_negative() {
                return Err(Error::NegativeAmount { field });
            }
            if amount.exponent() > Amount::WIRE_MAX_EXPONENT {
                return Err(Error::TooManyDecimals {
                    field,
                    found: amount.exponent(),
                });
            }
            match exponent {
                None => exponent = Some(amount.exponent()),
                Some(expected) if expected != amount.exponent() => {
                    return Err(Error::MixedExponent {
                        field,
                        expected,
                        found: amount.exponent(),
                    });
                }
                Some(_) => {}
            }
            Ok(())
        };
        for (i, item) in self.items.iter().enumerate() {
            let n = i + 1;
            required(&format!("ItemSku{n}"), &item.sku, MAX_STRING)?;
            required(&format!("ItemName{n}"), &item.name, MAX_STRING)?;
            optional(
                &format!("ItemCategory{n}"),
                item.category.as_deref(),
                MAX_STRING,
            )?;
            if item.quantity == 0 {
                return Err(Error::InvalidQuantity {
                    field: format!("ItemQuantity{n}"),
                });
            }
            check_amount(format!("ItemSubTotal{n}"), item.subtotal)?;
        }
        if let Some(discount) = self.order_discount {
            check_amount("OrderDiscount".to_owned(), discount)?;
        }
        let conversion = Conversion {
            fields: self,
            event_date,
        };
        if conversion.sale_amount()?.is_negative() {
            return Err(Error::NegativeSaleAmount);
        }
        Ok(conversion)
    }
}

/// A validated conversion, ready to render as form parameters.
///
/// ```
/// use clicktrail_impact::{Amount, Conversion, Item};
///
/// let conversion = Conversion::builder("1000", "2000", "in_1Abc", 1_795_741_500, "usd")
///     .click_id("Qx9:abcDEF123")
///     .customer_id("cus_123")
///     .item(Item::new("price_pro", "Pro plan", 1, Amount::from_minor(2900, 2)?))
///     .build()?;
/// assert_eq!(conversion.sale_amount()?.to_string(), "29.00");
/// assert!(conversion.params().contains(&("CurrencyCode".into(), "USD".into())));
/// # Ok::<(), clicktrail_impact::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ConversionBuilder", into = "ConversionBuilder")]
pub struct Conversion {
    fields: ConversionBuilder,
    /// `EventDate` as rendered, computed once by `build`.
    event_date: String,
}

impl TryFrom<ConversionBuilder> for Conversion {
    type Error = Error;

    fn try_from(builder: ConversionBuilder) -> Result<Self, Error> {
        builder.build()
    }
}

impl From<Conversion> for ConversionBuilder {
    fn from(conversion: Conversion) -> Self {
        conversion.fields
    }
}

impl Conversion {
    /// Starts a conversion with its required fields: the program (`CampaignId`), the event type
    /// (`EventTypeId`, the tracker), the `OrderId`, the time of the payment in unix seconds
    /// (`EventDate`) and the currency (`CurrencyCode`, any case).
    pub fn builder(
        campaign_id: impl Into<String>,
        event_type_id: impl Into<String>,
        order_id: impl Into<String>,
        event_date_unix: i64,
        currency_code: impl Into<String>,
    ) -> ConversionBuilder {
        ConversionBuilder {
            campaign_id: campaign_id.into(),
            event_type_id: event_type_id.into(),
            order_id: order_id.into(),
            event_date: event_date_unix,
            currency_code: currency_code.into(),
            click_id: None,
            customer_id: None,
            customer_email: None,
            customer_status: None,
            order_discount: None,
            order_promo_code: None,
            items: Vec::new(),
        }
    }

    /// `CampaignId`.
    pub fn campaign_id(&self) -> &str {
        &self.fields.campaign_id
    }

    /// `EventTypeId`: the tracker this conversion is sent to.
    pub fn event_type_id(&self) -> &str {
        &self.fields.event_type_id
    }

    /// `OrderId`.
    pub fn order_id(&self) -> &str {
        &self.fields.order_id
    }

    /// `EventDate` in unix seconds.
    pub fn event_date_unix(&self) -> i64 {
        self.fields.event_date
    }

    /// `ClickId`, when set.
    pub fn click_id(&self) -> Option<&str> {
        self.fields.click_id.as_deref()
    }

    /// `CustomerId`, when set.
    pub fn customer_id(&self) -> Option<&str> {
        self.fields.customer_id.as_deref()
    }

    /// `CustomerEmail` (hashed), when set.
    pub fn customer_email(&self) -> Option<&str> {
        self.fields.customer_email.as_deref()
    }

    /// `CustomerStatus`, when set.
    pub fn customer_status(&self) -> Option<&str> {
        self.fields.customer_status.as_deref()
    }

    /// `OrderPromoCode`, when set.
    pub fn order_promo_code(&self) -> Option<&str> {
        self.fields.order_promo_code.as_deref()
    }

    /// `CurrencyCode`, upper-case.
    pub fn currency_code(&self) -> &str {
        &self.fields.currency_code
    }

    /// `OrderDiscount`, when set.
    pub fn order_discount(&self) -> Option<Amount> {
        self.fields.order_discount
    }

    /// The lines, in the order they are numbered.
    pub fn items(&self) -> &[Item] {
        &self.fields.items
    }

    /// What impact.com will record as the sale amount: the sum of `ItemSubTotal{n}` minus
    /// `OrderDiscount`. Zero (exponent 0) for a conversion without items or discount.
    pub fn sale_amount(&self) -> Result<Amount, Error> {
        let mut total: Option<Amount> = None;
        for item in &self.fields.items {
            total = Some(match total {
                None => item.subtotal,
                Some(t) => t.checked_add(item.subtotal)?,
            });
        }
        let zero = || Amount::zero(self.fields.order_discount.map_or(0, Amount::exponent));
        let total = match total {
            Some(t) => t,
            None => zero()?,
        };
        match self.fields.order_discount {
            Some(discount) => total.checked_sub(discount),
            None => Ok(total),
        }
    }

    /// The form parameters, in a stable order: the order fields, then each item's fields with
    /// `n` counting from 1. Optional fields that are not set are left out.
    pub fn params(&self) -> Vec<(String, String)> {
        let f = &self.fields;
        let mut params = Vec::with_capacity(12 + 5 * f.items.len());
        let mut push = |key: &str, value: &str| params.push((key.to_owned(), value.to_owned()));
        push("CampaignId", &f.campaign_id);
        push("EventTypeId", &f.event_type_id);
        push("OrderId", &f.order_id);
        if let Some(v) = &f.click_id {
            push("ClickId", v);
        }
        push("EventDate", &self.event_date);
        for (key, value) in [
            ("CustomerId", &f.customer_id),
            ("CustomerEmail", &f.customer_email),
            ("CustomerStatus", &f.customer_status),
        ] {
            if let Some(v) = value {
                push(key, v);
            }
        }
        push("CurrencyCode", &f.currency_code);
        if let Some(d) = f.order_discount {
            push("OrderDiscount", &d.to_string());
        }
        if let Some(v) = &f.order_promo_code {
            push("OrderPromoCode", v);
        }
        for (i, item) in f.items.iter().enumerate() {
            let n = i + 1;
            push(&format!("ItemSku{n}"), &item.sku);
            push(&format!("ItemName{n}"), &item.name);
            if let Some(c) = &item.category {
                push(&format!("ItemCategory{n}"), c);
            }
            push(&format!("ItemQuantity{n}"), &item.quantity.to_string());
            push(&format!("ItemSubTotal{n}"), &item.subtotal.to_string());
        }
        params
    }
}
