// A <select data-autosubmit> sends its form when it changes (the admin's court filter).
document.querySelectorAll("select[data-autosubmit]").forEach((select) =>
  select.addEventListener("change", () => select.form.submit()));
