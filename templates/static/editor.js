// The questionnaire editor works as a plain form; this script only adds a
// live preview (the form is posted into the preview frame as one types),
// re-renders when a question's type changes, and asks before deleting.
(function () {
  "use strict";
  var form = document.getElementById("editor");
  if (!form || !form.requestSubmit) {
    return;
  }
  var previewButton = document.getElementById("preview-button");
  var refreshButton = document.getElementById("refresh-button");
  var timer = 0;

  function updatePreview(delay) {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      form.requestSubmit(previewButton);
    }, delay);
  }

  form.addEventListener("input", function (e) {
    if (e.target.closest(".cond-add")) return; // the builder's fields change nothing until "Add condition"
    updatePreview(400);
  });
  // A button that posts the page cancels a pending preview post, which
  // would otherwise race the page's own navigation.
  form.addEventListener("submit", function (e) {
    if (e.submitter !== previewButton) window.clearTimeout(timer);
  });
  form.addEventListener("change", function (e) {
    var t = e.target;
    if (t.matches("select[data-refresh]")) {
      // Another type has other fields (options, scale): let the server draw them.
      refreshButton.value = t.getAttribute("data-refresh");
      form.requestSubmit(refreshButton);
      return;
    }
    if (t.closest(".cond-add")) return;
    updatePreview(50);
  });
  // The condition builder: offer the chosen question's answers as values.
  function linkValues(keySelect) {
    var box = keySelect.closest(".cond-add");
    var input = box && box.querySelector("input[data-cond-value]");
    if (input) {
      input.setAttribute("list", "cond-vals-" + keySelect.value);
    }
  }
  Array.prototype.forEach.call(form.querySelectorAll("select[data-cond-key]"), linkValues);
  form.addEventListener("change", function (e) {
    if (e.target.matches("select[data-cond-key]")) {
      linkValues(e.target);
    }
  });
  form.addEventListener("click", function (e) {
    var b = e.target.closest("button[data-confirm]");
    if (b && !window.confirm(b.getAttribute("data-confirm"))) {
      e.preventDefault();
    }
  });
  // After a round trip (add, move, delete) the page is drawn again: show the
  // editor's current state, which may be unsaved, in the preview too.
  if (document.querySelector(".notice.unsaved")) {
    updatePreview(0);
  }
})();
