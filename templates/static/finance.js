// Finance pages: while a settlement report uploads and is matched (in the same request), say so.
// Without this file the page works the same; the browser's own loading indicator is all one sees.
"use strict";
document.addEventListener("submit", (event) => {
  if (event.target.id !== "upload-report") return;
  const busy = document.getElementById("upload-busy");
  if (busy) busy.hidden = false;
});
