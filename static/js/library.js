// Media library upload with a progress bar. Without JavaScript the form posts normally.
(function () {
  for (const form of document.querySelectorAll("form[data-upload-progress]")) {
    const bar = form.querySelector("progress");
    const errors = form.querySelector("[data-upload-errors]");
    form.addEventListener("submit", (event) => {
      if (!window.FormData || !window.XMLHttpRequest) return;
      event.preventDefault();
      const button = form.querySelector("button");
      const xhr = new XMLHttpRequest();
      xhr.open("POST", form.action || location.href);
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      xhr.upload.addEventListener("progress", (e) => {
        if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
      });
      xhr.addEventListener("load", () => {
        let answer = {};
        try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = {}; }
        if (xhr.status < 400 && answer.redirect) { location.assign(answer.redirect); return; }
        errors.replaceChildren();
        for (const message of answer.errors || ["The upload failed (" + xhr.status + "); try again."]) {
          const item = document.createElement("li");
          item.textContent = message;
          errors.appendChild(item);
        }
        errors.hidden = false; bar.hidden = true; button.disabled = false;
      });
      xhr.addEventListener("error", () => {
        errors.replaceChildren(Object.assign(document.createElement("li"), {
          textContent: "The upload was interrupted; check the connection and try again.",
        }));
        errors.hidden = false; bar.hidden = true; button.disabled = false;
      });
      errors.hidden = true; bar.hidden = false; bar.value = 0; button.disabled = true;
      xhr.send(new FormData(form));
    });
  }
})();
