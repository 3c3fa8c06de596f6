// The sticker sheet's print button (no inline script under the Content-Security-Policy).
(function () {
  "use strict";
  var button = document.getElementById("print-stickers");
  if (button) { button.addEventListener("click", function () { window.print(); }); }
})();
