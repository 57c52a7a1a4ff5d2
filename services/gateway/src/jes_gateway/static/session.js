// The session's idle timeout, seen from the page (issue 10, journey 3):
// - 2 minutes before the session would end for want of activity, a dialog warns and
//   offers 「繼續使用」, which counts as activity (POST /session/extend). Before warning it
//   asks the server (GET /session/status, which is no activity): another tab may have
//   kept the session alive. When time runs out the page logs out and goes to the login
//   page, which brings the user back here.
// - What the user types into this page's forms is kept in this tab's sessionStorage, so
//   a re-login (after the timeout, or a form sent after the session ended) fills it in
//   again on the page it came from. Passwords, files and hidden fields are never kept.
//   Kept data lives only across that detour: any other page load forgets it.
(function () {
  "use strict";
  var body = document.body;
  var WARN_MS = 2 * 60 * 1000;
  var KEEP_PREFIX = "jes-form:";
  var RESTORE_FLAG = "jes-restore";
  var store = null;
  try { store = window.sessionStorage; } catch (e) { store = null; }

  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var loggedIn = body.hasAttribute("data-session-seconds-left");

  // -- keeping what was typed -------------------------------------------------------

  function keepableForms() {
    return Array.prototype.filter.call(document.forms, function (form) {
      return (form.method || "").toLowerCase() === "post" &&
        !form.hasAttribute("data-login") && !form.hasAttribute("data-no-keep") &&
        form.querySelector("input:not([type=hidden]), textarea, select");
    });
  }

  function formKey(form, index) {
    return KEEP_PREFIX + location.pathname + location.search + "|" +
      (form.getAttribute("action") || "") + "|" + index;
  }

  function keptField(element) {
    if (!element.name || element.name === "csrf_token" || element.disabled) { return false; }
    var type = (element.type || "").toLowerCase();
    return ["password", "hidden", "file", "submit", "button", "reset", "image"].indexOf(type) < 0;
  }

  function save(form, index) {
    if (!store) { return; }
    var values = [];
    Array.prototype.forEach.call(form.elements, function (element) {
      if (!keptField(element)) { return; }
      var type = (element.type || "").toLowerCase();
      if (type === "checkbox" || type === "radio") {
        values.push([element.name, element.value, element.checked]);
      } else {
        values.push([element.name, element.value]);
      }
    });
    try { store.setItem(formKey(form, index), JSON.stringify(values)); } catch (e) { /* full */ }
  }

  function restore(form, index) {
    var raw = store && store.getItem(formKey(form, index));
    if (!raw) { return false; }
    var values;
    try { values = JSON.parse(raw); } catch (e) { return false; }
    var byName = {};
    values.forEach(function (entry) { (byName[entry[0]] = byName[entry[0]] || []).push(entry); });
    Object.keys(byName).forEach(function (name) {
      var entries = byName[name];
      var elements = Array.prototype.filter.call(form.elements, function (element) {
        return element.name === name && keptField(element);
      });
      elements.forEach(function (element, position) {
        var type = (element.type || "").toLowerCase();
        if (type === "checkbox" || type === "radio") {
          entries.forEach(function (entry) {
            if (entry[1] === element.value) { element.checked = Boolean(entry[2]); }
          });
        } else if (entries[position]) {
          element.value = entries[position][1];
        }
      });
    });
    return true;
  }

  function forgetKept() {
    if (!store) { return; }
    for (var i = store.length - 1; i >= 0; i -= 1) {
      var key = store.key(i);
      if (key && key.indexOf(KEEP_PREFIX) === 0) { store.removeItem(key); }
    }
    store.removeItem(RESTORE_FLAG);
  }

  function saveAll() {
    keepableForms().forEach(save);
  }

  var loginForm = document.querySelector("form[data-login]");
  if (loginForm) {
    // back to a page after this login: fill its forms in again there
    if (store && /[?&]next=/.test(location.search)) { store.setItem(RESTORE_FLAG, "1"); }
  } else if (store && store.getItem(RESTORE_FLAG) && loggedIn) {
    var restored = false;
    keepableForms().forEach(function (form, index) {
      if (restore(form, index)) {
        restored = true;
        var note = document.createElement("p");
        note.className = "notice info-notice";
        note.setAttribute("role", "status");
        note.textContent = "已填回您重新登入前輸入的資料，請確認後再送出。";
        form.parentNode.insertBefore(note, form);
      }
    });
    forgetKept();
    if (restored) { saveAll(); }
  } else if (loggedIn) {
    forgetKept();
  }

  if (loggedIn) {
    keepableForms().forEach(function (form, index) {
      var keep = function () { save(form, index); };
      form.addEventListener("input", keep);
      form.addEventListener("change", keep);
      form.addEventListener("submit", keep);
    });
  }

  // -- the idle-timeout warning ---------------------------------------------------------

  var dialog = document.getElementById("session-warning");
  if (!loggedIn || !dialog) { return; }
  var countdown = dialog.querySelector("[data-countdown]");
  var extendButton = dialog.querySelector("[data-extend]");
  var endsAt = Date.now() + Number(body.getAttribute("data-session-seconds-left")) * 1000;
  var warnTimer = null;
  var tick = null;
  var before = null;

  function schedule() {
    clearTimeout(warnTimer);
    warnTimer = setTimeout(check, Math.max(endsAt - WARN_MS - Date.now(), 0));
  }

  function json(response) { return response.json(); }

  function check() {
    fetch(body.getAttribute("data-status-url"), {
      credentials: "same-origin", headers: { Accept: "application/json" }
    }).then(json).then(function (status) {
      if (!status.active) { expired(); return; }
      endsAt = Date.now() + status.seconds_left * 1000;
      if (endsAt - Date.now() > WARN_MS + 5000) { schedule(); } else { warn(); }
    }).catch(warn);
  }

  function showLeft() {
    var left = Math.max(0, Math.round((endsAt - Date.now()) / 1000));
    countdown.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
    if (left <= 0) { expired(); }
  }

  function warn() {
    if (!dialog.hidden) { return; }
    before = document.activeElement;
    dialog.hidden = false;
    showLeft();
    tick = setInterval(showLeft, 1000);
    extendButton.focus();
  }

  function close() {
    clearInterval(tick);
    dialog.hidden = true;
    if (before && before.focus) { before.focus(); }
  }

  function extend() {
    extendButton.disabled = true;
    fetch(body.getAttribute("data-extend-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRF-Token": csrf }
    }).then(json).then(function (status) {
      extendButton.disabled = false;
      if (!status.active) { expired(); return; }
      endsAt = Date.now() + status.seconds_left * 1000;
      close();
      schedule();
    }).catch(function () { extendButton.disabled = false; });
  }

  var leaving = false;
  function expired() {
    if (leaving) { return; }
    leaving = true;
    clearInterval(tick);
    saveAll();
    if (store) { store.setItem(RESTORE_FLAG, "1"); }
    var form = document.createElement("form");
    form.method = "post";
    form.action = body.getAttribute("data-expired-url");
    form.setAttribute("data-no-keep", "");
    [["csrf_token", csrf], ["next", location.pathname + location.search]].forEach(function (pair) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = pair[0];
      input.value = pair[1];
      form.appendChild(input);
    });
    document.body.appendChild(form);
    form.submit();
  }

  extendButton.addEventListener("click", extend);
  dialog.addEventListener("keydown", function (event) {
    if (event.key === "Tab") { event.preventDefault(); extendButton.focus(); } // the one control
  });
  schedule();
})();
