// Loaded before the Bootstrap Italia bundle: tells it where our self-hosted fonts live
// (the CSP forbids inline scripts, so this cannot sit in the page).
window.__PUBLIC_PATH__ = document.currentScript.dataset.fontsPath;

document.addEventListener("DOMContentLoaded", function () {
  if (window.bootstrap && typeof window.bootstrap.loadFonts === "function") {
    window.bootstrap.loadFonts(window.__PUBLIC_PATH__);
  }
  // Forms marked data-autosubmit submit on change (the language switcher); without
  // JavaScript their visible button does the same.
  document.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
});
