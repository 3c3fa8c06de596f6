/* Linli's few page behaviours, bound here rather than in inline handlers: the
   Content-Security-Policy runs no script written into a page (decision 0014).
   - <button data-print> prints the page;
   - <select data-autosubmit> submits its form when another option is chosen;
   - <input type="file" data-max-bytes data-max-files> says at once when a photo is too large
     or too many are chosen (data-too-large, data-too-many), before a slow upload the server
     would refuse anyway, and lets the choice be made again;
   - <select data-purpose-code> (a lawful purpose) shows the sentence "other" needs
     ([data-purpose-other] in the same [data-purpose]) only while "other" is chosen. */
(function () {
  "use strict";
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
})();
