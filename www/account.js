// The "your account" page: the visitor's subscriptions and payments from /api/account, with the
// cancel, refund and (on the Stripe emulator) "bill next month" actions as plain form posts.

const NOTICES = {
  subscribed: "You are subscribed. The partner who sent you is credited when Stripe reports the paid invoice.",
  canceled: "The subscription is canceled.",
  refunded: "Refund sent to Stripe. impact.com hears of it after the forwarder's refund hold.",
  billed: "The Stripe emulator billed the next month.",
};

const params = new URLSearchParams(location.search);
document.getElementById("notice").textContent = NOTICES[params.get("notice")] ?? "";

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

function postForm(action, fields, label, className = "small") {
  const form = el("form", { method: "post", action });
  for (const [name, value] of Object.entries(fields)) {
    form.append(el("input", { type: "hidden", name, value }));
  }
  form.append(el("button", { type: "submit", class: className }, label));
  return form;
}

const PLAN_NAMES = {
  monthly: "Starter, monthly",
  "monthly-trial": "Starter, 14 days free",
};
const REASONS = {
  subscription_create: "first payment",
  subscription_cycle: "monthly renewal",
  subscription_update: "plan change",
};

function date(unix) {
  return unix ? new Date(unix * 1000).toLocaleString() : "";
}

const answer = await fetch("/api/account");
const who = document.getElementById("who");
if (!answer.ok) {
  who.textContent = `Could not load your account (${answer.status}).`;
} else {
  const account = await answer.json();
  if (!account.customer) {
    who.innerHTML = 'No account in this browser yet. <a href="/pricing.html">Choose a plan</a>.';
  } else {
    document.getElementById("details").hidden = false;
    const c = account.customer;
    who.textContent = `${c.email} (Stripe customer ${c.id})` +
      (c.click_id ? `, sent by partner click ${c.click_id}` : ", no partner click id");

    const subs = document.querySelector("#subscriptions tbody");
    for (const s of account.subscriptions) {
      const actions = el("td");
      if (s.status !== "canceled") {
        if (account.sandbox) {
          actions.append(postForm("/account/advance", { subscription: s.id }, "Bill next month", "small secondary"));
        }
        actions.append(postForm("/account/cancel", { subscription: s.id }, "Cancel", "small danger"));
      }
      const status = s.status === "trialing" && s.trial_end
        ? `trialing until ${new Date(s.trial_end * 1000).toLocaleDateString()}`
        : s.status;
      subs.append(el("tr", { "data-subscription": s.id, "data-status": s.status },
        el("td", {}, el("code", {}, s.id)),
        el("td", {}, PLAN_NAMES[s.plan] ?? s.plan ?? ""),
        el("td", {}, status),
        el("td", {}, s.click_id ? el("code", {}, s.click_id) : el("span", { class: "muted" }, "none")),
        actions));
    }
    if (!account.subscriptions.length) {
      subs.append(el("tr", {}, el("td", { class: "empty", colSpan: 5 }, "No subscriptions.")));
    }

    const pays = document.querySelector("#payments tbody");
    for (const p of account.payments) {
      const what = p.invoice
        ? el("span", {}, `${REASONS[p.billing_reason] ?? p.billing_reason}, invoice `, el("code", {}, p.invoice))
        : el("span", {}, "Onboarding workshop, order ", el("code", {}, p.payment_intent ?? p.charge));
      const refund = el("td");
      if (p.remaining_minor > 0) {
        const partial = el("form", { method: "post", action: "/account/refund" },
          el("input", { type: "hidden", name: "charge", value: p.charge }),
          el("input", { class: "amount", name: "amount", placeholder: "10.00", inputMode: "decimal", required: true, "data-role": "amount" }),
          el("button", { type: "submit", class: "small secondary", "data-role": "refund-part" }, "Refund part"));
        refund.append(partial, postForm("/account/refund", { charge: p.charge }, "Refund all", "small danger"));
      } else {
        refund.append(el("span", { class: "muted" }, "fully refunded"));
      }
      pays.append(el("tr", { "data-charge": p.charge, "data-invoice": p.invoice ?? "", "data-payment-intent": p.payment_intent ?? "" },
        el("td", {}, date(p.created)), el("td", {}, what),
        el("td", { class: "num" }, p.amount), el("td", { class: "num" }, p.refunded), refund));
    }
    if (!account.payments.length) {
      pays.append(el("tr", {}, el("td", { class: "empty", colSpan: 5 }, "No payments yet (a trial charges nothing).")));
    }
  }
}
