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

  // Visit drafts save themselves as the consultant types (htmx, see visit_record.html). Three
  // things the server cannot do from there:
  //  - a "Save" or "Submit" click waits for a save in flight, so it carries the newest version;
  //  - with no connection the typed text is kept on this device and sent when it is back;
  //  - a copy left on the device by a lost connection is offered back on the next visit.
  var inFlight = 0;
  var waiting = null;
  function isAutosave(elt) { return elt && elt.hasAttribute && elt.hasAttribute("data-autosave"); }
  function draftKey(form) { return "score-draft:" + form.getAttribute("data-draft-key"); }
  function fieldValues(form) {
    var values = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "hidden" || el.type === "submit") { return; }
      if (el.type === "checkbox") {
        values[el.name] = values[el.name] || [];
        if (el.checked) { values[el.name].push(el.value); }
      } else {
        values[el.name] = el.value;
      }
    });
    return values;
  }
  function keepLocally(form) {
    try {
      window.localStorage.setItem(draftKey(form), JSON.stringify({
        version: document.getElementById("visit-version").value, values: fieldValues(form)
      }));
    } catch (e) { /* storage full or disabled: the page still holds the text */ }
  }
  function setStatus(text, state) {
    var status = document.getElementById("autosave-status");
    if (status) { status.textContent = text; status.setAttribute("data-state", state); }
  }
  // Edits typed since the last request left: until they are saved the status line says so, so
  // "saved" always means everything on the screen is on the server.
  var edits = 0;
  var sentEdits = 0;
  function pending(form) {
    setStatus(form.getAttribute("data-pending-text") || "Saving…", "pending");
  }
  function edited(event) {
    var form = event.target.form;
    if (!form || !isAutosave(form)) { return; }
    edits += 1;
    keepLocally(form);
    var status = document.getElementById("autosave-status");
    if (!status || status.getAttribute("data-state") !== "offline") { pending(form); }
  }
  document.addEventListener("input", edited);
  document.addEventListener("change", edited);
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (isAutosave(event.detail.elt)) { inFlight += 1; sentEdits = edits; }
  });
  document.addEventListener("htmx:afterSettle", function () {
    var form = document.querySelector("form[data-autosave]");
    var status = document.getElementById("autosave-status");
    if (form && status && status.getAttribute("data-state") === "saved" && edits > sentEdits) { pending(form); }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (!isAutosave(form)) { return; }
    inFlight = Math.max(0, inFlight - 1);
    if (event.detail.successful) {
      var status = document.getElementById("autosave-status");
      if (status && status.getAttribute("data-state") === "saved") {
        try { window.localStorage.removeItem(draftKey(form)); } catch (e) { /* ignore */ }
      }
    }
    if (inFlight === 0 && waiting) {
      var pending = waiting;
      waiting = null;
      pending.form.requestSubmit(pending.submitter);
    }
  });
  document.addEventListener("htmx:sendError", function (event) {
    var form = event.detail.elt;
    if (!isAutosave(form)) { return; }
    keepLocally(form);
    setStatus(form.getAttribute("data-offline-text") || "Offline", "offline");
  });
  window.addEventListener("online", function () {
    document.querySelectorAll("form[data-autosave]").forEach(function (form) {
      if (window.htmx) { window.htmx.trigger(form, "change"); }
    });
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (isAutosave(form) && inFlight > 0 && !event.defaultPrevented) {
      event.preventDefault();
      waiting = { form: form, submitter: event.submitter };
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-autosave]").forEach(function (form) {
      var saved;
      try { saved = JSON.parse(window.localStorage.getItem(draftKey(form)) || "null"); } catch (e) { saved = null; }
      var version = document.getElementById("visit-version");
      if (!saved || !version || saved.version !== version.value) {
        // Nothing kept, or the visit was saved since: the server's copy is the newer one.
        try { window.localStorage.removeItem(draftKey(form)); } catch (e) { /* ignore */ }
        return;
      }
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!(el.name in saved.values)) { return; }
        if (el.type === "checkbox") { el.checked = saved.values[el.name].indexOf(el.value) !== -1; }
        else if (el.type !== "hidden" && el.type !== "submit") { el.value = saved.values[el.name]; }
      });
      setStatus(form.getAttribute("data-restored-text") || "Restored", "restored");
      if (window.htmx) { window.htmx.trigger(form, "change"); }
    });
  });
})();
