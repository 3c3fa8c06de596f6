/* The keeper's camera on the pickup page: html5-qrcode (vendored, loaded on first use) reads the
 * household's code into the box and checks it. Without a camera the box takes a hand scanner or typing. */
(function () {
  "use strict";
  const button = document.getElementById("camera-button");
  const view = document.getElementById("camera-view");
  const input = document.getElementById("code-input");
  const form = document.getElementById("code-form");
  if (!button || !view || !input || !form) return;
  let scanner = null;

  function loadScript(url) {
    return new Promise((resolve, reject) => {
      if (window.Html5Qrcode) { resolve(); return; }
      const script = document.createElement("script");
      script.src = url;
      script.onload = resolve;
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  async function stop() {
    if (scanner) {
      try { await scanner.stop(); } catch (error) { /* already stopped */ }
    }
    scanner = null;
    view.hidden = true;
    button.textContent = button.dataset.start;
    button.setAttribute("aria-pressed", "false");
  }

  button.addEventListener("click", async () => {
    if (scanner) { await stop(); return; }
    try {
      await loadScript(button.dataset.script);
      view.hidden = false;
      scanner = new window.Html5Qrcode("camera-view");
      await scanner.start({ facingMode: "environment" }, { fps: 10, qrbox: 220 }, async decoded => {
        input.value = decoded;
        await stop();
        form.submit();
      }, () => { /* no code in this frame */ });
      button.textContent = button.dataset.stop;
      button.setAttribute("aria-pressed", "true");
    } catch (error) {
      scanner = null;
      view.hidden = true;
      const note = document.createElement("div");
      note.className = "invalid-feedback d-block";
      note.setAttribute("role", "alert");
      note.textContent = button.dataset.error;
      form.appendChild(note);
    }
  });
  if (!input.value) input.focus();
})();
