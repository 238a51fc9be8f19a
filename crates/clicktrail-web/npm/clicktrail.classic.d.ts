// Types of the classic-script build: `<script src=".../clicktrail.classic.js">` sets
// `window.clicktrail`, whose functions work once `clicktrail.ready` has resolved.
import type * as Kit from "./clicktrail_web.js";

export type ClicktrailClassic = Omit<typeof Kit, "default" | "initSync"> & {
  /** Resolves to `window.clicktrail` when the wasm is loaded; rejects when it cannot be. */
  readonly ready: Promise<ClicktrailClassic>;
};

declare global {
  interface Window {
    clicktrail: ClicktrailClassic;
  }
}
