// The classic-script build's entry (bundled by esbuild into `clicktrail.classic.js`, an IIFE that
// sets `window.clicktrail`). It loads the wasm from beside the script and exposes the same
// functions as the ES module, plus `ready`: a promise that resolves to `window.clicktrail` once
// the wasm is loaded, and rejects (without any console output) when it cannot be.
import load, * as kit from "./clicktrail_web.js";

const script = typeof document !== "undefined" ? document.currentScript : null;
const base = script && script.src ? script.src : location.href;

export * from "./clicktrail_web.js";

export const ready = load({
  module_or_path: new URL("clicktrail_web_bg.wasm", base),
}).then(() => globalThis.clicktrail || kit);
