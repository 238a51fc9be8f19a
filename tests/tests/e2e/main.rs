//! End to end, in a real browser: headless Chromium (through chromedriver) on the sample shop,
//! with the Stripe and impact.com emulators, `clicktrail setup` and `clicktrail serve` (SQLite,
//! a 2 s refund hold) and the shop as real processes. Each flow starts where a visitor starts, on
//! a page, and ends where a partner's credit ends, in what the impact.com emulator received.
//!
//! Each flow is its own test (a `libtest-mimic` harness: `harness = false` in Cargo.toml), so a
//! failure names its flow and `cargo test -p clicktrail-e2e --test e2e -- <name>` runs one; they
//! share one stack and one browser, started by the first flow that runs and stopped after the
//! last. On a flow's failure the page's screenshot and HTML and every process's log are saved
//! under `target/e2e-artifacts/<flow>/`. The last test saves the impact.com view there as
//! `impact-view.png`; with `CLICKTRAIL_E2E_SCREENSHOT=docs` also as `docs/impact-view.png` (the
//! README's picture).

mod browser;
mod kit_package;
mod world;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::{Arc, Mutex};

use browser::Browser;
use clicktrail_e2e::{Stack, StackConfig};
use clicktrail_test_support::try_eventually;
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
    if !workspace_root().join("www/pkg/clicktrail_web.js").exists()
        || !kit_package::tarball(&workspace_root()).exists()
    {
        let mut kit = cargo();
        kit.args(["xtask", "web"]);
        run(kit, "cargo xtask web (the browser kit)")?;
    }
    Ok(())
}

fn random_click_id(tag: &str) -> String {
    format!("E2E{tag}{:08x}", rand::random::<u32>())
}

/// The flows, in the order they run: each is its own test (run one with
/// `cargo test -p clicktrail-e2e --test e2e -- <name>`), all share one stack and one browser.
/// `next_period` runs last: the emulator's "bill the next period" moves its clock a month ahead
/// for good. The impact.com view's check comes after every flow, as it counts their requests.
const FLOWS: &[&str] = &[
    "monthly_plan_is_credited_as_a_first_subscription",
    "a_partial_refund_becomes_a_modification_after_the_hold",
    "a_one_time_product_is_credited_then_reversed_by_a_full_refund",
    "a_signup_trial_is_credited_at_zero",
    "a_visitor_without_a_click_id_is_not_credited_and_the_job_list_says_why",
    "a_visitor_back_a_day_later_with_the_cookie_is_credited",
    "the_next_period_is_a_recurring_conversion",
    "the_kit_package_installs_and_both_builds_fill_the_field",
    "the_console_finds_an_order_and_replays_a_dead_letter",
    "the_impact_view_shows_every_request",
];

/// What every flow shares: the stack and the browser (started by the first flow that runs, so
/// that `--list` starts nothing), and the monthly subscriber once a flow has made one.
struct Shared {
    runtime: tokio::runtime::Runtime,
    env: Mutex<Option<Env>>,
    monthly: Mutex<Option<Monthly>>,
    artifacts: PathBuf,
}

/// The running stack and browser.
struct Env {
    world: World,
    browser: Browser,
    _work_dir: tempfile::TempDir,
}

fn main() -> ExitCode {
    let mut args = libtest_mimic::Arguments::from_args();
    // One stack, one browser: the flows run one after the other, in `FLOWS` order.
    args.test_threads = Some(1);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let shared = Arc::new(Shared {
        runtime,
        env: Mutex::new(None),
        monthly: Mutex::new(None),
        artifacts: target_dir().join("e2e-artifacts"),
    });
    let trials = FLOWS
        .iter()
        .map(|name| {
            let shared = Arc::clone(&shared);
            libtest_mimic::Trial::test(*name, move || shared.run(name).map_err(Into::into))
        })
        .collect();
    let conclusion = libtest_mimic::run(&args, trials);
    // Stop the browser and every process of the stack (their `Drop`) before exiting.
    let env = shared
        .env
        .lock()
        .expect("no flow panicked holding it")
        .take();
    if let Some(env) = env {
        shared.runtime.block_on(env.browser.close());
    }
    conclusion.exit_code()
}

impl Shared {
    /// Runs flow `name`, starting the stack first if no flow has yet; on failure saves the
    /// page and every log under `target/e2e-artifacts/<name>/`.
    fn run(&self, name: &str) -> Result<(), String> {
        let mut env = self.env.lock().map_err(|_| "an earlier flow panicked")?;
        if env.is_none() {
            *env = Some(self.runtime.block_on(self.start())?);
        }
        let Env { world, browser, .. } = env.as_mut().expect("started above");
        let outcome = self.runtime.block_on(self.flow(name, world, browser));
        if let Err(error) = &outcome {
            let dir = self.artifacts.join(name);
            let _ = std::fs::create_dir_all(&dir);
            self.runtime.block_on(save_failure(browser, world, &dir));
            return Err(format!(
                "{error}\n(screenshot, page HTML and logs in {})",
                dir.display()
            ));
        }
        outcome
    }

    /// Builds the binaries and starts the stack and the browser.
    async fn start(&self) -> Result<Env, String> {
        build()?;
        let _ = std::fs::remove_dir_all(&self.artifacts);
        std::fs::create_dir_all(&self.artifacts).map_err(|e| format!("artifacts folder: {e}"))?;
        let work_dir = tempfile::tempdir().map_err(|e| format!("temporary folder: {e}"))?;
        let mut config = StackConfig::on_free_ports(work_dir.path().to_path_buf())?;
        config.bin_dir = target_dir().join("debug");
        config.refund_delay = format!("{HOLD_SECS}s");
        config.trial = "signup".to_owned();
        config.impact_processing_delay = "300ms".to_owned();
        let stack = Stack::start(config).map_err(|e| format!("the stack did not start: {e}"))?;
        let browser = Browser::start(work_dir.path()).await?;
        Ok(Env {
            world: World::new(stack),
            browser,
            _work_dir: work_dir,
        })
    }

    async fn flow(&self, name: &str, world: &World, browser: &mut Browser) -> Result<(), String> {
        match name {
            "monthly_plan_is_credited_as_a_first_subscription" => {
                let monthly = monthly_plan(world, browser).await?;
                *self.monthly.lock().map_err(|_| "poisoned")? = Some(monthly);
                Ok(())
            }
            "a_partial_refund_becomes_a_modification_after_the_hold" => {
                let monthly = self.monthly(world, browser).await?;
                partial_refund(world, browser, &monthly.first_invoice).await
            }
            "a_one_time_product_is_credited_then_reversed_by_a_full_refund" => {
                one_time_product_then_full_refund(world, browser).await
            }
            "a_signup_trial_is_credited_at_zero" => trial_plan(world, browser).await,
            "a_visitor_without_a_click_id_is_not_credited_and_the_job_list_says_why" => {
                no_click_id(world, browser).await
            }
            "a_visitor_back_a_day_later_with_the_cookie_is_credited" => {
                back_a_day_later(world, browser).await
            }
            "the_next_period_is_a_recurring_conversion" => {
                let monthly = self.monthly(world, browser).await?;
                next_period(world, browser, &monthly).await
            }
            "the_kit_package_installs_and_both_builds_fill_the_field" => {
                kit_package::installs_and_both_builds_fill_the_field(
                    &workspace_root(),
                    browser,
                    random_click_id,
                )
                .await
            }
            "the_console_finds_an_order_and_replays_a_dead_letter" => {
                let monthly = self.monthly(world, browser).await?;
                let png = console(world, browser, &monthly.first_invoice).await?;
                std::fs::write(self.artifacts.join("console-overview.png"), &png)
                    .map_err(|e| format!("saving the screenshot: {e}"))?;
                if std::env::var("CLICKTRAIL_E2E_SCREENSHOT").as_deref() == Ok("docs") {
                    std::fs::write(workspace_root().join("docs/console-overview.png"), &png)
                        .map_err(|e| format!("saving docs/console-overview.png: {e}"))?;
                }
                Ok(())
            }
            "the_impact_view_shows_every_request" => {
                let png = impact_view_screenshot(world, browser).await?;
                std::fs::write(self.artifacts.join("impact-view.png"), &png)
                    .map_err(|e| format!("saving the screenshot: {e}"))?;
                if std::env::var("CLICKTRAIL_E2E_SCREENSHOT").as_deref() == Ok("docs") {
                    std::fs::write(workspace_root().join("docs/impact-view.png"), &png)
                        .map_err(|e| format!("saving docs/impact-view.png: {e}"))?;
                }
                Ok(())
            }
            other => Err(format!("no flow named {other}")),
        }
    }

    /// The monthly subscriber the first flow made; when that flow did not run (a filtered run)
    /// or failed, a new one, made the same way.
    async fn monthly(&self, world: &World, browser: &mut Browser) -> Result<Monthly, String> {
        let made = self.monthly.lock().map_err(|_| "poisoned")?.clone();
        match made {
            Some(monthly) => Ok(monthly),
            None => {
                let monthly = monthly_plan(world, browser)
                    .await
                    .map_err(|e| format!("making the monthly subscriber this flow needs: {e}"))?;
                *self.monthly.lock().map_err(|_| "poisoned")? = Some(monthly.clone());
                Ok(monthly)
            }
        }
    }
}

/// What the monthly subscriber's flow leaves for the later ones.
#[derive(Clone)]
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

/// A new visitor lands on a partner's link (a new click id, tagged `tag`): the kit shows it.
/// Returns the click id.
async fn land_from_partner_link(
    world: &World,
    browser: &mut Browser,
    tag: &str,
) -> Result<String, String> {
    let click_id = random_click_id(tag);
    new_visitor(world, browser).await?;
    browser
        .goto(&format!("{}/?irclickid={click_id}", world.stack.shop_url()))
        .await?;
    browser
        .wait_text("#click-id-badge", |t| t.contains(&click_id))
        .await?;
    Ok(click_id)
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
    let click_id = land_from_partner_link(world, browser, "M").await?;
    let subscription = subscribe(
        browser,
        "#choose-monthly",
        "monthly@example.com",
        Some(&click_id),
    )
    .await?;

    let first_invoice = world.first_invoice(&subscription).await?;
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
    let click_id = land_from_partner_link(world, browser, "W").await?;
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
    let click_id = land_from_partner_link(world, browser, "T").await?;
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
    let invoice = world.first_invoice(&subscription).await?;
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
    let mut jobs = String::new();
    let what = format!("a skipped job for {event} in `clicktrail jobs`");
    let found = try_eventually(&what, world::DELIVERY, async || {
        jobs = world.jobs()?;
        Ok::<_, String>(
            jobs.lines()
                .find(|l| l.contains(&event) && l.to_ascii_lowercase().contains("skip"))
                .map(str::to_owned),
        )
    })
    .await;
    let line = found.map_err(|e| format!("{e}:\n{jobs}"))?;
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
    let click_id = land_from_partner_link(world, browser, "L").await?;
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
    let invoice = world.first_invoice(&subscription).await?;
    let conversion = world.wait_record("conversion", &invoice).await?;
    check_conversion(&conversion, "2000", &click_id, 2900)
}

/// The impact.com view once it shows every record.
/// The operator console: log in with the token, find the monthly subscriber's order by its
/// OrderId and see its refund in the order's history; then impact.com refuses a new conversion
/// for good (a dead letter), the operator replays it from the dead letters page and watches it
/// turn delivered in the events list. Returns a screenshot of the overview.
async fn console(world: &World, browser: &mut Browser, first: &str) -> Result<Vec<u8>, String> {
    let refunded = world
        .records()
        .await?
        .iter()
        .any(|r| r["kind"] == "modification" && r["params"]["OrderId"] == first);
    if !refunded {
        partial_refund(world, browser, first).await?;
    }

    // A conversion impact.com refuses: its job becomes a dead letter. The fault meets the next
    // request or verdict read, so first let every earlier job settle.
    try_eventually("the forwarder to be idle", world::DELIVERY, async || {
        let overview = world.console("/api/overview").await?;
        let busy: i64 = overview["by_state"]
            .as_array()
            .ok_or_else(|| format!("no by_state in {overview}"))?
            .iter()
            .filter(|s| s[0] != "done" && s[0] != "dead")
            .map(|s| s[1].as_i64().unwrap_or(0))
            .sum();
        Ok::<_, String>((busy == 0).then_some(()))
    })
    .await
    .map_err(|e| e.to_string())?;
    world
        .impact_fault(serde_json::json!({"kind": "verdict", "reason": "ACTIONTRACKER_NOT_FOUND"}))
        .await?;
    let click_id = land_from_partner_link(world, browser, "D").await?;
    let subscription = subscribe(
        browser,
        "#choose-monthly",
        "refused@example.com",
        Some(&click_id),
    )
    .await?;
    let refused = world.first_invoice(&subscription).await?;
    try_eventually(
        "the refused conversion to be a dead letter",
        world::DELIVERY,
        async || {
            let dead = world
                .console(&format!("/api/events?order={refused}&decision=dead"))
                .await?;
            Ok::<_, String>(
                dead["events"]
                    .as_array()
                    .is_some_and(|e| !e.is_empty())
                    .then_some(()),
            )
        },
    )
    .await
    .map_err(|e| e.to_string())?;

    // Log in.
    browser.new_session().await?;
    let console_url = world.stack.console_url();
    browser.goto(&format!("{console_url}/")).await?;
    browser.wait_url("/login").await?;
    browser
        .type_into("#token", world.stack.console_token())
        .await?;
    browser.click("form.login button").await?;
    browser.wait_text("h1", |t| t == "Overview").await?;

    // The monthly subscriber's order, found by its OrderId, with its refund.
    browser.click("header nav a[href=\"/events\"]").await?;
    browser.wait_text("h1", |t| t == "Events").await?;
    browser.type_into("input[name=order]", first).await?;
    browser.click("form.filters button").await?;
    browser.wait_url(&format!("order={first}")).await?;
    browser
        .click(&format!("#events a[href=\"/orders/{first}\"]"))
        .await?;
    browser.wait_text("h1", |t| t.contains(first)).await?;
    let history = browser
        .wait_text("main", |t| t.contains("modification"))
        .await?;
    check(
        history.contains("29.00 USD") && history.contains("19.00 USD"),
        || format!("the order's history shows 29.00 credited and 19.00 now: {history}"),
    )?;

    // The dead letter, replayed from its page, then watched until delivered.
    browser.click("header nav a[href=\"/dead\"]").await?;
    let row = format!("#dead tr:has(a[href=\"/orders/{refused}\"])");
    browser
        .wait_text(&format!("{row} td.reason"), |t| {
            t.contains("ACTIONTRACKER_NOT_FOUND")
        })
        .await?;
    browser.click(&format!("{row} form button")).await?;
    browser.wait_url("/dead").await?;
    browser
        .goto(&format!("{console_url}/events?order={refused}"))
        .await?;
    // The first page reloads itself every few seconds: the badge turns from dead to sent.
    browser
        .wait_text("#events tbody tr span.badge", |t| t == "sent")
        .await?;
    let conversion = world.wait_record("conversion", &refused).await?;
    check(conversion["params"]["ClickId"] == click_id.as_str(), || {
        format!("the replayed conversion: {conversion}")
    })?;

    browser
        .client()
        .set_window_size(1360, 1200)
        .await
        .map_err(|e| format!("resizing the window: {e}"))?;
    browser.goto(&format!("{console_url}/")).await?;
    browser.wait_text("h1", |t| t == "Overview").await?;
    browser.screenshot().await
}

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
    let mut rows = 0;
    let what = format!("the impact.com view to show {count} requests");
    try_eventually(&what, browser::STEP, async || {
        rows = browser
            .client()
            .find_all(fantoccini::Locator::Css("#records tbody tr[data-kind]"))
            .await
            .map_err(|e| e.to_string())?
            .len();
        Ok::<_, String>((rows == count).then_some(()))
    })
    .await
    .map_err(|e| format!("{e}: it shows {rows}"))?;
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
