// sohoa: the dossier page's upload. Each file goes to the API on its own
// (XMLHttpRequest, for the progress bar), then its inspection and
// signature results are polled every second until both are in. Once every
// upload of the page has its results, the dossier's sections (what is
// missing, the files by component) are fetched again and put in place:
// the page's own HTML, parsed (scripts never run in a parsed document),
// not a reload. Without this script the form posts the files to the page
// and comes back.
(function () {
  "use strict";
  var form = document.getElementById("upload");
  if (!form || !window.XMLHttpRequest || !window.FormData) { return; }
  var list = document.getElementById("upload-list");
  var input = document.getElementById("u-file");
  var drop = document.getElementById("drop");
  var csrf = form.elements.csrf.value;
  var lang = document.documentElement.lang;
  // active counts the uploads still waiting for their results; stored
  // says one of them was stored since the sections were last fetched.
  var active = 0;
  var stored = false;
  var T = lang === "en" ?
    { ok: "Pass", warn: "Warning", fail: "Fail", valid: "Valid", invalid: "Invalid", unknown: "Indeterminate", none: "Not signed", failed: "Upload failed", report: "Report",
      s413: "the file is too large", s415: "not a PDF file", s403: "you may not upload here", s404: "dossier not found", s400: "the upload was refused" } :
    { ok: "Đạt", warn: "Cảnh báo", fail: "Không đạt", valid: "Hợp lệ", invalid: "Không hợp lệ", unknown: "Chưa xác định", none: "Không có chữ ký", failed: "Tải lên không thành công", report: "Báo cáo",
      s413: "tệp quá lớn", s415: "không phải tệp PDF", s403: "bạn không có quyền tải lên hồ sơ này", s404: "không tìm thấy hồ sơ", s400: "yêu cầu tải lên không hợp lệ" };

  function badge(cls, text) {
    var s = document.createElement("span");
    s.className = "badge " + cls;
    s.textContent = text;
    return s;
  }

  // scanBadge is the inspection's badge: scan quality, or for a signed
  // (born-digital) file a file check, as the dossier page says it.
  function scanBadge(ins, v) {
    var label = (v && v.signatures > 0 ? form.dataset.check : form.dataset.scan) + ": ";
    if (!ins) { return badge("badge-none", label + form.dataset.pending); }
    var m = { ok: ["badge-ok", T.ok], warn: ["badge-warn", T.warn] }[ins.outcome] || ["badge-bad", T.fail];
    return badge(m[0], label + m[1]);
  }

  function sigBadge(v) {
    var p = form.dataset.sig + ": ";
    if (!v) { return badge("badge-none", p + form.dataset.pending); }
    if (v.signatures === 0 || v.sub_indication === "NO_SIGNATURE") { return badge("badge-none", p + T.none); }
    if (v.indication === "TOTAL_PASSED") { return badge("badge-ok", p + T.valid); }
    if (v.indication === "TOTAL_FAILED") { return badge("badge-bad", p + T.invalid); }
    return badge("badge-warn", p + T.unknown);
  }

  // refresh puts the dossier's sections of a fresh copy of the page in
  // place of the old ones.
  function refresh() {
    var x = new XMLHttpRequest();
    x.open("GET", location.pathname + location.search);
    x.setRequestHeader("Accept", "text/html");
    x.responseType = "document";
    x.onload = function () {
      var fresh = x.status === 200 && x.responseXML && x.responseXML.getElementById("dossier-state");
      var old = document.getElementById("dossier-state");
      if (fresh && old) { old.parentNode.replaceChild(document.importNode(fresh, true), old); }
    };
    x.send();
  }

  // finish ends one upload's wait; the last one refreshes the sections.
  function finish() {
    active--;
    if (active === 0 && stored) {
      stored = false;
      refresh();
    }
  }

  // status shows a plain state (uploading, processing) in a row.
  function status(out, text) {
    out.textContent = "";
    out.appendChild(badge("badge-none", text));
  }

  function poll(id, li) {
    var x = new XMLHttpRequest();
    x.open("GET", "/api/v1/documents/" + id);
    x.setRequestHeader("Accept", "application/json");
    x.onload = function () {
      if (x.status !== 200) { finish(); return; }
      var st = JSON.parse(x.responseText);
      var out = li.querySelector(".result");
      out.textContent = "";
      out.appendChild(scanBadge(st.inspection, st.verification));
      out.appendChild(document.createTextNode(" "));
      out.appendChild(sigBadge(st.verification));
      if (st.error) { out.appendChild(document.createTextNode(" " + st.error)); }
      var done = st.inspection && st.verification && !st.pending;
      if (done || st.error) {
        var a = document.createElement("a");
        a.href = "/tai-lieu/" + id + "/bao-cao";
        a.textContent = T.report;
        out.appendChild(document.createTextNode(" "));
        out.appendChild(a);
        finish();
      } else {
        setTimeout(function () { poll(id, li); }, 1000);
      }
    };
    x.onerror = finish;
    x.send();
  }

  function send(file) {
    var li = document.createElement("li");
    var name = document.createElement("span");
    name.className = "fname";
    name.textContent = file.name;
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", file.name);
    var out = document.createElement("span");
    out.className = "result";
    status(out, form.dataset.uploading);
    li.appendChild(name);
    li.appendChild(bar);
    li.appendChild(out);
    list.appendChild(li);
    active++;

    var fd = new FormData();
    fd.append("role", form.elements.role.value);
    fd.append("component", form.elements.component.value);
    fd.append("file", file, file.name);
    var x = new XMLHttpRequest();
    x.open("POST", form.dataset.api);
    x.setRequestHeader("X-CSRF-Token", csrf);
    x.setRequestHeader("Accept", "application/json");
    x.upload.onprogress = function (e) {
      if (e.lengthComputable) { bar.value = Math.round(100 * e.loaded / e.total); }
    };
    x.onload = function () {
      var body = null;
      try { body = JSON.parse(x.responseText); } catch (ignore) { body = null; }
      if ((x.status === 200 || x.status === 202) && body && body.document) {
        bar.value = 100;
        stored = true;
        // Stored: the results come from the workers, soon.
        status(out, form.dataset.pending);
        poll(body.document.id, li);
      } else {
        // The API's messages are English: the reader gets the status in
        // the page's language.
        out.textContent = T.failed + ": " + (T["s" + x.status] || "HTTP " + x.status);
        out.className = "result error";
        finish();
      }
    };
    x.onerror = function () { out.textContent = T.failed; out.className = "result error"; finish(); };
    x.send(fd);
  }

  function sendAll(files) {
    for (var i = 0; i < files.length; i++) { send(files[i]); }
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    sendAll(input.files);
    input.value = "";
    input.dispatchEvent(new Event("change")); // the chosen files' line
  });
  ["dragenter", "dragover"].forEach(function (t) {
    drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (t) {
    drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.remove("over"); });
  });
  drop.addEventListener("drop", function (e) {
    if (e.dataTransfer && e.dataTransfer.files) { sendAll(e.dataTransfer.files); }
  });
}());
