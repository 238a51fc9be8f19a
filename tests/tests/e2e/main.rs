//! End to end, in a real browser: headless Chromium (through chromedriver) on the sample shop,
//! with the Stripe and impact.com emulators, `clicktrail setup` and `clicktrail serve` (SQLite,
//! a 2 s refund hold) and the shop as real processes. Each flow starts where a visitor starts, on
//! a page, and ends where a partner's credit ends, in what the impact.com emulator received.
//!
//! On failure the page's screenshot and HTML and every process's log are saved under
//! `target/e2e-artifacts/`. After a passing run the impact.com view is saved there as
//! `impact-view.png`; with `CLICKTRAIL_E2E_SCREENSHOT=docs` also as `docs/impact-view.png` (the
//! README's picture).

mod browser;
mod world;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use browser::Browser;
use clicktrail_e2e::{Stack, StackConfig};
use serde_json::Value;
use world::{World, sale_amount_cents, unix_seconds};

/// The forwarder's refund hold in this test.
const HOLD_SECS: u64 = 2;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is inside the workspace")
        .to_path_buf()
}

fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => workspace_root().join(dir),
        _ => workspace_root().join("target"),
    }
}

fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
    cmd.current_dir(workspace_root());
    cmd
}

/// The binaries the stack runs, built the way `cargo xtask demo` builds them, and the browser
/// kit (built by `cargo xtask web` when missing).
fn build() -> Result<(), String> {
    let run = |mut cmd: Command, what: &str| -> Result<(), String> {
        let out = cmd.output().map_err(|e| format!("{what}: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{what} failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    };
    let mut binaries = cargo();
    binaries.args([
        "build",
        "-p",
        "clicktrail-sandbox",
        "-p",
        "clicktrail-forwarder",
        "-p",
        "sample-shop",
    ]);
    run(binaries, "cargo build of the stack's binaries")?;
    if !workspace_root().join("www/pkg/clicktrail_web.js").exists() {
        let mut kit = cargo();
        kit.args(["xtask", "web"]);
        run(kit, "cargo xtask web (the browser kit)")?;
    }
    Ok(())
}

fn random_click_id(tag: &str) -> String {
    format!("E2E{tag}{:08x}", rand::random::<u32>())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partner_is_credited_adjusted_and_reversed_through_the_whole_stack() {
    build().unwrap_or_else(|e| panic!("{e}"));
    let artifacts = target_dir().join("e2e-artifacts");
    let _ = std::fs::remove_dir_all(&artifacts);
    std::fs::create_dir_all(&artifacts).expect("artifacts folder");
    let work_dir = tempfile::tempdir().expect("temporary folder");

    let mut config =
        StackConfig::on_free_ports(work_dir.path().to_path_buf()).unwrap_or_else(|e| panic!("{e}"));
    config.bin_dir = target_dir().join("debug");
    config.refund_delay = format!("{HOLD_SECS}s");
    config.trial = "signup".to_owned();
    config.impact_processing_delay = "300ms".to_owned();
    let stack = Stack::start(config).unwrap_or_else(|e| panic!("the stack did not start: {e}"));
    let world = World::new(stack);
    let mut browser = Browser::start(work_dir.path())
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let outcome = flows(&world, &mut browser).await;
    if let Err(error) = &outcome {
        save_failure(&browser, &world, &artifacts).await;
        browser.close().await;
        panic!(
            "{error}\n(screenshot, page HTML and logs in {})",
            artifacts.display()
        );
    }

    // The picture of the impact.com view the README shows.
    let view = impact_view_screenshot(&world, &browser).await;
    browser.close().await;
    let png = view.unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(artifacts.join("impact-view.png"), &png).expect("screenshot saved");
    if std::env::var("CLICKTRAIL_E2E_SCREENSHOT").as_deref() == Ok("docs") {
        std::fs::write(workspace_root().join("docs/impact-view.png"), &png)
            .expect("docs/impact-view.png saved");
    }
}

async fn flows(world: &World, browser: &mut Browser) -> Result<(), String> {
    let monthly = monthly_plan(world, browser).await?;
    partial_refund(world, browser, &monthly.first_invoice).await?;
    one_time_product_then_full_refund(world, browser).await?;
    trial_plan(world, browser).await?;
    no_click_id(world, browser).await?;
    back_a_day_later(world, browser).await?;
    // Last: the emulator's "bill the next period" moves its clock a month ahead for good.
    next_period(world, browser, &monthly).await
}

/// What the monthly subscriber's flow leaves for the later ones.
struct Monthly {
    click_id: String,
    subscription: String,
    first_invoice: String,
    /// This browser's `shop_customer` cookie: the subscriber comes back to their account.
    customer_cookie: fantoccini::cookies::Cookie<'static>,
}

/// A fresh visitor: no cookies, no localStorage (the kit's mirror), no customer.
async fn new_visitor(world: &World, browser: &mut Browser) -> Result<(), String> {
    browser.new_session().await?;
    browser
        .goto(&format!("{}/healthz", world.stack.shop_url()))
        .await
}

/// Lands on the partner's link, then pricing, then the plan's form, and checks the kit filled the
/// hidden field before submitting it. Returns the new subscription's id.
async fn subscribe(
    browser: &Browser,
    plan_button: &str,
    email: &str,
    click_id: Option<&str>,
) -> Result<String, String> {
    browser.click("#see-plans").await?;
    browser.wait_url("/pricing.html").await?;
    browser.click(plan_button).await?;
    browser.wait_url("/subscribe.html").await?;
    let expected = click_id.unwrap_or("").to_owned();
    if click_id.is_some() {
        browser
            .wait_field("#impact_ClickId", |v| v == expected)
            .await?;
    } else {
        // Give the kit its chance to fill it: its badge says it ran.
        browser
            .wait_text("#click-id-badge", |t| t == "no partner click id")
            .await?;
        let value = browser.wait_field("#impact_ClickId", |_| true).await?;
        if !value.is_empty() {
            return Err(format!(
                "a visitor without a click id got {value:?} in the form"
            ));
        }
    }
    browser.type_into("#email", email).await?;
    browser.click("#subscribe").await?;
    let url = browser.wait_url("/account.html?notice=subscribed").await?;
    let subscription = url
        .rsplit("subscription=")
        .next()
        .filter(|s| s.starts_with("sub_"))
        .ok_or_else(|| format!("no subscription id in {url}"))?
        .to_owned();
    browser
        .find(&format!("tr[data-subscription=\"{subscription}\"]"))
        .await?;
    Ok(subscription)
}

fn check(ok: bool, what: impl FnOnce() -> String) -> Result<(), String> {
    if ok { Ok(()) } else { Err(what()) }
}

/// Checks a conversion's tracker, click id and sale amount.
fn check_conversion(
    record: &Value,
    event_type: &str,
    click_id: &str,
    cents: i64,
) -> Result<(), String> {
    let p = &record["params"];
    check(p["EventTypeId"] == event_type, || {
        format!(
            "event type {} instead of {event_type}: {record}",
            p["EventTypeId"]
        )
    })?;
    check(p["ClickId"] == click_id, || {
        format!("click id {} instead of {click_id}: {record}", p["ClickId"])
    })?;
    check(sale_amount_cents(p) == cents, || {
        format!(
            "sale amount {} cents instead of {cents}: {record}",
            sale_amount_cents(p)
        )
    })?;
    check(p["CurrencyCode"] == "USD", || format!("currency: {record}"))
}

/// The monthly plan from a partner's link: a first-subscription conversion with the click id,
/// the invoice as `OrderId` and the plan's amount.
async fn monthly_plan(world: &World, browser: &mut Browser) -> Result<Monthly, String> {
    let click_id = random_click_id("M");
    new_visitor(world, browser).await?;
    browser
        .goto(&format!("{}/?irclickid={click_id}", world.stack.shop_url()))
        .await?;
    browser
        .wait_text("#click-id-badge", |t| t.contains(&click_id))
        .await?;
    let subscription = subscribe(
        browser,
        "#choose-monthly",
        "monthly@example.com",
        Some(&click_id),
    )
    .await?;

    let invoices = world.invoices(&subscription).await?;
    let first_invoice = invoices
        .first()
        .and_then(|i| i["id"].as_str())
        .ok_or("the subscription has no invoice")?
        .to_owned();
    let conversion = world.wait_record("conversion", &first_invoice).await?;
    check_conversion(&conversion, "2000", &click_id, 2900)?;
    let customer_cookie = browser
        .cookie("shop_customer")
        .await
        .ok_or("no shop_customer cookie after subscribing")?;
    Ok(Monthly {
        click_id,
        subscription,
        first_invoice,
        customer_cookie,
    })
}

/// The subscriber comes back to their account and bills the next period (the emulator's
/// helper, a button on the account page): a recurring conversion.
async fn next_period(
    world: &World,
    browser: &mut Browser,
    monthly: &Monthly,
) -> Result<(), String> {
    browser.new_session().await?;
    browser
        .goto(&format!("{}/healthz", world.stack.shop_url()))
        .await?;
    browser
        .client()
        .add_cookie(monthly.customer_cookie.clone())
        .await
        .map_err(|e| format!("restoring the customer cookie: {e}"))?;
    browser
        .goto(&format!("{}/account.html", world.stack.shop_url()))
        .await?;
    browser
        .click(&format!(
            "tr[data-subscription=\"{}\"] form[action=\"/account/advance\"] button",
            monthly.subscription
        ))
        .await?;
    browser.wait_url("notice=billed").await?;
    let invoices = world.invoices(&monthly.subscription).await?;
    let renewal = invoices
        .iter()
        .find(|i| i["billing_reason"] == "subscription_cycle")
        .and_then(|i| i["id"].as_str())
        .ok_or("no subscription_cycle invoice after billing the next period")?
        .to_owned();
    // The emulator bills the next period by moving its clock to the period's end, so the
    // renewal's event is dated a month ahead: the forwarder still sends it now (a future-dated
    // event is held from the moment it is decided, never until its date).
    let recurring = world.wait_record("conversion", &renewal).await?;
    check_conversion(&recurring, "2001", &monthly.click_id, 2900)
}

/// A partial refund of the first payment becomes, after the hold, a modification to what is
/// left.
async fn partial_refund(world: &World, browser: &mut Browser, first: &str) -> Result<(), String> {
    browser
        .goto(&format!("{}/account.html", world.stack.shop_url()))
        .await?;
    let row = format!("tr[data-invoice=\"{first}\"]");
    browser
        .type_into(&format!("{row} input[name=amount]"), "10.00")
        .await?;
    browser
        .click(&format!("{row} button[data-role=refund-part]"))
        .await?;
    browser.wait_url("notice=refunded").await?;

    let modification = world.wait_record("modification", first).await?;
    let p = &modification["params"];
    check(p["Amount"] == "19.00", || {
        format!("remaining amount: {modification}")
    })?;
    check(p["ActionTrackerId"] == "2000", || {
        format!("tracker: {modification}")
    })?;
    // Held: sent no earlier than the refund's event time plus the hold.
    let payments = world
        .stripe(&format!("/v1/invoice_payments?invoice={first}"))
        .await?;
    let pi = payments["data"][0]["payment"]["payment_intent"]
        .as_str()
        .ok_or_else(|| format!("no payment intent for {first}: {payments}"))?;
    let refunds = world
        .stripe(&format!("/v1/refunds?payment_intent={pi}"))
        .await?;
    let refunded_at = refunds["data"][0]["created"]
        .as_i64()
        .ok_or_else(|| format!("no refund for {pi}: {refunds}"))?;
    let sent_at = unix_seconds(modification["received_at"].as_str().unwrap_or_default())?;
    check(sent_at >= (refunded_at as f64) + HOLD_SECS as f64, || {
        format!(
            "the modification arrived {:.2} s after the refund, before the {HOLD_SECS} s hold",
            sent_at - refunded_at as f64
        )
    })?;
    world.wait_action(first, |a| a["Amount"] == "19.00").await?;
    Ok(())
}

/// The one-time product through Stripe Checkout: a one-time conversion on the payment intent.
/// Then the buyer asks for all their money back: a reversal.
async fn one_time_product_then_full_refund(
    world: &World,
    browser: &mut Browser,
) -> Result<(), String> {
    let click_id = random_click_id("W");
    new_visitor(world, browser).await?;
    browser
        .goto(&format!("{}/?irclickid={click_id}", world.stack.shop_url()))
        .await?;
    browser.click("#see-plans").await?;
    browser.click("#choose-workshop").await?;
    browser.wait_url("/buy.html").await?;
    browser
        .wait_field("#impact_ClickId", |v| v == click_id)
        .await?;
    browser.type_into("#email", "workshop@example.com").await?;
    browser.click("#buy").await?;
    // Stripe's (the emulator's) checkout page, then back to the shop.
    browser.wait_url("/_sandbox/checkout/sessions/").await?;
    browser.click("#pay").await?;
    browser.wait_url("/success.html?session_id=").await?;
    browser
        .wait_text("#summary", |t| t.starts_with("You paid 49.00 USD"))
        .await?;
    let pi = browser
        .find("#summary")
        .await?
        .attr("data-payment-intent")
        .await
        .map_err(|e| e.to_string())?
        .unwrap_or_default();
    let conversion = world.wait_record("conversion", &pi).await?;
    check_conversion(&conversion, "2002", &click_id, 4900)?;
    world.wait_action(&pi, |a| a["State"] == "PENDING").await?;

    browser
        .goto(&format!("{}/account.html", world.stack.shop_url()))
        .await?;
    browser
        .click(&format!("tr[data-payment-intent=\"{pi}\"] button.danger"))
        .await?;
    browser.wait_url("notice=refunded").await?;
    let reversal = world.wait_record("reversal", &pi).await?;
    check(reversal["params"]["ActionTrackerId"] == "2002", || {
        format!("tracker: {reversal}")
    })?;
    world.wait_action(&pi, |a| a["State"] == "REVERSED").await?;
    Ok(())
}

/// The trial plan with `trial = "signup"`: the $0 sign-up invoice is credited.
async fn trial_plan(world: &World, browser: &mut Browser) -> Result<(), String> {
    let click_id = random_click_id("T");
    new_visitor(world, browser).await?;
    browser
        .goto(&format!("{}/?irclickid={click_id}", world.stack.shop_url()))
        .await?;
    let subscription = subscribe(
        browser,
        "#choose-monthly-trial",
        "trial@example.com",
        Some(&click_id),
    )
    .await?;
    let invoices = world.invoices(&subscription).await?;
    let signup = invoices.first().ok_or("the trial has no invoice")?;
    check(signup["amount_paid"] == 0, || {
        format!("trial invoice: {signup}")
    })?;
    let id = signup["id"].as_str().unwrap_or_default();
    let conversion = world.wait_record("conversion", id).await?;
    check_conversion(&conversion, "2000", &click_id, 0)
}

/// A visitor who came on their own: no conversion, and the forwarder's job list says why.
async fn no_click_id(world: &World, browser: &mut Browser) -> Result<(), String> {
    new_visitor(world, browser).await?;
    browser
        .goto(&format!("{}/", world.stack.shop_url()))
        .await?;
    let subscription = subscribe(browser, "#choose-monthly", "direct@example.com", None).await?;
    let invoice = world
        .invoices(&subscription)
        .await?
        .first()
        .and_then(|i| i["id"].as_str().map(str::to_owned))
        .ok_or("no invoice")?;
    let events = world
        .stripe("/v1/events?type=invoice.paid&limit=100")
        .await?;
    let event = events["data"]
        .as_array()
        .and_then(|e| {
            e.iter()
                .find(|e| e["data"]["object"]["id"] == invoice.as_str())
        })
        .and_then(|e| e["id"].as_str())
        .ok_or_else(|| format!("no invoice.paid event for {invoice}"))?
        .to_owned();
    let deadline = tokio::time::Instant::now() + world::DELIVERY;
    let line = loop {
        let jobs = world.jobs()?;
        if let Some(line) = jobs
            .lines()
            .find(|l| l.contains(&event) && l.to_ascii_lowercase().contains("skip"))
        {
            break line.to_owned();
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(format!(
                "no skipped job for {event} in `clicktrail jobs`:\n{jobs}"
            ));
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    check(line.to_ascii_lowercase().contains("click id"), || {
        format!("the skip does not give its reason: {line}")
    })?;
    let sent: Vec<Value> = world
        .records()
        .await?
        .into_iter()
        .filter(|r| r["params"]["OrderId"] == invoice.as_str())
        .collect();
    check(sent.is_empty(), || {
        format!("impact.com got {sent:?} for a visitor without a click id")
    })
}

/// A click id in the URL; the visitor closes the browser and comes back later with the cookie
/// but no parameter, and subscribes: still credited.
async fn back_a_day_later(world: &World, browser: &mut Browser) -> Result<(), String> {
    let click_id = random_click_id("L");
    new_visitor(world, browser).await?;
    browser
        .goto(&format!("{}/?irclickid={click_id}", world.stack.shop_url()))
        .await?;
    browser
        .wait_text("#click-id-badge", |t| t.contains(&click_id))
        .await?;
    let cookie = browser
        .cookie("impact_click_id")
        .await
        .ok_or("no impact_click_id cookie after landing")?;
    check(cookie.value() == click_id, || format!("cookie: {cookie}"))?;
    // A persistent cookie (the browser keeps it across restarts), good for weeks, not a day.
    let expires = cookie
        .expires_datetime()
        .ok_or_else(|| format!("the cookie is a session cookie: {cookie}"))?;
    let left = expires - time::OffsetDateTime::now_utc();
    check(left > time::Duration::days(29), || {
        format!("the cookie expires in {left}")
    })?;

    // The browser restarts: a new session that kept only its persistent cookies.
    browser.new_session().await?;
    browser
        .goto(&format!("{}/healthz", world.stack.shop_url()))
        .await?;
    browser
        .client()
        .add_cookie(cookie.clone())
        .await
        .map_err(|e| format!("restoring the cookie: {e}"))?;
    browser
        .goto(&format!("{}/", world.stack.shop_url()))
        .await?;
    browser
        .wait_text("#click-id-badge", |t| t.contains(&click_id))
        .await?;
    let subscription = subscribe(
        browser,
        "#choose-monthly",
        "later@example.com",
        Some(&click_id),
    )
    .await?;
    let invoice = world
        .invoices(&subscription)
        .await?
        .first()
        .and_then(|i| i["id"].as_str().map(str::to_owned))
        .ok_or("no invoice")?;
    let conversion = world.wait_record("conversion", &invoice).await?;
    check_conversion(&conversion, "2000", &click_id, 2900)
}

/// The impact.com view once it shows every record.
async fn impact_view_screenshot(world: &World, browser: &Browser) -> Result<Vec<u8>, String> {
    let count = world.records().await?.len();
    browser
        .client()
        .set_window_size(1360, 1400)
        .await
        .map_err(|e| format!("resizing the window: {e}"))?;
    browser
        .goto(&format!("{}/impact.html", world.stack.shop_url()))
        .await?;
    let deadline = tokio::time::Instant::now() + browser::STEP;
    loop {
        let rows = browser
            .client()
            .find_all(fantoccini::Locator::Css("#records tbody tr[data-kind]"))
            .await
            .map_err(|e| e.to_string())?
            .len();
        if rows == count {
            break;
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(format!(
                "the impact.com view shows {rows} requests, not {count}"
            ));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    browser.screenshot().await
}

async fn save_failure(browser: &Browser, world: &World, artifacts: &Path) {
    if let Ok(png) = browser.screenshot().await {
        let _ = std::fs::write(artifacts.join("failure.png"), png);
    }
    let _ = std::fs::write(artifacts.join("failure.html"), browser.html().await);
    for file in world.stack.log_files() {
        if let Some(name) = file.file_name() {
            let _ = std::fs::copy(&file, artifacts.join(name));
        }
    }
    if let Ok(jobs) = world.jobs() {
        let _ = std::fs::write(artifacts.join("jobs.txt"), jobs);
    }
}
