/* Reading QR codes with the device's camera, shared by the gate screen and the supplies pickup
 * page. html5-qrcode (vendored) is large and most readers use a hand scanner or type, so it is
 * loaded on first use only, once per page.
 *
 *   const camera = await LinliCamera.open({ view: "camera-view", script: url, qrbox: 240,
 *                                           onCode: text => { … } });
 *   await camera.stop();
 *
 * open() shows the view element while the camera runs and hides it again when it stops or
 * cannot start (it then rejects: no camera, permission refused, script not loaded). */
(function () {
  "use strict";
  let loading = null;

  function load(url) {
    if (window.Html5Qrcode) return Promise.resolve();
    if (!loading) {
      loading = new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = url;
        script.onload = resolve;
        script.onerror = () => { loading = null; script.remove(); reject(new Error("html5-qrcode not loaded")); };
        document.head.appendChild(script);
      });
    }
    return loading;
  }

  async function open({ view, script, qrbox, onCode }) {
    const element = document.getElementById(view);
    await load(script);
    element.hidden = false;
    try {
      const scanner = new window.Html5Qrcode(view);
      await scanner.start({ facingMode: "environment" }, { fps: 10, qrbox: qrbox }, onCode,
                          () => { /* no code in this frame */ });
      return {
        async stop() {
          try { await scanner.stop(); } catch (error) { /* already stopped */ }
          element.hidden = true;
        }
      };
    } catch (error) {
      element.hidden = true;
      throw error;
    }
  }

  window.LinliCamera = { load, open };
})();
