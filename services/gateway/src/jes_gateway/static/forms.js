// Every page's forms: a form being sent cannot be sent again (a double tap on 確定送出 or
// 登入 sends it once), its buttons say so while the request is in flight, and an error
// summary at the top of a form gets the focus so keyboard and screen reader users start
// there. Forms that send themselves with fetch (they cancel the submit event) keep their
// own in-flight handling (apply.js, photos.js).
(function () {
  "use strict";
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || event.defaultPrevented) return;
    if (form.dataset.busy === "1") {
      event.preventDefault();
      return;
    }
    form.dataset.busy = "1";
    form.setAttribute("aria-busy", "true");
    // after the browser has taken the pressed button's name and value into the request
    setTimeout(() => {
      form.querySelectorAll("button[type=submit], button:not([type])").forEach((button) => {
        button.disabled = true;
      });
    }, 0);
  });
  // Back to a page from the history: its forms are usable again.
  window.addEventListener("pageshow", () => {
    document.querySelectorAll("form[data-busy='1']").forEach((form) => {
      delete form.dataset.busy;
      form.removeAttribute("aria-busy");
      form.querySelectorAll("button").forEach((button) => { button.disabled = false; });
    });
  });
  const summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
})();
