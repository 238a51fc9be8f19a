//! Typed parameters of the calls the product makes, each turned into a [`Form`]. Pure.

use super::Form;
use crate::Metadata;

/// A new webhook endpoint (`POST /v1/webhook_endpoints`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewWebhookEndpoint {
    /// Where Stripe delivers, `https://...`.
    pub url: String,
    /// The event types to deliver (`invoice.paid`, ...), or `*`.
    pub enabled_events: Vec<String>,
    /// The API version events are rendered in; it cannot be changed later.
    pub api_version: Option<String>,
    /// Shown in the Dashboard.
    pub description: Option<String>,
    /// Metadata, e.g. who manages the endpoint.
    pub metadata: Metadata,
}

impl NewWebhookEndpoint {
    /// The request's parameters.
    ///
    /// ```
    /// use clicktrail_stripe::client::NewWebhookEndpoint;
    ///
    /// let endpoint = NewWebhookEndpoint {
    ///     url: "https://shop.example/webhooks/stripe".into(),
    ///     enabled_events: vec!["invoice.paid".into(), "charge.refunded".into()],
    ///     api_version: Some("2025-03-31.basil".into()),
    ///     metadata: [("managed_by".to_owned(), "clicktrail".to_owned())].into(),
    ///     ..Default::default()
    /// };
    /// assert_eq!(
    ///     endpoint.to_form().encode(),
    ///     "url=https%3A%2F%2Fshop.example%2Fwebhooks%2Fstripe&enabled_events[]=invoice.paid\
    ///      &enabled_events[]=charge.refunded&api_version=2025-03-31.basil\
    ///      &metadata[managed_by]=clicktrail"
    /// );
    /// ```
    pub fn to_form(&self) -> Form {
        Form::new()
            .push("url", &self.url)
            .push_list("enabled_events", self.enabled_events.iter().cloned())
            .push_opt("api_version", self.api_version.as_deref())
            .push_opt("description", self.description.as_deref())
            .push_map("metadata", &self.metadata)
    }
}

/// Bounds on `created`, unix seconds (`created[gte]=...`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Created {
    /// At or after.
    pub gte: Option<i64>,
    /// After.
    pub gt: Option<i64>,
    /// At or before.
    pub lte: Option<i64>,
    /// Before.
    pub lt: Option<i64>,
}

impl Created {
    fn to_form(self) -> Form {
        let mut form = Form::new();
        for (op, value) in [
            ("gte", self.gte),
            ("gt", self.gt),
            ("lte", self.lte),
            ("lt", self.lt),
        ] {
            form = form.push_opt(op, value.map(|v| v.to_string()));
        }
        form
    }
}

/// Filters of `GET /v1/events` (Stripe keeps 30 days of events).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EventQuery {
    /// `types[]`: up to 20 types (`invoice.paid`, ...).
    pub types: Vec<String>,
    /// `type`: one type, or a pattern like `invoice.*`.
    pub event_type: Option<String>,
    /// `created[...]`.
    pub created: Created,
    /// `delivery_success`: `false` lists events some endpoint failed to receive.
    pub delivery_success: Option<bool>,
    /// Page size, 1 to 100 (Stripe's default is 10).
    pub limit: Option<u8>,
    /// `starting_after`: walk to older events from this one.
    pub starting_after: Option<String>,
    /// `ending_before`: walk to newer events from this one (chronological order).
    pub ending_before: Option<String>,
}

impl EventQuery {
    /// The request's parameters.
    ///
    /// ```
    /// use clicktrail_stripe::client::{Created, EventQuery};
    ///
    /// let query = EventQuery {
    ///     types: vec!["invoice.paid".into(), "charge.refunded".into()],
    ///     created: Created { gte: Some(1_700_000_000), ..Default::default() },
    ///     delivery_success: Some(false),
    ///     limit: Some(100),
    ///     ..Default::default()
    /// };
    /// assert_eq!(
    ///     query.to_form().encode(),
    ///     "types[]=invoice.paid&types[]=charge.refunded&created[gte]=1700000000\
    ///      &delivery_success=false&limit=100"
    /// );
    /// ```
    pub fn to_form(&self) -> Form {
        let created = self.created.to_form();
        let mut form = Form::new()
            .push_list("types", self.types.iter().cloned())
            .push_opt("type", self.event_type.as_deref());
        if !created.is_empty() {
            form = form.push_object("created", created);
        }
        form.push_opt(
            "delivery_success",
            self.delivery_success.map(|b| b.to_string()),
        )
        .push_opt("limit", self.limit.map(|n| n.to_string()))
        .push_opt("starting_after", self.starting_after.as_deref())
        .push_opt("ending_before", self.ending_before.as_deref())
    }
}

/// One item of a new subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionItem {
    /// `price_...`.
    pub price: String,
    /// Quantity; Stripe's default is 1.
    pub quantity: Option<u64>,
}

/// A new subscription (`POST /v1/subscriptions`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewSubscription {
    /// `cus_...`.
    pub customer: String,
    /// The items, at least one.
    pub items: Vec<SubscriptionItem>,
    /// Metadata (where clicktrail writes the click id).
    pub metadata: Metadata,
    /// Days of free trial.
    pub trial_period_days: Option<u32>,
    /// Coupons (`discounts[i][coupon]`).
    pub coupons: Vec<String>,
    /// Promotion codes (`discounts[i][promotion_code]`).
    pub promotion_codes: Vec<String>,
}

impl NewSubscription {
    /// The request's parameters.
    ///
    /// ```
    /// use clicktrail_stripe::client::{NewSubscription, SubscriptionItem};
    ///
    /// let sub = NewSubscription {
    ///     customer: "cus_1".into(),
    ///     items: vec![SubscriptionItem { price: "price_1".into(), quantity: Some(2) }],
    ///     coupons: vec!["SPRING".into()],
    ///     trial_period_days: Some(14),
    ///     ..Default::default()
    /// };
    /// assert_eq!(
    ///     sub.to_form().encode(),
    ///     "customer=cus_1&items[0][price]=price_1&items[0][quantity]=2\
    ///      &trial_period_days=14&discounts[0][coupon]=SPRING"
    /// );
    /// ```
    pub fn to_form(&self) -> Form {
        let items = self.items.iter().map(|item| {
            Form::new()
                .push("price", &item.price)
                .push_opt("quantity", item.quantity.map(|q| q.to_string()))
        });
        let discounts = self
            .coupons
            .iter()
            .map(|c| Form::new().push("coupon", c))
            .chain(
                self.promotion_codes
                    .iter()
                    .map(|p| Form::new().push("promotion_code", p)),
            );
        Form::new()
            .push("customer", &self.customer)
            .push_objects("items", items)
            .push_map("metadata", &self.metadata)
            .push_opt(
                "trial_period_days",
                self.trial_period_days.map(|d| d.to_string()),
            )
            .push_objects("discounts", discounts)
    }
}

/// What a refund takes money back from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundTarget {
    /// `ch_...`.
    Charge(String),
    /// `pi_...`.
    PaymentIntent(String),
}

/// A new refund (`POST /v1/refunds`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRefund {
    /// The charge or payment intent.
    pub target: RefundTarget,
    /// Minor units; the whole remaining amount when `None`.
    pub amount: Option<i64>,
    /// Metadata.
    pub metadata: Metadata,
}

impl NewRefund {
    /// The request's parameters.
    pub fn to_form(&self) -> Form {
        let form = match &self.target {
            RefundTarget::Charge(id) => Form::new().push("charge", id),
            RefundTarget::PaymentIntent(id) => Form::new().push("payment_intent", id),
        };
        form.push_opt("amount", self.amount.map(|a| a.to_string()))
            .push_map("metadata", &self.metadata)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_created_bound_is_sent() {
        let query = EventQuery {
            event_type: Some("invoice.*".into()),
            created: Created {
                gte: Some(1),
                gt: Some(2),
                lte: Some(3),
                lt: Some(4),
            },
            starting_after: Some("evt_9".into()),
            ..Default::default()
        };
        assert_eq!(
            query.to_form().encode(),
            "type=invoice.%2A&created[gte]=1&created[gt]=2&created[lte]=3&created[lt]=4\
             &starting_after=evt_9"
        );
        assert_eq!(EventQuery::default().to_form().encode(), "");
    }

    #[test]
    fn refunds_name_their_target() {
        let by_charge = NewRefund {
            target: RefundTarget::Charge("ch_1".into()),
            amount: Some(500),
            metadata: Metadata::new(),
        };
        assert_eq!(by_charge.to_form().encode(), "charge=ch_1&amount=500");
        let by_intent = NewRefund {
            target: RefundTarget::PaymentIntent("pi_1".into()),
            amount: None,
            metadata: [("reason".to_owned(), "test".to_owned())].into(),
        };
        assert_eq!(
            by_intent.to_form().encode(),
            "payment_intent=pi_1&metadata[reason]=test"
        );
    }

    #[test]
    fn promotion_codes_follow_coupons_in_discounts() {
        let sub = NewSubscription {
            customer: "cus_1".into(),
            items: vec![SubscriptionItem {
                price: "price_1".into(),
                quantity: None,
            }],
            coupons: vec!["C1".into()],
            promotion_codes: vec!["promo_1".into()],
            metadata: [("impact_click_id".to_owned(), "Qx9".to_owned())].into(),
            ..Default::default()
        };
        assert_eq!(
            sub.to_form().encode(),
            "customer=cus_1&items[0][price]=price_1&metadata[impact_click_id]=Qx9\
             &discounts[0][coupon]=C1&discounts[1][promotion_code]=promo_1"
        );
    }
}
