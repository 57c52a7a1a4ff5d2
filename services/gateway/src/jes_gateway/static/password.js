// The new-password fields: which of the policy's rules are met, and a small strength meter.
(function () {
  "use strict";
  const input = document.getElementById("f-new_password");
  const list = document.getElementById("password-rules");
  if (!input || !list) return;
  const rules = list.querySelectorAll("li");
  const symbols = list.dataset.symbols;
  const minLength = Number(list.dataset.minLength), maxLength = Number(list.dataset.maxLength);
  const fill = document.getElementById("strength-fill"), label = document.getElementById("strength-label");
  const escaped = symbols.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&");
  input.addEventListener("input", () => {
    const p = input.value;
    // the same four rules as the list, in its order
    const met = [p.length >= minLength && p.length <= maxLength, /[A-Z]/.test(p) && /[a-z]/.test(p),
                 /[0-9]/.test(p), new RegExp(`^[A-Za-z0-9${escaped}]*$`).test(p)];
    rules.forEach((li, i) => li.classList.toggle("met", p.length > 0 && met[i]));
    const kinds = [/[A-Z]/, /[a-z]/, /[0-9]/, new RegExp(`[${escaped}]`)].filter((r) => r.test(p)).length;
    const score = !p ? 0 : met.every(Boolean) ? Math.min(3, kinds - 2 + (p.length >= 12)) + 1 : 1;
    const names = ["—", "弱", "普通", "強", "很強"];
    fill.style.width = `${score * 25}%`;
    fill.dataset.score = score;
    label.textContent = `密碼強度：${names[score]}`;
  });
})();
