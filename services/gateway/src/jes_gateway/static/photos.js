// The firm's photo pages: confirmations before changes, and the drop zone that uploads
// many photos one after the other, each with its own progress bar and result.
(function () {
  "use strict";

  const csrfToken = document.querySelector('meta[name="csrf-token"]').content;

  // Forms with data-confirm ask first (delete, changes after printing, print = submit);
  // forms with data-busy show that the server is working (printing takes a while).
  // A file over the size limit is refused here, beside its field, before it is sent.
  function fileFits(input) {
    const file = input.files && input.files[0];
    const error = document.getElementById(input.getAttribute("aria-describedby"));
    const fits = !file || file.size <= Number(input.dataset.maxBytes);
    if (error) error.textContent = fits ? "" : input.dataset.tooLarge;
    if (fits) input.removeAttribute("aria-invalid");
    else input.setAttribute("aria-invalid", "true");
    return fits;
  }
  document.querySelectorAll("input[type=file][data-max-bytes]").forEach((input) => {
    input.addEventListener("change", () => fileFits(input));
  });

  document.addEventListener("submit", (event) => {
    const form = event.target;
    const file = form.querySelector("input[type=file][data-max-bytes]");
    if (file && !fileFits(file)) {
      event.preventDefault();
      file.focus();
      return;
    }
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    if (form.dataset.busy) {
      const button = event.submitter || form.querySelector("button[type=submit]");
      // After this event, so the clicked button's name and value are still sent.
      setTimeout(() => {
        form.querySelectorAll("button").forEach((b) => { b.disabled = true; });
        if (button) button.textContent = form.dataset.busy;
      }, 0);
    }
  });

  const zone = document.getElementById("dropzone");
  if (!zone) return;
  const fileInput = document.getElementById("file-input");
  const results = document.getElementById("upload-results");
  const defaults = document.getElementById("upload-defaults");
  defaults.addEventListener("submit", (event) => event.preventDefault());  // Enter sends nothing
  const maxBytes = Number(zone.dataset.maxBytes);
  const queue = [];
  let running = false;
  let lastPage = 1;

  zone.addEventListener("click", () => fileInput.click());
  zone.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      fileInput.click();
    }
  });
  fileInput.addEventListener("change", () => {
    enqueue(Array.from(fileInput.files));
    fileInput.value = "";
  });
  for (const type of ["dragenter", "dragover"]) {
    zone.addEventListener(type, (event) => {
      event.preventDefault();
      zone.classList.add("over");
    });
  }
  for (const type of ["dragleave", "drop"]) {
    zone.addEventListener(type, (event) => {
      event.preventDefault();
      zone.classList.remove("over");
    });
  }
  zone.addEventListener("drop", (event) => enqueue(Array.from(event.dataTransfer.files)));
  window.addEventListener("beforeunload", (event) => {
    if (running) event.preventDefault();  // leaving would stop the uploads still queued
  });

  function enqueue(files) {
    if (!files.length) return;
    if (zone.dataset.confirm && !window.confirm(zone.dataset.confirm)) return;
    // The batch keeps the fields chosen now, even if they are changed while it uploads.
    // As name/value pairs: 拍攝內容 (views) may be ticked more than once.
    const form = new FormData(defaults);
    const batch = { nextSequence: parseInt(form.get("sequence"), 10) || 0 };
    form.delete("sequence");
    batch.fields = Array.from(form.entries());
    for (const file of files) {
      const job = { file, batch, row: resultRow(file) };
      if (file.size > maxBytes) {
        finish(job, false, `檔案超過 ${Math.round(maxBytes / 1048576)} MB 上限`);
        continue;
      }
      queue.push(job);
    }
    if (!running) run();
  }

  function resultRow(file) {
    const row = document.createElement("li");
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = file.name;
    const bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", `${file.name} 上傳進度`);
    const state = document.createElement("span");
    state.className = "state";
    state.textContent = "等待上傳";
    row.append(name, bar, state);
    results.append(row);
    return row;
  }

  function finish(job, ok, text) {
    job.row.classList.add(ok ? "ok" : "error");
    const bar = job.row.querySelector("progress");
    if (ok) bar.value = 100;
    else bar.remove();
    job.row.querySelector(".state").textContent = text;
  }

  // One file at a time: the photos keep the order they were picked in, and each upload
  // sends the set version the previous one left.
  async function run() {
    running = true;
    let uploaded = 0;
    while (queue.length) {
      if (await send(queue.shift())) uploaded += 1;
    }
    running = false;
    if (uploaded) await refresh(lastPage);
  }

  function send(job) {
    return new Promise((resolve) => {
      const data = new FormData();
      for (const [name, value] of job.batch.fields) data.append(name, value);
      if (job.batch.nextSequence) data.append("sequence", job.batch.nextSequence);
      data.append("expected_version", zone.dataset.version);
      data.append("file", job.file);
      const xhr = new XMLHttpRequest();
      xhr.open("POST", zone.dataset.uploadUrl);
      xhr.setRequestHeader("X-CSRF-Token", csrfToken);
      xhr.setRequestHeader("Accept", "application/json");
      const bar = job.row.querySelector("progress");
      const state = job.row.querySelector(".state");
      state.textContent = "上傳中…";
      xhr.upload.onprogress = (event) => {
        if (!event.lengthComputable) return;
        bar.value = Math.round((event.loaded / event.total) * 100);
        if (event.loaded === event.total) state.textContent = "處理中…";
      };
      xhr.onload = () => {
        let reply = {};
        try { reply = JSON.parse(xhr.responseText); } catch (_) { /* not JSON: see status */ }
        if (xhr.status === 201) {
          zone.dataset.version = reply.version;
          if (reply.status !== "submitted") zone.dataset.confirm = "";  // asked once is enough
          lastPage = reply.last_page;
          if (job.batch.nextSequence) job.batch.nextSequence += 1;
          finish(job, true, `✓ 已上傳，序號 ${reply.photo.sequence}`);
          resolve(true);
        } else if (xhr.responseURL.includes("/login")) {
          finish(job, false, "登入已逾時，請重新登入後再上傳");  // the session ended meanwhile
          resolve(false);
        } else {
          const fields = reply.fields || {};
          const text = fields.content || fields.file || reply.error || `上傳失敗（${xhr.status}）`;
          finish(job, false, text);
          resolve(false);
        }
      };
      xhr.onerror = () => {
        finish(job, false, "網路連線中斷，請稍後再試");
        resolve(false);
      };
      xhr.send(data);
    });
  }

  // Show the new photos without reloading (which would clear the per-file results):
  // fetch the page where they are and swap in its list, header, checklist and prints.
  async function refresh(page) {
    const url = `${zone.dataset.pageUrl}?page=${page}`;
    const response = await fetch(url, { headers: { Accept: "text/html" } });
    if (!response.ok) return;
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    for (const part of fresh.querySelectorAll("[data-refresh][id]")) {
      const old = document.getElementById(part.id);
      if (old) old.replaceWith(document.importNode(part, true));
    }
    history.replaceState(null, "", url);
  }
})();
