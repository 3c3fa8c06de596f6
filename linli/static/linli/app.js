/* Linli's few page behaviours, bound here rather than in inline handlers: the
   Content-Security-Policy runs no script written into a page (decision 0014).
   - <button data-print> prints the page;
   - <select data-autosubmit> submits its form when another option is chosen;
   - <input type="file" data-max-bytes data-max-files> says at once when a photo is too large
     or too many are chosen (data-too-large, data-too-many), before a slow upload the server
     would refuse anyway, and lets the choice be made again;
   - <span class="file-picker"> (a file input under a button in the page's language) shows the
     chosen file's name, or how many were chosen, in its .file-picker-name (data-none when none,
     data-many with {n} for several);
   - <select data-purpose-code> (a lawful purpose) shows the sentence "other" needs
     ([data-purpose-other] in the same [data-purpose]) only while "other" is chosen;
   - <form data-logout data-unsent> asks before signing out while records wait on this device
     for upload (a gate screen's queue, localStorage "linli.….queue"): signing out deletes them;
   - <body data-forget-device> (the first page after signing out) deletes what Linli kept on
     this device: local storage (a gate's queue and visitors, its trust list), the offline
     copies and the service worker. The sign-out answer's Clear-Site-Data header does the
     same where the browser honours it; this is for where it does not. */
(function () {
  "use strict";

  function forgetDevice() {
    try { window.localStorage.clear(); window.sessionStorage.clear(); } catch (error) { /* storage blocked */ }
    if (window.caches) {
      window.caches.keys().then(function (names) {
        return Promise.all(names.map(function (name) { return window.caches.delete(name); }));
      }).catch(function () { /* nothing kept */ });
    }
    if (navigator.serviceWorker && navigator.serviceWorker.getRegistrations) {
      navigator.serviceWorker.getRegistrations().then(function (registrations) {
        registrations.forEach(function (registration) { registration.unregister(); });
      }).catch(function () { /* none */ });
    }
  }
  if (document.body.hasAttribute("data-forget-device")) {
    forgetDevice();
  }

  function unsentRecords() {
    var count = 0;
    try {
      for (var i = 0; i < window.localStorage.length; i++) {
        var key = window.localStorage.key(i);
        if (/^linli\..+\.queue$/.test(key)) {
          var queue = JSON.parse(window.localStorage.getItem(key) || "[]");
          count += Array.isArray(queue) ? queue.length : 0;
        }
      }
    } catch (error) { /* storage blocked or damaged: nothing to count */ }
    return count;
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-logout")) {
      return;
    }
    var count = unsentRecords();
    if (count && !window.confirm((form.getAttribute("data-unsent") || "").replace("%(count)s", String(count)))) {
      event.preventDefault();
    }
  });
  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target.closest("[data-print]") : null;
    if (target) {
      event.preventDefault();
      window.print();
    }
  });
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit") && target.form) {
      if (typeof target.form.requestSubmit === "function") {
        target.form.requestSubmit();
      } else {
        target.form.submit();
      }
    }
  });
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!(select instanceof HTMLSelectElement) || !select.hasAttribute("data-purpose-code")) {
      return;
    }
    var group = select.closest("[data-purpose]");
    var other = group ? group.querySelector("[data-purpose-other]") : null;
    if (other) {
      var chosen = select.value === "other";
      other.hidden = !chosen;
      Array.prototype.forEach.call(other.querySelectorAll("input"), function (input) {
        input.required = chosen;
      });
    }
  });
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || input.type !== "file" || !input.hasAttribute("data-max-bytes")) {
      return;
    }
    var files = Array.prototype.slice.call(input.files || []);
    var maxBytes = parseInt(input.getAttribute("data-max-bytes"), 10);
    var maxFiles = parseInt(input.getAttribute("data-max-files") || "0", 10);
    var problem = "";
    if (maxFiles && files.length > maxFiles) {
      problem = input.getAttribute("data-too-many") || "";
    } else if (files.some(function (file) { return file.size > maxBytes; })) {
      problem = input.getAttribute("data-too-large") || "";
    }
    input.setCustomValidity(problem);
    if (problem) {
      input.value = "";
      input.reportValidity();
    }
  });
  // After the size check above, which may have emptied the choice.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || input.type !== "file") {
      return;
    }
    var picker = input.closest(".file-picker");
    var name = picker ? picker.querySelector(".file-picker-name") : null;
    if (!name) {
      return;
    }
    var files = input.files || [];
    if (files.length === 1) {
      name.textContent = files[0].name;
    } else if (files.length > 1) {
      name.textContent = (name.getAttribute("data-many") || "{n}").replace("{n}", String(files.length));
    } else {
      name.textContent = name.getAttribute("data-none") || "";
    }
    picker.classList.toggle("file-picker-chosen", files.length > 0);
  });
})();
