//! What the shop sells: three [`Plan`]s (pure data), and the [`Catalog`] of their Stripe prices,
//! created once and found again by lookup key on the next start.

use std::collections::HashMap;

use clicktrail_stripe::Error as StripeError;
use clicktrail_stripe::client::{Form, StripeClient};
use serde::Serialize;

/// Which plan a form asks for (`plan=monthly`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PlanId {
    /// The monthly plan.
    Monthly,
    /// The monthly plan with a 14-day free trial.
    MonthlyTrial,
    /// The one-time product, bought through Stripe Checkout.
    Workshop,
}

impl PlanId {
    /// Reads a form value (`monthly`, `monthly-trial`, `workshop`).
    pub fn parse(value: &str) -> Option<Self> {
        PLANS.iter().map(|p| p.id).find(|id| id.as_str() == value)
    }

    /// The form value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Monthly => "monthly",
            Self::MonthlyTrial => "monthly-trial",
            Self::Workshop => "workshop",
        }
    }

    /// The plan.
    pub fn plan(self) -> &'static Plan {
        PLANS
            .iter()
            .find(|p| p.id == self)
            .expect("every PlanId has a Plan")
    }
}

/// One thing the shop sells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// The form value.
    pub id: PlanId,
    /// What the pages call it.
    pub name: &'static str,
    /// The Stripe price's `lookup_key`, which finds it again after a restart.
    pub lookup_key: &'static str,
    /// The price in cents.
    pub unit_amount: i64,
    /// Lower-case ISO code, as Stripe takes it.
    pub currency: &'static str,
    /// Billed every month (a subscription), or once (a Checkout payment).
    pub monthly: bool,
    /// Free days before the first charge (`trial_period_days`).
    pub trial_days: Option<u32>,
}

/// The shop's plans. The trial plan bills the monthly price: the trial is a property of the
/// subscription (`trial_period_days`), not of the price.
pub const PLANS: [Plan; 3] = [
    Plan {
        id: PlanId::Monthly,
        name: "Starter, monthly",
        lookup_key: "sample_shop_starter_monthly",
        unit_amount: 2900,
        currency: "usd",
        monthly: true,
        trial_days: None,
    },
    Plan {
        id: PlanId::MonthlyTrial,
        name: "Starter, monthly, 14 days free",
        lookup_key: "sample_shop_starter_monthly",
        unit_amount: 2900,
        currency: "usd",
        monthly: true,
        trial_days: Some(14),
    },
    Plan {
        id: PlanId::Workshop,
        name: "Onboarding workshop (one-time)",
        lookup_key: "sample_shop_onboarding_workshop",
        unit_amount: 4900,
        currency: "usd",
        monthly: false,
        trial_days: None,
    },
];

/// The Stripe price id of each plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalog {
    prices: HashMap<&'static str, String>,
}

impl Catalog {
    /// Finds each plan's price by lookup key and creates the missing ones (with an
    /// `Idempotency-Key` per lookup key, so two shops starting at once create one price).
    pub async fn ensure(stripe: &StripeClient) -> Result<Self, StripeError> {
        let mut keys: Vec<&'static str> = PLANS.iter().map(|p| p.lookup_key).collect();
        keys.dedup();
        let query = Form::new()
            .push_list("lookup_keys", keys.iter().copied())
            .push("active", "true")
            .push("limit", "100");
        let found = stripe.get("/v1/prices", &query).await?;
        let mut prices = HashMap::new();
        for price in found["data"].as_array().into_iter().flatten() {
            if let (Some(key), Some(id)) = (price["lookup_key"].as_str(), price["id"].as_str())
                && let Some(&known) = keys.iter().find(|k| **k == key)
            {
                prices.insert(known, id.to_owned());
            }
        }
        for plan in &PLANS {
            if prices.contains_key(plan.lookup_key) {
                continue;
            }
            let created = stripe
                .post_idempotent(
                    "/v1/prices",
                    &price_form(plan),
                    &format!("sample-shop-price-{}", plan.lookup_key),
                )
                .await?;
            let id = created["id"]
                .as_str()
                .ok_or_else(|| StripeError::InvalidParam("price id in Stripe's answer".into()))?;
            tracing::info!(price = id, lookup_key = plan.lookup_key, "created a price");
            prices.insert(plan.lookup_key, id.to_owned());
        }
        Ok(Self { prices })
    }

    /// The price id of `plan`.
    pub fn price(&self, plan: PlanId) -> &str {
        self.prices
            .get(plan.plan().lookup_key)
            .map_or("", String::as_str)
    }

    /// Which plan a price id belongs to (the first of the plans sharing it).
    pub fn plan_of_price(&self, price: &str) -> Option<&'static Plan> {
        PLANS.iter().find(|p| self.price(p.id) == price)
    }
}

/// `POST /v1/prices` parameters of `plan`, with its product made inline.
fn price_form(plan: &Plan) -> Form {
    let product_name = if plan.monthly {
        "Starter plan"
    } else {
        plan.name
    };
    let form = Form::new()
        .push("currency", plan.currency)
        .push("unit_amount", plan.unit_amount.to_string())
        .push("lookup_key", plan.lookup_key)
        .push_object("product_data", Form::new().push("name", product_name));
    if plan.monthly {
        form.push_object("recurring", Form::new().push("interval", "month"))
    } else {
        form
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_ids_round_trip_and_unknown_ones_are_refused() {
        for plan in &PLANS {
            assert_eq!(PlanId::parse(plan.id.as_str()), Some(plan.id));
            assert_eq!(plan.id.plan(), plan);
        }
        assert_eq!(PlanId::parse("gold"), None);
        assert_eq!(PlanId::parse(""), None);
    }

    #[test]
    fn price_forms_say_how_often_they_bill() {
        let monthly = price_form(PlanId::Monthly.plan()).encode();
        assert!(monthly.contains("recurring[interval]=month"), "{monthly}");
        assert!(monthly.contains("unit_amount=2900"), "{monthly}");
        let once = price_form(PlanId::Workshop.plan()).encode();
        assert!(!once.contains("recurring"), "{once}");
        assert!(
            once.contains("lookup_key=sample_shop_onboarding_workshop"),
            "{once}"
        );
    }
}
