//! The shop's routes, driven with `oneshot` against the Stripe and impact.com emulators started
//! in this process on free ports: what each action leaves on Stripe is checked on Stripe.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use clicktrail_sandbox::{Sandbox, SandboxConfig};
use http_body_util::BodyExt;
use sample_shop::{AppState, PLANS, ShopConfig, app};
use serde_json::Value;
use tower::ServiceExt;

struct Shop {
    sandbox: Sandbox,
    app: Router,
}

async fn shop() -> Shop {
    let sandbox = clicktrail_sandbox::start(SandboxConfig::ephemeral())
        .await
        .expect("sandbox starts");
    let config = ShopConfig {
        stripe_api_base: sandbox.stripe_url(),
        impact_url: sandbox.impact_url(),
        public_url: Some("http://shop.test".into()),
        ..ShopConfig::default()
    };
    let state = AppState::connect(&config).await.expect("catalog created");
    Shop {
        sandbox,
        app: app(state),
    }
}

struct Answer {
    status: StatusCode,
    location: Option<String>,
    cookies: Vec<String>,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    /// `name=value` of the cookie `name` this answer set.
    fn cookie(&self, name: &str) -> Option<String> {
        self.cookies
            .iter()
            .find(|c| c.starts_with(&format!("{name}=")))
            .map(|c| c.split(';').next().unwrap_or_default().to_owned())
    }
}

impl Shop {
    async fn send(&self, request: Request<Body>) -> Answer {
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let location = response
            .headers()
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_owned());
        let cookies = response
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        Answer {
            status,
            location,
            cookies,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    async fn get(&self, uri: &str, cookie: Option<&str>) -> Answer {
        let mut request = Request::get(uri);
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    async fn post(&self, uri: &str, form: &[(&str, &str)], cookie: Option<&str>) -> Answer {
        let mut request =
            Request::post(uri).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        let body = serde_urlencoded::to_string(form).unwrap();
        self.send(request.body(Body::from(body)).unwrap()).await
    }

    /// `GET` on the Stripe emulator with its key.
    async fn stripe(&self, path: &str) -> Value {
        reqwest::Client::new()
            .get(format!("{}{path}", self.sandbox.stripe_url()))
            .bearer_auth(self.sandbox.secret_key())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Subscribes and returns the subscription id and the `shop_customer` cookie.
    async fn subscribe(&self, form: &[(&str, &str)], cookie: Option<&str>) -> (String, String) {
        let answer = self.post("/subscribe", form, cookie).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
        let location = answer.location.clone().unwrap();
        assert!(location.starts_with("/account.html?notice=subscribed&subscription=sub_"));
        let id = location.rsplit('=').next().unwrap().to_owned();
        (id, answer.cookie("shop_customer").expect("customer cookie"))
    }
}

#[tokio::test]
async fn a_landing_link_serves_the_page_and_sets_the_click_id_cookie() {
    let shop = shop().await;
    let answer = shop.get("/?irclickid=Land%3A1", None).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer.body.contains("/kit.js"), "the page loads the kit");
    let cookie = answer
        .cookies
        .iter()
        .find(|c| c.starts_with("impact_click_id=Land:1"))
        .unwrap_or_else(|| panic!("landing cookie in {:?}", answer.cookies));
    assert!(
        cookie.contains("Max-Age=") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert_eq!(shop.get("/healthz", None).await.body, "ok");
}

#[tokio::test]
async fn the_pages_show_the_prices_the_catalog_charges() {
    let shop = shop().await;
    let pricing = shop.get("/pricing.html", None).await.body;
    let plans = shop.get("/api/plans", None).await.json();
    assert_eq!(plans.as_array().unwrap().len(), PLANS.len());
    for plan in &PLANS {
        let shown = format!("${}.{:02}", plan.unit_amount / 100, plan.unit_amount % 100);
        assert!(pricing.contains(&shown), "pricing.html shows {shown}");
        let link = if plan.monthly {
            format!("/subscribe.html?plan={}", plan.id.as_str())
        } else {
            "/buy.html".to_owned()
        };
        assert!(pricing.contains(&link), "pricing.html links {link}");
    }
    for page in ["/subscribe.html", "/buy.html"] {
        let body = shop.get(page, None).await.body;
        assert!(
            body.contains(r#"name="impact_ClickId""#),
            "{page} has the hidden field"
        );
    }
}

#[tokio::test]
async fn subscribing_puts_the_click_id_on_the_customer_the_subscription_and_its_invoice() {
    let shop = shop().await;
    let (sub, customer_cookie) = shop
        .subscribe(
            &[
                ("email", "ana@example.com"),
                ("plan", "monthly"),
                ("impact_ClickId", "Sub:1"),
            ],
            None,
        )
        .await;
    let subscription = shop.stripe(&format!("/v1/subscriptions/{sub}")).await;
    assert_eq!(subscription["metadata"]["impact_click_id"], "Sub:1");
    assert_eq!(subscription["metadata"]["shop_plan"], "monthly");
    assert_eq!(subscription["status"], "active");
    let customer_id = customer_cookie.trim_start_matches("shop_customer=");
    let customer = shop.stripe(&format!("/v1/customers/{customer_id}")).await;
    assert_eq!(customer["email"], "ana@example.com");
    assert_eq!(customer["metadata"]["impact_click_id"], "Sub:1");
    let invoice_id = subscription["latest_invoice"].as_str().unwrap();
    let invoice = shop.stripe(&format!("/v1/invoices/{invoice_id}")).await;
    assert_eq!(invoice["amount_paid"], 2900);
    assert_eq!(invoice["billing_reason"], "subscription_create");
    assert_eq!(
        invoice["parent"]["subscription_details"]["metadata"]["impact_click_id"],
        "Sub:1"
    );

    // The account page's data shows it, with the payment tied to its invoice.
    let account = shop
        .get("/api/account", Some(&customer_cookie))
        .await
        .json();
    assert_eq!(account["customer"]["click_id"], "Sub:1");
    assert_eq!(account["subscriptions"][0]["id"], sub.as_str());
    assert_eq!(account["payments"][0]["invoice"], invoice_id);
    assert_eq!(account["payments"][0]["amount"], "29.00 USD");
    assert_eq!(
        account["payments"][0]["billing_reason"],
        "subscription_create"
    );
    assert_eq!(account["sandbox"], true);
}

#[tokio::test]
async fn the_click_id_cookie_alone_is_enough_and_no_click_id_adds_no_metadata() {
    let shop = shop().await;
    let (with_cookie, _) = shop
        .subscribe(
            &[("email", "back@example.com"), ("plan", "monthly")],
            Some("impact_click_id=Cookie:7"),
        )
        .await;
    let subscription = shop
        .stripe(&format!("/v1/subscriptions/{with_cookie}"))
        .await;
    assert_eq!(subscription["metadata"]["impact_click_id"], "Cookie:7");

    let (without, customer_cookie) = shop
        .subscribe(
            &[
                ("email", "direct@example.com"),
                ("plan", "monthly"),
                ("impact_ClickId", ""),
            ],
            None,
        )
        .await;
    let subscription = shop.stripe(&format!("/v1/subscriptions/{without}")).await;
    assert!(subscription["metadata"].get("impact_click_id").is_none());
    let account = shop
        .get("/api/account", Some(&customer_cookie))
        .await
        .json();
    assert!(account["customer"]["click_id"].is_null());
}

#[tokio::test]
async fn the_trial_plan_starts_a_14_day_trial_with_a_zero_invoice() {
    let shop = shop().await;
    let (sub, _) = shop
        .subscribe(
            &[
                ("email", "trial@example.com"),
                ("plan", "monthly-trial"),
                ("impact_ClickId", "Trial:1"),
            ],
            None,
        )
        .await;
    let subscription = shop.stripe(&format!("/v1/subscriptions/{sub}")).await;
    assert_eq!(subscription["status"], "trialing");
    let days = (subscription["trial_end"].as_i64().unwrap()
        - subscription["trial_start"].as_i64().unwrap())
        / 86_400;
    assert_eq!(days, 14);
    let invoice = shop
        .stripe(&format!(
            "/v1/invoices/{}",
            subscription["latest_invoice"].as_str().unwrap()
        ))
        .await;
    assert_eq!(invoice["amount_paid"], 0);
}

#[tokio::test]
async fn bad_forms_are_refused_with_a_reason() {
    let shop = shop().await;
    let answer = shop
        .post(
            "/subscribe",
            &[("email", "a@example.com"), ("plan", "gold")],
            None,
        )
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(
        answer.body.contains("no subscription plan"),
        "{}",
        answer.body
    );
    let answer = shop
        .post(
            "/subscribe",
            &[("email", "nobody"), ("plan", "monthly")],
            None,
        )
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    let answer = shop
        .post(
            "/subscribe",
            &[("email", "a@example.com"), ("plan", "workshop")],
            None,
        )
        .await;
    assert_eq!(
        answer.status,
        StatusCode::BAD_REQUEST,
        "the workshop is bought, not subscribed"
    );
    let answer = shop.get("/api/account", None).await.json();
    assert!(answer["customer"].is_null());
}

#[tokio::test]
async fn the_workshop_goes_through_checkout_with_the_click_id_and_returns_to_the_success_page() {
    let shop = shop().await;
    let answer = shop
        .post(
            "/checkout",
            &[("email", "buyer@example.com"), ("impact_ClickId", "Buy:1")],
            None,
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let url = answer.location.clone().unwrap();
    let prefix = format!("{}/_sandbox/checkout/sessions/", shop.sandbox.stripe_url());
    let id = url
        .strip_prefix(&prefix)
        .and_then(|rest| rest.strip_suffix("/page"))
        .unwrap_or_else(|| panic!("redirect to the session's page, got {url}"));
    let session = shop.stripe(&format!("/v1/checkout/sessions/{id}")).await;
    assert_eq!(session["mode"], "payment");
    assert_eq!(session["metadata"]["impact_click_id"], "Buy:1");
    assert_eq!(session["amount_total"], 4900);
    assert_eq!(
        session["success_url"],
        "http://shop.test/success.html?session_id={CHECKOUT_SESSION_ID}"
    );
    let reference = session["client_reference_id"].as_str().unwrap();
    assert_eq!(
        clicktrail_tower::ClickId::from_client_reference_id(reference)
            .unwrap()
            .as_str(),
        "Buy:1"
    );

    // The visitor pays on the emulator's page, which sends them to the success page.
    let paid = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{prefix}{id}/complete?redirect=true"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        paid.headers()[header::LOCATION.as_str()],
        format!("http://shop.test/success.html?session_id={id}").as_str()
    );
    let summary = shop.get(&format!("/api/checkout/{id}"), None).await.json();
    assert_eq!(summary["payment_status"], "paid");
    assert_eq!(summary["amount"], "49.00 USD");
    assert_eq!(summary["click_id"], "Buy:1");
    let pi = summary["payment_intent"].as_str().unwrap();
    let intent = shop.stripe(&format!("/v1/payment_intents/{pi}")).await;
    assert_eq!(intent["metadata"]["impact_click_id"], "Buy:1");

    // The purchase shows on the account page, with no invoice.
    let customer_cookie = answer.cookie("shop_customer").unwrap();
    let account = shop
        .get("/api/account", Some(&customer_cookie))
        .await
        .json();
    assert_eq!(account["payments"][0]["payment_intent"], pi);
    assert!(account["payments"][0]["invoice"].is_null());
}

#[tokio::test]
async fn refunds_cancel_and_next_period_act_on_stripe_for_the_owner_only() {
    let shop = shop().await;
    let (sub, cookie) = shop
        .subscribe(
            &[
                ("email", "ref@example.com"),
                ("plan", "monthly"),
                ("impact_ClickId", "Ref:1"),
            ],
            None,
        )
        .await;
    let (other_sub, other_cookie) = shop
        .subscribe(&[("email", "other@example.com"), ("plan", "monthly")], None)
        .await;

    // Next period: a renewal invoice.
    let answer = shop
        .post("/account/advance", &[("subscription", &sub)], Some(&cookie))
        .await;
    assert_eq!(
        answer.location.as_deref(),
        Some("/account.html?notice=billed")
    );
    let invoices = shop
        .stripe(&format!("/v1/invoices?subscription={sub}"))
        .await;
    let reasons: Vec<&str> = invoices["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["billing_reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, ["subscription_cycle", "subscription_create"]);

    let account = shop.get("/api/account", Some(&cookie)).await.json();
    let payments = account["payments"].as_array().unwrap();
    assert_eq!(payments.len(), 2);
    assert_eq!(
        payments[0]["billing_reason"], "subscription_create",
        "oldest first"
    );
    let first = payments[0]["charge"].as_str().unwrap();
    let second = payments[1]["charge"].as_str().unwrap();

    // Partial, then too much, then the rest; another customer's payment is refused.
    let answer = shop
        .post(
            "/account/refund",
            &[("charge", first), ("amount", "10.00")],
            Some(&cookie),
        )
        .await;
    assert_eq!(
        answer.location.as_deref(),
        Some("/account.html?notice=refunded")
    );
    assert_eq!(
        shop.stripe(&format!("/v1/charges/{first}")).await["amount_refunded"],
        1000
    );
    let answer = shop
        .post(
            "/account/refund",
            &[("charge", first), ("amount", "19.01")],
            Some(&cookie),
        )
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(
        answer.body.contains("only 19.00 USD can still be refunded"),
        "{}",
        answer.body
    );
    let answer = shop
        .post(
            "/account/refund",
            &[("charge", first), ("amount", "ten")],
            Some(&cookie),
        )
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    let answer = shop
        .post(
            "/account/refund",
            &[("charge", second)],
            Some(&other_cookie),
        )
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    let answer = shop
        .post(
            "/account/refund",
            &[("charge", second), ("amount", "")],
            Some(&cookie),
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let charge = shop.stripe(&format!("/v1/charges/{second}")).await;
    assert_eq!(charge["refunded"], true);
    let account = shop.get("/api/account", Some(&cookie)).await.json();
    assert_eq!(account["payments"][0]["remaining_minor"], 1900);
    assert_eq!(account["payments"][1]["remaining_minor"], 0);

    // Cancel: not someone else's, then one's own.
    let answer = shop
        .post(
            "/account/cancel",
            &[("subscription", &other_sub)],
            Some(&cookie),
        )
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    let answer = shop
        .post("/account/cancel", &[("subscription", &sub)], Some(&cookie))
        .await;
    assert_eq!(
        answer.location.as_deref(),
        Some("/account.html?notice=canceled")
    );
    assert_eq!(
        shop.stripe(&format!("/v1/subscriptions/{sub}")).await["status"],
        "canceled"
    );
    let account = shop.get("/api/account", Some(&cookie)).await.json();
    assert_eq!(
        account["subscriptions"][0]["status"], "canceled",
        "canceled ones stay listed"
    );
}

#[tokio::test]
async fn a_new_visitor_forgets_the_customer_and_the_click_id() {
    let shop = shop().await;
    let answer = shop
        .post(
            "/visitor/new",
            &[],
            Some("shop_customer=cus_1; impact_click_id=X"),
        )
        .await;
    assert_eq!(answer.location.as_deref(), Some("/"));
    for name in ["shop_customer", "impact_click_id"] {
        let cookie = answer.cookies.iter().find(|c| c.starts_with(name)).unwrap();
        assert!(cookie.contains("Max-Age=0"), "{cookie}");
    }
}

#[tokio::test]
async fn the_impact_view_reads_the_emulator_records_and_actions() {
    let shop = shop().await;
    assert_eq!(
        shop.get("/api/impact/records", None).await.json(),
        serde_json::json!([])
    );
    let sid = "IRsandbox0000000000000000000000001";
    let queued = reqwest::Client::new()
        .post(format!(
            "{}/Advertisers/{sid}/Conversions",
            shop.sandbox.impact_url()
        ))
        .basic_auth(sid, Some("sandbox-token"))
        .header("accept", "application/json")
        .form(&[
            ("CampaignId", "1000"),
            ("EventTypeId", "2000"),
            ("OrderId", "in_view"),
            ("ClickId", "View:1"),
            ("EventDate", "NOW"),
            ("CurrencyCode", "USD"),
            ("ItemSubTotal1", "29.00"),
        ])
        .send()
        .await
        .unwrap();
    assert!(queued.status().is_success(), "{:?}", queued.text().await);
    let records = shop.get("/api/impact/records", None).await.json();
    assert_eq!(records[0]["kind"], "conversion");
    assert_eq!(records[0]["params"]["ClickId"], "View:1");
    let actions = shop.get("/api/impact/actions", None).await;
    assert_eq!(actions.status, StatusCode::OK);
    assert!(actions.json().is_array());
}

#[tokio::test]
async fn the_catalog_is_created_once() {
    let shop = shop().await;
    let config = ShopConfig {
        stripe_api_base: shop.sandbox.stripe_url(),
        ..ShopConfig::default()
    };
    let again = AppState::connect(&config).await.unwrap();
    assert_eq!(again.catalog.price(PLANS[0].id), {
        let prices = shop.stripe("/v1/prices?limit=100").await;
        let data = prices["data"].as_array().unwrap().clone();
        assert_eq!(
            data.len(),
            2,
            "one monthly price (also the trial's) and one workshop price"
        );
        data.iter()
            .find(|p| p["lookup_key"] == PLANS[0].lookup_key)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    });
}

#[tokio::test]
async fn an_unreachable_impact_emulator_is_a_clear_502() {
    let shop = shop().await;
    let config = ShopConfig {
        stripe_api_base: shop.sandbox.stripe_url(),
        impact_url: "http://127.0.0.1:9".into(),
        ..ShopConfig::default()
    };
    let app = app(AppState::connect(&config).await.unwrap());
    let response = app
        .oneshot(
            Request::get("/api/impact/records")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert!(
        String::from_utf8_lossy(&body).contains("the impact.com emulator at http://127.0.0.1:9")
    );
}

#[tokio::test]
async fn the_impact_view_learns_where_the_console_is() {
    let shop = shop().await;
    assert_eq!(
        shop.get("/api/console", None).await.json()["url"],
        Value::Null
    );
    let config = ShopConfig {
        stripe_api_base: shop.sandbox.stripe_url(),
        console_url: Some("http://127.0.0.1:8089/".into()),
        ..ShopConfig::default()
    };
    let linked = Shop {
        app: app(AppState::connect(&config).await.unwrap()),
        sandbox: shop.sandbox,
    };
    let answer = linked.get("/api/console", None).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json()["url"], "http://127.0.0.1:8089");
}

#[tokio::test]
async fn pages_come_in_the_sites_layout_and_other_files_as_they_are() {
    let shop = shop().await;
    let pricing = shop.get("/pricing.html", None).await;
    assert_eq!(pricing.status, StatusCode::OK);
    assert!(
        pricing.body.starts_with("<!doctype html>"),
        "{}",
        pricing.body
    );
    assert!(
        pricing
            .body
            .contains("<title>Pricing · Sample shop</title>")
    );
    assert!(
        pricing
            .body
            .contains("<a href=\"/pricing.html\" aria-current=\"page\">Pricing</a>")
    );
    assert!(
        pricing
            .body
            .contains("<a href=\"/account.html\">Your account</a>")
    );
    assert!(pricing.body.contains("<footer>") && !pricing.body.contains("<!-- page:"));
    let home = shop.get("/", None).await;
    assert!(home.body.contains("<title>Welcome · Sample shop</title>"));
    let impact = shop.get("/impact.html", None).await;
    assert!(impact.body.contains("<body class=\"wide\">"));
    let css = shop.get("/style.css", None).await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(!css.body.contains("<html"));
    for missing in ["/_layout.html", "/nothing.html", "/../Cargo.toml"] {
        assert_eq!(
            shop.get(missing, None).await.status,
            StatusCode::NOT_FOUND,
            "{missing}"
        );
    }
}
