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

// Complaint page: a canned reply chosen from the list is inserted into the message box.
document.addEventListener("change", function (event) {
  var select = event.target.closest("[data-console-macro]");
  if (!select || !select.value) return;
  var box = select.form.querySelector("textarea[name=body]");
  box.value = box.value ? box.value + "\n\n" + select.value : select.value;
  select.selectedIndex = 0;
});
