// The console's only script, from a file: the Content-Security-Policy allows no inline script
// or event-handler attribute. A filter marked data-autosubmit applies as soon as it changes.
document.addEventListener("change", (event) => {
  const control = event.target;
  if (control instanceof Element && control.hasAttribute("data-autosubmit") && control.form) {
    control.form.submit();
  }
});
