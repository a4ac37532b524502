// A panel that opens in place beneath its row (a checklist item's details) opens once: a link marked
// data-replaces="<id>" removes the panel of that id, left open by an earlier click, before the new one is swapped in.
(function () {
  "use strict";

  document.addEventListener("htmx:beforeSwap", function (event) {
    var elt = event.detail.requestConfig && event.detail.requestConfig.elt;
    var id = elt && elt.getAttribute && elt.getAttribute("data-replaces");
    if (!id || !event.detail.shouldSwap) return;
    var open = document.getElementById(id);
    if (open) open.remove();
  });
})();
