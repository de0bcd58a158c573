/* Clip upload straight to object storage: POST /contests/{c}/clips gives presigned part URLs; each
 * part is PUT with XMLHttpRequest (upload progress events), then POST /clips/{id}/complete with the
 * parts' ETags. The media service then probes the file; the list shows each clip's status.
 * A clip whose upload failed (still "Đang tải lên", not being sent from this page) gets "Tải lại"
 * (choose the file again: POST /clips/{id}/upload gives new part URLs) and "Xoá" (DELETE /clips/{id}). */
(function () {
  "use strict";
  var P = window.Portal, el = P.el;
  if (!P.requireRole(["organizer", "expert"])) return;
  var form = P.$("[data-upload]"), bar = P.$("[data-progress]"), barText = P.$("[data-progress-text]");
  var STATUS = { uploading: "Đang tải lên", processing: "Đang kiểm tra tệp", accepted: "Hợp lệ", rejected: "Bị từ chối" };
  var names = {};
  var sending = {};  // clip ids this page is sending right now: no retry or delete buttons for them

  function list(code) {
    var tbody = P.$("[data-clips]");
    P.api("/contests/" + encodeURIComponent(code) + "/clips").then(function (clips) {
      if (!clips.length) return P.emptyRow(tbody, 6, "Chưa có video clip nào.");
      P.fill(tbody, clips.map(function (c) {
        return el("tr", {}, el("td", {}, c.title), el("td", {}, names[c.unit_code] || c.unit_code),
          el("td", {}, el("span", { class: "chip " + c.status }, STATUS[c.status] || c.status), c.reject_reason ? el("div", { class: "hint" }, c.reject_reason) : null),
          el("td", { class: "num" }, c.duration_s == null ? "—" : Math.round(c.duration_s) + " giây"),
          el("td", { class: "num" }, c.score == null ? "—" : Number(c.score).toLocaleString("vi-VN")),
          el("td", {}, publishButton(c, code), retryButtons(c, code)));
      }));
      // Clips still being uploaded or probed change soon: look again.
      if (clips.some(function (c) { return c.status === "processing" || c.status === "uploading"; })) setTimeout(function () { list(code); }, 3000);
    }).catch(function (err) { P.emptyRow(tbody, 6, err.detail); });
  }

  /** Organizers put an accepted clip in the public gallery (or take it out). */
  function publishButton(clip, code) {
    if (clip.status !== "accepted" || P.Auth.role() !== "organizer") return null;
    var on = !!clip.published;
    return el("button", { type: "button", class: "button small", onclick: function (e) {
      e.target.disabled = true;
      P.api("/admin/clips/" + encodeURIComponent(clip.clip_id) + "/publish", { method: on ? "DELETE" : "POST" })
        .then(function () { list(code); }, function (err) { P.showError(P.$("[data-error]"), err); e.target.disabled = false; });
    } }, on ? "Gỡ khỏi thư viện" : "Công bố");
  }

  /** A clip left "uploading" by a failed or abandoned upload: send the file again, or delete it. */
  function retryButtons(clip, code) {
    if (clip.status !== "uploading" || sending[clip.clip_id]) return null;
    var errorBox = P.$("[data-error]");
    var retry = el("button", { type: "button", class: "button small", onclick: function () {
      var input = el("input", { type: "file", accept: "video/*", hidden: true });
      input.addEventListener("change", function () {
        var file = input.files[0];
        input.remove();
        if (!file) return;
        P.showError(errorBox, null);
        sending[clip.clip_id] = true;
        list(code);
        P.api("/clips/" + encodeURIComponent(clip.clip_id) + "/upload", { body: {
          filename: file.name, size_bytes: file.size, content_type: file.type || "video/mp4" } })
          .then(function (upload) { return send(upload, file); })
          .then(done, function (err) { P.showError(errorBox, err); barText.textContent = ""; bar.hidden = true; })
          .then(function () { delete sending[clip.clip_id]; list(code); });
      });
      document.body.appendChild(input);  // attached, so every browser opens the file dialog
      input.click();
    } }, "Tải lại");
    var remove = el("button", { type: "button", class: "button small", onclick: function (e) {
      if (!confirm("Xoá video clip \u201c" + clip.title + "\u201d chưa tải lên xong?")) return;
      e.target.disabled = true;
      P.showError(errorBox, null);
      P.api("/clips/" + encodeURIComponent(clip.clip_id), { method: "DELETE" })
        .then(function () { list(code); }, function (err) { P.showError(errorBox, err); e.target.disabled = false; });
    } }, "Xoá");
    return el("span", { class: "actions" }, retry, " ", remove);
  }

  /** Send `file` with the presigned parts of `clip` (from create or retry), then complete it. */
  function send(clip, file) {
    bar.hidden = false; bar.value = 0;
    barText.textContent = "Đang chuẩn bị…";
    var size = clip.upload.part_size, sent = {}, etags = [];
    function progress(n, loaded) {
      sent[n] = loaded;
      var total = Object.keys(sent).reduce(function (s, k) { return s + sent[k]; }, 0);
      bar.value = Math.round(100 * total / file.size);
      barText.textContent = "Đã tải lên " + bar.value + "%";
    }
    // Parts go one after another: steady progress, and a phone's link is not split four ways.
    return clip.upload.parts.reduce(function (chain, part) {
      return chain.then(function () {
        var start = (part.part_number - 1) * size;
        return putPart(part.url, file.slice(start, start + size), function (l) { progress(part.part_number, l); })
          .then(function (etag) { etags.push({ part_number: part.part_number, etag: etag }); });
      });
    }, Promise.resolve()).then(function () {
      return P.api("/clips/" + encodeURIComponent(clip.clip_id) + "/complete", { body: { parts: etags } });
    });
  }

  function done() {
    bar.value = 100;
    barText.textContent = "Đã tải lên xong. Hệ thống đang kiểm tra thời lượng và định dạng tệp.";
  }

  function putPart(url, blob, onProgress) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open("PUT", url);
      xhr.upload.onprogress = function (e) { if (e.lengthComputable) onProgress(e.loaded); };
      xhr.onload = function () {
        var etag = xhr.getResponseHeader("ETag");
        if (xhr.status >= 200 && xhr.status < 300 && etag) resolve(etag);
        else reject(new P.ApiError(xhr.status, "upload_failed", xhr.status >= 200 && xhr.status < 300
          ? "Kho lưu trữ không trả về mã ETag (cần cho phép đọc tiêu đề ETag trong cấu hình CORS)."
          : "Tải phần tệp lên kho lưu trữ thất bại (mã " + xhr.status + ")."));
      };
      xhr.onerror = function () { reject(new P.ApiError(0, "network", "Mất kết nối khi tải tệp lên kho lưu trữ.")); };
      xhr.send(blob);
    });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var formError = P.$("[data-form-error]", form);
    P.showError(formError, null);
    var f = form.elements, file = f.file.files[0];
    if (!file || !f.title.value.trim() || !f.unit_code.value) {
      P.showError(formError, { detail: "Vui lòng chọn đơn vị, nhập tên và chọn tệp video." });
      return;
    }
    var code = f.contest.value, button = form.querySelector("button[type=submit]");
    button.disabled = true;
    bar.hidden = false; bar.value = 0;
    barText.textContent = "Đang chuẩn bị…";
    P.api("/contests/" + encodeURIComponent(code) + "/clips", { body: {
      unit_code: f.unit_code.value, title: f.title.value.trim(), category: f.category.value,
      filename: file.name, size_bytes: file.size, content_type: file.type || "video/mp4" } })
      .then(function (clip) {
        sending[clip.clip_id] = true;
        return send(clip, file).then(function () { delete sending[clip.clip_id]; },
                                     function (err) { delete sending[clip.clip_id]; list(code); throw err; });
      })
      .then(function () {
        done();
        form.elements.title.value = "";
        form.elements.file.value = "";  // contest and unit stay chosen for the next clip
        list(code);
      })
      .catch(function (err) { P.showError(formError, err); barText.textContent = ""; bar.hidden = true; })
      .then(function () { button.disabled = false; });
  });

  P.api("/units").then(function (units) {
    units.sort(function (a, b) { return a.name.localeCompare(b.name, "vi"); });
    units.forEach(function (u) { names[u.code] = u.name; });
    P.fill(P.$("#v_unit"), units.map(function (u) { return el("option", { value: u.code }, u.name); }));
  }).then(function () {
    return P.contestSelects(list);
  }).then(function () { if (form.elements.contest.value) list(form.elements.contest.value); })
    .catch(function (err) { P.showError(P.$("[data-error]"), err); });
})();
