//! The JavaScript API: `init`, `clickId`, `grantConsent`, `revoke`, `dispose` (wasm32 only).
//!
//! The kit's state lives in one static slot behind a lock that is tried, never waited for: a
//! re-entrant call (a page script calling `clickId()` from inside a DOM callback the kit
//! triggered) finds the state busy and backs off instead of panicking. The lock is not held while
//! the UTT is asked, so a tag that answers at once is served. Nothing here can throw into the
//! page.

mod dom;
mod store;
#[cfg_attr(feature = "web-sys", path = "sys_websys.rs")]
mod sys;

use core::sync::atomic::{AtomicU8, AtomicU32, Ordering::Relaxed};

use clicktrail_clickid::ClickId;
use spin::Mutex;
use wasm_bindgen::prelude::*;

use crate::{Consent, Options, QueryScan, Raw, Warning};

#[wasm_bindgen(typescript_custom_section)]
const OPTIONS_TS: &str = r#"
/** Options of `init`; every one is optional. */
export interface ClicktrailOptions {
  /** Landing-URL parameters carrying the click id, in order of preference; names match in any case (`?IRClickId=`). Default `["irclickid", "im_ref"]`. */
  params?: string[];
  /** Cookie (and localStorage key) holding the click id. Default `"impact_click_id"`. */
  cookieName?: string;
  /** Lifetime of the cookie and of the localStorage mirror, in days (at most 400). Default `30`. */
  cookieDays?: number;
  /** Cookie `Domain`, to share the click id across subdomains (e.g. `".shop.example"`). Default: none. */
  cookieDomain?: string;
  /** Fills every `input[name=<fieldName>]` and `#<fieldName>`. Default `"impact_ClickId"`. */
  fieldName?: string;
  /** Ask impact.com's Universal Tracking Tag (`ire('generateClickId', cb)`) when the URL has no click id; installs the tag's queue stub when `window.ire` is missing, so either script may load first. Default `true`. */
  useUtt?: boolean;
  /** How long an answer from the UTT is still taken, in milliseconds. Default `1500`. */
  uttTimeoutMs?: number;
  /** `"last"`: a new click id replaces the stored one; `"first"`: the stored one stays until it expires. Default `"last"`. */
  attribution?: "last" | "first";
  /** `"pending"`: nothing is written (stored values are still read) until `grantConsent()`; `"denied"`: stored values are deleted and nothing is read or written until `grantConsent()`. Either way the click id of this page stays in memory and fills fields. Default `"granted"`. */
  consent?: "granted" | "pending" | "denied";
  /** Custom domains serving your Stripe Payment Links (e.g. `["pay.example.com"]`); links to `https://buy.stripe.com/` are always decorated. Default `[]`. */
  paymentLinkHosts?: string[];
  /** Add the click id (`irc_` encoded) to Stripe Payment Links, `<stripe-pricing-table>` and `<stripe-buy-button>`. Default `false`. */
  decorateStripe?: boolean;
  /** Report problems (invalid options or click ids, refused cookies) with `console.warn`. Default `false`: nothing is written to the console. */
  debug?: boolean;
}
"#;

#[wasm_bindgen]
extern "C" {
    /// The options object passed to [`init`] (see the `ClicktrailOptions` TypeScript interface).
    #[wasm_bindgen(typescript_type = "ClicktrailOptions")]
    pub type ClicktrailOptions;
}

/// The running kit. Plain data: the DOM observer and the UTT callback are owned by JavaScript.
struct Kit {
    options: Options,
    click_id: Option<ClickId>,
    /// Tells a late UTT answer whether it belongs to this `init`.
    generation: u32,
    /// `Date.now()` after which a UTT answer is ignored.
    utt_deadline: f64,
}

impl Kit {
    /// Makes `id` the current click id, stores it when `store` is set and consent allows, and
    /// fills the page.
    fn adopt(&mut self, id: ClickId, store: bool) {
        if store && self.options.consent == Consent::Granted {
            store::save(&self.options, &id, sys::now());
        }
        self.click_id = Some(id);
        self.fill();
    }

    fn fill(&self) {
        if let Some(id) = &self.click_id {
            dom::fill_page(id, &self.options);
        }
    }
}

/// The kit between calls. `try_lock` never waits: wasm here is single-threaded, so a busy lock
/// means a re-entrant call (a page script calling `clickId()` from inside a DOM callback the kit
/// triggered), which backs off.
static KIT: Mutex<Option<Kit>> = Mutex::new(None);
static GENERATION: AtomicU32 = AtomicU32::new(0);
/// The [`Warning::bit`]s already reported since the last `init`; all of them without `debug`,
/// so that nothing is reported.
static WARNED: AtomicU8 = AtomicU8::new(u8::MAX);

fn with_kit<R>(f: impl FnOnce(&mut Kit) -> R) -> Option<R> {
    KIT.try_lock()?.as_mut().map(f)
}

/// Logs `warning` with `console.warn`, once per kind until the next `init`, when `debug` is on.
fn report(warning: Warning) {
    if WARNED.fetch_or(warning.bit(), Relaxed) & warning.bit() == 0 {
        let detail = match warning {
            Warning::InvalidOption(name) => name,
            _ => "",
        };
        sys::warn(warning.as_str(), detail);
    }
}

/// Starts the kit: reads the click id (landing URL, then the UTT, then the cookie or its
/// localStorage mirror), keeps it, fills the page and watches it for new forms. Calling it
/// again restarts the kit with the new options.
#[wasm_bindgen]
pub fn init(options: Option<ClicktrailOptions>) {
    dispose();
    let options = read_options(options.as_ref().map(AsRef::as_ref));
    let now = sys::now();

    let stored = if options.consent == Consent::Denied {
        store::forget(&options);
        None
    } else {
        store::load(&options, now)
    };
    let mut scan = QueryScan::new(&options.params);
    sys::query(&mut |key: JsValue, value: JsValue| {
        if let (Some(key), Some(value)) = (key.as_string(), value.as_string()) {
            scan.visit(&key, &value);
        }
    });
    let landing = scan.finish();
    if landing.rejected.is_some() {
        report(Warning::InvalidClickId);
    }
    let chosen = options
        .attribution
        .choose(stored.as_ref(), landing.click_id.as_ref())
        .cloned();
    let changed = chosen != stored;
    let ask_utt = options.use_utt
        && landing.click_id.is_none()
        && options.attribution.open_to_new(chosen.as_ref());

    let generation = GENERATION.fetch_add(1, Relaxed).wrapping_add(1);
    let mut kit = Kit {
        utt_deadline: now + f64::from(options.utt_timeout_ms),
        options,
        click_id: None,
        generation,
    };
    if let Some(id) = chosen {
        kit.adopt(id, changed);
    }
    if let Some(mut slot) = KIT.try_lock() {
        *slot = Some(kit);
    }
    watch();
    if ask_utt {
        sys::ask_utt(Closure::new(move |answer: JsValue| {
            on_utt_answer(generation, answer)
        }));
    }
}

/// The current click id, or `undefined` (before `init`, after `dispose`, or when none is known).
#[wasm_bindgen(js_name = clickId, unchecked_return_type = "string | undefined")]
pub fn click_id() -> JsValue {
    // A `JsValue` rather than `Option<String>`: one string import instead of the return shim.
    with_kit(|kit| {
        kit.click_id
            .as_ref()
            .map(|id| JsValue::from_str(id.as_str()))
    })
    .flatten()
    .unwrap_or(JsValue::UNDEFINED)
}

/// Records the visitor's consent (after `consent: "pending"` or `"denied"`, or `revoke()`): the
/// click id held in memory is stored now, and later ones as they come.
#[wasm_bindgen(js_name = grantConsent)]
pub fn grant_consent() {
    with_kit(|kit| {
        if kit.options.consent != Consent::Granted {
            kit.options.consent = Consent::Granted;
            if let Some(id) = &kit.click_id {
                store::save(&kit.options, id, sys::now());
            }
        }
    });
}

/// Withdraws consent: deletes the cookie and its localStorage mirror, and stores nothing again
/// until `grantConsent()`. The click id of this page stays in memory (`clickId()`, fields).
/// Before `init` (or after `dispose`) it deletes the default `impact_click_id`.
#[wasm_bindgen]
pub fn revoke() {
    let running = with_kit(|kit| {
        kit.options.consent = Consent::Denied;
        store::forget(&kit.options);
    });
    if running.is_none() {
        store::forget(&Options::default());
    }
}

/// Stops the kit: the DOM observer is disconnected, a UTT answer still pending is ignored, and
/// `clickId()` returns `undefined` until the next `init`. Stored values stay.
#[wasm_bindgen]
pub fn dispose() {
    if let Some(mut slot) = KIT.try_lock() {
        *slot = None;
    }
    sys::disconnect();
}

/// Fills the page again whenever nodes are added.
fn watch() {
    // JavaScript owns the callback: the observer keeps it alive until `dispose()` disconnects
    // the observer, then the garbage collector frees both.
    let callback = Closure::new(|_records: JsValue| {
        with_kit(|kit| kit.fill());
    });
    if !sys::observe(callback) {
        report(Warning::Dom);
    }
}

fn on_utt_answer(generation: u32, answer: JsValue) {
    let Some(id) = answer.as_string().and_then(|text| ClickId::new(&text).ok()) else {
        report(Warning::InvalidClickId);
        return;
    };
    with_kit(|kit| {
        let fresh = kit.generation == generation && sys::now() <= kit.utt_deadline;
        if fresh
            && kit
                .options
                .attribution
                .choose(kit.click_id.as_ref(), Some(&id))
                != kit.click_id.as_ref()
        {
            kit.adopt(id, true);
        }
    });
}

/// Reads the options, and resets what was reported: everything again with `debug`, nothing
/// without it.
fn read_options(options: Option<&JsValue>) -> Options {
    let (options, warning) = Options::from_raw(|name| match options {
        None => Raw::Missing,
        Some(object) => to_raw(sys::option(object, name)),
    });
    WARNED.store(if options.debug { 0 } else { u8::MAX }, Relaxed);
    if let Some(warning) = warning {
        report(warning);
    }
    options
}

fn to_raw(value: JsValue) -> Raw {
    if let Some(text) = value.as_string() {
        Raw::Text(text)
    } else if let Some(number) = value.as_f64() {
        Raw::Number(number)
    } else if let Some(flag) = value.as_bool() {
        Raw::Bool(flag)
    } else {
        Raw::Missing
    }
}
