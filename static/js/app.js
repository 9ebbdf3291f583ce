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
