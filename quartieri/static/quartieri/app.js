// Behaviour shared by every staff page. Fonts come from static/quartieri/fonts.css, not
// from Bootstrap Italia's loadFonts(), whose inline <style> the CSP would block.
document.documentElement.classList.add("q-js");
document.addEventListener("DOMContentLoaded", function () {
  // Forms marked data-autosubmit submit on change (the language switcher); without
  // JavaScript their visible button does the same.
  document.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
});
