// Cookieless page-view beacon (contract 2): one notice per page load, none when the browser
// asks not to be tracked. The endpoint, site and language come from this script's tag.
(function () {
  "use strict";
  var s = document.currentScript, n = navigator;
  if (!s || !n.sendBeacon || n.doNotTrack === "1" || n.globalPrivacyControl === true) { return; }
  var d = s.dataset;
  n.sendBeacon(d.endpoint, JSON.stringify({ u: location.href, r: document.referrer, s: d.site, l: d.lang }));
})();
