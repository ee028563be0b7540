// Saves each answer as it is given and counts down the server's deadline.
// Without this script the form still works: "Submit answers" posts every field.
(function () {
  "use strict";
  var bar = document.getElementById("attempt");
  var form = document.querySelector("[data-attempt-form]");
  if (!bar || !form) return;
  var saveUrl = bar.dataset.saveUrl;
  var savedLabel = document.querySelector("[data-saved]");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var lang = document.documentElement.lang;
  var words = lang === "en"
    ? { saved: "Last saved", saving: "Saving…", failed: "Not saved — check your connection", up: "Time is up",
        left: { 300: "5 minutes left", 60: "1 minute left" } }
    : { saved: "最近保存", saving: "正在保存…", failed: "未能保存，请检查网络", up: "时间到",
        left: { 300: "还剩5分钟", 60: "还剩1分钟" } };

  // Focus moved by Tab lands below both sticky bars (WCAG 2.4.11): the scroll padding is their height.
  var padToBar = function () {
    var top = parseFloat(window.getComputedStyle(bar).top) || 0;
    document.documentElement.style.scrollPaddingTop = (top + bar.offsetHeight + 16) + "px";
  };
  padToBar();
  if (window.ResizeObserver) new ResizeObserver(padToBar).observe(document.body);

  // Times are shown on the reader's clock, 24-hour, however the page was first rendered.
  function showSaved(iso) {
    var time = new Date(iso).toLocaleTimeString(lang, { hour12: false });
    savedLabel.textContent = words.saved + " " + time;
  }
  if (savedLabel.dataset.savedAt) showSaved(savedLabel.dataset.savedAt);

  function save(fieldset) {
    var data = new FormData();
    data.append("position", fieldset.dataset.position);
    fieldset.querySelectorAll("input, select, textarea").forEach(function (input) {
      if (input.form !== form) return;  // an essay's file chooser belongs to its own form
      if ((input.type === "radio" || input.type === "checkbox") && !input.checked) return;
      if (input.value !== "") data.append(input.name, input.value);
    });
    savedLabel.textContent = words.saving;
    return fetch(saveUrl, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (body) {
        if (response.ok) {
          showSaved(body.saved_at);
          fieldset.classList.add("is-saved");
        } else if (response.status === 409) {
          window.location.reload();  // submitted elsewhere or time is up: the server decides
        } else if (response.status !== 400) {
          savedLabel.textContent = words.failed;
        }
      });
    }).catch(function () { savedLabel.textContent = words.failed; });
  }

  form.addEventListener("change", function (event) {
    if (event.target.type === "file") { sendFile(event.target.form); return; }
    var fieldset = event.target.closest("fieldset[data-position]");
    if (!fieldset) return;
    // An ordering or matching question is saved once every item has a value.
    var type = fieldset.dataset.type;
    if ((type === "ordering" || type === "matching") &&
        Array.prototype.some.call(fieldset.querySelectorAll("select"), function (s) { return !s.value; })) return;
    save(fieldset);
  });

  // SQL labs: run the query on the lab's dataset and show the preview (the server decides what runs).
  form.addEventListener("click", function (event) {
    var button = event.target.closest("[data-run-url]");
    if (!button) return;
    var fieldset = button.closest("fieldset[data-position]");
    var output = fieldset.querySelector("[data-run-result]");
    var data = new FormData();
    data.append("position", fieldset.dataset.position);
    data.append("sql", fieldset.querySelector("textarea").value);
    output.textContent = "…";
    fetch(button.dataset.runUrl, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "Accept": "application/json" }
    }).then(function (response) { return response.json(); }).then(function (body) {
      output.textContent = "";
      if (body.error) { var p = document.createElement("p"); p.className = "error"; p.textContent = body.error; output.appendChild(p); return; }
      var meta = document.createElement("p");
      meta.className = "meta";
      meta.textContent = body.row_count + (lang === "en" ? " rows · " : " 行 · ") + body.elapsed_ms + " ms";
      var table = document.createElement("table");
      var head = table.createTHead().insertRow();
      body.columns.forEach(function (name) { var th = document.createElement("th"); th.textContent = name; head.appendChild(th); });
      var rows = table.createTBody();
      body.rows.forEach(function (row) {
        var tr = rows.insertRow();
        row.forEach(function (value) { tr.insertCell().textContent = value === null ? "NULL" : value; });
      });
      output.appendChild(meta);
      output.appendChild(table);
    }).catch(function () { output.textContent = words.failed; });
  });

  // Essay files: the forms after the answers' form upload and remove them; with this script a
  // chosen file is sent at once and the list changes in place. Without it the forms post and
  // the server sends the trainee back to the attempt.
  function filesOf(fileForm) {
    return document.querySelector("[data-attachments]#essay-" + fileForm.id.split("-")[1]);
  }

  function fileRequest(url, data, box) {
    var error = box.querySelector("[data-file-error]");
    error.textContent = "";
    return fetch(url, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "Accept": "application/json" }
    }).then(function (response) {
      if (response.status === 409) { window.location.reload(); return null; }
      return response.json().then(function (body) {
        if (!response.ok) { error.textContent = body.error || words.failed; return null; }
        return body;
      });
    }).catch(function () { error.textContent = words.failed; return null; });
  }

  function countFiles(box) {
    var count = box.querySelectorAll("[data-file]").length;
    box.querySelector("[data-file-add]").hidden = count >= Number(box.dataset.allowed);
    box.querySelector("[data-files-needed]").hidden = count >= Number(box.dataset.required);
  }

  function sendFile(fileForm) {
    var box = filesOf(fileForm);
    var chooser = box.querySelector("input[type=file]");
    var file = chooser.files[0];
    if (!file) return;
    if (file.size > Number(box.dataset.maxBytes)) {
      box.querySelector("[data-file-error]").textContent = box.dataset.tooLarge;
      chooser.value = "";
      return;
    }
    var data = new FormData(fileForm);
    chooser.disabled = true;
    fileRequest(fileForm.action, data, box).then(function (body) {
      chooser.disabled = false;
      chooser.value = "";
      if (!body) return;
      var item = document.createElement("li");
      item.setAttribute("data-file", "");
      var link = document.createElement("a");
      link.href = body.url;
      link.textContent = body.name;
      var size = document.createElement("span");
      size.className = "meta";
      size.textContent = body.size_label;
      var remove = document.createElement("button");
      remove.className = "link";
      remove.type = "submit";
      remove.setAttribute("form", fileForm.id + "-remove");
      remove.setAttribute("formaction", body.remove_url);
      remove.textContent = box.dataset.removeLabel;
      item.append(link, " ", size, " ", remove);
      box.querySelector("[data-file-list]").appendChild(item);
      countFiles(box);
    });
  }

  document.addEventListener("submit", function (event) {
    var fileForm = event.target.closest("[data-file-form]");
    if (!fileForm) return;
    event.preventDefault();
    var button = event.submitter;
    if (!button || !button.hasAttribute("formaction")) { sendFile(fileForm); return; }
    var box = filesOf(fileForm);
    button.disabled = true;
    fileRequest(button.getAttribute("formaction"), new FormData(fileForm), box).then(function (body) {
      button.disabled = false;
      if (!body) return;
      button.closest("[data-file]").remove();
      countFiles(box);
    });
  });
  document.querySelectorAll("[data-file-send]").forEach(function (button) { button.hidden = true; });

  // "Submit answers" asks first, naming the questions still unanswered; the dialog's own button
  // submits. (Without this script the form goes to the server's confirm step instead.)
  var dialog = form.querySelector("[data-confirm]");

  function answered(fieldset) {
    var inputs = Array.prototype.filter.call(fieldset.querySelectorAll("input, select, textarea"), function (input) {
      return input.form === form && input.type !== "file";
    });
    var type = fieldset.dataset.type;
    if (type === "ordering" || type === "matching") return inputs.every(function (input) { return input.value; });
    if (type === "essay") {  // the essay's template counts once the trainee has saved or changed it
      var text = inputs[0];
      return text.value.trim() !== "" && (fieldset.hasAttribute("data-answered") || text.value !== text.defaultValue);
    }
    return inputs.some(function (input) {
      return (input.type === "radio" || input.type === "checkbox") ? input.checked : input.value.trim() !== "";
    });
  }

  function ask() {
    var missing = Array.prototype.filter.call(form.querySelectorAll("fieldset[data-position]"), function (fieldset) {
      return !answered(fieldset);
    });
    var list = dialog.querySelector("[data-unanswered-list]");
    var links = dialog.querySelector("[data-question-links]").content;
    list.textContent = "";
    missing.forEach(function (fieldset, index) {
      if (index) list.append(list.dataset.separator);
      list.append(links.querySelector('[data-for="' + fieldset.dataset.position + '"]').cloneNode(true));
    });
    dialog.querySelector("[data-unanswered]").hidden = !missing.length;
    dialog.querySelector("[data-all-answered]").hidden = !!missing.length;
    dialog.showModal();
    // Enter on the first button must not submit a quiz with questions left out.
    dialog.querySelector(missing.length ? "[data-confirm-cancel]" : "[data-confirm-submit]").focus();
  }

  if (dialog && typeof dialog.showModal === "function") {
    dialog.querySelector("[data-confirm-cancel]").addEventListener("click", function () { dialog.close(); });
    dialog.addEventListener("click", function (event) {  // a question's link: close, then go there
      var link = event.target.closest("a[data-for]");
      if (!link) return;
      event.preventDefault();
      dialog.close();
      var fieldset = document.getElementById("q" + link.dataset.for);
      fieldset.scrollIntoView({ block: "start" });
      var first = fieldset.querySelector("input, select, textarea");
      if (first) first.focus({ preventScroll: true });
    });
  }

  form.addEventListener("submit", function (event) {
    if (event.submitter && event.submitter.hasAttribute("data-submit") && dialog && typeof dialog.showModal === "function") {
      event.preventDefault();
      ask();
      return;
    }
    var button = form.querySelector("[data-submit]");
    if (button) button.disabled = true;  // the server ignores a second submit anyway
  });

  var timer = document.querySelector("[data-timer]");
  if (bar.dataset.deadline && timer) {
    var deadline = new Date(bar.dataset.deadline).getTime();
    // Reload once the server's grace has passed too: it then grades with what was saved.
    var grace = Number(bar.dataset.grace || 30);
    // The countdown is silent; the alert speaks once as each threshold passes, and at the end.
    var alert = document.querySelector("[data-timer-alert]"), before = null;
    var tick = function () {
      var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      timer.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
      [300, 60].forEach(function (threshold) {
        if (alert && before !== null && before > threshold && left <= threshold) alert.textContent = words.left[threshold];
      });
      before = left;
      if (left === 0) {
        timer.textContent = words.up;
        if (alert) alert.textContent = words.up;
        window.setTimeout(function () { window.location.reload(); }, (grace + 1) * 1000);
        return;
      }
      window.setTimeout(tick, 1000);
    };
    tick();
  }
})();
