// Menu groups are <details> elements: opening one closes the others, a click elsewhere or
// Escape closes them all. Without this script the menu still works (each group toggles).
(function () {
  function groups() { return document.querySelectorAll("details.navgroup, details.usermenu"); }
  document.addEventListener("toggle", function (event) {
    var opened = event.target;
    if (!opened.matches || !opened.matches("details.navgroup, details.usermenu") || !opened.open) return;
    groups().forEach(function (other) { if (other !== opened) other.open = false; });
  }, true);
  document.addEventListener("click", function (event) {
    groups().forEach(function (group) { if (!group.contains(event.target)) group.open = false; });
    var box = document.getElementById("global-search-results");
    if (box && !event.target.closest(".globalsearch")) box.innerHTML = "";
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    groups().forEach(function (group) { group.open = false; });
    var box = document.getElementById("global-search-results");
    if (box) box.innerHTML = "";
  });
})();

// <select data-autosubmit>: choosing an option submits its form (no inline handlers: CSP).
document.addEventListener("change", function (event) {
  var field = event.target;
  if (field.matches && field.matches("[data-autosubmit]") && field.form) field.form.requestSubmit();
});
