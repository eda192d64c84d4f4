// The city screens player (quartieri.screens): plays its display's schedule full screen,
// from its own cache, whether or not the network is there.
//
// - The manifest (timeline + files) is polled every `poll` seconds with If-None-Match; a
//   new one is adopted after its files are fetched into the Cache API, and kept there, so
//   a reload without network starts from it (the service worker serves this page itself).
// - Slides are shown from blob: URLs read back from the cache: nothing is asked of the
//   network while playing.
// - Every play (slide, from, to) goes to IndexedDB first and is sent in batches every
//   `report` seconds; a batch leaves IndexedDB only once the platform has answered for it.
//   Each play has its own id, so a batch sent twice is stored once.
// - A 404 on the manifest means the token was rotated or revoked: the player forgets
//   everything it holds and shows nothing.
// - When nothing is scheduled, or a slide cannot be shown, it falls back to the default
//   slide, or to a black screen when there is none.
(function () {
  "use strict";
  var stage = document.getElementById("stage");
  if (!stage) { return; }
  var VERSION = stage.dataset.version || "";
  var manifestUrl = new URL(stage.dataset.manifest, location.href).href;
  var playsUrl = new URL(stage.dataset.plays, location.href).href;
  var prefix = "screens:" + location.pathname; // caches and database of this player only
  var FILES = prefix + ":files";
  var STATE = prefix + ":state";
  var DEFAULT_SECONDS = 10;
  var BATCH = 200;

  var manifest = null;
  var etag = "";
  var ready = {}; // slide id -> {url: blob URL, kind, alt}
  var current = null; // {slide, started, until, key, position}
  var timers = [];
  var retired = false;
  var reporting = false;
  var refreshing = null;

  // --- Proof of play, buffered in IndexedDB ------------------------------------------------
  var dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var open = indexedDB.open(prefix, 1);
        open.onupgradeneeded = function () { open.result.createObjectStore("plays", { keyPath: "id" }); };
        open.onsuccess = function () { resolve(open.result); };
        open.onerror = function () { reject(open.error); };
      });
    }
    return dbPromise;
  }
  function store(mode, work) {
    return db().then(function (database) {
      return new Promise(function (resolve, reject) {
        var tx = database.transaction("plays", mode);
        var result = work(tx.objectStore("plays"));
        tx.oncomplete = function () { resolve(result.value); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }
  function playAdd(play) {
    return store("readwrite", function (plays) { plays.put(play); return {}; });
  }
  function playsTake(limit) {
    return store("readonly", function (plays) {
      var out = { value: [] };
      plays.openCursor().onsuccess = function (event) {
        var cursor = event.target.result;
        if (cursor && out.value.length < limit) { out.value.push(cursor.value); cursor.continue(); }
      };
      return out;
    });
  }
  function playsForget(ids) {
    return store("readwrite", function (plays) { ids.forEach(function (id) { plays.delete(id); }); return {}; });
  }
  function newId() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }

  // --- Showing ------------------------------------------------------------------------------
  function show(slideId) {
    var entry = ready[String(slideId)];
    if (!entry) { return false; }
    var element;
    if (entry.kind === "video") {
      element = document.createElement("video");
      element.muted = true;
      element.autoplay = true;
      element.loop = true;
      element.playsInline = true;
      element.setAttribute("aria-label", entry.alt);
    } else {
      element = document.createElement("img");
      element.alt = entry.alt;
    }
    element.src = entry.url;
    stage.replaceChildren(element);
    stage.dataset.slide = String(slideId);
    return true;
  }
  function blank() {
    stage.replaceChildren();
    stage.dataset.slide = "";
  }

  function segmentAt(now) {
    if (!manifest) { return null; }
    for (var i = 0; i < manifest.timeline.length; i++) {
      var segment = manifest.timeline[i];
      if (segment.from <= now && now < segment.to && segment.items.length) { return segment; }
    }
    return null;
  }
  function keyOf(segment) {
    // What is playing changes when the list, a slide's file or the revision (push) does.
    if (!segment) {
      var fallback = manifest && manifest.default ? manifest.slides[String(manifest.default)] : null;
      return (manifest ? manifest.revision : "") + ":default:" + (fallback ? fallback.url : "");
    }
    var files = segment.items.map(function (item) {
      var entry = manifest.slides[String(item[0])];
      return entry ? entry.url : "";
    });
    return manifest.revision + ":" + JSON.stringify(segment.items) + JSON.stringify(files);
  }

  function start(segment, key, position, now) {
    if (segment) {
      for (var attempt = 0; attempt < segment.items.length; attempt++) {
        var index = (position + attempt) % segment.items.length;
        var item = segment.items[index];
        if (show(item[0])) {
          // A slide never runs past its segment: the next schedule starts on time.
          current = { slide: item[0], started: now, until: Math.min(now + item[1] * 1000, segment.to), key: key, position: index };
          return;
        }
      }
    }
    var fallback = manifest && manifest.default;
    if (fallback && show(fallback)) {
      current = { slide: fallback, started: now, until: now + DEFAULT_SECONDS * 1000, key: key, position: 0 };
      return;
    }
    blank();
    current = { slide: null, started: now, until: now + DEFAULT_SECONDS * 1000, key: key, position: 0 };
  }

  function finish(now) {
    if (current && current.slide !== null && now > current.started) {
      playAdd({
        id: newId(),
        slide: current.slide,
        from: new Date(current.started).toISOString(),
        to: new Date(now).toISOString()
      });
    }
  }

  function tick() {
    if (retired) { return; }
    var now = Date.now();
    var segment = segmentAt(now);
    var key = keyOf(segment);
    if (!current) { start(segment, key, 0, now); return; }
    if (key !== current.key) { finish(now); start(segment, key, 0, now); return; }
    if (now >= current.until) { finish(now); start(segment, key, current.position + 1, now); }
  }

  // --- Manifest and files -----------------------------------------------------------------
  function fileUrl(entry) { return new URL(entry.url, manifestUrl).href; }

  function fetchFiles(next) {
    return caches.open(FILES).then(function (cache) {
      return Promise.all(Object.keys(next.slides).map(function (id) {
        var url = fileUrl(next.slides[id]);
        return cache.match(url).then(function (hit) {
          if (hit) { return; }
          return fetch(url, { cache: "no-store" }).then(function (response) {
            if (response.ok) { return cache.put(url, response); }
          }).catch(function () { /* offline: tried again at the next poll */ });
        });
      }));
    });
  }

  function prepare(next) {
    // Blob URLs for every file of the manifest that is in the cache (an unchanged file keeps
    // the one it has); the others are skipped when their turn comes.
    return caches.open(FILES).then(function (cache) {
      var prepared = {};
      return Promise.all(Object.keys(next.slides).map(function (id) {
        var entry = next.slides[id];
        var file = fileUrl(entry);
        var known = ready[id];
        if (known && known.file === file) { prepared[id] = known; return null; }
        return cache.match(file).then(function (hit) {
          return hit ? hit.blob() : null;
        }).then(function (blob) {
          if (blob) { prepared[id] = { url: URL.createObjectURL(blob), file: file, kind: entry.kind, alt: entry.alt || "" }; }
        });
      })).then(function () { return prepared; });
    });
  }

  function adopt(next, tag) {
    return prepare(next).then(function (prepared) {
      var kept = {};
      Object.keys(prepared).forEach(function (id) { kept[prepared[id].url] = true; });
      var dropped = Object.keys(ready).map(function (id) { return ready[id].url; }).filter(function (url) { return !kept[url]; });
      manifest = next;
      etag = tag;
      ready = prepared;
      restartTimers();
      tick();  // a changed file changes what is playing: the old one leaves the screen now
      dropped.forEach(function (url) { URL.revokeObjectURL(url); });
    });
  }

  function prune(next) {
    var keep = {};
    Object.keys(next.slides).forEach(function (id) { keep[fileUrl(next.slides[id])] = true; });
    return caches.open(FILES).then(function (cache) {
      return cache.keys().then(function (requests) {
        return Promise.all(requests.map(function (request) {
          return keep[request.url] ? null : cache.delete(request);
        }));
      });
    });
  }

  function remember(text, tag) {
    return caches.open(STATE).then(function (cache) {
      return cache.put(manifestUrl, new Response(text, { headers: { "Content-Type": "application/json", "ETag": tag } }));
    });
  }

  function loadRemembered() {
    return caches.open(STATE).then(function (cache) { return cache.match(manifestUrl); }).then(function (hit) {
      if (!hit) { return null; }
      var tag = hit.headers.get("ETag") || "";
      return hit.json().then(function (next) { return adopt(next, tag); });
    }).catch(function () { return null; });
  }

  function refresh() {
    if (retired) { return Promise.resolve(); }
    if (refreshing) { return refreshing; }
    var headers = { "X-Player-Version": VERSION };
    if (etag) { headers["If-None-Match"] = etag; }
    refreshing = fetch(manifestUrl, { cache: "no-store", headers: headers }).then(function (response) {
      if (response.status === 404 || response.status === 410) { return retire(); }
      if (response.status === 304 || !response.ok) { return null; }
      var tag = response.headers.get("ETag") || "";
      return response.text().then(function (text) {
        var next = JSON.parse(text);
        return fetchFiles(next).then(function () {
          return remember(text, tag);
        }).then(function () {
          return adopt(next, tag);
        }).then(function () { return prune(next); });
      });
    }).catch(function () { /* offline or unreadable: keep playing what we have */ }).then(function () {
      refreshing = null;
    });
    return refreshing;
  }

  // --- Reporting ------------------------------------------------------------------------------
  function report() {
    if (retired || reporting) { return Promise.resolve(); }
    reporting = true;
    return playsTake(BATCH).then(function (batch) {
      if (!batch.length) { return null; }
      return fetch(playsUrl, {
        method: "POST",
        cache: "no-store",
        credentials: "omit",
        headers: { "Content-Type": "application/json", "X-Player-Version": VERSION, "X-Manifest-ETag": etag },
        body: JSON.stringify({ plays: batch })
      }).then(function (response) {
        if (response.status === 404) { return retire(); }
        if (!response.ok) { return null; }
        return response.json().then(function (answer) {
          // Accepted, already stored or refused for good: the platform has answered for each.
          return playsForget(batch.map(function (play) { return play.id; })).then(function () {
            if (answer.refresh) { return refresh(); }
          });
        });
      });
    }).catch(function () { /* offline: the plays wait in IndexedDB */ }).then(function () {
      reporting = false;
    });
  }

  // --- Retirement (token rotated or revoked) ---------------------------------------------------
  function retire() {
    retired = true;
    timers.forEach(clearInterval);
    timers = [];
    blank();
    manifest = null;
    var wipes = [
      caches.keys().then(function (names) {
        return Promise.all(names.filter(function (name) { return name.indexOf(prefix) === 0; }).map(function (name) { return caches.delete(name); }));
      }),
      new Promise(function (resolve) {
        if (dbPromise) { dbPromise.then(function (database) { database.close(); }); }
        var request = indexedDB.deleteDatabase(prefix);
        request.onsuccess = request.onerror = request.onblocked = function () { resolve(); };
      })
    ];
    if (navigator.serviceWorker) {
      wipes.push(navigator.serviceWorker.getRegistration(location.href).then(function (registration) {
        return registration ? registration.unregister() : false;
      }));
    }
    return Promise.all(wipes);
  }

  // --- Start ----------------------------------------------------------------------------------
  function restartTimers() {
    timers.forEach(clearInterval);
    var poll = (manifest && manifest.poll) || 60;
    var every = (manifest && manifest.report) || 30;
    timers = [
      setInterval(tick, 250),
      setInterval(refresh, poll * 1000),
      setInterval(report, every * 1000)
    ];
  }

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(new URL(stage.dataset.sw, location.href).href).catch(function () {});
  }
  restartTimers();
  loadRemembered().then(refresh).then(function () { tick(); report(); });
})();
