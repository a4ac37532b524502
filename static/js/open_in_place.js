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

// A fact's panels (edit, delete, history, a new fact under it) open where its link is: the asset page's one panel
// slot, named by data-opens-in-place, is moved beneath the link's table row (in a row of its own) or its heading
// before the request goes, so the panel does not open at the top of the tab, away from what was clicked.
(function () {
  "use strict";

  function cellCount(row) {
    return Array.prototype.reduce.call(row.cells, function (sum, cell) { return sum + (cell.colSpan || 1); }, 0);
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var link = event.detail.elt;
    var slotId = link && link.getAttribute && link.getAttribute("data-opens-in-place");
    var slot = slotId && document.getElementById(slotId);
    if (!slot) return;
    var previous = slot.closest("tr.slot-row");
    var row = link.closest("tr");
    if (row) {
      var holder = document.createElement("tr");
      var cell = document.createElement("td");
      holder.className = "slot-row";
      cell.colSpan = cellCount(row);
      holder.appendChild(cell);
      cell.appendChild(slot);
      row.after(holder);
    } else {
      (link.closest(".section-head") || link.parentElement).after(slot);
    }
    if (previous && !previous.contains(slot)) previous.remove();
  });
})();
