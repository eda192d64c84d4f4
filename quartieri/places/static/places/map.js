// Leaflet maps for the places pages. Data comes from the json_script element
// "places-map-data"; every map has a table alternative on the same page. The map
// container is focusable and Leaflet's keyboard controls (arrows, +/-) work on it.
(function () {
  "use strict";
  function init() {
    var el = document.getElementById("places-map");
    var dataEl = document.getElementById("places-map-data");
    if (!el || !dataEl || !window.L) { return; }
    var data = JSON.parse(dataEl.textContent);
    var map = L.map(el, { keyboard: true });
    L.tileLayer(data.tiles, {
      maxZoom: 19,
      attribution: "&copy; OpenStreetMap contributors"
    }).addTo(map);
    var bounds = L.latLngBounds([]);
    var layers = [];
    (data.neighbourhoods || []).forEach(function (n) {
      var layer = L.geoJSON(n.geometry, {
        style: { color: n.featured ? "#cc3300" : "#0066cc", weight: n.featured ? 3 : 1, fillOpacity: n.featured ? 0.25 : 0.05 }
      });
      layer.bindTooltip(n.name);
      if (n.url) { layer.on("click", function () { window.location.href = n.url; }); }
      layers.push(layer);
      if (n.featured || data.neighbourhoods.length === 1 || !(data.neighbourhoods || []).some(function (x) { return x.featured; })) {
        bounds.extend(layer.getBounds());
      }
    });
    (data.pois || []).forEach(function (p) {
      if (p.lat === null || p.lon === null) { return; }
      var marker;
      if (p.label) {
        marker = L.marker([p.lat, p.lon], {
          icon: L.divIcon({ className: "", html: '<span class="places-label">' + String(p.label).replace(/[<>&]/g, "") + "</span>" }),
          title: p.name, alt: p.name, keyboard: true
        });
      } else {
        marker = L.circleMarker([p.lat, p.lon], { radius: 5, color: p.odbl ? "#7a3e00" : "#004d99" });
      }
      marker.bindPopup(document.createTextNode(p.name + " — " + p.category + (p.odbl ? " (ODbL)" : "")));
      layers.push(marker);
      bounds.extend([p.lat, p.lon]);
    });
    if (data.route && data.route.length > 1) {
      var line = L.polyline(data.route, { color: "#cc3300", weight: 4 });
      layers.push(line);
      bounds.extend(line.getBounds());
    }
    // The view is set before any vector layer is added (Leaflet needs it to clip them).
    if (bounds.isValid()) { map.fitBounds(bounds, { padding: [20, 20] }); } else { map.setView([45.4642, 9.19], 12); }
    layers.forEach(function (layer) { layer.addTo(map); });
    if (data.pick) {
      var lat = document.getElementById("id_lat");
      var lon = document.getElementById("id_lon");
      var pin = null;
      map.on("click", function (e) {
        lat.value = e.latlng.lat.toFixed(6);
        lon.value = e.latlng.lng.toFixed(6);
        if (pin) { pin.setLatLng(e.latlng); } else { pin = L.marker(e.latlng).addTo(map); }
      });
    }
  }
  document.addEventListener("DOMContentLoaded", init);
})();
