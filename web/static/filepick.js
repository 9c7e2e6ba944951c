// sohoa: a file input hidden behind its Vietnamese label (the browser's
// own "Choose Files / No file chosen" is in the browser's language) says
// what was chosen in the element its aria-describedby names.
(function () {
  "use strict";
  var inputs = document.querySelectorAll("input[type=file].pick");
  Array.prototype.forEach.call(inputs, function (input) {
    var out = document.getElementById(input.getAttribute("aria-describedby"));
    if (!out) { return; }
    input.addEventListener("change", function () {
      var names = Array.prototype.map.call(input.files || [], function (f) { return f.name; });
      out.textContent = names.length ? out.dataset.chosen + " " + names.join(", ") : out.dataset.none;
    });
  });
}());
