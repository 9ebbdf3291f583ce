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
    const card = dragged, home = card.parentElement;
    dragged = null;
    cell.querySelector(".cell-items").appendChild(card);
    const body = new URLSearchParams({target: card.dataset.target, date: cell.dataset.date,
                                      time: cell.dataset.time || card.dataset.time});
    const response = await fetch(calendar.dataset.moveUrl, {
      method: "POST", body, headers: {"X-CSRFToken": csrf, "HX-Request": "true"},
    });
    const message = await response.text();
    if (!response.ok) home.appendChild(card);  // undo
    status.textContent = message;
    status.className = response.ok ? "msg-success" : "msg-error";
  });
})();
