/* The gate screen's service worker (served at /gates/sw.js, scope /gates/): the gate page
 * and its scripts are kept on the device so that the gate reloads and keeps working with
 * no network. Network first, so an online gate always runs the current code; the last good
 * copy when offline. Nothing else is cached: the API goes to the network (the gate keeps
 * its own queue and trust list in localStorage). */
"use strict";

const CACHE = "linli-gate-v1";
const ASSETS = /*ASSETS*/[];
const GATE_PAGE = /^\/gates\/\d+\/$/;

self.addEventListener("install", event => {
  event.waitUntil(caches.open(CACHE).then(cache => cache.addAll(ASSETS)).catch(() => {}).then(() => self.skipWaiting()));
});

self.addEventListener("activate", event => {
  event.waitUntil(caches.keys()
    .then(names => Promise.all(names.filter(n => n.startsWith("linli-gate-") && n !== CACHE).map(n => caches.delete(n))))
    .then(() => self.clients.claim()));
});

function networkFirst(request) {
  return fetch(request).then(response => {
    if (response.ok && !response.redirected && response.type === "basic") {
      const copy = response.clone();
      caches.open(CACHE).then(cache => cache.put(request, copy));
    }
    return response;
  }).catch(() => caches.match(request, { ignoreVary: true, ignoreSearch: true })
    .then(hit => hit || Response.error()));
}

self.addEventListener("fetch", event => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  const asset = ASSETS.includes(url.pathname);
  if ((request.mode === "navigate" && GATE_PAGE.test(url.pathname)) || asset) {
    event.respondWith(networkFirst(request));
  }
});

// The gate page asks to be kept when it starts (its first load did not pass through here).
self.addEventListener("message", event => {
  const path = event.data && event.data.keep;
  if (typeof path === "string" && GATE_PAGE.test(path)) {
    event.waitUntil(caches.open(CACHE).then(cache => cache.add(path)).catch(() => {}));
  }
});
