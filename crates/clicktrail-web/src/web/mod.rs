//! The JavaScript API: `init`, `clickId`, `grantConsent`, `dispose` (wasm32 only).
//!
//! The kit's state lives in one static slot. Every access goes through a lock that is tried, never waited for, so a re-entrant call (a UTT answering synchronously, a page script calling
//! `clickId()` from a callback) finds the state busy and backs off instead of panicking: nothing
//! here can throw into the page.

mod dom;
mod store;
mod sys;

use alloc::string::String;
use core::sync::atomic::{AtomicU8, AtomicU32, Ordering::Relaxed};

use clicktrail_clickid::ClickId;
use spin::Mutex;
use wasm_bindgen::prelude::*;

use crate::{Consent, Options, Raw, Warning, query};

#[wasm_bindgen(typescript_custom_section)]
const OPTIONS_TS: &str = r#"
/** Options of `init`; every one is optional. */
export interface ClicktrailOptions {
  /** Landing-URL parameters carrying the click id, in order of preference. Default `["irclickid", "im_ref"]`. */
  params?: string[];
  /** Cookie (and localStorage key) holding the click id. Default `"impact_click_id"`. */
  cookieName?: string;
  /** Lifetime of the cookie and of the localStorage mirror, in days (at most 400). Default `30`. */
  cookieDays?: number;
  /** Cookie `Domain`, to share the click id across subdomains (e.g. `".shop.example"`). Default: none. */
  cookieDomain?: string;
  /** Fills every `input[name=<fieldName>]` and `#<fieldName>`. Default `"impact_ClickId"`. */
  fieldName?: string;
  /** Ask impact.com's Universal Tracking Tag (`ire('generateClickId', cb)`) when the URL has no click id. Default `true`. */
  useUtt?: boolean;
  /** How long an answer from the UTT is still taken, in milliseconds. Default `1500`. */
  uttTimeoutMs?: number;
  /** `"last"`: a new click id replaces the stored one; `"first"`: the stored one stays until it expires. Default `"last"`. */
  attribution?: "last" | "first";
  /** `"pending"`: keep the click id in memory only until `grantConsent()`. Default `"granted"`. */
  consent?: "granted" | "pending";
  /** Add the click id (`irc_` encoded) to Stripe Payment Links, `<stripe-pricing-table>` and `<stripe-buy-button>`. Default `false`. */
  decorateStripe?: boolean;
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

/// The kit between calls. `try_lock` never waits: wasm here is single-threaded, so a busy lock
/// means a re-entrant call, which backs off.
static KIT: Mutex<Option<Kit>> = Mutex::new(None);
static GENERATION: AtomicU32 = AtomicU32::new(0);
/// The [`Warning::bit`]s already reported since the last `init`.
static WARNED: AtomicU8 = AtomicU8::new(0);

fn with_kit<R>(f: impl FnOnce(&mut Kit) -> R) -> Option<R> {
    KIT.try_lock()?.as_mut().map(f)
}

/// Logs `warning` with `console.warn`, once per kind until the next `init`.
fn report(warning: Warning) {
    if WARNED.fetch_or(warning.bit(), Relaxed) & warning.bit() == 0 {
        let mut message = String::from(warning.as_str());
        if let Warning::InvalidOption(name) = warning {
            message.push_str(name);
        }
        sys::warn(&message);
    }
}

/// Starts the kit: reads the click id (landing URL, then the UTT, then the cookie or its
/// localStorage mirror), keeps it, fills the page and watches it for new forms. Calling it
/// again restarts the kit with the new options.
#[wasm_bindgen]
pub fn init(options: Option<ClicktrailOptions>) {
    dispose();
    WARNED.store(0, Relaxed);
    let options = read_options(options.as_ref().map(AsRef::as_ref));
    let now = sys::now();

    let stored = store::load(&options, now);
    let url = sys::DOCUMENT.with(sys::Document::url);
    let landing = query::click_id_from_query(query::query_of(&url), &options.params);
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
    let kit = Kit {
        utt_deadline: now + f64::from(options.utt_timeout_ms),
        options,
        click_id: None,
        generation,
    };
    if let Some(mut slot) = KIT.try_lock() {
        *slot = Some(kit);
    }

    if let Some(id) = chosen {
        adopt(id, changed);
    }
    watch();
    if ask_utt {
        let callback = Closure::new(move |answer: JsValue| on_utt_answer(generation, answer));
        // An error means the page has no `ire`: there is no UTT to ask.
        let _ = sys::ire("generateClickId", callback);
    }
}

/// The current click id, or `undefined` (before `init`, after `dispose`, or when none is known).
#[wasm_bindgen(js_name = clickId)]
pub fn click_id() -> Option<String> {
    with_kit(|kit| kit.click_id.as_ref().map(|id| String::from(id.as_str()))).flatten()
}

/// Records the visitor's consent: the click id held in memory is stored now, and later ones as
/// they come.
#[wasm_bindgen(js_name = grantConsent)]
pub fn grant_consent() {
    let pending = with_kit(|kit| {
        let was_pending = kit.options.consent == Consent::Pending;
        kit.options.consent = Consent::Granted;
        was_pending.then(|| kit.click_id.clone()).flatten().map(|id| (id, kit.options.clone()))
    });
    if let Some((id, options)) = pending.flatten() {
        store::save(&options, &id, sys::now());
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

/// Makes `id` the current click id, stores it when `store` is set and consent allows, and fills
/// the page.
fn adopt(id: ClickId, store: bool) {
    let settings = with_kit(|kit| {
        kit.click_id = Some(id.clone());
        let save = store && kit.options.consent == Consent::Granted;
        (save.then(|| kit.options.clone()), kit.options.field_name.clone(), kit.options.decorate_stripe)
    });
    let Some((save, field_name, decorate_stripe)) = settings else {
        return;
    };
    if let Some(options) = save {
        store::save(&options, &id, sys::now());
    }
    dom::fill_page(&id, &field_name, decorate_stripe);
}

/// Fills the page again whenever nodes are added.
fn watch() {
    // JavaScript owns the callback: the observer keeps it alive until `dispose()` disconnects
    // the observer, then the garbage collector frees both.
    let callback = Closure::new(|_records: JsValue| refill());
    if sys::observe(callback).is_err() {
        report(Warning::Dom);
    }
}

fn refill() {
    let settings = with_kit(|kit| {
        let id = kit.click_id.clone()?;
        Some((id, kit.options.field_name.clone(), kit.options.decorate_stripe))
    });
    if let Some((id, field_name, decorate_stripe)) = settings.flatten() {
        dom::fill_page(&id, &field_name, decorate_stripe);
    }
}

fn on_utt_answer(generation: u32, answer: JsValue) {
    let Some(id) = answer.as_string().and_then(|text| ClickId::new(&text).ok()) else {
        report(Warning::InvalidClickId);
        return;
    };
    let take = with_kit(|kit| {
        kit.generation == generation
            && sys::now() <= kit.utt_deadline
            && kit.options.attribution.choose(kit.click_id.as_ref(), Some(&id))
                != kit.click_id.as_ref()
    });
    if take == Some(true) {
        adopt(id, true);
    }
}

fn read_options(options: Option<&JsValue>) -> Options {
    let (options, warning) = Options::from_raw(|name| match options {
        None => Raw::Missing,
        Some(object) => to_raw(sys::reflect_get(object, name).unwrap_or(JsValue::UNDEFINED)),
    });
    if let Some(warning) = warning {
        report(warning);
    }
    options
}

fn to_raw(value: JsValue) -> Raw {
    if value.is_undefined() || value.is_null() {
        Raw::Missing
    } else if let Some(number) = value.as_f64() {
        Raw::Number(number)
    } else if let Some(flag) = value.as_bool() {
        Raw::Bool(flag)
    } else {
        Raw::Text(sys::js_string(&value).unwrap_or_default())
    }
}
