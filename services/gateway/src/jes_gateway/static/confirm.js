// Buttons with data-confirm ask before they submit (the text is an attribute, never code).
document.querySelectorAll("[data-confirm]").forEach((button) =>
  button.addEventListener("click", (event) => { if (!confirm(button.dataset.confirm)) event.preventDefault(); }));
