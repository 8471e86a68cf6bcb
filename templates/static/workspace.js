// Workspace niceties; every page works without them.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var all = document.getElementById("select-all");
    var boxes = document.querySelectorAll("table.queue input[name=cases]");
    if (all && boxes.length) {
      all.hidden = false;
      all.addEventListener("change", function () {
        boxes.forEach(function (box) { box.checked = all.checked; });
      });
    }
    var bulk = document.getElementById("bulk");
    if (bulk) {
      bulk.addEventListener("submit", function () {
        var chosen = bulk.querySelectorAll("input[name=cases]:checked").length;
        var note = document.createElement("p");
        note.className = "progress";
        note.setAttribute("role", "status");
        note.textContent = bulk.dataset.progress + " (" + chosen + ")";
        bulk.prepend(note);
      });
    }
  });
})();
