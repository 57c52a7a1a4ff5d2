// The home page's firm application form: sent to the API, its answer shown in place.
(function () {
  "use strict";
  const form = document.getElementById("apply-form");
  if (!form) return;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const result = document.getElementById("apply-result");
    form.querySelectorAll(".field-error").forEach((e) => e.remove());
    const body = Object.fromEntries(new FormData(form).entries());
    const response = await fetch("/api/v1/firm-applications", {
      method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body),
    });
    const reply = await response.json();
    result.className = response.ok ? "ok" : "error";
    result.textContent = response.ok ? reply.message : reply.error;
    for (const [field, message] of Object.entries(reply.fields || {})) {
      const input = form.querySelector(`[name="${field}"]`);
      if (input) input.insertAdjacentHTML("afterend", `<span class="field-error"></span>`),
        input.nextElementSibling.textContent = message;
    }
    if (response.ok) form.reset();
  });
})();
