// Drag and drop on the editorial calendar: an enhancement of the per-entry reschedule form,
// which stays the keyboard way. A dropped entry keeps its wall-clock time and is posted to
// the same endpoint as the form; the server (variant_schedule) decides, and on a refusal
// its reason is shown and the entry stays where it was.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && meta.content) { return meta.content; }
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function say(feedback, kind, lines) {
    feedback.replaceChildren();
    var box = document.createElement("div");
    box.className = "alert alert-" + kind;
    box.setAttribute("role", kind === "danger" ? "alert" : "status");
    lines.forEach(function (line) {
      var paragraph = document.createElement("p");
      paragraph.className = "mb-0";
      paragraph.textContent = line;
      box.appendChild(paragraph);
    });
    feedback.appendChild(box);
  }

  function updateEntry(entry, reply) {
    entry.dataset.time = reply.time;
    var time = entry.querySelector("time");
    if (time) { time.setAttribute("datetime", reply.datetime); }
    var date = entry.querySelector('input[name="date"]');
    if (date) { date.value = reply.day; }
  }

  function move(calendar, feedback, entry, cell) {
    var body = new FormData();
    body.append("date", cell.dataset.day);
    body.append("time", entry.dataset.time);
    say(feedback, "info", [calendar.dataset.movingText]);
    fetch(entry.dataset.rescheduleUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" }
    }).then(function (response) {
      return response.json().catch(function () {
        // A 403 from the role check answers with a page, not JSON.
        var text = response.status === 403 ? calendar.dataset.deniedText : calendar.dataset.refusedText;
        return { ok: false, errors: [text] };
      });
    }).then(function (reply) {
      if (!reply.ok) {
        say(feedback, "danger", reply.errors || [calendar.dataset.refusedText]);
        return;
      }
      var list = cell.querySelector(".cal-entries");
      var empty = list.querySelector(".cal-empty");
      if (empty) { empty.remove(); }
      list.appendChild(entry);
      updateEntry(entry, reply);
      say(feedback, "success", reply.warning ? [reply.message, reply.warning] : [reply.message]);
    }).catch(function () {
      say(feedback, "danger", [calendar.dataset.refusedText]);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var calendar = document.getElementById("calendar");
    var feedback = document.getElementById("calendar-feedback");
    if (!calendar || !feedback) { return; }
    var dragged = null;

    calendar.querySelectorAll(".cal-entry[data-reschedule-url]").forEach(function (entry) {
      entry.setAttribute("draggable", "true");
      entry.addEventListener("dragstart", function (event) {
        dragged = entry;
        entry.classList.add("cal-dragging");
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", entry.dataset.variant);
      });
      entry.addEventListener("dragend", function () {
        entry.classList.remove("cal-dragging");
        dragged = null;
      });
    });

    calendar.querySelectorAll("td[data-day]").forEach(function (cell) {
      cell.addEventListener("dragover", function (event) {
        if (!dragged) { return; }
        event.preventDefault();
        cell.classList.add("cal-drop-target");
      });
      cell.addEventListener("dragleave", function () { cell.classList.remove("cal-drop-target"); });
      cell.addEventListener("drop", function (event) {
        event.preventDefault();
        cell.classList.remove("cal-drop-target");
        var entry = dragged;
        dragged = null;
        if (!entry || entry.closest("td[data-day]") === cell) { return; }
        move(calendar, feedback, entry, cell);
      });
    });
  });
})();
