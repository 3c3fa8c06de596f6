/* The alerts' system notifications on phones (live.js). Phone browsers show a notification only
   through a service worker (`new Notification()` throws there), so live.js registers this one,
   once the page has the permission, and shows the alerts' notifications through it. It caches
   nothing and controls no page: it only opens the alert's page when the notification is tapped.
   Served as a plain static file from Linli's own origin (worker-src 'self', decision 0014). */
"use strict";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

function sameSite(link) {
  return typeof link === "string" && link.charAt(0) === "/" && link.charAt(1) !== "/" && link.charAt(1) !== "\\";
}

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var data = event.notification.data || {};
  var target = new URL(sameSite(data.url) ? data.url : "/", self.location.origin).href;
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
    for (var i = 0; i < windows.length; i += 1) {
      if (windows[i].url === target && "focus" in windows[i]) { return windows[i].focus(); }
    }
    return self.clients.openWindow(target);
  }));
});
