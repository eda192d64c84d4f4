// Service worker of one screens player (quartieri.screens), served at the player's own
// path so that its scope is that player. It keeps the player's page, script and style in
// the Cache API and answers them from there when the network is down, so a reload without
// network still starts the player; the player itself keeps its manifest and slide files.
// Everything else goes to the network untouched.
"use strict";
var CONFIG = {{ config|safe }};
var SHELL = CONFIG.prefix + ":shell:" + CONFIG.version;
var shell = {};
CONFIG.shell.forEach(function (path) { shell[new URL(path, self.location.origin).href] = true; });

function forget() {
  // The caches and the buffered plays (IndexedDB, named like the caches) of this player.
  indexedDB.deleteDatabase(CONFIG.prefix);
  caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) { return name.indexOf(CONFIG.prefix) === 0; })
      .map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.registration.unregister(); });
}

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(function (cache) {
    return cache.addAll(CONFIG.shell);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf(CONFIG.prefix + ":shell:") === 0 && name !== SHELL;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = request.url.split("#")[0];
  if (request.method !== "GET" || !(shell[url] || request.mode === "navigate")) { return; }
  event.respondWith(fetch(request).then(function (response) {
    if (response.ok) {
      var copy = response.clone();
      caches.open(SHELL).then(function (cache) { cache.put(request, copy); });
    } else if (response.status === 404 && request.mode === "navigate") {
      forget();  // the token was rotated or revoked: nothing of this player may play again
    }
    return response;
  }).catch(function () {
    return caches.open(SHELL).then(function (cache) {
      return cache.match(request, { ignoreSearch: true });
    }).then(function (hit) { return hit || Response.error(); });
  }));
});
