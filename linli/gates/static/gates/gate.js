/* The gate screen: check passes on this device (passcheck.js), show the verdict large, keep
 * every scan and visitor registration in a queue on the device and upload it when online.
 *
 * - Trust list: downloaded when online, verified against the root key pinned in the page,
 *   kept in localStorage. Passes are not checked with a missing, forged or >24 h old list.
 * - Queue: localStorage, one per gate and account. Each record has a UUID made here, so the
 *   server stores it once however often it is sent. Sent in batches when online, after each
 *   new record, every minute, and when the browser comes back online.
 * - A service worker keeps this page and its scripts, so it reloads without a network.
 * - Device session: the page works until ``offline_until`` (from the server: a few hours, never
 *   past the end of the shift), renewed while online by asking the server which gates she may
 *   work; signed out, off duty or past it, the screen stops checking and registering (records
 *   waiting stay queued). Signing out clears this device's records and copies (app.js).
 * - The server answers each uploaded record: one it refuses is stored there for the office
 *   and forgotten here; the screen says how many and why.
 */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("gate-config").textContent);
  const text = JSON.parse(document.getElementById("gate-text").textContent);
  const english = document.documentElement.lang === "en";
  const table = config.table;
  const P = window.LinliPass;
  const $ = id => document.getElementById(id);
  const KEY = "linli.gate." + config.gate + "." + config.user + ".";
  const TRUST_KEY = "linli.gate.trust-list";  // one per device: it is public and the same for every gate
  const BATCH = 100;
  const IDLE_AFTER_MS = 30000;
  const REPEAT_WINDOW_MS = 4000;

  const fill = (template, values) => template.replace(/%\((\w+)\)s/g, (m, name) => String(values[name] ?? ""));
  const nowSeconds = () => Math.floor(Date.now() / 1000);
  const clock = seconds => new Date(seconds * 1000).toLocaleString(
    config.language && config.language.startsWith("en") ? "en-GB" : "zh-CN",
    { hour12: false, timeZone: config.time_zone || "Asia/Shanghai" });
  const ROOT = P.b64uDecode(config.root_public_key, 32);
  P.useFallback(config.ed25519_fallback_url);

  // --- storage -----------------------------------------------------------------------------
  function load(name, fallback) {
    try {
      const raw = localStorage.getItem(KEY + name);
      return raw === null ? fallback : JSON.parse(raw);
    } catch (error) {
      return fallback;
    }
  }

  function save(name, value) {
    try {
      localStorage.setItem(KEY + name, JSON.stringify(value));
      return true;
    } catch (error) {
      $("sync-problem").textContent = text.storage;
      return false;
    }
  }

  // --- the device session --------------------------------------------------------------------
  let sessionProblem = "";  // "signed_out" or "not_on_duty": what the server said when asked

  const offlineUntil = () => Math.max(config.offline_until, load("offline_until", 0));
  const sessionOk = () => !sessionProblem && nowSeconds() < offlineUntil();

  function showSession() {
    const ok = sessionOk();
    const box = $("session-status");
    box.hidden = ok;
    box.textContent = ok ? "" : sessionProblem ? text[sessionProblem]
      : fill(text.session_expired, { time: clock(offlineUntil()) });
    $("offline-until").textContent = ok ? fill(text.offline_until, { time: clock(offlineUntil()) }) : "";
    $("gate-screen").dataset.session = ok ? "ok" : "expired";
    for (const id of ["scan-form", "visitor-form", "manual-form"]) {
      for (const control of $(id).elements) control.disabled = !ok;
    }
    if (!ok && camera) toggleCamera();
    return ok;
  }

  // Online, the server says whether she may still work this gate, and until when offline.
  async function renewSession() {
    if (!navigator.onLine || !config.session_url) return;
    let response;
    try {
      response = await fetch(config.session_url, { credentials: "same-origin", cache: "no-store" });
    } catch (error) {
      return;  // no network after all: the end already known stands
    }
    if (response.status === 401 || response.status === 403) {
      sessionProblem = "signed_out";
    } else if (response.ok) {
      const gates = await response.json().catch(() => null);
      const mine = Array.isArray(gates) ? gates.find(g => g.id === config.gate) : null;
      sessionProblem = mine ? "" : "not_on_duty";
      if (mine) save("offline_until", Math.floor(Date.parse(mine.offline_until) / 1000));
    }
    showSession();
  }

  // --- trust list ----------------------------------------------------------------------------
  let trust = null;
  let trustProblem = "trust_list_missing";

  function showTrust() {
    const box = $("trust-status");
    let message, style;
    if (!window.isSecureContext || !window.crypto || !window.crypto.subtle) {
      message = text.insecure; style = "danger";
    } else if (trust && nowSeconds() < trust.expiresAt) {
      message = fill(text.trust_ok, { version: trust.version, issued: clock(trust.issuedAt) }); style = "success";
    } else {
      message = { trust_list_missing: text.trust_missing, trust_list_invalid: text.trust_invalid,
        no_verifier: text.no_verifier, insecure: text.insecure }[trustProblem] || text.trust_stale;
      style = "danger";
    }
    box.className = "alert py-2 small alert-" + style;
    box.textContent = message;
    $("gate-screen").dataset.trust = style === "success" ? "ok" : "refused";
  }

  async function adopt(doc) {
    const loaded = await P.loadTrustList(doc, ROOT, nowSeconds());
    if (trust && loaded.issuedAt < trust.issuedAt) return false;  // never go back to an older list
    trust = loaded;
    return true;
  }

  async function loadCachedTrust() {
    let doc = null;
    try { doc = JSON.parse(localStorage.getItem(TRUST_KEY) || "null"); } catch (error) { doc = null; }
    if (doc === null) { trustProblem = "trust_list_missing"; return; }
    try { await adopt(doc); } catch (error) { trustProblem = error.reason || "trust_list_invalid"; }
  }

  async function refreshTrust() {
    if (!navigator.onLine) return;
    try {
      const response = await fetch(config.trust_list_url, { cache: "no-store", credentials: "same-origin" });
      if (!response.ok) return;
      const doc = await response.json();
      if (await adopt(doc)) {
        try { localStorage.setItem(TRUST_KEY, JSON.stringify(doc)); } catch (error) { /* kept in memory */ }
      }
    } catch (error) {
      // Offline, or a list that does not verify: keep what we have, say why if it is nothing.
      if (!trust && error && error.reason) trustProblem = error.reason;
    } finally {
      showTrust();
    }
  }

  // --- the verdict -----------------------------------------------------------------------------
  let idleTimer = null, shown = 0;

  const MANUAL_COLOURS = { pass: "green", deny: "red", refer: "yellow" };

  // Show the verdict for ``reason`` (a manual decision brings its own verdict).
  function showVerdict(reason, details, manualVerdict) {
    const [verdict, colour] = manualVerdict ? [manualVerdict, MANUAL_COLOURS[manualVerdict]]
      : table.rules[reason] || ["deny", "red"];
    const [wordZh, wordEn] = table.words[verdict];
    const [reasonZh, reasonEn] = table.messages[reason] || [reason, reason];
    const box = $("verdict");
    box.className = "verdict verdict-" + colour;
    box.dataset.verdict = verdict;
    box.dataset.reason = reason;
    box.dataset.stamp = String(++shown);
    // The reader's language; an English screen adds the Chinese below, for the resident at the gate.
    $("verdict-word").textContent = english ? wordEn : wordZh;
    $("verdict-word-en").textContent = english ? wordZh : "";
    $("verdict-reason").textContent = english ? reasonEn : reasonZh;
    $("verdict-reason-en").textContent = english ? reasonZh : "";
    $("verdict-detail").textContent = (details || []).filter(Boolean).join(" · ");
    void box.offsetWidth;  // restart the pulse animation
    box.classList.add("verdict-fresh");
    beep(verdict);
    clearTimeout(idleTimer);
    idleTimer = setTimeout(showIdle, IDLE_AFTER_MS);
    return verdict;
  }

  function showIdle() {
    const box = $("verdict");
    box.className = "verdict verdict-idle";
    box.dataset.verdict = "";
    box.dataset.reason = "";
    $("verdict-word").textContent = text.idle;
    for (const id of ["verdict-word-en", "verdict-reason", "verdict-reason-en", "verdict-detail"]) $(id).textContent = "";
  }

  let audio = null;
  function beep(verdict) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      const tones = verdict === "pass" ? [880] : verdict === "refer" ? [660, 660] : [330, 330, 330];
      tones.forEach((frequency, i) => {
        const oscillator = audio.createOscillator();
        const gain = audio.createGain();
        oscillator.frequency.value = frequency;
        gain.gain.value = 0.15;
        oscillator.connect(gain).connect(audio.destination);
        oscillator.start(audio.currentTime + i * 0.18);
        oscillator.stop(audio.currentTime + i * 0.18 + 0.12);
      });
    } catch (error) { /* no sound on this device */ }
  }

  // --- temperature -------------------------------------------------------------------------
  // "" → null; a number in range → one decimal; anything else → undefined (refused).
  function readTemperature(input) {
    const raw = input.value.trim().replace(",", ".").replace(/°c?$/i, "").trim();
    if (!raw) return null;
    if (!/^\d{2}(\.\d+)?$/.test(raw)) return undefined;
    const value = Math.round(parseFloat(raw) * 10) / 10;
    const [low, high] = table.temperature_range.map(Number);
    return value >= low && value <= high ? value : undefined;
  }

  const SUBJECT = /^[\x20-\x7e]{1,22}$/;
  const isFever = t => t !== null && t >= Number(table.fever);

  // --- checking a pass --------------------------------------------------------------------------
  let lastCode = "", lastAt = 0;

  async function checkCode(code, temperature) {
    if (!showSession()) return null;
    code = code.trim();
    const key = code + "|" + temperature;
    if (key === lastCode && Date.now() - lastAt < REPEAT_WINDOW_MS) return null;  // the camera read it twice
    lastCode = key; lastAt = Date.now();
    let result;
    if (!trust) {
      result = { reason: table.rules[trustProblem] ? trustProblem : "trust_list_missing", valid: false };
    } else {
      result = await P.verifyPass(code, trust, nowSeconds());
    }
    let reason = result.reason;
    if (reason.startsWith("trust_list")) showTrust();
    if (result.valid) {  // as verdicts.scan_reason: red, then fever, then yellow
      reason = result.colour === "red" ? "red" : isFever(temperature) ? "fever"
        : result.colour === "yellow" ? "yellow" : "ok";
    }
    const details = [];
    if (result.expiresAt) details.push(fill(result.valid ? text.expires : text.expired_at, { time: clock(result.expiresAt) }));
    if (result.issuer) details.push(fill(text.issuer, { name: result.issuer }));
    if (temperature !== null) details.push(fill(text.temperature, { value: temperature.toFixed(1) }));
    const verdict = showVerdict(reason, details);
    record({
      kind: "scan", verdict, reason, colour: result.valid ? result.colour : "", temperature,
      // A subject our issuers could not have written (another office's pass) is not sent.
      subject: SUBJECT.test(result.subject || "") ? result.subject : "", pass_ref: result.passRef || "",
    });
    return verdict;
  }

  function onScan(event) {
    event.preventDefault();
    if (!showSession()) return;
    const input = $("scan-input");
    const temperatureInput = $("scan-temperature");
    const temperature = readTemperature(temperatureInput);
    $("scan-error").textContent = "";
    if (temperature === undefined) {
      $("scan-error").textContent = text.bad_temperature;
      temperatureInput.focus();
      return;
    }
    if (!input.value.trim()) {
      $("scan-error").textContent = text.empty_code;
      input.focus();
      return;
    }
    const code = input.value;
    input.value = "";
    temperatureInput.value = "";
    input.focus();
    checkCode(code, temperature);
  }

  // --- visitors and manual decisions ------------------------------------------------------------
  const PHONE = /^(?:(?:\+|00)86)?1[3-9]\d{9}$|^(?:\+|00)[1-9]\d{6,14}$/;

  function onVisitor(event) {
    event.preventDefault();
    if (!showSession()) return;
    const form = $("visitor-form");
    const value = name => form.elements[name].value.replace(/\s+/g, " ").trim();
    const error = $("visitor-error");
    error.textContent = "";
    const visitor = { name: value("name"), phone: value("phone").replace(/[\s-]/g, ""), purpose: value("purpose"),
      visiting: value("visiting") };
    if (!visitor.name || !visitor.phone || !visitor.purpose || !visitor.visiting) {
      error.textContent = text.visitor_required;
      return;
    }
    if (!PHONE.test(visitor.phone)) {
      error.textContent = text.visitor_phone;
      form.elements.phone.focus();
      return;
    }
    const temperature = readTemperature(form.elements.temperature);
    if (temperature === undefined) {
      error.textContent = text.bad_temperature;
      form.elements.temperature.focus();
      return;
    }
    const reason = isFever(temperature) ? "fever" : "visitor";
    const details = [visitor.name, temperature !== null ? fill(text.temperature, { value: temperature.toFixed(1) }) : ""];
    const verdict = showVerdict(reason, details);
    if (record({ kind: "visitor", verdict, reason, temperature, visitor })) {
      form.reset();
      error.textContent = "";
      $("sync-status").textContent = text.visitor_saved + " " + queueText();
    }
  }

  function onManual(event) {
    event.preventDefault();
    if (!showSession()) return;
    const form = $("manual-form");
    const verdict = form.elements.verdict.value || "refer";
    const note = form.elements.note.value.replace(/\s+/g, " ").trim().slice(0, 200);
    showVerdict("manual", [note], verdict);
    if (record({ kind: "manual", verdict, reason: "manual", note })) {
      form.elements.note.value = "";
      $("sync-status").textContent = text.manual_saved + " " + queueText();
    }
  }

  // --- the queue and the upload ---------------------------------------------------------------
  const uuid = () => (crypto.randomUUID ? crypto.randomUUID()
    : "10000000-1000-4000-8000-100000000000".replace(/[018]/g, c =>
      (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16)));

  function record(fields) {
    const event = Object.assign({
      client_id: uuid(), occurred_at: new Date().toISOString(), colour: "", temperature: null, subject: "",
      pass_ref: "", note: "", visitor: null,
    }, fields);
    const queue = load("queue", []);
    queue.push(event);
    const stored = save("queue", queue);
    showQueue();
    setTimeout(sync, 0);
    return stored;
  }

  function queueText() {
    const waiting = load("queue", []).length;
    return waiting ? fill(text.queue_waiting, { count: waiting }) : text.queue_empty;
  }

  function showQueue() {
    const waiting = load("queue", []).length;
    const status = $("sync-status");
    const lastSync = load("synced_at", null);
    status.textContent = waiting ? fill(text.queue_waiting, { count: waiting })
      : lastSync ? fill(text.synced, { time: clock(lastSync) }) : text.queue_empty;
    status.dataset.waiting = String(waiting);
    const rejected = load("rejected", []).length;
    if (rejected) $("sync-problem").textContent = fill(text.rejected, { count: rejected });
  }

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    try {  // the token base.html gives htmx
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  let syncing = false, retryTimer = null;

  // The counts of the day after an upload, as the page shows them when loaded.
  function showToday(today) {
    $("sync-today").textContent = fill(text.uploaded_today, today);
    $("sync-refused").textContent = today.rejected ? fill(text.refused_today, today) : "";
  }

  async function sync() {
    if (syncing || !navigator.onLine) return;
    syncing = true;
    clearTimeout(retryTimer);
    const refused = [];  // what the server refused in this upload: stored there, forgotten here
    try {
      for (;;) {
        const queue = load("queue", []);
        if (!queue.length) break;
        const batch = queue.slice(0, BATCH);
        let response;
        try {
          response = await fetch(config.events_url, {
            method: "POST", credentials: "same-origin", cache: "no-store",
            headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
            body: JSON.stringify({ events: batch }),
          });
        } catch (error) {
          retryTimer = setTimeout(sync, 30000);  // the network went away: try again later
          break;
        }
        if (response.ok) {
          forget(batch.map(e => e.client_id), []);
          const answer = await response.json().catch(() => null);
          if (answer && answer.today) showToday(answer.today);
          if (answer && Array.isArray(answer.results)) {
            refused.push(...answer.results.filter(r => r.status === "rejected" && !r.duplicate));
          }
          save("synced_at", nowSeconds());
          $("sync-problem").textContent = "";
          continue;
        }
        if (response.status === 422) {
          setAside(batch, await response.json().catch(() => ({})));
          continue;
        }
        const signedOut = response.status === 401 || response.status === 403;
        $("sync-problem").textContent = signedOut ? text.login : response.status === 404 ? text.not_on_duty : "";
        if (signedOut) {
          sessionProblem = "signed_out";
          showSession();
        }
        retryTimer = setTimeout(sync, 60000);
        break;
      }
    } finally {
      syncing = false;
      showQueue();
      if (refused.length) {
        const reasons = [...new Set(refused.map(r => (english ? r.msg : r.msg_zh) || r.code))].join(" ");
        $("sync-problem").textContent = fill(text.refused_now, { count: refused.length, reasons });
      }
    }
  }

  // A 422 names the events that are wrong (["body", "events", index, ...]): those are set
  // aside, kept on the device for the office, and the rest is sent again.
  function setAside(batch, answer) {
    const bad = new Set();
    for (const problem of (answer && answer.detail) || []) {
      const loc = problem.loc || [];
      if (loc[1] === "events" && Number.isInteger(loc[2]) && batch[loc[2]]) bad.add(loc[2]);
    }
    const refused = bad.size ? batch.filter((e, i) => bad.has(i)) : batch;
    forget(refused.map(e => e.client_id), refused.map(e => ({ event: e, problems: answer.detail || [] })));
  }

  function forget(ids, rejected) {
    const gone = new Set(ids);
    save("queue", load("queue", []).filter(e => !gone.has(e.client_id)));
    if (rejected.length) save("rejected", load("rejected", []).concat(rejected).slice(-500));
  }

  // --- camera (html5-qrcode, loaded on first use: linli/qrcamera.js) ----------------------------
  let camera = null;
  let starting = false;  // a second press while the camera starts does nothing

  async function toggleCamera() {
    const button = $("camera-button");
    if (starting) return;
    if (camera) {
      const running = camera;
      camera = null;
      await running.stop();
      button.textContent = text.camera_start;
      button.setAttribute("aria-pressed", "false");
      return;
    }
    starting = true;
    try {
      camera = await window.LinliCamera.open({
        view: "camera-view", script: config.html5_qrcode_url, qrbox: 240,
        onCode: decoded => {
          checkCode(decoded, readTemperature($("scan-temperature")) ?? null).then(verdict => {
            if (verdict) $("scan-temperature").value = "";
          });
        }
      });
      button.textContent = text.camera_stop;
      button.setAttribute("aria-pressed", "true");
    } catch (error) {
      camera = null;
      $("scan-error").textContent = text.camera_error;
    } finally {
      starting = false;
    }
  }

  // --- network state ------------------------------------------------------------------------------
  function showNetwork() {
    const badge = $("net-badge");
    badge.textContent = navigator.onLine ? text.online : text.offline;
    badge.className = "badge " + (navigator.onLine ? "text-bg-success" : "text-bg-warning");
  }

  // --- start ------------------------------------------------------------------------------------
  async function start() {
    $("scan-form").addEventListener("submit", onScan);
    $("visitor-form").addEventListener("submit", onVisitor);
    $("manual-form").addEventListener("submit", onManual);
    $("camera-button").addEventListener("click", toggleCamera);
    $("sync-button").addEventListener("click", sync);
    // Enter in the temperature box goes on to the pass box, where the scanner types.
    $("scan-temperature").addEventListener("keydown", event => {
      if (event.key === "Enter") { event.preventDefault(); $("scan-input").focus(); }
    });
    window.addEventListener("online", () => { showNetwork(); renewSession(); refreshTrust(); sync(); });
    window.addEventListener("offline", showNetwork);
    showNetwork();
    showQueue();
    showSession();
    await loadCachedTrust();
    showTrust();
    await Promise.all([renewSession(), refreshTrust()]);
    setInterval(() => { renewSession(); refreshTrust(); }, 15 * 60 * 1000);
    setInterval(() => { showSession(); showTrust(); sync(); }, 60 * 1000);
    sync();
    if ("serviceWorker" in navigator && config.service_worker_url) {
      // Ask the worker to keep this page too: the first visit is not yet under its control.
      navigator.serviceWorker.register(config.service_worker_url, { scope: "/gates/" })
        .then(() => navigator.serviceWorker.ready)
        .then(registration => registration.active.postMessage({ keep: location.pathname }))
        .catch(() => { /* no offline reload on this browser; the open page still works */ });
    }
    $("gate-screen").dataset.state = "ready";
    $("scan-input").focus();
  }

  start();
})();
