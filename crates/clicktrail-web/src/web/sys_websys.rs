//! The browser functions the kit calls, through `web-sys` and `js-sys` (feature `web-sys`, a
//! measurement build; the shipped kit uses `sys.js`, see docs/decisions.md).
//!
//! Same functions and contracts as `sys.rs`: every call that may throw is `catch`-annotated in
//! web-sys and handled here, so nothing throws into the page. Only the UTT queue stub stays
//! JavaScript: it must push the `arguments` object of each call, which a Rust closure cannot
//! make without `eval`-like `Function` construction (refused by strict CSPs).

use alloc::string::String;

use js_sys::{Array, Date, Function, Object, Reflect};
use wasm_bindgen::prelude::*;
use web_sys::{Document, Element, HtmlDocument, MutationObserver, MutationObserverInit};

#[wasm_bindgen(inline_js = "export function askUtt(callback) {
  try {
    const w = window;
    if (!w.ire) {
      w.ire_o = 'ire';
      w.ire = function () { (w.ire.a = w.ire.a || []).push(arguments); };
    }
    w.ire('generateClickId', callback);
  } catch (e) {}
}")]
extern "C" {
    /// See `sys.rs`.
    #[wasm_bindgen(js_name = askUtt)]
    pub fn ask_utt(callback: Closure<dyn FnMut(JsValue)>);
}

/// The observer started by [`observe`]; wasm here is single-threaded.
static OBSERVER: spin::Mutex<Option<Observer>> = spin::Mutex::new(None);

struct Observer(MutationObserver);
// wasm32 without the `atomics` target feature has one thread: the handle never leaves it. The
// JavaScript module needs no such claim (it keeps the observer in a module variable).
#[allow(unsafe_code)]
unsafe impl Send for Observer {}

fn document() -> Option<Document> {
    web_sys::window()?.document()
}

/// See `sys.rs`.
pub fn option(options: &JsValue, name: &str) -> JsValue {
    let Ok(value) = Reflect::get(options, &JsValue::from_str(name)) else {
        return JsValue::from_str("");
    };
    if value.is_undefined()
        || value.is_null()
        || value.as_f64().is_some()
        || value.as_bool().is_some()
    {
        return if value.is_null() {
            JsValue::UNDEFINED
        } else {
            value
        };
    }
    match value.dyn_ref::<Object>() {
        Some(object) => object.to_string().into(),
        None => value,
    }
}

/// See `sys.rs`.
pub fn query(visit: &mut dyn FnMut(JsValue, JsValue)) {
    let Some(search) = web_sys::window().and_then(|w| w.location().search().ok()) else {
        return;
    };
    let Ok(params) = web_sys::UrlSearchParams::new_with_str(&search) else {
        return;
    };
    let Ok(Some(entries)) = js_sys::try_iter(&params) else {
        return;
    };
    for entry in entries.flatten() {
        let pair: Array = entry.unchecked_into();
        visit(pair.get(0), pair.get(1));
    }
}

/// See `sys.rs`.
pub fn is_https() -> bool {
    web_sys::window()
        .and_then(|w| w.location().protocol().ok())
        .is_some_and(|protocol| protocol == "https:")
}

fn html_document() -> Option<HtmlDocument> {
    document()?.dyn_into().ok()
}

/// See `sys.rs`.
pub fn get_cookie() -> String {
    html_document()
        .and_then(|d| d.cookie().ok())
        .unwrap_or_default()
}

/// See `sys.rs`.
pub fn set_cookie(line: &str) {
    if let Some(d) = html_document() {
        let _ = d.set_cookie(line);
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// See `sys.rs`.
pub fn get_item(key: &str) -> Option<String> {
    storage()?.get_item(key).ok()?
}

/// See `sys.rs`.
pub fn set_item(key: &str, value: &str) -> bool {
    storage().is_some_and(|s| s.set_item(key, value).is_ok())
}

/// See `sys.rs`.
pub fn remove_item(key: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(key);
    }
}

/// See `sys.rs`.
pub fn observe(callback: Closure<dyn FnMut(JsValue)>) -> bool {
    let Some(root) = document().and_then(|d| d.document_element()) else {
        return false;
    };
    // The observer owns the callback from here on (JavaScript frees both once disconnected).
    let function: Function = callback.into_js_value().unchecked_into();
    let Ok(observer) = MutationObserver::new(&function) else {
        return false;
    };
    let init = MutationObserverInit::new();
    init.set_child_list(true);
    init.set_subtree(true);
    if observer.observe_with_options(&root, &init).is_err() {
        return false;
    }
    if let Some(mut slot) = OBSERVER.try_lock() {
        *slot = Some(Observer(observer));
    }
    true
}

/// See `sys.rs`.
pub fn disconnect() {
    if let Some(mut slot) = OBSERVER.try_lock()
        && let Some(Observer(observer)) = slot.take()
    {
        observer.disconnect();
    }
}

fn each(document: &Document, selector: &str, f: impl FnMut(Element) -> bool) -> bool {
    let Ok(list) = document.query_selector_all(selector) else {
        return false;
    };
    (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into::<Element>().ok())
        .all(f)
}

/// See `sys.rs`.
pub fn fill(name: &str, value: &str) -> bool {
    let Some(d) = document() else { return false };
    let mut field = String::from("input[name=\"");
    field.push_str(name);
    field.push_str("\"]");
    let added = each(&d, "form[data-clicktrail]", |form| {
        if matches!(form.query_selector(&field), Ok(Some(_))) {
            return true;
        }
        let Ok(input) = d.create_element("input") else {
            return false;
        };
        input.set_attribute("type", "hidden").is_ok()
            && input.set_attribute("name", name).is_ok()
            && form.append_with_node_1(&input).is_ok()
    });
    field.push_str(",[id=\"");
    field.push_str(name);
    field.push_str("\"]");
    let value = JsValue::from_str(value);
    added
        && each(&d, &field, |element| {
            Reflect::set(&element, &JsValue::from_str("value"), &value).is_ok()
        })
}

/// See `sys.rs`.
pub fn rewrite(
    selector: &str,
    attribute: &str,
    decide: &mut dyn FnMut(JsValue) -> JsValue,
) -> bool {
    let Some(d) = document() else { return false };
    each(&d, selector, |element| {
        let current = element
            .get_attribute(attribute)
            .map_or(JsValue::NULL, |v| JsValue::from_str(&v));
        match decide(current).as_string() {
            Some(next) => element.set_attribute(attribute, &next).is_ok(),
            None => true,
        }
    })
}

/// See `sys.rs`.
pub fn now() -> f64 {
    Date::now()
}

/// See `sys.rs`.
pub fn warn(message: &str, detail: &str) {
    let mut line = String::from("clicktrail: ");
    line.push_str(message);
    web_sys::console::warn_2(&line.into(), &detail.into());
}
