//! The kit in a real browser: headless Chromium through `wasm-bindgen-test`.
//!
//! Run with `CHROMEDRIVER=/usr/bin/chromedriver cargo test --target wasm32-unknown-unknown -p
//! clicktrail-web` (the runner reads `webdriver.json` next to `Cargo.toml`). All tests share one
//! page, one at a time: each starts and ends with [`reset`], which disposes the kit and removes
//! the cookie, the storage record, the URL query, `window.ire` (and `ire_o`) and the elements it
//! added.
//!
//! Cookie attributes are read back with `cookieStore.get` (Chromium shows `path`, `sameSite`,
//! `secure` and `expires` there, which `document.cookie` hides).

#![cfg(target_arch = "wasm32")]

use clicktrail_clickid::ClickId;
use clicktrail_web::{
    ClicktrailOptions, CookieAttributes, click_id, dispose, grant_consent, init, revoke,
    set_cookie_string,
};
use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

const COOKIE: &str = "impact_click_id";
const DAY_MS: f64 = 86_400_000.0;

#[wasm_bindgen(inline_js = r#"
export function options(json) { return JSON.parse(json); }
export function setQuery(search) { history.replaceState(null, "", location.pathname + search); }
export function writeCookie(line) { document.cookie = line; }
export function readCookies() { return document.cookie; }
export function cookieInfo(name) { return cookieStore.get(name); }
export function field(info, name) { return info == null ? undefined : info[name]; }
export function storageItem(key) { return localStorage.getItem(key); }
export function clearStorage(key) { localStorage.removeItem(key); }
export function now() { return Date.now(); }
export function stubUtt() {
  window.ire = function () { (window.ire.a = window.ire.a || []).push(arguments); };
}
export function loadUtt(id) {
  const queue = (window.ire && window.ire.a) || [];
  window.ire = function (command, callback) { if (command === "generateClickId") callback(id); };
  for (const args of queue) window.ire.apply(null, args);
}
export function removeUtt() { delete window.ire; delete window.ire_o; }
// The commands queued in the stub's `ire.a`, comma-separated, or undefined without a queue.
export function uttQueue() {
  return window.ire && window.ire.a ? Array.from(window.ire.a, (args) => args[0]).join(",") : undefined;
}
export function uttName() { return window.ire_o; }
export function hasUtt() { return typeof window.ire == "function"; }
export function mount(html) {
  const box = document.createElement("div");
  box.className = "clicktrail-test";
  box.innerHTML = html;
  document.body.appendChild(box);
  return box;
}
export function unmountAll() { for (const box of document.querySelectorAll(".clicktrail-test")) box.remove(); }
export function valueOf(selector) { const e = document.querySelector(selector); return e ? e.value : undefined; }
export function attributeOf(selector, name) { const e = document.querySelector(selector); return e ? e.getAttribute(name) : undefined; }
export function count(selector) { return document.querySelectorAll(selector).length; }
// Adds `html` and resolves once mutation observers have been told: observers are notified in
// the order they were created, so the kit's (created by init) has run when this one runs.
export function mountAndObserve(html) {
  return new Promise((resolve) => {
    const observer = new MutationObserver(() => { observer.disconnect(); resolve(); });
    observer.observe(document.documentElement, { childList: true, subtree: true });
    mount(html);
  });
}
export function sleep(ms) { return new Promise((resolve) => setTimeout(resolve, ms)); }
// Everything written to the console, by any of its methods, from captureConsole() on.
let written = [];
let original = null;
const METHODS = ["log", "info", "warn", "error", "debug", "trace"];
export function captureConsole() {
  written = [];
  if (!original) {
    original = {};
    for (const method of METHODS) {
      original[method] = console[method];
      console[method] = (...args) => { written.push(method + ": " + args.join(" ")); };
    }
  }
}
export function consoleText() { return written.join("\n"); }
export function consoleCount() { return written.length; }
export function releaseConsole() {
  if (original) { for (const method of METHODS) console[method] = original[method]; original = null; }
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = options)]
    fn options_from_json(json: &str) -> ClicktrailOptions;
    #[wasm_bindgen(js_name = setQuery)]
    fn set_query(search: &str);
    #[wasm_bindgen(js_name = writeCookie)]
    fn write_cookie(line: &str);
    #[wasm_bindgen(js_name = readCookies)]
    fn read_cookies() -> String;
    #[wasm_bindgen(js_name = cookieInfo)]
    fn cookie_info(name: &str) -> Promise;
    fn field(info: &JsValue, name: &str) -> JsValue;
    #[wasm_bindgen(js_name = storageItem)]
    fn storage_item(key: &str) -> Option<String>;
    #[wasm_bindgen(js_name = clearStorage)]
    fn clear_storage(key: &str);
    fn now() -> f64;
    #[wasm_bindgen(js_name = stubUtt)]
    fn stub_utt();
    #[wasm_bindgen(js_name = loadUtt)]
    fn load_utt(id: &str);
    #[wasm_bindgen(js_name = removeUtt)]
    fn remove_utt();
    #[wasm_bindgen(js_name = uttQueue)]
    fn utt_queue() -> Option<String>;
    #[wasm_bindgen(js_name = uttName)]
    fn utt_name() -> Option<String>;
    #[wasm_bindgen(js_name = hasUtt)]
    fn has_utt() -> bool;
    fn mount(html: &str) -> JsValue;
    #[wasm_bindgen(js_name = unmountAll)]
    fn unmount_all();
    #[wasm_bindgen(js_name = valueOf)]
    fn value_of(selector: &str) -> Option<String>;
    #[wasm_bindgen(js_name = attributeOf)]
    fn attribute_of(selector: &str, name: &str) -> Option<String>;
    fn count(selector: &str) -> u32;
    #[wasm_bindgen(js_name = mountAndObserve)]
    fn mount_and_observe(html: &str) -> Promise;
    fn sleep(ms: u32) -> Promise;
    #[wasm_bindgen(js_name = captureConsole)]
    fn capture_console();
    #[wasm_bindgen(js_name = consoleText)]
    fn console_text() -> String;
    #[wasm_bindgen(js_name = consoleCount)]
    fn console_count() -> u32;
    #[wasm_bindgen(js_name = releaseConsole)]
    fn release_console();
}

/// Starts the kit with options given as JSON.
fn start(json: &str) {
    init(Some(options_from_json(json)));
}

fn current() -> Option<String> {
    click_id().as_string()
}

fn cookie(name: &str) -> Option<String> {
    clicktrail_web::find_cookie(&read_cookies(), name).map(String::from)
}

/// What `cookieStore.get(name)` says (`null` when there is no such cookie).
async fn cookie_details(name: &str) -> JsValue {
    JsFuture::from(cookie_info(name))
        .await
        .expect("cookieStore.get")
}

/// Puts the page back as it was: no kit, no cookie, no storage record, no query, no UTT, no
/// test elements.
fn reset() {
    dispose();
    for name in [COOKIE, "ct"] {
        write_cookie(&format!("{name}=; Max-Age=0; Path=/"));
        clear_storage(name);
    }
    set_query("");
    remove_utt();
    unmount_all();
    release_console();
}

fn days_from_now(expires: f64) -> f64 {
    (expires - now()) / DAY_MS
}

#[wasm_bindgen_test]
fn url_parameter_is_decoded_once_kept_and_filled() {
    reset();
    mount(r#"<form><input name="impact_ClickId" id="f1"></form><span id="impact_ClickId"></span>"#);
    set_query("?utm_source=partner&irclickid=Qx9%3Aabc123");
    start("{}");
    assert_eq!(current().as_deref(), Some("Qx9:abc123"));
    assert_eq!(cookie(COOKIE).as_deref(), Some("Qx9:abc123"));
    assert_eq!(value_of("#f1").as_deref(), Some("Qx9:abc123"));
    assert_eq!(
        value_of("span#impact_ClickId").as_deref(),
        Some("Qx9:abc123")
    );
    reset();
}

#[wasm_bindgen_test]
fn both_parameter_names_and_a_custom_list() {
    reset();
    set_query("?im_ref=Ref1");
    start("{}");
    assert_eq!(current().as_deref(), Some("Ref1"));

    reset();
    set_query("?im_ref=Ref2&irclickid=Click2");
    start("{}");
    assert_eq!(
        current().as_deref(),
        Some("Click2"),
        "irclickid comes first by default"
    );

    reset();
    set_query("?irclickid=Click3&ref=Mine3");
    start(r#"{"params": ["ref"]}"#);
    assert_eq!(current().as_deref(), Some("Mine3"));
    reset();
}

#[wasm_bindgen_test]
fn utt_loaded_before_the_kit_answers_at_once() {
    reset();
    load_utt("UttNow1");
    start("{}");
    assert_eq!(current().as_deref(), Some("UttNow1"));
    assert_eq!(cookie(COOKIE).as_deref(), Some("UttNow1"));
    reset();
}

#[wasm_bindgen_test]
fn utt_stub_answers_when_the_tag_loads_later() {
    reset();
    mount(r#"<input name="impact_ClickId" id="f2">"#);
    stub_utt();
    start("{}");
    assert_eq!(current(), None, "the stub only queues the call");
    load_utt("UttLater2");
    assert_eq!(current().as_deref(), Some("UttLater2"));
    assert_eq!(value_of("#f2").as_deref(), Some("UttLater2"));
    assert_eq!(cookie(COOKIE).as_deref(), Some("UttLater2"));
    reset();
}

#[wasm_bindgen_test]
async fn utt_answer_after_the_timeout_is_ignored() {
    reset();
    stub_utt();
    start(r#"{"uttTimeoutMs": 5}"#);
    // setTimeout never fires early: 50 ms after init the 5 ms deadline has passed.
    JsFuture::from(sleep(50)).await.expect("sleep");
    load_utt("UttLate3");
    assert_eq!(current(), None);
    assert_eq!(cookie(COOKIE), None);
    reset();
}

#[wasm_bindgen_test]
fn url_wins_over_utt_and_utt_can_be_turned_off() {
    reset();
    load_utt("UttId4");
    set_query("?irclickid=UrlId4");
    start("{}");
    assert_eq!(current().as_deref(), Some("UrlId4"));

    reset();
    load_utt("UttId5");
    start(r#"{"useUtt": false}"#);
    assert_eq!(current(), None);

    // Turned off, the kit installs no stub either.
    reset();
    start(r#"{"useUtt": false}"#);
    assert!(!has_utt());
    reset();
}

#[wasm_bindgen_test]
fn without_a_utt_the_kit_installs_impacts_queue_stub() {
    reset();
    mount(r#"<input name="impact_ClickId" id="f18">"#);
    assert!(!has_utt());
    start("{}");
    assert!(has_utt(), "window.ire is the queue stub");
    assert_eq!(utt_name().as_deref(), Some("ire"), "window.ire_o names it");
    assert_eq!(
        utt_queue().as_deref(),
        Some("generateClickId"),
        "the call waits in ire.a"
    );
    assert_eq!(current(), None);

    // The UTT loads after the kit and replays its queue: the kit gets its answer.
    load_utt("Queued18");
    assert_eq!(current().as_deref(), Some("Queued18"));
    assert_eq!(value_of("#f18").as_deref(), Some("Queued18"));
    assert_eq!(cookie(COOKIE).as_deref(), Some("Queued18"));
    reset();
}

#[wasm_bindgen_test]
fn a_stub_installed_by_the_page_is_used_not_replaced() {
    reset();
    stub_utt();
    start("{}");
    start("{}");
    assert_eq!(
        utt_queue().as_deref(),
        Some("generateClickId,generateClickId"),
        "both calls queued in the page's own stub"
    );
    assert_eq!(utt_name(), None, "ire_o is left to the page's snippet");
    reset();
}

#[wasm_bindgen_test]
fn parameter_names_match_whatever_their_case() {
    reset();
    set_query("?IRClickId=Upper19");
    start("{}");
    assert_eq!(current().as_deref(), Some("Upper19"));
    assert_eq!(cookie(COOKIE).as_deref(), Some("Upper19"));

    reset();
    set_query("?IM_REF=Upper20");
    start("{}");
    assert_eq!(current().as_deref(), Some("Upper20"));

    // Configured names too; the first valid value of a name wins.
    reset();
    set_query("?REF=bad%20id&rEf=Upper21");
    start(r#"{"params": ["Ref"]}"#);
    assert_eq!(current().as_deref(), Some("Upper21"));
    reset();
}

#[wasm_bindgen_test]
async fn cookie_attributes_and_max_age() {
    reset();
    set_query("?irclickid=Attr6");
    start(r#"{"cookieDays": 2}"#);
    let details = cookie_details(COOKIE).await;
    assert_eq!(
        field(&details, "value").as_string().as_deref(),
        Some("Attr6")
    );
    assert_eq!(field(&details, "path").as_string().as_deref(), Some("/"));
    assert_eq!(
        field(&details, "sameSite").as_string().as_deref(),
        Some("lax")
    );
    assert_eq!(
        field(&details, "secure").as_bool(),
        Some(false),
        "the test page is http"
    );
    let days = days_from_now(
        field(&details, "expires")
            .as_f64()
            .expect("a Max-Age cookie expires"),
    );
    assert!((1.99..=2.01).contains(&days), "expires in {days} days");

    // The same builder with Max-Age=0 deletes it: the browser honours the attribute.
    let attributes = CookieAttributes {
        max_age: 0,
        domain: None,
        secure: false,
    };
    write_cookie(&set_cookie_string(COOKIE, "Attr6", attributes));
    assert_eq!(cookie(COOKIE), None);
    assert!(cookie_details(COOKIE).await.is_null());
    reset();
}

#[wasm_bindgen_test]
async fn the_same_value_is_not_rewritten() {
    reset();
    // As if set by the server for five minutes.
    write_cookie(&format!("{COOKIE}=Same7; Max-Age=300; Path=/"));
    set_query("?irclickid=Same7");
    start("{}");
    assert_eq!(current().as_deref(), Some("Same7"));
    let expires = field(&cookie_details(COOKIE).await, "expires")
        .as_f64()
        .expect("expires");
    assert!(
        days_from_now(expires) < 0.01,
        "the server's cookie kept its 5 minutes"
    );

    // Storing after consent checks again: the server's cookie still keeps its 5 minutes.
    dispose();
    start(r#"{"consent": "pending"}"#);
    grant_consent();
    let expires = field(&cookie_details(COOKIE).await, "expires")
        .as_f64()
        .expect("expires");
    assert!(
        days_from_now(expires) < 0.01,
        "not rewritten on grantConsent()"
    );

    // A different value is written, with the kit's own lifetime.
    dispose();
    set_query("?irclickid=Other7");
    start("{}");
    let details = cookie_details(COOKIE).await;
    assert_eq!(
        field(&details, "value").as_string().as_deref(),
        Some("Other7")
    );
    let days = days_from_now(field(&details, "expires").as_f64().expect("expires"));
    assert!((29.99..=30.01).contains(&days), "expires in {days} days");
    reset();
}

#[wasm_bindgen_test]
fn last_click_replaces_first_click_keeps() {
    reset();
    write_cookie(&format!("{COOKIE}=Old8; Max-Age=300; Path=/"));
    set_query("?irclickid=New8");
    start(r#"{"attribution": "first"}"#);
    assert_eq!(current().as_deref(), Some("Old8"));
    assert_eq!(cookie(COOKIE).as_deref(), Some("Old8"));

    dispose();
    start(r#"{"attribution": "last"}"#);
    assert_eq!(current().as_deref(), Some("New8"));
    assert_eq!(cookie(COOKIE).as_deref(), Some("New8"));

    // Without a click id in the URL, either mode keeps what is stored.
    dispose();
    set_query("");
    start(r#"{"attribution": "last", "useUtt": false}"#);
    assert_eq!(current().as_deref(), Some("New8"));
    reset();
}

#[wasm_bindgen_test]
fn local_storage_serves_when_the_cookie_is_refused() {
    reset();
    capture_console();
    // The browser refuses a cookie whose Domain does not match the page (127.0.0.1).
    let options = r#"{"cookieDomain": "shop.example", "debug": true}"#;
    set_query("?irclickid=Mirror9");
    start(options);
    assert_eq!(current().as_deref(), Some("Mirror9"));
    assert_eq!(cookie(COOKIE), None);
    let record = storage_item(COOKIE).expect("a mirror record");
    assert!(record.ends_with(" Mirror9"), "{record}");
    assert_eq!(console_count(), 1, "one warning: {}", console_text());
    assert!(
        console_text().contains("localStorage"),
        "{}",
        console_text()
    );

    // The next page has no click id in its URL: the mirror provides it.
    dispose();
    set_query("");
    start(options);
    assert_eq!(current().as_deref(), Some("Mirror9"));

    // An expired record is dropped.
    dispose();
    write_cookie(&format!("{COOKIE}=; Max-Age=0; Path=/"));
    web_sys_storage_set(COOKIE, "1000 Mirror9");
    start(options);
    assert_eq!(current(), None);
    assert_eq!(storage_item(COOKIE), None);
    reset();
}

fn web_sys_storage_set(key: &str, value: &str) {
    #[wasm_bindgen(inline_js = "export function setItem(k, v) { localStorage.setItem(k, v); }")]
    extern "C" {
        #[wasm_bindgen(js_name = setItem)]
        fn set_item(key: &str, value: &str);
    }
    set_item(key, value);
}

#[wasm_bindgen_test]
fn consent_pending_keeps_it_in_memory_until_granted() {
    reset();
    mount(r#"<input name="impact_ClickId" id="f10">"#);
    set_query("?irclickid=Consent10");
    start(r#"{"consent": "pending"}"#);
    assert_eq!(current().as_deref(), Some("Consent10"));
    assert_eq!(
        value_of("#f10").as_deref(),
        Some("Consent10"),
        "fields are still filled"
    );
    assert_eq!(cookie(COOKIE), None);
    assert_eq!(storage_item(COOKIE), None);

    grant_consent();
    assert_eq!(cookie(COOKIE).as_deref(), Some("Consent10"));
    assert!(storage_item(COOKIE).is_some());

    // Pending still reads what an earlier visit stored, and writes nothing over it.
    dispose();
    set_query("?irclickid=Newer10");
    start(r#"{"consent": "pending"}"#);
    assert_eq!(current().as_deref(), Some("Newer10"));
    assert_eq!(cookie(COOKIE).as_deref(), Some("Consent10"));
    dispose();
    set_query("");
    start(r#"{"consent": "pending", "useUtt": false}"#);
    assert_eq!(current().as_deref(), Some("Consent10"));
    reset();
}

#[wasm_bindgen_test]
fn consent_denied_deletes_what_was_stored_and_writes_nothing() {
    reset();
    // An earlier visit stored a click id.
    write_cookie(&format!("{COOKIE}=Earlier22; Max-Age=300; Path=/"));
    web_sys_storage_set(COOKIE, "99999999999999 Earlier22");
    mount(r#"<input name="impact_ClickId" id="f22">"#);
    set_query("");
    stub_utt();
    start(r#"{"consent": "denied"}"#);
    assert_eq!(cookie(COOKIE), None, "the cookie is deleted");
    assert_eq!(storage_item(COOKIE), None, "the mirror is deleted");
    assert_eq!(current(), None, "what was stored is not read");

    // A click id that comes now lives in memory only.
    load_utt("Denied22");
    assert_eq!(current().as_deref(), Some("Denied22"));
    assert_eq!(value_of("#f22").as_deref(), Some("Denied22"));
    assert_eq!(cookie(COOKIE), None);
    assert_eq!(storage_item(COOKIE), None);

    dispose();
    set_query("?irclickid=Url22");
    start(r#"{"consent": "denied"}"#);
    assert_eq!(current().as_deref(), Some("Url22"));
    assert_eq!(cookie(COOKIE), None);
    assert_eq!(storage_item(COOKIE), None);

    // The visitor changes their mind.
    grant_consent();
    assert_eq!(cookie(COOKIE).as_deref(), Some("Url22"));
    assert!(storage_item(COOKIE).is_some_and(|record| record.ends_with(" Url22")));
    reset();
}

#[wasm_bindgen_test]
fn revoke_deletes_the_cookie_and_the_mirror_and_stores_nothing_after() {
    reset();
    set_query("?irclickid=Revoke23");
    stub_utt();
    start("{}");
    assert_eq!(cookie(COOKIE).as_deref(), Some("Revoke23"));
    assert!(storage_item(COOKIE).is_some());

    revoke();
    assert_eq!(cookie(COOKIE), None);
    assert_eq!(storage_item(COOKIE), None);
    assert_eq!(
        current().as_deref(),
        Some("Revoke23"),
        "this page keeps it in memory"
    );

    // Nothing is written afterwards, even when a new click id comes.
    dispose();
    set_query("");
    start("{}");
    revoke();
    load_utt("AfterRevoke23");
    assert_eq!(current().as_deref(), Some("AfterRevoke23"));
    assert_eq!(cookie(COOKIE), None);
    assert_eq!(storage_item(COOKIE), None);

    // Until consent is granted again.
    grant_consent();
    assert_eq!(cookie(COOKIE).as_deref(), Some("AfterRevoke23"));
    reset();
}

#[wasm_bindgen_test]
fn revoke_without_a_running_kit_deletes_the_default_cookie() {
    reset();
    write_cookie(&format!("{COOKIE}=Stale24; Max-Age=300; Path=/"));
    web_sys_storage_set(COOKIE, "99999999999999 Stale24");
    revoke();
    assert_eq!(cookie(COOKIE), None);
    assert_eq!(storage_item(COOKIE), None);
    reset();
}

#[wasm_bindgen_test]
async fn a_form_added_later_is_filled() {
    reset();
    set_query("?irclickid=Later11");
    start("{}");
    JsFuture::from(mount_and_observe(
        r#"<form data-clicktrail id="late"></form><input name="impact_ClickId" id="f11">"#,
    ))
    .await
    .expect("mutation");
    assert_eq!(value_of("#f11").as_deref(), Some("Later11"));
    assert_eq!(
        value_of("#late input[name=impact_ClickId]").as_deref(),
        Some("Later11")
    );
    reset();
}

#[wasm_bindgen_test]
fn marked_forms_get_one_hidden_field() {
    reset();
    mount(
        r#"<form data-clicktrail id="a12"></form>
           <form data-clicktrail id="b12"><input name="impact_ClickId" type="text"></form>
           <form id="c12"></form>"#,
    );
    set_query("?irclickid=Form12");
    start("{}");
    assert_eq!(
        attribute_of("#a12 input", "type").as_deref(),
        Some("hidden")
    );
    assert_eq!(
        value_of("#a12 input[name=impact_ClickId]").as_deref(),
        Some("Form12")
    );
    assert_eq!(count("#b12 input"), 1, "an existing field is reused");
    assert_eq!(value_of("#b12 input").as_deref(), Some("Form12"));
    assert_eq!(count("#c12 input"), 0, "unmarked forms are left alone");
    reset();
}

#[wasm_bindgen_test]
fn stripe_links_and_elements_are_decorated() {
    reset();
    mount(
        r#"<a id="l1" href="https://buy.stripe.com/test_123?prefilled_email=a%40b.c">Buy</a>
           <a id="l2" href="https://buy.stripe.com/test_456?client_reference_id=user_42">Mine</a>
           <a id="l3" href="https://example.com/?x=1">Other</a>
           <stripe-pricing-table id="t1" pricing-table-id="prctbl_1"></stripe-pricing-table>
           <stripe-buy-button id="b1" client-reference-id="user_7"></stripe-buy-button>
           <stripe-buy-button id="b2"></stripe-buy-button>"#,
    );
    set_query("?irclickid=Stripe%3A13");
    start(r#"{"decorateStripe": true}"#);
    let reference = ClickId::new("Stripe:13").unwrap().to_client_reference_id();

    let href = attribute_of("#l1", "href").unwrap();
    assert_eq!(
        href,
        format!(
            "https://buy.stripe.com/test_123?prefilled_email=a%40b.c&client_reference_id={reference}"
        )
    );
    assert!(
        attribute_of("#l2", "href")
            .unwrap()
            .ends_with("client_reference_id=user_42")
    );
    assert_eq!(
        attribute_of("#l3", "href").as_deref(),
        Some("https://example.com/?x=1")
    );
    assert_eq!(
        attribute_of("#t1", "client-reference-id"),
        Some(reference.clone())
    );
    assert_eq!(
        attribute_of("#b1", "client-reference-id").as_deref(),
        Some("user_7")
    );
    assert_eq!(
        attribute_of("#b2", "client-reference-id"),
        Some(reference.clone())
    );
    let decoded = ClickId::from_client_reference_id(&reference).unwrap();
    assert_eq!(decoded.as_str(), "Stripe:13");
    reset();
}

#[wasm_bindgen_test]
fn payment_links_on_custom_domains() {
    reset();
    let html = r#"<a id="l25" href="https://pay.example.com/test_1?x=1">Custom</a>
           <a id="m25" href="https://buy.stripe.com/test_2">Stripe</a>
           <a id="n25" href="https://pay.example.com.evil.example/test_3">Lookalike</a>
           <a id="o25" href="https://other.example.com/test_4">Other</a>"#;
    mount(html);
    set_query("?irclickid=Custom25");
    start(r#"{"decorateStripe": true, "paymentLinkHosts": ["pay.example.com"]}"#);
    let reference = ClickId::new("Custom25").unwrap().to_client_reference_id();
    assert_eq!(
        attribute_of("#l25", "href"),
        Some(format!(
            "https://pay.example.com/test_1?x=1&client_reference_id={reference}"
        ))
    );
    assert_eq!(
        attribute_of("#m25", "href"),
        Some(format!(
            "https://buy.stripe.com/test_2?client_reference_id={reference}"
        )),
        "buy.stripe.com stays a Payment Link host"
    );
    assert_eq!(
        attribute_of("#n25", "href").as_deref(),
        Some("https://pay.example.com.evil.example/test_3")
    );
    assert_eq!(
        attribute_of("#o25", "href").as_deref(),
        Some("https://other.example.com/test_4")
    );

    // Without the option, the custom domain is an ordinary link.
    reset();
    mount(html);
    set_query("?irclickid=Custom25");
    start(r#"{"decorateStripe": true}"#);
    assert_eq!(
        attribute_of("#l25", "href").as_deref(),
        Some("https://pay.example.com/test_1?x=1")
    );
    reset();
}

#[wasm_bindgen_test]
fn stripe_decoration_is_off_by_default() {
    reset();
    mount(
        r#"<a id="l14" href="https://buy.stripe.com/test_1">Buy</a><stripe-buy-button id="b14"></stripe-buy-button>"#,
    );
    set_query("?irclickid=Plain14");
    start("{}");
    assert_eq!(
        attribute_of("#l14", "href").as_deref(),
        Some("https://buy.stripe.com/test_1")
    );
    assert_eq!(attribute_of("#b14", "client-reference-id"), None);
    reset();
}

#[wasm_bindgen_test]
async fn dispose_stops_everything() {
    reset();
    stub_utt();
    set_query("");
    write_cookie(&format!("{COOKIE}=Kept15; Max-Age=300; Path=/"));
    start(r#"{"useUtt": true}"#);
    assert_eq!(current().as_deref(), Some("Kept15"));
    dispose();
    assert_eq!(current(), None);

    JsFuture::from(mount_and_observe(
        r#"<input name="impact_ClickId" id="f15">"#,
    ))
    .await
    .expect("mutation");
    assert_eq!(
        value_of("#f15").as_deref(),
        Some(""),
        "no observer after dispose"
    );
    load_utt("UttAfter15");
    assert_eq!(current(), None, "a late UTT answer is ignored");
    assert_eq!(
        cookie(COOKIE).as_deref(),
        Some("Kept15"),
        "stored values stay"
    );
    reset();
}

#[wasm_bindgen_test]
fn invalid_click_ids_are_ignored_with_one_warning() {
    reset();
    capture_console();
    write_cookie(&format!("{COOKIE}=Stored16; Max-Age=300; Path=/"));
    set_query("?irclickid=bad%20id&im_ref=%3Cscript%3E");
    start(r#"{"debug": true}"#);
    assert_eq!(current().as_deref(), Some("Stored16"));
    assert_eq!(cookie(COOKIE).as_deref(), Some("Stored16"));
    assert_eq!(console_count(), 1, "{}", console_text());

    // An invalid stored value and an invalid UTT answer are ignored too.
    dispose();
    set_query("");
    write_cookie(&format!("{COOKIE}=a<b; Max-Age=300; Path=/"));
    load_utt("not valid");
    start("{}");
    assert_eq!(current(), None);
    reset();
}

#[wasm_bindgen_test]
fn invalid_options_fall_back_to_defaults_with_a_warning() {
    reset();
    capture_console();
    set_query("?irclickid=Opt17");
    start(
        r#"{"cookieDays": "thirty", "attribution": "middle", "cookieName": "ct", "debug": true}"#,
    );
    assert_eq!(current().as_deref(), Some("Opt17"));
    assert_eq!(
        cookie("ct").as_deref(),
        Some("Opt17"),
        "valid options still apply"
    );
    assert_eq!(console_count(), 1, "{}", console_text());
    assert!(console_text().contains("attribution"), "{}", console_text());

    // No options object at all: the defaults.
    dispose();
    init(None);
    assert_eq!(current().as_deref(), Some("Opt17"));
    reset();
}

#[wasm_bindgen_test]
fn an_ordinary_visit_writes_nothing_to_the_console() {
    reset();
    capture_console();
    // Everything the kit would warn about at once: a bad option, invalid click ids in the URL
    // and in the cookie, a cookie the browser refuses.
    write_cookie(&format!("{COOKIE}=a<b; Max-Age=300; Path=/"));
    set_query("?irclickid=bad%20id&im_ref=Quiet26");
    start(r#"{"cookieDays": "thirty", "cookieDomain": "shop.example"}"#);
    assert_eq!(current().as_deref(), Some("Quiet26"));
    assert_eq!(console_count(), 0, "{}", console_text());

    // With `debug`, the same visit is reported.
    dispose();
    start(r#"{"cookieDays": "thirty", "cookieDomain": "shop.example", "debug": true}"#);
    assert!(console_count() >= 2, "{}", console_text());
    assert!(console_text().contains("cookieDays"), "{}", console_text());
    assert!(
        console_text().starts_with("warn: clicktrail:"),
        "{}",
        console_text()
    );
    reset();
}
