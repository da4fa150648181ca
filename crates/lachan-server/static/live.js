// Refreshes the parts of the page marked data-live (time used and left, pauses) every 30 s
// while the page is visible. The page works the same without it: reloading shows the same.
(function () {
  "use strict";
  function refresh() {
    if (document.hidden) { return; }
    fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("[data-live][id]").forEach(function (old) {
          var next = fresh.getElementById(old.id);
          if (next && next.innerHTML !== old.innerHTML) { old.innerHTML = next.innerHTML; }
        });
      })
      .catch(function () {});
  }
  window.setInterval(refresh, 30000);
})();
