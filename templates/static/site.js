// Small enhancements only: every page works without this file.
"use strict";
document.addEventListener("submit", (event) => {
  // A second click while the first submission is on its way would only be refused by the server; say so here.
  const form = event.target;
  if (form.dataset.sent) { event.preventDefault(); return; }
  form.dataset.sent = "1";
  for (const button of form.querySelectorAll("button[data-once]")) {
    button.setAttribute("aria-disabled", "true");
    button.classList.add("sending");
  }
});
window.addEventListener("pageshow", () => {
  // Coming back with the browser's back button: the form may be sent again.
  for (const form of document.querySelectorAll("form[data-sent]")) { delete form.dataset.sent; }
  for (const b of document.querySelectorAll("button.sending")) { b.classList.remove("sending"); b.removeAttribute("aria-disabled"); }
});
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.getElementById("error-summary");
  if (summary) summary.focus();
});
