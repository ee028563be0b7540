// The grading page's running score: Moodle's rubric formula, (chosen − least) / (most − least)
// × the question's points, as the grader clicks levels. Display only: the server scores.
(() => {
  const form = document.querySelector("[data-grading-form]");
  const output = form && form.querySelector("[data-grading-total]");
  if (!output) return;
  const least = parseFloat(form.dataset.least);
  const most = parseFloat(form.dataset.most);
  const points = parseFloat(form.dataset.points);
  const criteria = form.querySelectorAll("[data-criterion]");
  const update = () => {
    let total = 0;
    for (const criterion of criteria) {
      const chosen = criterion.querySelector("input[type=radio]:checked");
      if (!chosen) { output.textContent = "—"; return; }
      total += parseFloat(chosen.dataset.levelPoints);
    }
    const score = ((total - least) / (most - least)) * points;
    output.textContent = String(Math.round(score * 100) / 100);
  };
  form.addEventListener("change", update);
  update();
})();
