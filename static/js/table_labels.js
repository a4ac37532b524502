// On a phone, tables stack each row's cells (see app.css) and their column headings are hidden: each cell is
// labelled with its column's heading instead, on page load and after every htmx swap.
(function () {
  "use strict";

  function labelTable(table) {
    var headings = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    });
    if (!headings.length) return;
    table.querySelectorAll("tbody tr").forEach(function (row) {
      var column = 0;
      Array.prototype.forEach.call(row.children, function (cell) {
        var span = cell.colSpan || 1;
        if (span === 1 && headings[column] && !cell.hasAttribute("data-label")) {
          cell.setAttribute("data-label", headings[column]);
        }
        column += span;
      });
    });
  }

  function labelAll(root) {
    (root.querySelectorAll ? root : document).querySelectorAll("table.table").forEach(labelTable);
    var own = root.closest && root.closest("table.table");
    if (own) labelTable(own);
  }

  document.addEventListener("DOMContentLoaded", function () { labelAll(document); });
  document.addEventListener("htmx:afterSettle", function (event) { labelAll(event.target); });
})();
