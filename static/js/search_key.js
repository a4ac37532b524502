// "/" anywhere but in a field moves to the search box in the header, as on GitHub and Gmail.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) return;
    var box = document.getElementById("top-search");
    if (!box) return;
    event.preventDefault();
    box.focus();
    box.select();
  });
})();
