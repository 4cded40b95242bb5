// Behaviour Flask-Admin wires with inline handlers, which the console's CSP forbids.
document.addEventListener("click", function (event) {
  var action = event.target.closest("[data-console-action]");
  if (action) {
    event.preventDefault();
    window.modelActions.execute(action.getAttribute("data-console-action"));
    return;
  }
  var placeholder = event.target.closest('a[href="#"]');
  if (placeholder) {
    event.preventDefault();
  }
});
