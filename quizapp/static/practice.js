// Practice page: Enter checks the question (the server scores and locks it,
// then the page shows the result); once checked, Enter goes on. exam.js does
// the autosave, keys and offline queue; without JavaScript the Check button
// posts the form.
(function () {
  "use strict";
  var form = document.getElementById("answer-form");
  if (!form) { return; }
  var feedback = document.getElementById("feedback-h");
  if (feedback) { feedback.focus(); }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.ctrlKey || event.metaKey || event.altKey || event.shiftKey) { return; }
    var tag = (event.target.tagName || "").toLowerCase();
    if (tag === "button" || tag === "a" || tag === "textarea") { return; }
    // The report form keeps its own keys: Enter there opens it or picks a reason, never checks.
    if (event.target.closest && event.target.closest("[data-keys-own]")) { return; }
    var target = document.getElementById("check-visible") || document.getElementById("go-next") ||
                 document.getElementById("go-summary");
    if (target) { event.preventDefault(); target.click(); }
  });
  // For tests and styles: the keys of this page work from now on.
  document.documentElement.classList.add("practice-ready");
})();
