// Drag and drop on the editorial calendar: an enhancement of the per-entry reschedule form,
// which stays the keyboard way. A dropped entry keeps its wall-clock time and is posted with
// HTMX to the same endpoint as the form; the server (variant_schedule) decides. Its answer is
// the message for the feedback area; on success it also sends a "calendar-moved" event (the
// HX-Trigger header) with the new day and time, and only then does the entry move.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && meta.content) { return meta.content; }
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function say(feedback, kind, text) {
    var box = document.createElement("div");
    box.className = "alert alert-" + kind;
    box.setAttribute("role", kind === "danger" ? "alert" : "status");
    var paragraph = document.createElement("p");
    paragraph.className = "mb-0";
    paragraph.textContent = text;
    box.appendChild(paragraph);
    feedback.replaceChildren(box);
  }

  function place(calendar, detail) {
    var entry = document.getElementById("entry-" + detail.variant);
    var cell = calendar.querySelector('td[data-day="' + detail.day + '"]');
    if (!entry || !cell) { return; }
    var list = cell.querySelector(".cal-entries");
    var empty = list.querySelector(".cal-empty");
    if (empty) { empty.remove(); }
    list.appendChild(entry);
    entry.dataset.time = detail.time;
    var time = entry.querySelector("time");
    if (time) { time.setAttribute("datetime", detail.datetime); }
    var date = entry.querySelector('input[name="date"]');
    if (date) { date.value = detail.day; }
  }

  function move(calendar, feedback, entry, cell) {
    say(feedback, "info", calendar.dataset.movingText);
    window.htmx.ajax("POST", entry.dataset.rescheduleUrl, {
      source: entry,
      target: feedback,
      swap: "innerHTML",
      values: { date: cell.dataset.day, time: entry.dataset.time },
      headers: { "X-CSRFToken": csrfToken() }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var calendar = document.getElementById("calendar");
    var feedback = document.getElementById("calendar-feedback");
    if (!calendar || !feedback || !window.htmx) { return; }
    var dragged = null;

    document.body.addEventListener("calendar-moved", function (event) { place(calendar, event.detail); });
    document.body.addEventListener("htmx:sendError", function () {
      say(feedback, "danger", calendar.dataset.refusedText);
    });

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
