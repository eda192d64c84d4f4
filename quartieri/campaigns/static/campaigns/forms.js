// Conveniences of the campaign and content item forms; without JavaScript the forms work
// the same and the server checks everything (slug clash, tour of another neighbourhood).
(function () {
  "use strict";

  // Same rule as Django's slugify for the common case: accents dropped, lower case,
  // anything else a hyphen. The server makes the slug itself when the field is empty.
  function slugify(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^\w\s-]/g, "").trim().replace(/[-\s]+/g, "-");
  }

  function followName(slug) {
    var source = document.getElementById(slug.dataset.slugFrom);
    if (!source) { return; }
    var touched = slug.value !== "" && slug.value !== slugify(source.value);
    slug.addEventListener("input", function () { touched = slug.value !== ""; });
    source.addEventListener("input", function () {
      if (!touched) { slug.value = slugify(source.value); }
    });
  }

  // Tours and playlists are grouped by neighbourhood (optgroups): show only the chosen
  // neighbourhood's, all of them when none is chosen.
  function followNeighbourhood(select) {
    var neighbourhood = document.getElementById(select.dataset.follows);
    if (!neighbourhood) { return; }
    function update() {
      var chosen = neighbourhood.value ? neighbourhood.selectedOptions[0].text : "";
      select.querySelectorAll("optgroup").forEach(function (group) {
        var other = chosen !== "" && group.label !== chosen;
        group.hidden = other;
        group.disabled = other;
      });
      var option = select.selectedOptions[0];
      if (option && option.parentElement.disabled) { select.value = ""; }
    }
    neighbourhood.addEventListener("change", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-slug-from]").forEach(followName);
    document.querySelectorAll("select[data-follows]").forEach(followNeighbourhood);
  });
})();
