// The reports page: show only the parameters of the chosen report, and follow open runs live.
// Every word shown comes from the server, in the reader's language (status_label, facts).
(function () {
  // Progress bars carry their value in data-progress (the CSP forbids style attributes); the
  // width is set here through the CSSOM, which the policy allows.
  document.querySelectorAll(".progress-bar[data-progress]").forEach(function (bar) {
    bar.style.width = bar.getAttribute("data-progress") + "%";
  });

  var kind = document.querySelector("[data-testid=kind]");
  function showParameters() {
    if (!kind) return;
    var periodKinds = ["policy_compliance", "complaints"];
    document.querySelectorAll("[data-for]").forEach(function (el) {
      var wanted = el.getAttribute("data-for");
      var shown = wanted === "period" ? periodKinds.indexOf(kind.value) >= 0 : wanted === kind.value;
      el.classList.toggle("d-none", !shown);
    });
  }
  if (kind) {
    kind.addEventListener("change", showParameters);
    showParameters();
  }

  var table = document.querySelector("[data-testid=runs]");
  if (!table) return;
  var badges = { queued: "secondary", running: "info", succeeded: "success", failed: "danger" };

  function openRuns() {
    return Array.prototype.map.call(
      table.querySelectorAll("tr[data-status=queued], tr[data-status=running]"),
      function (row) { return row.getAttribute("data-run"); }
    );
  }

  function update(row, run) {
    row.setAttribute("data-status", run.status);
    var badge = row.querySelector(".run-status");
    badge.textContent = run.status_label;
    badge.className = "run-status badge badge-" + badges[run.status];
    var bar = row.querySelector(".progress-bar");
    bar.setAttribute("data-progress", run.progress);
    bar.style.width = run.progress + "%";
    bar.setAttribute("aria-valuenow", run.progress);
    row.querySelector(".run-error").textContent = run.error || "";
    if (run.status === "succeeded") {
      row.querySelector(".run-download").classList.remove("d-none");
      row.querySelector(".run-facts").textContent = run.facts;
    }
    row.querySelector(".run-retry").classList.toggle("d-none", run.status !== "failed" || run.retried);
  }

  function poll() {
    var ids = openRuns();
    if (!ids.length) return;
    fetch(table.getAttribute("data-status-url") + "?ids=" + ids.join(","), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : {}; })
      .then(function (runs) {
        Object.keys(runs).forEach(function (id) {
          var row = table.querySelector("tr[data-run='" + id + "']");
          if (row) update(row, runs[id]);
        });
      })
      .catch(function () {})
      .then(function () { window.setTimeout(poll, 1500); });
  }
  window.setTimeout(poll, 1000);
})();
