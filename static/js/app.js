// Behaviour shared by every page (no inline handlers: the Content-Security-Policy forbids them).
(function () {
  // Account switcher: choosing an account opens it; without JavaScript the "Go" button does.
  for (const form of document.querySelectorAll("form[data-account-switch]")) {
    form.addEventListener("change", () => {
      location = "/a/" + encodeURIComponent(form.elements.a.value) + "/";
    });
  }
})();
