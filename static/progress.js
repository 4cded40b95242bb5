// Progress bars carry their value in data-progress (the CSP forbids style attributes); the width
// is set here through the CSSOM, which the policy allows.
(function () {
  document.querySelectorAll(".progress-bar[data-progress]").forEach(function (bar) {
    bar.style.width = bar.getAttribute("data-progress") + "%";
  });
})();
