/* Small behaviours the pages need beyond htmx (served from 'self': the CSP allows no inline script).
   - The menu button at phone width (the menu is shown as is without JavaScript).
   - The company combobox on "Log interaction" (WAI-ARIA 1.2 combobox with a listbox popup):
     Down/Up move the active option, Enter opens it, Escape closes the list, Home/End stay in the input. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function setUpMenu() {
    var button = document.getElementById("menu-button");
    var menu = document.getElementById("site-menu");
    if (!button || !menu) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", String(open));
      menu.classList.toggle("open", open);
    });
  }

  function setUpCombobox(input) {
    var list = function () { return document.getElementById(input.getAttribute("aria-controls")); };
    var options = function () {
      var box = list();
      return box ? Array.prototype.slice.call(box.querySelectorAll('[role="option"]')) : [];
    };
    function activate(index) {
      var all = options();
      all.forEach(function (option, i) { option.setAttribute("aria-selected", String(i === index)); });
      if (index >= 0 && all[index]) {
        input.setAttribute("aria-activedescendant", all[index].id);
        all[index].scrollIntoView({block: "nearest"});
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }
    function current() {
      return options().findIndex(function (option) { return option.getAttribute("aria-selected") === "true"; });
    }
    function choose(option) { if (option && option.dataset.href) window.location.assign(option.dataset.href); }
    function refreshState() {
      var count = options().length;
      input.setAttribute("aria-expanded", String(count > 0));
      input.removeAttribute("aria-activedescendant");
    }
    input.addEventListener("keydown", function (event) {
      var all = options();
      var index = current();
      if (event.key === "ArrowDown" && all.length) {
        event.preventDefault();
        activate(index < all.length - 1 ? index + 1 : 0);
      } else if (event.key === "ArrowUp" && all.length) {
        event.preventDefault();
        activate(index > 0 ? index - 1 : all.length - 1);
      } else if (event.key === "Enter" && index >= 0) {
        event.preventDefault();
        choose(all[index]);
      } else if (event.key === "Escape") {
        var box = list();
        if (box && all.length) { event.preventDefault(); box.innerHTML = ""; refreshState(); }
      }
    });
    document.body.addEventListener("click", function (event) {
      var option = event.target.closest && event.target.closest('[role="option"]');
      if (option && list() && list().contains(option)) choose(option);
    });
    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (event.target && event.target.contains && event.target.contains(list() || event.target)) refreshState();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpMenu();
    Array.prototype.forEach.call(document.querySelectorAll('input[role="combobox"]'), setUpCombobox);
  });
})();
