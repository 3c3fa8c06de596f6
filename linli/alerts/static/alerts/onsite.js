// "At the door" with the phone's location when the browser allows it, else a plain confirmation.
(function () {
  "use strict";
  var button = document.getElementById("locate");
  if (!button) { return; }
  var form = button.form;
  button.addEventListener("click", function (event) {
    if (!navigator.geolocation) { return; }
    event.preventDefault();
    navigator.geolocation.getCurrentPosition(function (pos) {
      form.elements.method.value = "location";
      form.elements.latitude.value = pos.coords.latitude;
      form.elements.longitude.value = pos.coords.longitude;
      form.elements.accuracy.value = pos.coords.accuracy;
      form.submit();
    }, function () {
      form.elements.method.value = "confirmed";
      form.submit();
    }, { timeout: 8000, maximumAge: 60000 });
  });
})();
