// Small behaviours for server-rendered pages; no inline scripts, so the CSP can forbid them.
(function () {
  "use strict";

  // Ask before destructive actions: <form data-confirm="Archive this enterprise?">.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  }, true);

  // Filters that apply as soon as they change: <select data-autosubmit>.
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.hasAttribute && field.hasAttribute("data-autosubmit") && field.form) {
      field.form.requestSubmit();
    }
  });

  // The coordinator's provinces only matter for coordinators: show them only then.
  function syncScope() {
    var role = document.getElementById("id_role");
    if (!role) { return; }
    document.querySelectorAll("[data-scope-for]").forEach(function (box) {
      box.hidden = box.getAttribute("data-scope-for") !== role.value;
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target.id === "id_role") { syncScope(); }
  });
  document.addEventListener("DOMContentLoaded", syncScope);
})();
