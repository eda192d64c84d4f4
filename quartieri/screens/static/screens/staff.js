// Staff pages of the city screens: the map of displays (Leaflet, tiles from the platform's
// MAP_TILE_URL; the same facts are in the page's table) and the playlist editor's
// drag and drop. The editor works without JavaScript (every Up/Down button saves); with
// it, Up/Down and dragging move the rows in place, focus stays on the moved row's button,
// a live region says where the row went, and Save keeps the order.
(function () {
  "use strict";

  function initMap() {
    var el = document.getElementById("screens-map");
    var dataEl = document.getElementById("screens-map-data");
    if (!el || !dataEl || !window.L) { return; }
    var data = JSON.parse(dataEl.textContent);
    var map = L.map(el, { keyboard: true });
    L.tileLayer(data.tiles, { maxZoom: 19, attribution: "&copy; OpenStreetMap contributors" }).addTo(map);
    var bounds = L.latLngBounds([]);
    data.displays.forEach(function (d) {
      var marker = L.marker([d.lat, d.lon], { title: d.name, alt: d.name, keyboard: true }).addTo(map);
      var link = document.createElement("a");
      link.href = d.url;
      link.textContent = d.name;
      marker.bindPopup(link);
      bounds.extend([d.lat, d.lon]);
    });
    if (bounds.isValid()) { map.fitBounds(bounds, { padding: [30, 30], maxZoom: 16 }); } else { map.setView([45.4642, 9.19], 11); }
  }

  function initEditor() {
    var list = document.getElementById("playlist-items");
    var status = document.getElementById("editor-status");
    var textsEl = document.getElementById("screens-editor-texts");
    if (!list || !status) { return; }
    var texts = textsEl ? JSON.parse(textsEl.textContent) : {};
    var dragged = null;

    function rows() { return Array.prototype.slice.call(list.querySelectorAll("li[draggable]")); }
    function announce(row) {
      var all = rows();
      var message = (texts.moved || "%(name)s: %(position)s / %(count)s")
        .replace("%(name)s", row.dataset.name)
        .replace("%(position)s", String(all.indexOf(row) + 1))
        .replace("%(count)s", String(all.length));
      status.textContent = message;
    }

    list.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-move]");
      // Enter in a seconds field "clicks" the form's first button: that one must submit.
      if (!button || document.activeElement !== button) { return; }
      event.preventDefault();
      var row = button.closest("li");
      if (button.dataset.move === "up" && row.previousElementSibling) {
        list.insertBefore(row, row.previousElementSibling);
      } else if (button.dataset.move === "down" && row.nextElementSibling) {
        list.insertBefore(row.nextElementSibling, row);
      }
      button.focus();
      announce(row);
    });

    list.addEventListener("dragstart", function (event) {
      dragged = event.target.closest("li[draggable]");
      if (!dragged) { return; }
      dragged.classList.add("is-dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", dragged.dataset.slide || "");
    });
    list.addEventListener("dragover", function (event) {
      var over = event.target.closest("li[draggable]");
      if (!dragged || !over || over === dragged) { return; }
      event.preventDefault();
      var box = over.getBoundingClientRect();
      var after = event.clientY > box.top + box.height / 2;
      list.insertBefore(dragged, after ? over.nextElementSibling : over);
    });
    list.addEventListener("drop", function (event) { if (dragged) { event.preventDefault(); } });
    list.addEventListener("dragend", function () {
      if (!dragged) { return; }
      dragged.classList.remove("is-dragging");
      announce(dragged);
      dragged = null;
    });
  }

  document.addEventListener("DOMContentLoaded", function () { initMap(); initEditor(); });
})();
