// The browser side of clicktrail-web: every access the kit makes to the page, its cookies and
// its storage. Each function catches its own errors (a sandboxed frame refusing document.cookie,
// blocked storage, a page without impact.com's UTT), so nothing throws into the page and the
// Rust side needs no exception glue. Decisions (which click id, what to store, how to decorate a
// link) are all made in Rust; this file only reads and writes.
// Read through `globalThis` so that importing the kit where there is no DOM (a Node storefront
// rendering on the server) does not throw; the functions are only called in a browser.
const d = globalThis.document;
let observer = null;

// options[name]: undefined when absent or null, numbers and booleans as they are, anything else
// as String(value) (so an array of names arrives as "a,b").
export function option(options, name) {
  try {
    const value = options[name];
    if (value == null) return undefined;
    const type = typeof value;
    return type == "number" || type == "boolean" ? value : String(value);
  } catch (e) { return ""; }
}

export function now() {
  return Date.now();
}

export function warn(message, detail) {
  console.warn("clicktrail: " + message, detail);
}

// Calls visit(name, value) for each parameter of the landing URL, URL-decoded once (`%XX` and
// `+`), in order.
export function query(visit) {
  for (const [name, value] of new URLSearchParams(location.search)) visit(name, value);
}

export function isHttps() {
  return location.protocol == "https:";
}

export function getCookie() {
  try { return d.cookie; } catch (e) { return ""; }
}

export function setCookie(line) {
  try { d.cookie = line; } catch (e) {}
}

export function getItem(key) {
  try { return localStorage.getItem(key); } catch (e) { return null; }
}

export function setItem(key, value) {
  try { localStorage.setItem(key, value); return true; } catch (e) { return false; }
}

export function removeItem(key) {
  try { localStorage.removeItem(key); } catch (e) {}
}

// Asks impact.com's Universal Tracking Tag. When the page has no `ire` yet, installs the queue
// stub of impact.com's loader snippet first; the tag replays the queue once it has loaded, so the
// kit and the tag may load in either order.
export function askUtt(callback) {
  try {
    const w = window;
    if (!w.ire) {
      w.ire_o = "ire";
      w.ire = function () { (w.ire.a = w.ire.a || []).push(arguments); };
    }
    w.ire("generateClickId", callback);
  } catch (e) {}
}

export function observe(callback) {
  try {
    observer = new MutationObserver(callback);
    observer.observe(d.documentElement, { childList: true, subtree: true });
    return true;
  } catch (e) { return false; }
}

export function disconnect() {
  if (observer) { observer.disconnect(); observer = null; }
}

// Creates the hidden field in forms marked data-clicktrail that lack it, then sets every
// input[name=<name>] and #<name> to value. `name` holds no `"` or `\` (checked in Rust).
export function fill(name, value) {
  try {
    const field = 'input[name="' + name + '"]';
    for (const form of d.querySelectorAll("form[data-clicktrail]")) {
      if (!form.querySelector(field)) {
        const input = d.createElement("input");
        input.type = "hidden";
        input.name = name;
        form.append(input);
      }
    }
    for (const element of d.querySelectorAll(field + ',[id="' + name + '"]')) element.value = value;
    return true;
  } catch (e) { return false; }
}

// For each element matching selector, asks decide(current value of attribute, or null) and sets
// the attribute to its answer unless the answer is undefined.
export function rewrite(selector, attribute, decide) {
  try {
    for (const element of d.querySelectorAll(selector)) {
      const next = decide(element.getAttribute(attribute));
      if (next !== undefined) element.setAttribute(attribute, next);
    }
    return true;
  } catch (e) { return false; }
}
