// The new-password fields: which of identity's rules are already met, and a small strength
// meter. Two policies (identity's GetPasswordPolicy): "asvs-l2", the default, where length
// is what makes a password strong (whether it is common is for identity to say), and
// "seed", the seed portal's letters-digits-symbols rule.
(function () {
  "use strict";
  const input = document.getElementById("f-new_password");
  const list = document.getElementById("password-rules");
  if (!input || !list) return;
  const rules = list.querySelectorAll("li");
  const kind = list.dataset.kind || "seed";
  const symbols = list.dataset.symbols;
  const minLength = Number(list.dataset.minLength), maxLength = Number(list.dataset.maxLength);
  const fill = document.getElementById("strength-fill"), label = document.getElementById("strength-label");
  const escaped = symbols.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&");
  const names = ["—", "弱", "普通", "強", "很強"];

  function passphrase(p) {
    const length = Array.from(p).length;
    const fits = length >= minLength && length <= maxLength;
    // the length rule, "any character"; the common-password rule is identity's to judge
    const met = [fits, length > 0];
    const score = !p ? 0 : !fits ? 1 : length < 16 ? 2 : length < 20 ? 3 : 4;
    return { met, score };
  }

  function seed(p) {
    // the same four rules as the list, in its order
    const met = [p.length >= minLength && p.length <= maxLength, /[A-Z]/.test(p) && /[a-z]/.test(p),
                 /[0-9]/.test(p), new RegExp(`^[A-Za-z0-9${escaped}]*$`).test(p)];
    const kinds = [/[A-Z]/, /[a-z]/, /[0-9]/, new RegExp(`[${escaped}]`)].filter((r) => r.test(p)).length;
    const score = !p ? 0 : met.every(Boolean) ? Math.min(3, kinds - 2 + (p.length >= 12)) + 1 : 1;
    return { met, score };
  }

  input.addEventListener("input", () => {
    const p = input.value;
    const { met, score } = kind === "seed" ? seed(p) : passphrase(p);
    rules.forEach((li, i) => li.classList.toggle("met", p.length > 0 && Boolean(met[i])));
    fill.style.width = `${score * 25}%`;
    fill.dataset.score = score;
    label.textContent = `密碼強度：${names[score]}`;
  });
})();
