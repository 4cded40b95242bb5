// Complaint page: a macro fills the composer in one click (text, recipient, the button offered).
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-console-macro]");
  if (!button) return;
  event.preventDefault();
  var form = button.form || document.getElementById("composer");
  var box = form.querySelector("textarea[name=body]");
  var text = button.getAttribute("data-body");
  box.value = box.value.trim() ? box.value.replace(/\s+$/, "") + "\n\n" + text : text;
  var kind = form.querySelector("select[name=kind]");
  var recipient = button.getAttribute("data-recipient");
  if (kind.querySelector('option[value="' + recipient + '"]')) kind.value = recipient;
  form.querySelector("input[name=macro_id]").value = button.getAttribute("data-console-macro");
  var then = button.getAttribute("data-then");
  form.querySelectorAll("button[name=then]").forEach(function (send) {
    var chosen = send.value === then;
    send.classList.toggle("btn-primary", chosen);
    send.classList.toggle("btn-outline-primary", !chosen);
    if (chosen) send.setAttribute("aria-describedby", "macro-applied");
    else send.removeAttribute("aria-describedby");
  });
  var applied = form.querySelector("[data-testid=macro-applied]");
  if (applied) {
    applied.id = "macro-applied";
    applied.textContent = applied.getAttribute("data-template").replace("{title}", button.textContent.trim());
  }
  box.focus();
  box.setSelectionRange(box.value.length, box.value.length);
});
