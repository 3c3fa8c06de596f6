/* The keeper's camera on the pickup page: html5-qrcode (vendored, loaded on first use by
 * linli/qrcamera.js) reads the household's code into the box and checks it. Without a camera
 * the box takes a hand scanner or typing. */
(function () {
  "use strict";
  const button = document.getElementById("camera-button");
  const view = document.getElementById("camera-view");
  const input = document.getElementById("code-input");
  const form = document.getElementById("code-form");
  if (!button || !view || !input || !form || !window.LinliCamera) return;
  let camera = null;
  let starting = false;  // a second press while the camera starts does nothing

  async function stop() {
    const running = camera;
    camera = null;
    if (running) await running.stop();
    button.textContent = button.dataset.start;
    button.setAttribute("aria-pressed", "false");
  }

  button.addEventListener("click", async () => {
    if (starting) return;
    if (camera) { await stop(); return; }
    starting = true;
    try {
      camera = await window.LinliCamera.open({
        view: "camera-view", script: button.dataset.script, qrbox: 220,
        onCode: async decoded => {
          input.value = decoded;
          await stop();
          form.submit();
        }
      });
      button.textContent = button.dataset.stop;
      button.setAttribute("aria-pressed", "true");
    } catch (error) {
      camera = null;
      const note = document.createElement("div");
      note.className = "invalid-feedback d-block";
      note.setAttribute("role", "alert");
      note.textContent = button.dataset.error;
      form.appendChild(note);
    } finally {
      starting = false;
    }
  });
  if (!input.value) input.focus();
})();
