// The searchable combobox of long choice lists (quartieri/core/widgets.py), after the
// WAI-ARIA Authoring Practices' combobox-with-listbox pattern. The server renders a plain
// <select> in a [data-combobox] wrapper; this script hides it and puts a text box that
// filters a listbox in front of it. The select stays in the form, so what is submitted is
// the same with or without this script. Keys: arrows move, Enter picks, Escape closes (or
// clears the typed text), Backspace in an empty box removes the last pick.
(function () {
  "use strict";

  function fold(text) {
    // "Città" matches "citta": compare without accents and case.
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function Combobox(wrapper) {
    this.wrapper = wrapper;
    this.select = wrapper.querySelector("select");
    this.multiple = this.select.multiple;
    this.texts = wrapper.dataset;
    this.active = -1;
    this.shown = [];
    this.build();
    this.bind();
    this.sync();
  }

  Combobox.prototype.options = function () {
    return Array.prototype.filter.call(this.select.options, function (option) {
      return option.value !== "" && !option.disabled;
    });
  };

  Combobox.prototype.build = function () {
    var base = this.select.id || "q-combobox-" + Math.random().toString(36).slice(2);
    var input = document.createElement("input");
    input.type = "text";
    input.id = base + "-combobox";
    input.className = "form-control";
    input.autocomplete = "off";
    input.placeholder = this.texts.textPlaceholder || "";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    ["aria-describedby", "aria-invalid"].forEach(function (name) {
      if (this.select.hasAttribute(name)) input.setAttribute(name, this.select.getAttribute(name));
    }, this);
    if (this.select.required) input.setAttribute("aria-required", "true");
    var list = document.createElement("ul");
    list.id = base + "-listbox";
    list.className = "q-combobox-listbox";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    if (this.multiple) list.setAttribute("aria-multiselectable", "true");
    input.setAttribute("aria-controls", list.id);
    // The field's label now names the text box (and the listbox it opens).
    var label = this.select.id && document.querySelector('label[for="' + this.select.id + '"]');
    if (label) {
      label.htmlFor = input.id;
      label.id = label.id || base + "-label";
      list.setAttribute("aria-labelledby", label.id);
    } else if (this.select.hasAttribute("aria-label")) {
      input.setAttribute("aria-label", this.select.getAttribute("aria-label"));
      list.setAttribute("aria-label", this.select.getAttribute("aria-label"));
    }
    this.status = document.createElement("div");
    this.status.className = "visually-hidden";
    this.status.setAttribute("role", "status");
    if (this.multiple) {
      this.chips = document.createElement("ul");
      this.chips.className = "q-combobox-chips";
      this.chips.setAttribute("aria-label", label ? label.textContent.trim() : "");
      this.wrapper.insertBefore(this.chips, this.select);
    }
    this.wrapper.insertBefore(input, this.select);
    this.wrapper.insertBefore(list, this.select);
    this.wrapper.appendChild(this.status);
    this.select.hidden = true;
    this.select.tabIndex = -1;
    var hint = this.wrapper.querySelector(".q-combobox-fallback");
    if (hint) hint.remove();
    this.wrapper.classList.add("q-combobox-ready");
    this.input = input;
    this.list = list;
  };

  Combobox.prototype.bind = function () {
    var self = this;
    this.input.addEventListener("input", function () { self.open(); });
    this.input.addEventListener("click", function () { self.open(); });
    this.input.addEventListener("keydown", function (event) { self.key(event); });
    this.list.addEventListener("mousedown", function (event) { event.preventDefault(); });
    this.list.addEventListener("click", function (event) {
      var item = event.target.closest("[role=option]");
      if (item) self.pick(self.shown[Number(item.dataset.index)]);
    });
    this.wrapper.addEventListener("focusout", function (event) {
      if (!self.wrapper.contains(event.relatedTarget)) self.leave();
    });
    this.select.addEventListener("change", function () { self.sync(); });
  };

  Combobox.prototype.key = function (event) {
    var open = !this.list.hidden;
    switch (event.key) {
      case "ArrowDown":
        event.preventDefault();
        if (!open) this.open();
        if (!event.altKey) this.move(1);
        break;
      case "ArrowUp":
        event.preventDefault();
        if (!open) this.open();
        this.move(-1);
        break;
      case "Enter":
        if (open) {
          event.preventDefault(); // picking is not submitting the form
          if (this.active >= 0) this.pick(this.shown[this.active]);
        }
        break;
      case "Escape":
        if (open) {
          event.preventDefault();
          this.close();
        } else if (this.input.value) {
          event.preventDefault();
          if (this.multiple) this.input.value = "";
          else this.sync();
        }
        break;
      case "Backspace":
        if (this.multiple && this.input.value === "") {
          if (this.picked.length) this.toggle(this.picked[this.picked.length - 1], false);
        }
        break;
      default:
    }
  };

  Combobox.prototype.matches = function (typed) {
    var all = this.options();
    var current = this.select.selectedOptions[0];
    // A single choice whose label is still in the box shows every option.
    if (!this.multiple && current && typed === current.text) typed = "";
    var needle = fold(typed.trim());
    return all.filter(function (option) { return fold(option.text).indexOf(needle) !== -1; });
  };

  Combobox.prototype.open = function () {
    this.shown = this.matches(this.input.value);
    this.list.textContent = "";
    this.shown.forEach(function (option, index) {
      var item = document.createElement("li");
      item.id = this.list.id + "-" + index;
      item.dataset.index = String(index);
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", option.selected ? "true" : "false");
      item.textContent = option.text;
      this.list.appendChild(item);
    }, this);
    if (!this.shown.length) {
      var none = document.createElement("li");
      none.className = "q-combobox-none";
      none.setAttribute("role", "presentation");
      none.textContent = this.texts.textNone || "";
      this.list.appendChild(none);
    }
    this.list.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
    this.status.textContent = (this.texts.textResults || "%d").replace("%d", this.shown.length);
    // No option is active until an arrow key says so (the APG's manual selection).
    this.setActive(-1);
  };

  Combobox.prototype.close = function () {
    this.list.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.setActive(-1);
  };

  Combobox.prototype.move = function (step) {
    if (!this.shown.length) return;
    var next = this.active + step;
    if (next < 0) next = this.shown.length - 1;
    if (next >= this.shown.length) next = 0;
    this.setActive(next);
  };

  Combobox.prototype.setActive = function (index) {
    var previous = this.list.querySelector(".q-active");
    if (previous) previous.classList.remove("q-active");
    this.active = index;
    if (index < 0) {
      this.input.removeAttribute("aria-activedescendant");
      return;
    }
    var item = this.list.children[index];
    item.classList.add("q-active");
    item.scrollIntoView({ block: "nearest" });
    this.input.setAttribute("aria-activedescendant", item.id);
  };

  Combobox.prototype.pick = function (option) {
    if (!option) return;
    if (this.multiple) {
      this.toggle(option, !option.selected);
      this.input.value = "";
      this.open();
      return;
    }
    this.select.value = option.value;
    this.changed();
    this.close();
  };

  Combobox.prototype.toggle = function (option, selected) {
    option.selected = selected;
    this.changed();
    if (!this.list.hidden) this.open();
  };

  Combobox.prototype.changed = function () {
    this.select.dispatchEvent(new Event("change", { bubbles: true }));
  };

  Combobox.prototype.leave = function () {
    this.close();
    if (this.multiple) {
      this.input.value = "";
      return;
    }
    // An empty box clears an optional choice; any other text not picked is undone.
    var empty = this.select.querySelector('option[value=""]');
    if (this.input.value.trim() === "" && empty) {
      this.select.value = "";
      this.changed();
    }
    this.sync();
  };

  Combobox.prototype.sync = function () {
    if (!this.multiple) {
      var current = this.select.selectedOptions[0];
      this.input.value = current && current.value !== "" ? current.text : "";
      return;
    }
    // Chips in the order they were picked (those chosen before, in the list's order).
    var selected = this.options().filter(function (option) { return option.selected; });
    this.picked = (this.picked || []).filter(function (option) { return option.selected; });
    selected.forEach(function (option) {
      if (this.picked.indexOf(option) === -1) this.picked.push(option);
    }, this);
    this.chips.textContent = "";
    this.picked.forEach(function (option) {
      var chip = document.createElement("li");
      chip.className = "q-combobox-chip";
      var name = document.createElement("span");
      name.textContent = option.text;
      var remove = document.createElement("button");
      remove.type = "button";
      remove.textContent = "×";
      remove.setAttribute("aria-label", (this.texts.textRemove || "%s").replace("%s", option.text));
      remove.addEventListener("click", function () {
        this.toggle(option, false);
        this.input.focus();
      }.bind(this));
      chip.appendChild(name);
      chip.appendChild(remove);
      this.chips.appendChild(chip);
    }, this);
    this.chips.hidden = !this.chips.children.length;
  };

  function enhance(root) {
    root.querySelectorAll("[data-combobox]:not(.q-combobox-ready)").forEach(function (wrapper) {
      if (wrapper.querySelector("select")) new Combobox(wrapper);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  // Forms swapped in by htmx are enhanced too.
  document.addEventListener("htmx:afterSwap", function (event) { enhance(event.target); });
})();
