/* Content that scrolls sideways (a wide table, a diagram on a phone, a long formula) must be
   scrollable from the keyboard: while it overflows, its container is a named tab stop. When it
   fits, it is not, so a desktop reader does not tab through dozens of empty stops. */
(function () {
  "use strict";
  var SCROLLERS = ".gr-scroll, .gr-figure.gr-diagram, .gr-math-display";

  function label(element) {
    var caption = element.querySelector("caption");
    var title = element.querySelector("svg > title");
    var math = element.querySelector("math[alttext]");
    var what = caption ? "Table: " + caption.textContent
      : title ? "Diagram: " + title.textContent
      : math ? "Formula" : "Content";
    return what.replace(/\s+/g, " ").trim() + " (scrolls sideways)";
  }

  function update(element) {
    var overflows = element.scrollWidth > element.clientWidth + 1;
    var managed = element.hasAttribute("data-gr-scroll");
    if (overflows && !managed) {
      element.setAttribute("data-gr-scroll", "");
      element.setAttribute("tabindex", "0");
      element.setAttribute("aria-label", label(element));
      if (element.tagName !== "FIGURE") {
        element.setAttribute("role", "group");
      }
    } else if (!overflows && managed) {
      ["data-gr-scroll", "tabindex", "aria-label", "role"].forEach(function (name) {
        element.removeAttribute(name);
      });
    }
  }

  function start() {
    // the content is observed too: a font arriving late widens a table without resizing its container
    var observed = new WeakSet();
    var observer = "ResizeObserver" in window ? new ResizeObserver(function (entries) {
      entries.forEach(function (entry) { update(entry.target.closest(SCROLLERS)); });
    }) : null;
    var pending = false;
    function scan() {
      pending = false;
      document.querySelectorAll(SCROLLERS).forEach(function (element) {
        if (observer && !observed.has(element)) {
          observed.add(element);
          observer.observe(element);
        }
        if (observer && element.firstElementChild && !observed.has(element.firstElementChild)) {
          observed.add(element.firstElementChild);
          observer.observe(element.firstElementChild);
        }
        update(element);
      });
    }
    scan();
    // content drawn or replaced by a script later (the explorable's diagrams) is looked at again
    new MutationObserver(function () {
      if (!pending) {
        pending = true;
        requestAnimationFrame(scan);
      }
    }).observe(document.body, { childList: true, subtree: true });
    window.addEventListener("resize", function () { requestAnimationFrame(scan); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
