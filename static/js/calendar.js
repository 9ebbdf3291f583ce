// Drag a post to another day (or hour, in week view) to reschedule it. The server validates;
// on failure the card goes back where it was and the reason is shown. No build step.
(function () {
  const calendar = document.querySelector("[data-calendar]");
  if (!calendar) return;
  // Each profile's colour: set through the DOM, since the CSP blocks style="" attributes.
  for (const el of calendar.querySelectorAll("[data-colour]")) {
    if (!el.dataset.colour) continue;
    if (el.classList.contains("free-slot")) el.style.borderColor = el.dataset.colour;
    else el.style.borderLeftColor = el.dataset.colour;
  }
  const status = document.getElementById("calendar-status");
  const csrf = document.querySelector("[name=csrfmiddlewaretoken]").value;
  let dragged = null;

  calendar.addEventListener("dragstart", (event) => {
    const card = event.target.closest("[data-target]");
    if (!card) return;
    dragged = card;
    event.dataTransfer.setData("text/plain", card.dataset.target);
    event.dataTransfer.effectAllowed = "move";
  });
  calendar.addEventListener("dragover", (event) => {
    if (dragged && event.target.closest("[data-drop]")) event.preventDefault();
  });
  calendar.addEventListener("drop", async (event) => {
    const cell = event.target.closest("[data-drop]");
    if (!cell || !dragged) return;
    event.preventDefault();
    // The card moves with its Move… link (its .cal-item box).
    const card = dragged, item = card.closest(".cal-item") || card, home = item.parentElement;
    dragged = null;
    cell.querySelector(".cell-items").appendChild(item);
    const body = new URLSearchParams({target: card.dataset.target, date: cell.dataset.date,
                                      time: cell.dataset.time || card.dataset.time});
    const response = await fetch(calendar.dataset.moveUrl, {
      method: "POST", body, headers: {"X-CSRFToken": csrf, "HX-Request": "true"},
    });
    const message = await response.text();
    if (!response.ok) home.appendChild(item);  // undo
    status.textContent = message;
    status.className = response.ok ? "msg-success" : "msg-error";
  });
})();

// Keyboard rescheduling: "Move…" next to a card, or "m" on a focused card, opens a small form
// for a new local date and time. It posts like the Move… page does (the server answers with a
// message and the calendar on the new date), and the moved card gets the focus back.
(function () {
  const dialog = document.getElementById("move-dialog");
  if (!dialog) return;
  const form = dialog.querySelector("form[data-move-form]");
  const what = document.getElementById("move-what");
  const FOCUS_KEY = "socialdist:calendar-focus";

  function open(card) {
    form.action = card.dataset.moveUrl;
    form.elements.date.value = card.dataset.date;
    form.elements.time.value = card.dataset.time;
    const profile = card.querySelector(".profile-name");
    const caption = card.querySelector(".caption");
    what.textContent = `${caption ? caption.textContent : "This post"} on ${profile ? profile.textContent : "its profile"}, now ${card.dataset.date} ${card.dataset.time} (${dialog.dataset.tz}).`;
    dialog.returnFocus = card;
    dialog.showModal();
    form.elements.date.focus();
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-move-for]");
    if (!link) return;
    const card = document.querySelector(`[data-target="${link.dataset.moveFor}"][data-move-url]`);
    if (!card) return;  // no card to read from: the link's own page still works
    event.preventDefault();
    open(card);
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "m" || event.ctrlKey || event.metaKey || event.altKey) return;
    const card = event.target.closest && event.target.closest("[data-move-url]");
    if (!card) return;
    event.preventDefault();
    open(card);
  });
  dialog.querySelector("[data-move-cancel]").addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => {
    if (dialog.returnFocus && dialog.returnValue !== "moved") dialog.returnFocus.focus();
  });
  form.addEventListener("submit", () => {
    const card = dialog.returnFocus;
    if (card) sessionStorage.setItem(FOCUS_KEY, card.dataset.target);
  });

  const wanted = sessionStorage.getItem(FOCUS_KEY);
  if (wanted) {
    sessionStorage.removeItem(FOCUS_KEY);
    const card = document.querySelector(`[data-target="${wanted}"]`);
    if (card) card.focus();
  }
})();

// Week view: the hours scroll inside their box; start at the first hour with a post (else 08:00).
(function () {
  const box = document.querySelector("[data-week-scroll]");
  if (!box) return;
  if (document.activeElement && box.contains(document.activeElement)) return;
  const busy = box.querySelector(".hour .cal-item");
  const hour = busy ? busy.closest("[data-hour]").dataset.hour : "8";
  const label = box.querySelector(`.wk-hour[data-hour="${hour}"]`);
  const head = box.querySelector(".wk-day");
  if (label) box.scrollTop = label.offsetTop - (head ? head.offsetHeight : 0);
})();
