// Writing help on the variant editor: as one types, the draft (not saved) goes to the
// server, which counts it in the platform's units, runs the platform's rules on it and
// redraws the preview (campaigns.views_review.variant_check_view). This script only shows
// the answer: no rule, count or platform is known here.
(function () {
  "use strict";
  var form = document.querySelector("form[data-check-url]");
  if (!form || !window.fetch) { return; }
  var url = form.getAttribute("data-check-url");
  var timer = null;
  var latest = 0;

  function token() {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function fill(listId, items, render) {
    var list = document.getElementById(listId);
    if (!list) { return; }
    while (list.firstChild) { list.removeChild(list.firstChild); }
    items.forEach(function (item) { list.appendChild(render(item)); });
  }

  function show(answer) {
    fill("writing-counters", answer.counters || [], function (counter) {
      var li = document.createElement("li");
      li.setAttribute("data-field", counter.field);
      if (counter.over) { li.setAttribute("data-over", "1"); }
      li.textContent = counter.label + ": " + counter.text;
      return li;
    });
    fill("writing-failures", answer.problems || [], function (problem) {
      var li = document.createElement("li");
      li.textContent = problem;
      return li;
    });
    fill("writing-warnings", answer.warnings || [], function (warning) {
      var li = document.createElement("li");
      li.textContent = warning;
      return li;
    });
    var summary = document.querySelector("[data-testid=writing-summary]");
    if (summary && answer.summary && summary.textContent !== answer.summary) {
      summary.textContent = answer.summary;
    }
    var preview = document.getElementById("preview-live");
    if (preview && typeof answer.preview === "string") { preview.innerHTML = answer.preview; }
    form.setAttribute("data-checked", String(latest));
  }

  function check() {
    var mine = ++latest;
    fetch(url, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-CSRFToken": token(), "Accept": "application/json" }
    }).then(function (response) {
      return response.json();
    }).then(function (answer) {
      if (mine === latest) { show(answer); }
    }).catch(function () { /* the saved page's own check still stands */ });
  }

  function soon() {
    window.clearTimeout(timer);
    timer = window.setTimeout(check, 250);
  }
  form.addEventListener("input", soon);
  form.addEventListener("change", soon);
})();
