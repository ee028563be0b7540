// The question editor shows only the fields the chosen type uses (issue 13). Without this
// script every field shows, and the server's validation (quizzes.validation) still applies.
// A field that holds a value or an error is never hidden, so nothing is kept out of sight.
(function () {
  "use strict";
  var USED_BY = {
    fraction: ["single_choice", "multiple_response", "true_false", "numeric", "short_text", "calculated"],
    match: ["matching", "calculated"],
    tolerance: ["numeric", "calculated"],
    units: ["numeric", "calculated"],
    calculation: ["calculated"],
    lab: ["sql"],
    essay: ["essay"],
  };

  function wrapperOf(input) {
    return input.closest("[data-field-wrapper]") || input.closest(".w-field__wrapper") || input.parentElement;
  }

  function isEmpty(input) {
    var value = (input.value || "").trim();
    if (input.type === "number") return value === "" || parseFloat(value) === 0;
    return ["", "null", "{}", "[]"].indexOf(value) >= 0;
  }

  function keep(input) {
    var wrapper = wrapperOf(input);
    var hasError = input.getAttribute("aria-invalid") === "true" || (wrapper && wrapper.querySelector(".error-message"));
    return !isEmpty(input) || hasError;
  }

  function fieldInputs(name) {
    if (["fraction", "match", "tolerance"].indexOf(name) >= 0) {
      return document.querySelectorAll('[id^="id_answers-"][id$="-' + name + '"]');
    }
    return document.querySelectorAll('[name="' + name + '"], [name^="' + name + '-"]');
  }

  function apply() {
    var select = document.getElementById("id_question_type");
    if (!select) return;
    Object.keys(USED_BY).forEach(function (name) {
      var used = USED_BY[name].indexOf(select.value) >= 0;
      fieldInputs(name).forEach(function (input) {
        if (input.id && input.id.indexOf("__prefix__") >= 0) return;
        var target = ["units", "calculation", "lab", "essay"].indexOf(name) >= 0
          ? (input.closest("section.w-panel") || wrapperOf(input))
          : wrapperOf(input);
        if (target) target.hidden = !used && !keep(input);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var select = document.getElementById("id_question_type");
    if (!select) return;
    apply();
    select.addEventListener("change", apply);
    document.addEventListener("w-formset:added", function () { window.setTimeout(apply, 0); });
    var answers = document.getElementById("id_answers-FORMS");
    if (answers && window.MutationObserver) new MutationObserver(apply).observe(answers, { childList: true });
  });
})();
