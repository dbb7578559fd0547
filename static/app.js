// Small conveniences on top of pages that work without JavaScript.
(function () {
  "use strict";

  // Close the user menu when clicking elsewhere or pressing Escape.
  document.addEventListener("click", function (e) {
    document.querySelectorAll("details.user-menu[open]").forEach(function (d) {
      if (!d.contains(e.target)) d.removeAttribute("open");
    });
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape") {
      document.querySelectorAll("details.user-menu[open]").forEach(function (d) { d.removeAttribute("open"); });
    }
  });

  function toast(text) {
    var t = document.getElementById("toast");
    if (!t) return;
    t.textContent = text;
    t.hidden = false;
    clearTimeout(t._timer);
    t._timer = setTimeout(function () { t.hidden = true; }, 4000);
  }

  function copyFallback(text) {
    var ta = document.createElement("textarea");
    ta.value = text;
    ta.setAttribute("readonly", "");
    ta.style.position = "fixed";
    ta.style.opacity = "0";
    document.body.appendChild(ta);
    ta.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (_) { ok = false; }
    document.body.removeChild(ta);
    return ok;
  }

  // Buttons with data-copy-target copy that element's text to the clipboard.
  document.querySelectorAll("[data-copy-target]").forEach(function (btn) {
    btn.hidden = false;
    btn.addEventListener("click", function () {
      var el = document.getElementById(btn.getAttribute("data-copy-target"));
      if (!el) return;
      var text = el.textContent.trim();
      var done = function () { toast("Token copied to clipboard"); };
      var failed = function () { toast(copyFallback(text) ? "Token copied to clipboard" : "Could not copy token"); };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, failed);
      } else {
        failed();
      }
    });
  });

  // The token form: live expiry date and curl example.
  var form = document.getElementById("token-form");
  if (form) {
    var desc = document.getElementById("description");
    var expiry = document.getElementById("expiry");
    var custom = document.getElementById("custom-field");
    var customInput = document.getElementById("custom_expiry");
    var expiresOn = document.getElementById("expires-on");
    var neverWarning = document.getElementById("never-warning");
    var curl = document.getElementById("curl");
    var curlTemplate = curl ? curl.getAttribute("data-url") : "";

    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    var isoDate = function (d) { return d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()); };

    var expiresAt = function () {
      var v = expiry.value;
      if (v === "never") return null;
      if (v === "custom") {
        if (!customInput.value) return undefined;
        var d = new Date(customInput.value + "Z");
        return isNaN(d.getTime()) ? undefined : d;
      }
      var days = parseInt(v, 10);
      return new Date(Date.now() + days * 86400000);
    };

    // The scope: access, and projects and environments ("all", or those ticked).
    var ticked = function (name) {
      var all = form.querySelector('input[name="' + name + '"].scope-all');
      var picked = Array.prototype.map.call(
        form.querySelectorAll('input[name="' + name + '"].scope-one:checked'),
        function (i) { return i.value; });
      return (all && all.checked) || picked.length === 0 ? ["*"] : picked;
    };
    var scopeOf = function () {
      var access = form.querySelector('input[name="access"]:checked');
      return { access: access ? access.value : "read-write", projects: ticked("projects"), environments: ticked("environments") };
    };
    // "All" and single choices exclude each other; with nothing ticked, "all" comes back.
    form.addEventListener("change", function (ev) {
      var t = ev.target;
      if (!t || t.type !== "checkbox" || !t.name) { update(); return; }
      var all = form.querySelector('input[name="' + t.name + '"].scope-all');
      var ones = form.querySelectorAll('input[name="' + t.name + '"].scope-one');
      if (t === all && all.checked) {
        Array.prototype.forEach.call(ones, function (i) { i.checked = false; });
      } else if (t.classList.contains("scope-one") && t.checked && all) {
        all.checked = false;
      }
      if (all && !all.checked && !form.querySelector('input[name="' + t.name + '"].scope-one:checked')) {
        all.checked = true;
      }
      update();
    });

    var taken = [];
    try { taken = JSON.parse(form.getAttribute("data-taken") || "[]"); } catch (_) { taken = []; }
    var takenMsg = document.getElementById("description-taken");
    var submit = document.getElementById("create-token");

    var update = function () {
      var v = expiry.value;
      var isTaken = taken.indexOf(desc.value.trim()) !== -1;
      takenMsg.hidden = !isTaken;
      desc.setAttribute("aria-invalid", isTaken ? "true" : "false");
      custom.hidden = v !== "custom";
      if (neverWarning) neverWarning.hidden = v !== "never";
      var at = expiresAt();
      var future = at === null || (at !== undefined && at.getTime() > Date.now());
      submit.disabled = isTaken || !desc.value.trim() || !future;
      if (at === null) {
        expiresOn.innerHTML = "The token will <strong>never</strong> expire!";
      } else if (at === undefined) {
        expiresOn.textContent = "Pick a date and time in the future.";
      } else if (at.getTime() <= Date.now()) {
        expiresOn.textContent = "Invalid date, must be in the future";
      } else {
        expiresOn.innerHTML = "";
        expiresOn.appendChild(document.createTextNode("Token will expire on "));
        var s = document.createElement("strong");
        s.id = "expiry-date";
        s.textContent = isoDate(at);
        expiresOn.appendChild(s);
      }
      if (curl) {
        var body = { description: desc.value, expiresAt: at === null ? "9999-12-31T23:59:59.000Z" : (at ? at.toISOString() : ""), scope: scopeOf() };
        curl.textContent = "curl --location --request POST '" + curlTemplate + "' \\\n" +
          "    --header 'Authorization: INSERT_API_KEY' \\\n" +
          "    --header 'Content-Type: application/json' \\\n" +
          "    --data-raw '" + JSON.stringify(body, null, 2).replace(/'/g, "'\\''") + "'";
      }
    };
    desc.addEventListener("input", update);
    expiry.addEventListener("change", update);
    if (customInput) customInput.addEventListener("input", update);
    update();
  }
})();

// The strategy form: show the parameters of the chosen strategy, and the value input that
// fits each constraint's operator (a list or a single value).
(function () {
  "use strict";
  var form = document.getElementById("strategy-form");
  if (!form) return;
  var multi = (form.getAttribute("data-multi") || "").split(",");
  var name = document.getElementById("strategy-name");
  var showParams = function () {
    form.querySelectorAll(".params-set").forEach(function (f) {
      f.hidden = f.getAttribute("data-for") !== name.value;
    });
  };
  name.addEventListener("change", showParams);
  showParams();
  form.querySelectorAll(".constraint-row").forEach(function (row) {
    var op = row.querySelector("select.operator");
    var update = function () {
      var isMulti = multi.indexOf(op.value) !== -1;
      row.querySelector(".values-multi").hidden = !isMulti;
      row.querySelector(".value-single").hidden = isMulti;
    };
    op.addEventListener("change", update);
    update();
  });
})();

// Forms with data-confirm ask before they are sent (the text is data, never code).
document.querySelectorAll("form[data-confirm]").forEach(function (f) {
  f.addEventListener("submit", function (e) {
    if (!window.confirm(f.getAttribute("data-confirm"))) e.preventDefault();
  });
});

// Once the browser's dialog of a data-confirm form is accepted, the form says so with
// confirm=yes; without it (no JavaScript) the server shows its own confirmation page first.
document.querySelectorAll("form[data-confirm]").forEach(function (f) {
  f.addEventListener("submit", function (e) {
    if (e.defaultPrevented || f.querySelector("input[name=confirm]")) return;
    var yes = document.createElement("input");
    yes.type = "hidden";
    yes.name = "confirm";
    yes.value = "yes";
    f.appendChild(yes);
  });
});

// Variant rows: "Add variant" and "Remove" work in place (without JavaScript they are
// buttons that show the form again). A variable weight is shared out when the list is
// saved, so its input is read-only until the row is made fixed.
(function () {
  "use strict";
  document.querySelectorAll("[data-variant-editor]").forEach(function (ed) {
    var list = ed.querySelector(".variant-list");
    var tpl = ed.querySelector("template.variant-template");
    var add = ed.querySelector("button.add-variant");
    var next = parseInt(ed.getAttribute("data-next"), 10) || 0;
    var wire = function (row) {
      var type = row.querySelector("select.weight-type");
      var weight = row.querySelector("input.weight");
      var update = function () { weight.readOnly = type.value !== "fix"; };
      type.addEventListener("change", update);
      update();
      row.querySelector("button.remove-variant").addEventListener("click", function (e) {
        e.preventDefault();
        row.parentNode.removeChild(row);
        if (add) add.focus();
      });
    };
    list.querySelectorAll(".variant-row").forEach(wire);
    if (!tpl || !add) return;
    add.addEventListener("click", function (e) {
      e.preventDefault();
      var i = String(next++);
      var row = tpl.content.querySelector(".variant-row").cloneNode(true);
      row.setAttribute("data-index", i);
      row.querySelectorAll("[name], [id], [value]").forEach(function (el) {
        ["name", "id", "value"].forEach(function (a) {
          var v = el.getAttribute(a);
          if (v && v.indexOf("__i__") !== -1) el.setAttribute(a, v.split("__i__").join(i));
        });
      });
      list.appendChild(row);
      wire(row);
      row.querySelector("input.variant-name-input").focus();
    });
  });
})();
