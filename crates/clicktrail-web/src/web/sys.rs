//! The slice of the browser the kit uses, declared by hand.
//!
//! These bindings stand in for `web-sys` and `js-sys` on purpose: every imported function costs
//! bytes of JavaScript glue, so there is exactly one import per operation the kit performs.
//! `querySelectorAll` is declared once on [`Node`] and serves the document and elements alike,
//! the page's URL comes from one getter, and values that may throw (`document.cookie` in a
//! sandboxed frame, `localStorage` when storage is blocked, a missing `ire`) use `catch`.

use alloc::string::String;

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// A node that can be queried and appended to (the document or an element).
    pub type Node;

    /// `node.querySelectorAll(selectors)`; throws on an invalid selector.
    #[wasm_bindgen(method, catch, js_name = querySelectorAll)]
    pub fn query_all(this: &Node, selectors: &str) -> Result<NodeList, JsValue>;

    /// `node.appendChild(child)`.
    #[wasm_bindgen(method, catch, js_name = appendChild)]
    pub fn append_child(this: &Node, child: &Node) -> Result<Node, JsValue>;

    /// The page's document.
    #[wasm_bindgen(extends = Node)]
    pub type Document;

    /// `document`.
    #[wasm_bindgen(thread_local_v2, js_name = document)]
    pub static DOCUMENT: Document;

    /// `document.URL`: the page's address.
    #[wasm_bindgen(method, getter, js_name = URL)]
    pub fn url(this: &Document) -> String;

    /// Reading `document.cookie` (throws in sandboxed frames).
    #[wasm_bindgen(method, getter, catch)]
    pub fn cookie(this: &Document) -> Result<String, JsValue>;

    /// Writing `document.cookie`.
    #[wasm_bindgen(method, setter, catch, js_name = cookie)]
    pub fn set_cookie(this: &Document, cookie: &str) -> Result<(), JsValue>;

    /// `document.createElement(tag)`.
    #[wasm_bindgen(method, js_name = createElement)]
    pub fn create_element(this: &Document, tag: &str) -> Element;

    /// The result of `querySelectorAll`.
    pub type NodeList;

    /// `list.length`.
    #[wasm_bindgen(method, getter)]
    pub fn length(this: &NodeList) -> u32;

    /// `list[index]`.
    #[wasm_bindgen(method, indexing_getter)]
    pub fn get(this: &NodeList, index: u32) -> Element;

    /// An element.
    #[wasm_bindgen(extends = Node)]
    pub type Element;

    /// `element.getAttribute(name)`.
    #[wasm_bindgen(method, js_name = getAttribute)]
    pub fn get_attribute(this: &Element, name: &str) -> Option<String>;

    /// `element.setAttribute(name, value)`.
    #[wasm_bindgen(method, js_name = setAttribute)]
    pub fn set_attribute(this: &Element, name: &str, value: &str);

    /// `element.value = value` (inputs; harmless on other elements).
    #[wasm_bindgen(method, setter, js_name = value)]
    pub fn set_value(this: &Element, value: &str);

    /// The global object.
    pub type Global;

    /// `globalThis`.
    #[wasm_bindgen(thread_local_v2, js_name = globalThis)]
    pub static GLOBAL: Global;

    /// `globalThis.localStorage` (throws when storage is blocked).
    #[wasm_bindgen(method, getter, catch, js_name = localStorage)]
    pub fn local_storage(this: &Global) -> Result<Option<Storage>, JsValue>;

    /// `localStorage`.
    pub type Storage;

    /// `storage.getItem(key)`.
    #[wasm_bindgen(method, catch, js_name = getItem)]
    pub fn get_item(this: &Storage, key: &str) -> Result<Option<String>, JsValue>;

    /// `storage.setItem(key, value)` (throws when full or blocked).
    #[wasm_bindgen(method, catch, js_name = setItem)]
    pub fn set_item(this: &Storage, key: &str, value: &str) -> Result<(), JsValue>;

    /// `storage.removeItem(key)`.
    #[wasm_bindgen(method, catch, js_name = removeItem)]
    pub fn remove_item(this: &Storage, key: &str) -> Result<(), JsValue>;

    /// `Date.now()`.
    #[wasm_bindgen(js_namespace = Date)]
    pub fn now() -> f64;

    /// `console.warn(message)`.
    #[wasm_bindgen(js_namespace = console)]
    pub fn warn(message: &str);

    /// `Reflect.get(target, key)` (throws when `target` is not an object).
    #[wasm_bindgen(js_namespace = Reflect, catch, js_name = get)]
    pub fn reflect_get(target: &JsValue, key: &str) -> Result<JsValue, JsValue>;

    /// `String(value)` (throws for a symbol).
    #[wasm_bindgen(catch, js_name = String)]
    pub fn js_string(value: &JsValue) -> Result<String, JsValue>;

    /// `ire(command, callback)`: impact.com's UTT, or the queue stub its loader defines. Throws
    /// (a `ReferenceError`) when the page has no `ire`.
    #[wasm_bindgen(catch)]
    pub fn ire(command: &str, callback: Closure<dyn FnMut(JsValue)>) -> Result<(), JsValue>;
}

#[wasm_bindgen(inline_js = "let o;\
export function observe(f){\
o=new MutationObserver(f);\
o.observe(document.documentElement,{childList:true,subtree:true})}\
export function disconnect(){o&&o.disconnect();o=null}")]
extern "C" {
    /// Starts a `MutationObserver` calling `callback` when nodes are added or removed anywhere
    /// in the document; the observer keeps the callback. One snippet instead of three imports
    /// and an options object built from Rust.
    #[wasm_bindgen(catch)]
    pub fn observe(callback: Closure<dyn FnMut(JsValue)>) -> Result<(), JsValue>;

    /// Disconnects the observer started by [`observe`], if any.
    pub fn disconnect();
}
