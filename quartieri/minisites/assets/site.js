// Mini-site behaviour, all on request: nothing here contacts another site until the
// visitor asks. A map button loads the self-hosted Leaflet, then tiles; an embed button
// replaces itself with the player's iframe. Without JavaScript the static map and links stay.
(function () {
  "use strict";
  function load(tag, attrs) {
    return new Promise(function (resolve, reject) {
      var el = document.createElement(tag);
      Object.keys(attrs).forEach(function (k) { el[k] = attrs[k]; });
      el.onload = resolve; el.onerror = reject;
      document.head.appendChild(el);
    });
  }
  function openMap(button) {
    var box = document.querySelector("[data-map]");
    if (!box) { return; }
    var base = box.dataset.leaflet;
    button.disabled = true;
    Promise.all([
      load("link", { rel: "stylesheet", href: base + "leaflet.css" }),
      load("script", { src: base + "leaflet.js" }),
      fetch(box.dataset.map).then(function (r) { return r.json(); })
    ]).then(function (done) {
      box.hidden = false;
      var map = window.L.map(box, { keyboard: true });
      window.L.tileLayer(box.dataset.tiles, { maxZoom: 19, attribution: box.dataset.attribution }).addTo(map);
      var layer = window.L.geoJSON(done[2], {
        onEachFeature: function (f, l) { if (f.properties && f.properties.name) { l.bindPopup(document.createTextNode(f.properties.name)); } }
      }).addTo(map);
      map.fitBounds(layer.getBounds(), { padding: [20, 20] });
      button.hidden = true;
      box.setAttribute("tabindex", "0");
      box.focus();
    }).catch(function () { button.disabled = false; });
  }
  function openEmbed(box) {
    var frame = document.createElement("iframe");
    frame.src = box.dataset.embed;
    frame.title = box.dataset.title;
    frame.loading = "lazy";
    frame.className = "site-embed-frame";
    frame.setAttribute("allow", "encrypted-media");
    box.replaceChildren(frame);
  }
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-map-open], [data-embed] button");
    if (!target) { return; }
    if (target.hasAttribute("data-map-open")) { openMap(target); } else { openEmbed(target.closest("[data-embed]")); }
  });
})();
