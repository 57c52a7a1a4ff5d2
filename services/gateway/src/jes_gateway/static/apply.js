// The home page's firm application form: sent to the API, its answer shown in place. While
// it is in flight the button is disabled and further submits are ignored, so a double tap
// sends one application and the success message stays (no empty form in red).
(function () {
  "use strict";
  const form = document.getElementById("apply-form");
  if (!form) return;
  const button = form.querySelector("button[type=submit]");
  let busy = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    busy = true;
    button.disabled = true;
    form.setAttribute("aria-busy", "true");
    const result = document.getElementById("apply-result");
    form.querySelectorAll(".field-error").forEach((e) => e.remove());
    form.querySelectorAll("[aria-invalid]").forEach((e) => e.removeAttribute("aria-invalid"));
    const body = Object.fromEntries(new FormData(form).entries());
    try {
      const response = await fetch("/api/v1/firm-applications", {
        method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body),
      });
      const reply = await response.json();
      result.className = response.ok ? "ok" : "error";
      result.textContent = response.ok ? reply.message : reply.error;
      for (const [field, message] of Object.entries(reply.fields || {})) {
        const input = form.querySelector(`[name="${field}"]`);
        if (!input) continue;
        const error = document.createElement("span");
        error.className = "field-error";
        error.id = `e-apply-${field}`;
        error.textContent = message;
        input.insertAdjacentElement("afterend", error);
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", error.id);
      }
      if (response.ok) form.reset();
    } catch (error) {
      result.className = "error";
      result.textContent = "網路連線失敗，請稍後再試";
    } finally {
      busy = false;
      button.disabled = false;
      form.removeAttribute("aria-busy");
    }
  });
})();
