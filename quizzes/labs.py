"""SQL lab questions: a question's `lab` settings, the shipped datasets, running and grading.

`Question.lab` is {"dataset": "shop", "check_column_names": false, "check_column_order": true,
"tolerance": 1e-6}; the question's one answer row holds the reference query. Datasets are the
SQLite files in the curriculum's `datasets/` folder (each with a `<name>.md` data dictionary);
trainees' queries run there through `quizzes.sqllab`'s read-only sandbox, never on our database.
"""

import re
from functools import cache

from django.conf import settings

from content.markdown import render_markdown

from .sqllab import LabError, LabSetupError, grade_query, run_query

DATASET_NAME = re.compile(r"[a-z][a-z0-9_-]{0,40}")
OPTIONS = ("check_column_names", "check_column_order", "tolerance")


def datasets_dir():
    return settings.CURRICULUM_DIR / "datasets"


def dataset_path(name):
    """The dataset's SQLite file, or None for a name that is no shipped dataset."""
    if not isinstance(name, str) or not DATASET_NAME.fullmatch(name):
        return None
    path = datasets_dir() / f"{name}.sqlite3"
    return path if path.is_file() else None


@cache
def dictionary_html(name):
    """The dataset's data dictionary, rendered once per process."""
    path = datasets_dir() / f"{name}.md"
    return render_markdown(path.read_text(encoding="utf-8")) if dataset_path(name) and path.is_file() else ""


def _options(lab):
    return {key: lab[key] for key in OPTIONS if key in lab}


def lab_errors(lab, answers):
    """Messages for an SQL lab question: an unknown dataset, a reference that is not exactly one
    answer, or a reference query that fails on its dataset."""
    if not isinstance(lab, dict) or dataset_path(lab.get("dataset")) is None:
        shipped = sorted(p.stem for p in datasets_dir().glob("*.sqlite3"))
        return [f"choose a dataset: {', '.join(shipped)}"]
    if len(answers) != 1 or answers[0]["fraction"] != 1:
        return ["an SQL lab has one answer: the reference query, with fraction 1"]
    try:
        result = grade_query(dataset_path(lab["dataset"]), answers[0]["text"], answers[0]["text"], **_options(lab))
    except (LabError, LabSetupError, TypeError) as error:
        return [f"the reference query: {error}"]
    return [] if result.match else ["the reference query does not match itself (unstable ORDER BY?)"]


def run(lab, sql):
    """A trainee's query on the lab's dataset: the preview (LabError with the reason if refused)."""
    return run_query(dataset_path(lab["dataset"]), sql)


def grade(spec, response):
    """1.0 when the response's result set matches the reference's, else 0.0."""
    return graded(spec, response)[0]


def graded(spec, response):
    """(fraction, feedback): the grade and what the review shows of it after grading — the
    comparison's message and the first missing and extra rows (they are reference rows, so
    only a review that shows right answers shows them)."""
    if not response.strip():
        return 0.0, {"message": "No query was submitted."}
    try:
        comparison = grade_query(
            dataset_path(spec["lab"]["dataset"]), spec["answers"][0]["text"], response, **_options(spec["lab"]))
    except LabError as error:
        return 0.0, {"message": str(error)}
    except LabSetupError:
        return 0.0, {"message": "The lab's reference query failed; tell your instructor."}
    if comparison.match:
        return 1.0, {"message": ""}
    return 0.0, {
        "message": comparison.column_message or comparison.row_message,
        "missing": [[_cell(v) for v in row] for row in comparison.missing], "missing_count": comparison.missing_count,
        "extra": [[_cell(v) for v in row] for row in comparison.extra], "extra_count": comparison.extra_count,
    }


def _cell(value):
    return value if value is None or isinstance(value, (int, float, str)) else str(value)
