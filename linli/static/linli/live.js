/* Live events on signed-in pages (decision 0026). The page's <div id="live" data-live-url> names
   the push server's stream (server-sent events); this script keeps it open, reconnecting with a
   growing pause, and asks for what it missed (?last=<the last event's id>, also across pages).

   window.LinliLive.on(topic, callback) calls callback(payload, event) for each event of that
   topic ("*": every topic); window.LinliLive.state is "connecting", "open" or "off".

   An event whose payload says "notify": true (with "title", "body" and a same-site "url") plays a
   short sound, shows a banner in the page (role=alert, closed by its button) and, when the page is
   not in front and the browser allows it, a system notification. The browser asks for that
   permission, and allows the sound, only after a click: the button "Turn on alert sound and
   notifications" (#live-enable) is shown while the browser may still ask; the sound is
   allowed from the first click or key on the page. Once the permission is given, a small service
   worker (data-live-worker: /static/linli/notify-sw.js) is registered and shows the system
   notifications, as phone browsers require; without one the page shows them itself. No inline
   script: the Content-Security-Policy forbids it (decision 0014). */
(function () {
  "use strict";

  var handlers = {};
  var api = {
    state: "off",
    on: function (topic, callback) {
      (handlers[topic] = handlers[topic] || []).push(callback);
      return api;
    },
    off: function (topic, callback) {
      handlers[topic] = (handlers[topic] || []).filter(function (each) { return each !== callback; });
      return api;
    }
  };
  window.LinliLive = api;

  var root = document.getElementById("live");
  if (!root || !window.EventSource || !window.JSON) { return; }
  var url = root.getAttribute("data-live-url");
  var box = document.getElementById("live-alerts");
  var enable = document.getElementById("live-enable");
  var LAST = "linli.live.last";
  var MAX_BANNERS = 3;

  function setState(state) {
    api.state = state;
    document.documentElement.setAttribute("data-live", state);
  }

  // The last event received, kept for a minute so that the next page asks for what came between.
  function storedLast() {
    try {
      var kept = JSON.parse(window.sessionStorage.getItem(LAST) || "null");
      return kept && Date.now() - kept.at < 60000 ? kept.id : "";
    } catch (error) { return ""; }
  }
  var last = storedLast();
  function remember(id) {
    last = id;
    try { window.sessionStorage.setItem(LAST, JSON.stringify({ id: id, at: Date.now() })); } catch (error) { /* blocked */ }
  }

  // --- sound: two short tones, made here (no sound file to fetch) ---------------------------------
  var audio = null;
  function unlockAudio() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) { return; }
    try {
      audio = audio || new Context();
      if (audio.state === "suspended") { audio.resume(); }
    } catch (error) { audio = null; }
  }
  function beep() {
    if (!audio || audio.state !== "running") { return; }
    [0, 0.25].forEach(function (start, i) {
      var tone = audio.createOscillator();
      var gain = audio.createGain();
      tone.frequency.value = i ? 660 : 880;
      gain.gain.setValueAtTime(0.2, audio.currentTime + start);
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + start + 0.2);
      tone.connect(gain);
      gain.connect(audio.destination);
      tone.start(audio.currentTime + start);
      tone.stop(audio.currentTime + start + 0.22);
    });
  }
  ["pointerdown", "keydown"].forEach(function (name) {
    document.addEventListener(name, unlockAudio, { once: true, capture: true });
  });

  // --- the service worker that shows notifications on phones --------------------------------------
  var worker = null;  // a promise of its registration, once the page may notify
  function granted() { return "Notification" in window && window.Notification.permission === "granted"; }
  function registerWorker() {
    var script = root.getAttribute("data-live-worker");
    if (worker || !script || !granted() || !("serviceWorker" in navigator)) { return; }
    worker = navigator.serviceWorker.register(script).then(function (registration) {
      api.worker = registration;
      document.documentElement.setAttribute("data-live-worker", "registered");
      return registration;
    }, function () {
      worker = null;  // the page shows the notifications itself
      return null;
    });
  }

  // --- permission: asked from the button's click -------------------------------------------------
  function canAsk() { return "Notification" in window && window.Notification.permission === "default"; }
  function showEnable() {
    if (enable) { enable.parentNode.hidden = !canAsk(); }
    registerWorker();
  }
  if (enable) {
    enable.addEventListener("click", function () {
      unlockAudio();
      if (canAsk()) {
        var asked = window.Notification.requestPermission(showEnable);
        if (asked && asked.then) { asked.then(showEnable); }
      }
      showEnable();
    });
  }
  showEnable();

  // --- showing an event ------------------------------------------------------------------------------
  function sameSite(link) {
    return typeof link === "string" && link.charAt(0) === "/" && link.charAt(1) !== "/" && link.charAt(1) !== "\\";
  }
  function banner(payload) {
    if (!box) { return; }
    var item = document.createElement("div");
    item.className = "alert alert-warning live-alert";
    var text = document.createElement("div");
    text.className = "live-alert-text";
    var title = document.createElement("strong");
    title.textContent = payload.title || root.getAttribute("data-live-new");
    text.appendChild(title);
    if (payload.body) {
      var body = document.createElement("span");
      body.textContent = payload.body;
      text.appendChild(body);
    }
    if (sameSite(payload.url)) {
      var link = document.createElement("a");
      link.href = payload.url;
      link.className = "d-block alert-link";  // the alert's own dark text colour: a plain link is 3.9:1 on its yellow
      link.textContent = root.getAttribute("data-live-open");
      text.appendChild(link);
    }
    var close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close";
    close.setAttribute("aria-label", root.getAttribute("data-live-close"));
    close.addEventListener("click", function () { item.remove(); });
    item.appendChild(text);
    item.appendChild(close);
    box.appendChild(item);
    while (box.children.length > MAX_BANNERS) { box.removeChild(box.firstChild); }
  }
  function pageNotification(title, options, payload) {
    try {
      var shown = new window.Notification(title, options);
      shown.onclick = function () {
        window.focus();
        if (sameSite(payload.url)) { window.location.href = payload.url; }
        shown.close();
      };
    } catch (error) { /* phones show notifications from a service worker only: the banner stays */ }
  }
  function systemNotification(payload, event) {
    if (!granted()) { return; }
    if (!document.hidden && document.hasFocus()) { return; }  // the banner is in front of her
    var title = payload.title || root.getAttribute("data-live-new");
    var options = { body: payload.body || "", tag: event.topic + ":" + (event.id || ""),
                    icon: "/static/linli/favicon.svg", data: { url: sameSite(payload.url) ? payload.url : "" } };
    if (!worker) { pageNotification(title, options, payload); return; }
    worker.then(function (registration) {
      if (!registration) { pageNotification(title, options, payload); return null; }
      return registration.showNotification(title, options);
    }).catch(function () { pageNotification(title, options, payload); });
  }
  function notify(payload, event) {
    beep();
    banner(payload);
    systemNotification(payload, event);
  }

  function dispatch(event) {
    var payload = event.payload || {};
    (handlers[event.topic] || []).concat(handlers["*"] || []).forEach(function (callback) {
      try { callback(payload, event); } catch (error) { if (window.console) { window.console.error(error); } }
    });
    if (payload.notify === true) { notify(payload, event); }
  }

  // --- the stream -------------------------------------------------------------------------------------
  var source = null;
  var failures = 0;
  var crossOrigin = new URL(url, window.location.href).origin !== window.location.origin;
  function connect() {
    setState("connecting");
    var target = url + (last ? (url.indexOf("?") < 0 ? "?" : "&") + "last=" + encodeURIComponent(last) : "");
    source = new window.EventSource(target, { withCredentials: crossOrigin });
    source.onopen = function () { failures = 0; setState("open"); };
    source.onmessage = function (message) {
      var event;
      try { event = JSON.parse(message.data); } catch (error) { return; }
      event.id = message.lastEventId;
      if (message.lastEventId) { remember(message.lastEventId); }
      dispatch(event);
    };
    source.onerror = function () {
      // Reconnect ourselves: every second at first (a server starting or restarting), then 2, 4 …
      // 30 seconds apart, a little random so that pages do not all come back at once; asking for
      // what was missed.
      source.close();
      setState("connecting");
      var pause = Math.min(30000, 1000 * Math.pow(2, Math.max(0, failures - 3))) * (0.5 + Math.random() / 2);
      failures += 1;
      window.setTimeout(connect, pause);
    };
  }
  window.addEventListener("pagehide", function () { if (source) { source.close(); } });
  connect();
}());
