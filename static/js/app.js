// Behaviour shared by every page (no inline handlers: the Content-Security-Policy forbids them).
(function () {
  // Account switcher: choosing an account opens it; without JavaScript the "Go" button does.
  for (const form of document.querySelectorAll("form[data-account-switch]")) {
    form.addEventListener("change", () => {
      location = "/a/" + encodeURIComponent(form.elements.a.value) + "/";
    });
  }

  // Destructive buttons (bulk cancel, disconnect): one click after the browser's own dialog.
  // The button's form then carries confirmed=1; without JavaScript the server shows a
  // confirmation page instead, so nothing here is needed for the action to be confirmed.
  for (const button of document.querySelectorAll("button[data-confirm]")) {
    button.addEventListener("click", (event) => {
      if (!window.confirm(button.dataset.confirm)) {
        event.preventDefault();
        return;
      }
      let input = button.form.querySelector("input[name=confirmed]");
      if (!input) {
        input = document.createElement("input");
        input.type = "hidden";
        input.name = "confirmed";
        button.form.appendChild(input);
      }
      input.value = "1";
    });
  }
})();

// Composer: a network's own fields show when "Customise for <network>" is on; turning it on the
// first time starts from the post's caption. Without JavaScript every field stays visible.
(function () {
  for (const card of document.querySelectorAll("fieldset.network[data-network]")) {
    const slug = card.dataset.network;
    const toggle = card.querySelector(`input[name="${slug}_customise"]`);
    const caption = card.querySelector(`textarea[name="${slug}_caption"]`);
    const base = document.getElementById("id_caption");
    if (!toggle) continue;
    const sync = () => card.classList.toggle("is-base", !toggle.checked);
    toggle.addEventListener("change", () => {
      if (toggle.checked && caption && !caption.value && base) caption.value = base.value;
      sync();
    });
    sync();
  }
})();

// Composer media: move chosen items with the buttons (keyboard) or by dragging; the order of
// the checkboxes in the page is the post's order. Without JavaScript the buttons post the form
// and the server moves the item. Uploads picked here go to the library at once (htmx), with a
// progress bar, and the file input is cleared so the form does not send them twice.
(function () {
  const list = document.getElementById("media-choices");
  if (!list) return;
  const changed = () => document.body.dispatchEvent(new CustomEvent("media-reordered"));
  list.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-move]");
    if (!button) return;
    event.preventDefault();
    const row = button.closest("li");
    if (button.dataset.move === "up" && row.previousElementSibling) {
      row.parentNode.insertBefore(row, row.previousElementSibling);
    } else if (button.dataset.move === "down" && row.nextElementSibling) {
      row.parentNode.insertBefore(row.nextElementSibling, row);
    }
    button.focus();
    changed();
  });
  let dragged = null;
  list.addEventListener("dragstart", (event) => {
    dragged = event.target.closest("li");
    if (dragged) dragged.classList.add("is-dragging");
  });
  list.addEventListener("dragend", () => {
    if (dragged) dragged.classList.remove("is-dragging");
    dragged = null;
    changed();
  });
  list.addEventListener("dragover", (event) => {
    const over = event.target.closest("li");
    if (!dragged || !over || over === dragged) return;
    event.preventDefault();
    const after = event.clientY > over.getBoundingClientRect().top + over.offsetHeight / 2;
    over.parentNode.insertBefore(dragged, after ? over.nextSibling : over);
  });
  const input = document.querySelector("input[data-instant-upload]");
  const progress = document.querySelector(".upload-progress");
  if (!input || !progress) return;
  input.addEventListener("htmx:xhr:progress", (event) => {
    if (!event.detail.lengthComputable) return;
    progress.hidden = false;
    progress.value = Math.round((event.detail.loaded / event.detail.total) * 100);
  });
  input.addEventListener("htmx:afterRequest", () => {
    progress.hidden = true;
    progress.value = 0;
    input.value = "";
  });
})();

// Time-zone boxes (list="timezone-names"): offer this browser's own zone in one click; where the
// account is still on the default (UTC, data-timezone-browser) fill it in and say so. Saving is
// always the person's choice: nothing is sent until they press Save.
(function () {
  let browserZone = "";
  try {
    browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (error) {
    return;
  }
  if (!browserZone) return;
  for (const input of document.querySelectorAll("input[list=timezone-names]")) {
    if (input.disabled || input.value === browserZone) continue;
    const hint = document.createElement("div");
    hint.className = "timezone-hint";
    const note = document.createElement("span");
    note.className = "muted";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "btn secondary small";
    button.textContent = `Use this browser's zone (${browserZone})`;
    button.addEventListener("click", () => {
      input.value = browserZone;
      note.textContent = `${browserZone} filled in; save to keep it.`;
      button.hidden = true;
      input.focus();
    });
    hint.append(button, note);
    input.insertAdjacentElement("afterend", hint);
    if ("timezoneBrowser" in input.dataset && input.value === "UTC" && browserZone !== "UTC") {
      input.value = browserZone;
      note.textContent = `Filled in from this browser (the account was on UTC); save to keep it, or type UTC.`;
      button.hidden = true;
    }
  }
})();
