// Keyboard shortcuts: j/k move in a queue, o opens the selected row, r replies on a complaint's
// page, ? shows the help. Ignored while typing in a field.
(function () {
  function typing(target) {
    return target.closest("input, textarea, select, [contenteditable=true]");
  }
  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("table.model-list tbody tr"))
      .filter(function (row) { return row.querySelector("a[href]"); });
  }
  function move(step) {
    var all = rows();
    if (!all.length) return;
    var current = all.findIndex(function (row) { return row.classList.contains("kbd-current"); });
    var next = Math.max(0, Math.min(all.length - 1, current < 0 ? 0 : current + step));
    if (current >= 0) {
      all[current].classList.remove("kbd-current");
      all[current].removeAttribute("aria-current");
    }
    all[next].classList.add("kbd-current");
    all[next].setAttribute("aria-current", "true");
    all[next].scrollIntoView({ block: "nearest" });
  }
  function open() {
    var row = document.querySelector("table.model-list tbody tr.kbd-current");
    var link = row && (row.querySelector("a[data-testid^=complaint-]") || row.querySelector("td:not(.list-checkbox-column) a[href]"));
    if (link) window.location.href = link.href;
  }
  function reply() {
    var box = document.querySelector("#composer textarea[name=body]");
    if (box) { box.focus(); box.scrollIntoView({ block: "center" }); }
  }
  function help() {
    var panel = document.getElementById("keyboard-help");
    if (panel) panel.classList.toggle("d-none");
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var actions = { j: function () { move(1); }, k: function () { move(-1); }, o: open, r: reply, "?": help };
    var action = actions[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });
})();
