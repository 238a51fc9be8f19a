// The "impact.com view": what the impact.com emulator received from the clicktrail forwarder,
// read through the shop (/api/impact/records and /api/impact/actions), as a table and a timeline.
// Refreshes every two seconds.

const REFRESH_MS = 2000;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("data-")) node.setAttribute(key, value);
    else node[key] = value;
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

// Cents from a decimal string ("29.00" -> 2900), so sums are exact.
function cents(text) {
  if (text === undefined || text === null || text === "") return null;
  const [whole, fraction = ""] = String(text).split(".");
  const sign = whole.startsWith("-") ? -1 : 1;
  return sign * (Math.abs(parseInt(whole, 10) || 0) * 100 + parseInt((fraction + "00").slice(0, 2), 10));
}

function decimal(amount) {
  if (amount === null) return "";
  const sign = amount < 0 ? "-" : "";
  const abs = Math.abs(amount);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

// What a request credits: a conversion's sale amount (items minus OrderDiscount, as impact
// computes it), a modification's new Amount, nothing for a reversal.
function amountOf(record) {
  const p = record.params;
  if (record.kind === "modification") return cents(p.Amount);
  if (record.kind === "reversal") return null;
  if (p.Amount !== undefined) return cents(p.Amount);
  let total = 0;
  for (let n = 1; p[`ItemSubTotal${n}`] !== undefined || p[`ItemPrice${n}`] !== undefined; n++) {
    total += p[`ItemSubTotal${n}`] !== undefined
      ? cents(p[`ItemSubTotal${n}`])
      : cents(p[`ItemPrice${n}`]) * (parseInt(p[`ItemQuantity${n}`] ?? "1", 10) || 1);
  }
  return total - (cents(p.OrderDiscount) ?? 0);
}

// "27 Nov, 14:03:09": the date too, since the Stripe emulator's clock can jump a month ahead.
function time(iso) {
  const d = new Date(iso);
  if (isNaN(d)) return iso;
  return d.toLocaleString("en-GB", {
    day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", second: "2-digit",
  });
}

// The forwarder's console, when the shop knows it: each order links to its page there.
let consoleUrl = null;

function orderCell(order) {
  const code = el("code", {}, order);
  if (!consoleUrl || !order) return code;
  return el("a", { href: `${consoleUrl}/orders/${encodeURIComponent(order)}`, target: "_blank", rel: "noopener", title: "this order in the forwarder's console", class: "console-link" }, code);
}

function render(records, actions) {
  // Modifications and reversals name the order, not the click: take it from the conversion.
  const clickOfOrder = new Map();
  const currencyOfOrder = new Map();
  for (const r of records) {
    if (r.params.ClickId && r.params.OrderId) clickOfOrder.set(r.params.OrderId, r.params.ClickId);
    if (r.params.CurrencyCode && r.params.OrderId) currencyOfOrder.set(r.params.OrderId, r.params.CurrencyCode);
  }
  const rows = records.map((r, i) => {
    const p = r.params;
    return {
      n: i + 1,
      kind: r.kind,
      received: r.received_at,
      eventType: p.EventTypeId ?? p.ActionTrackerId ?? p.EventTypeCode ?? "",
      order: p.OrderId ?? p.ActionId ?? "",
      clickId: p.ClickId ?? clickOfOrder.get(p.OrderId) ?? "",
      amount: amountOf(r),
      currency: p.CurrencyCode ?? currencyOfOrder.get(p.OrderId) ?? "",
      outcome: r.outcome,
    };
  });

  const body = document.querySelector("#records tbody");
  body.replaceChildren(...rows.map((r) =>
    el("tr", { "data-kind": r.kind, "data-order": r.order, "data-click-id": r.clickId, "data-event-type": r.eventType, "data-amount": decimal(r.amount) },
      el("td", {}, String(r.n)),
      el("td", { class: "time" }, time(r.received)),
      el("td", {}, el("span", { class: `kind ${r.kind}` }, r.kind)),
      el("td", {}, r.eventType),
      el("td", {}, orderCell(r.order)),
      el("td", {}, r.clickId ? el("code", {}, r.clickId) : el("span", { class: "muted" }, "none")),
      el("td", { class: "num" }, r.amount === null ? "—" : `${decimal(r.amount)} ${r.currency}`.trim()),
      el("td", {}, r.outcome))));
  if (!rows.length) {
    body.append(el("tr", {}, el("td", { class: "empty", colSpan: 8 }, "Nothing yet: subscribe from a partner's link and watch this table.")));
  }

  const actionBody = document.querySelector("#actions tbody");
  actionBody.replaceChildren(...actions.map((a) =>
    el("tr", { "data-order": a.OrderId, "data-state": a.State },
      el("td", {}, el("code", {}, a.ActionId)),
      el("td", {}, a.EventTypeId ?? ""),
      el("td", {}, el("code", {}, a.OrderId)),
      el("td", {}, a.ClickId ? el("code", {}, a.ClickId) : el("span", { class: "muted" }, "none")),
      el("td", { class: "num" }, `${a.Amount} ${a.CurrencyCode ?? ""}`.trim()),
      el("td", {}, a.State))));
  if (!actions.length) {
    actionBody.append(el("tr", {}, el("td", { class: "empty", colSpan: 6 }, "No actions yet (a conversion becomes one after impact.com processes it).")));
  }

  const verbs = { conversion: "credited", modification: "changed to", reversal: "reversed" };
  const timeline = document.getElementById("timeline");
  timeline.replaceChildren(...rows.map((r) =>
    el("li", { class: r.kind },
      el("time", { dateTime: r.received }, time(r.received)),
      el("strong", {}, r.kind),
      ` · event type ${r.eventType} · `,
      el("code", {}, r.order),
      el("br"),
      el("span", { class: "muted" },
        `${verbs[r.kind]}${r.amount === null ? "" : ` ${decimal(r.amount)} ${r.currency}`}` +
        (r.clickId ? ` · click ${r.clickId}` : "")))));
  if (!rows.length) timeline.append(el("li", { class: "empty" }, "Waiting for the first conversion…"));
}

async function refresh() {
  const error = document.getElementById("error");
  try {
    const [records, actions] = await Promise.all(
      ["/api/impact/records", "/api/impact/actions"].map(async (url) => {
        const answer = await fetch(url, { cache: "no-store" });
        if (!answer.ok) throw new Error(`${url} answered ${answer.status}`);
        return answer.json();
      }));
    render(records, actions);
    error.textContent = "";
    document.getElementById("updated").textContent = `Updated ${new Date().toLocaleTimeString("en-GB")}.`;
  } catch (e) {
    error.textContent = `Cannot read the impact.com emulator: ${e.message}`;
  }
}

try {
  const answer = await fetch("/api/console", { cache: "no-store" });
  if (answer.ok) consoleUrl = (await answer.json()).url;
} catch (_) {
  // No console links, then.
}
await refresh();
setInterval(refresh, REFRESH_MS);
