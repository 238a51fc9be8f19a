// Loads the clicktrail browser kit on every page of the shop, and shows in the header which
// partner click id this visitor carries.
//
// The kit reads `?irclickid=` (or `?im_ref=`) from the landing URL, keeps it in the first-party
// cookie `impact_click_id`, and fills every `<input name="impact_ClickId">` on the page.

const badge = document.getElementById("click-id-badge");

function show(clickId) {
  if (!badge) return;
  badge.textContent = clickId ? `partner click id: ${clickId}` : "no partner click id";
  badge.classList.toggle("on", Boolean(clickId));
}

let kit = null;
try {
  kit = await import("/pkg/clicktrail_web.js");
  await kit.default();
  kit.init();
  show(kit.clickId());
} catch (error) {
  kit = null;
  console.warn("clicktrail browser kit not loaded (run `cargo xtask web`)", error);
  if (badge) badge.textContent = "browser kit not built: run cargo xtask web";
}

// "New visitor": forget the click id everywhere the kit keeps it (the kit's `revoke()` deletes
// the cookie and its localStorage mirror; the server forgets its side and this browser's
// customer), so the next subscription comes from nobody's link.
for (const form of document.querySelectorAll("form[data-new-visitor]")) {
  form.addEventListener("submit", () => {
    if (kit) {
      kit.revoke();
      return;
    }
    try {
      localStorage.removeItem("impact_click_id");
    } catch (_) {
      // storage blocked: nothing to forget there
    }
  });
}
