// editor.js: small conveniences on top of pages that work without it.
// - Select a sentence in the preview and make it a pull quote with one click (without
//   script, type or paste it into the pull-quote form).
// - After a form sends you back to the same page, you land where you were.
// It never runs a dialog, never builds HTML from text, and needs no inline script.
(function () {
  "use strict";

  var SCROLL_KEY = "penpal:scroll:" + location.pathname;

  function rememberScroll() {
    try {
      sessionStorage.setItem(SCROLL_KEY, String(window.scrollY));
    } catch (e) {
      /* storage may be off: then the page simply starts at the top */
    }
  }

  function restoreScroll() {
    try {
      var stored = sessionStorage.getItem(SCROLL_KEY);
      sessionStorage.removeItem(SCROLL_KEY);
      if (stored !== null && !location.hash) {
        window.scrollTo(0, parseInt(stored, 10) || 0);
      }
    } catch (e) {
      /* as above */
    }
  }

  function turnOf(node) {
    while (node && node.nodeType !== 1) {
      node = node.parentNode;
    }
    var section = node ? node.closest("section.turn") : null;
    if (!section || !section.id) {
      return null;
    }
    var number = parseInt(section.id.replace("turn-", ""), 10);
    return isNaN(number) ? null : number - 1;
  }

  function setUpQuoteFromSelection() {
    var preview = document.querySelector(".preview");
    var form = document.querySelector("form.selection-quote");
    if (!preview || !form) {
      return;
    }
    var text = form.querySelector("input[name='text']");
    var after = form.querySelector("[name='after_turn']");
    var shown = form.querySelector(".selected-text");
    document.addEventListener("selectionchange", function () {
      var selection = document.getSelection();
      if (!selection || selection.isCollapsed || selection.rangeCount === 0) {
        return;
      }
      var range = selection.getRangeAt(0);
      if (!preview.contains(range.commonAncestorContainer)) {
        return;
      }
      var chosen = selection.toString().replace(/\s+/g, " ").trim();
      if (!chosen) {
        return;
      }
      text.value = chosen;
      shown.textContent = chosen;
      var turn = turnOf(range.startContainer);
      if (turn !== null && after) {
        after.value = String(turn);
      }
      form.hidden = false;
    });
  }

  document.addEventListener("submit", rememberScroll);
  document.addEventListener("DOMContentLoaded", function () {
    restoreScroll();
    setUpQuoteFromSelection();
  });
})();
