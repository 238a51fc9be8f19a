// Live updates: every element with data-field inside a [data-live] section is refreshed from
// that section's JSON API every 5 seconds. Nothing else; the pages work without it.
"use strict";
(function () {
  const live = document.querySelector("[data-live]");
  if (!live) return;
  const pick = (data, path) =>
    path.split(".").reduce((v, k) => {
      if (v == null) return undefined;
      if (Array.isArray(v)) {
        const row = v.find((r) => Array.isArray(r) && r[0] === k);
        return row ? row[1] : undefined;
      }
      return v[k];
    }, data);
  async function refresh() {
    try {
      const res = await fetch(live.dataset.live, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!res.ok) return;
      const data = await res.json();
      document.querySelectorAll("[data-field]").forEach((el) => {
        const value = pick(data, el.dataset.field);
        if (value !== undefined) el.textContent = value === null ? "none" : String(value);
      });
      document.body.dataset.refreshed = String(Date.now());
    } catch (_) {
      // Offline or restarting: try again at the next tick.
    }
  }
  setInterval(refresh, 5000);
})();

// Listings marked data-reload (the first page of events, the dead letters) are fetched again
// every 5 seconds and swapped in place, unless the reader is selecting text in them.
(function () {
  const tables = document.querySelectorAll("table[data-reload][id]");
  if (!tables.length) return;
  async function reload() {
    if (String(window.getSelection()).length > 0) return;
    try {
      const res = await fetch(location.href, { credentials: "same-origin" });
      if (!res.ok) return;
      const doc = new DOMParser().parseFromString(await res.text(), "text/html");
      tables.forEach((table) => {
        const fresh = doc.getElementById(table.id);
        if (fresh) table.replaceWith(fresh);
      });
      document.body.dataset.refreshed = String(Date.now());
    } catch (_) {
      // Try again at the next tick.
    }
  }
  setInterval(reload, 5000);
})();
