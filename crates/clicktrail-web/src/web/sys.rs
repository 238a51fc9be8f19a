//! The browser functions the kit calls, declared over `sys.js`.
//!
//! These stand in for `web-sys` and `js-sys` on purpose: every imported function costs bytes of
//! JavaScript glue (and of wasm import names), and every function that may throw costs exception
//! glue on both sides. `sys.js` gives the kit exactly the operations it performs, each catching
//! its own errors, so that the page never sees an exception and the imports stay few.

use alloc::string::String;

use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/web/sys.js")]
extern "C" {
    /// `options[name]`: `undefined` when absent or `null`, a number or a boolean as it is, any
    /// other value as `String(value)` (`""` when reading it throws).
    pub fn option(options: &JsValue, name: &str) -> JsValue;

    /// Calls `visit(name, value)` for each of the landing URL's query parameters, in order,
    /// both URL-decoded once by `URLSearchParams`.
    pub fn query(visit: &mut dyn FnMut(JsValue, JsValue));

    /// Whether the page was served over https.
    #[wasm_bindgen(js_name = isHttps)]
    pub fn is_https() -> bool;

    /// `document.cookie`, or `""` when the page may not read cookies.
    #[wasm_bindgen(js_name = getCookie)]
    pub fn get_cookie() -> String;

    /// `document.cookie = line`, ignoring a refusal.
    #[wasm_bindgen(js_name = setCookie)]
    pub fn set_cookie(line: &str);

    /// `localStorage.getItem(key)`; `None` when absent or when storage is blocked.
    #[wasm_bindgen(js_name = getItem)]
    pub fn get_item(key: &str) -> Option<String>;

    /// `localStorage.setItem(key, value)`; whether it was stored.
    #[wasm_bindgen(js_name = setItem)]
    pub fn set_item(key: &str, value: &str) -> bool;

    /// `localStorage.removeItem(key)`.
    #[wasm_bindgen(js_name = removeItem)]
    pub fn remove_item(key: &str);

    /// `ire('generateClickId', callback)`, after installing impact.com's queue stub as
    /// `window.ire` when the page has none yet (the tag replays the queue when it loads).
    /// JavaScript owns the callback (the queue may keep it until the tag loads).
    #[wasm_bindgen(js_name = askUtt)]
    pub fn ask_utt(callback: Closure<dyn FnMut(JsValue)>);

    /// Starts a `MutationObserver` calling `callback` when nodes are added or removed anywhere
    /// in the document; the observer owns the callback. `false` when it cannot start.
    pub fn observe(callback: Closure<dyn FnMut(JsValue)>) -> bool;

    /// Disconnects the observer started by [`observe`], if any.
    pub fn disconnect();

    /// Creates the hidden field `name` in forms marked `data-clicktrail` that lack it, and sets
    /// every `input[name=<name>]` and `#<name>` to `value`. `false` when the page refused.
    pub fn fill(name: &str, value: &str) -> bool;

    /// For each element matching `selector`, calls `decide` with the current value of
    /// `attribute` (a string or `null`) and sets the attribute to the answer unless it is
    /// `undefined`. `false` when the page refused.
    pub fn rewrite(
        selector: &str,
        attribute: &str,
        decide: &mut dyn FnMut(JsValue) -> JsValue,
    ) -> bool;

    /// `Date.now()`.
    pub fn now() -> f64;

    /// `console.warn("clicktrail: " + message, detail)`.
    pub fn warn(message: &str, detail: &str);
}
