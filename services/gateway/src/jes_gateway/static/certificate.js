// The card step of 憑證註冊 / 憑證登入: asks the local signing component (HiPKI 跨平台網頁元件
// on localhost) to sign the server's challenge, the way its popup protocol works: the
// popup asks this page for the package ({func: "getTbs"}) by postMessage, signs with the
// card after the PIN, and posts the answer ({func: "sign", ret_code, signature, certb64}).
// The PIN goes only into that package, to localhost; the form posts the signature.
(function () {
  "use strict";
  const form = document.getElementById("certificate-form");
  if (!form) return;
  const component = form.dataset.component;
  const componentOrigin = new URL(component).origin;
  const pin = document.getElementById("f-pin");
  const status = document.getElementById("certificate-status");
  const button = document.getElementById("certificate-next");
  const text = document.getElementById("challenge-text").value;
  let popup = null;
  let pkg = null;

  function fail(message) {
    status.textContent = message;
    pin.setAttribute("aria-invalid", "true");
    button.disabled = false;
    pin.focus();
  }

  window.addEventListener("message", (event) => {
    if (event.origin !== componentOrigin || pkg === null) return;  // only the component
    let answer;
    try { answer = JSON.parse(event.data); } catch (e) { return; }
    if (answer.func === "getTbs") {
      event.source.postMessage(pkg, componentOrigin);
    } else if (answer.func === "sign") {
      pkg = null;
      if (answer.ret_code !== 0) {
        fail(`憑證簽章失敗：${answer.last_error || "PIN 碼錯誤或憑證無法使用"}（錯誤碼 0x${Number(answer.ret_code).toString(16)}）`);
        return;
      }
      form.elements.signature.value = answer.signature;
      form.elements.certificate.value = answer.certb64 || "";
      status.textContent = "憑證簽章完成，驗證中…";
      form.submit();
    }
  });

  form.addEventListener("submit", (event) => {
    if (form.elements.signature.value) return;  // signed: let it go to the server
    event.preventDefault();
    if (!pin.value) { fail("請輸入 PIN 碼"); return; }
    button.disabled = true;
    status.textContent = "請稍候，正在以憑證簽章…";
    pin.removeAttribute("aria-invalid");
    pkg = JSON.stringify({
      func: "MakeSignature", signatureType: "PKCS7", tbs: text, tbsEncoding: "NONE",
      hashAlgorithm: "SHA256", withCardSN: "true", pin: pin.value, nonce: "",
    });
    popup = window.open(`${component}/popupForm`, "hipki-sign", "height=200,width=200,left=100,top=20");
    if (!popup) fail("無法開啟簽章視窗，請允許本網站開啟快顯視窗，並確認已安裝跨平台網頁元件");
  });
})();
