"""Moodle XML `calculated` and `calculatedsimple`: imported with their datasets, items, tolerance
types and display, graded on each attempt's frozen values, and written back as Moodle writes them."""

from pathlib import Path

import pytest
from django.utils import translation
from wagtail.models import Locale

from courses import api as courses_api
from quizzes import api
from quizzes.formats import FormatError, moodlexml
from quizzes.formats.moodlecalc import EXPORTED_ITEMS
from quizzes.importing import bank_questions, export_bank, import_questions
from quizzes.models import AttemptQuestion, Question, QuestionBank, QuizDraw, QuizPage
from quizzes.questions import normalise, write_question
from tests.conftest import make_user

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "moodle"


def fixture(name):
    return (FIXTURES / name).read_text(encoding="utf-8")


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English; the site's default language is Chinese (and import
    messages are made in the language active when they are raised)."""
    with translation.override("en"):
        yield


@pytest.fixture
def zh(db):
    return Locale.objects.get(language_code="zh-hans")


@pytest.fixture
def bank(db):
    return QuestionBank.objects.create(slug="ops", title="Operations")


def test_a_moodle_calculated_question_keeps_its_datasets_items_tolerances_and_display(bank, zh):
    report = import_questions(bank, zh, fixture("calculated.xml"), "moodlexml")
    assert report.created == ["ops-conversion-rate"] and report.skipped == []
    question = Question.objects.get(key="ops-conversion-rate")
    assert question.question_type == "calculated" and question.units == "%"
    assert question.calculation == {
        "datasets": [
            {"name": "visitors", "min": 20000, "max": 90000, "decimals": 0, "distribution": "uniform",
             "items": [53120, 21877, 88410, 40256, 67321]},
            {"name": "orders", "min": 300, "max": 1900, "decimals": 0, "distribution": "uniform",
             "items": [812, 1544, 356, 1203, 990]},
        ],
        "display": {"format": "decimals", "length": 2},
    }
    rows = [(a.text, float(a.fraction), float(a.tolerance), a.match) for a in question.answers.all()]
    assert rows == [("{orders} / {visitors} * 100", 1, 0.01, "relative"),
                    ("{orders} / {visitors}", 0.5, 0.0005, "nominal")]


def test_a_moodle_calculatedsimple_question_keeps_geometric_tolerance_and_significant_figures(bank, zh):
    report = import_questions(bank, zh, fixture("calculatedsimple.xml"), "moodlexml")
    assert report.created == ["ops-monthly-churn"]
    question = Question.objects.get(key="ops-monthly-churn")
    assert question.calculation["display"] == {"format": "sigfigs", "length": 3}
    customers, lost = question.calculation["datasets"]
    assert customers["distribution"] == "loguniform" and customers["decimals"] == 1
    assert customers["items"] == [1520.4, 48210.7, 3310.2, 12877.9, 7044.1, 25003.6]
    assert lost["min"] == 10 and lost["max"] == 90 and lost["items"][0] == 12.5
    assert [a.match for a in question.answers.all()] == ["geometric"] and question.points == 2


def test_a_moodle_formula_with_a_caret_is_skipped_because_moodle_reads_it_as_xor(bank, zh):
    report = import_questions(bank, zh, fixture("calculatedsimple.xml"), "moodlexml")
    assert report.skipped == [(
        "'Squared growth' (line 145 <question type=\"calculatedsimple\">)",
        "the formula '{g}^2' uses '^', which is xor in Moodle but power here: write pow(x, y) for a power",
    )]
    assert not Question.objects.filter(key__contains="squared").exists()


def test_a_formula_that_breaks_on_its_items_is_skipped_with_the_values_that_break_it(bank, zh):
    text = fixture("calculated.xml").replace("{orders} / {visitors}</text>", "{orders} / ({visitors} - 21877)</text>")
    report = import_questions(bank, zh, text, "moodlexml")
    assert report.created == [] and len(report.skipped) == 1
    assert "division by zero when {orders}=" in report.skipped[0][1] and "{visitors}=21877" in report.skipped[0][1]


def test_a_trainee_is_graded_right_on_an_imported_question_with_the_attempts_own_values(bank, zh, make_tree):
    import_questions(bank, zh, fixture("calculated.xml"), "moodlexml")
    tree = make_tree()
    quiz = QuizPage(title="Imported", slug="imported", draws=[QuizDraw(bank=bank, count=1)],
                    requires_lessons_complete=False, answers_shown="always")
    tree.modules[0].add_child(instance=quiz)
    quiz.save_revision().publish()
    person = make_user("calc@example.com")
    courses_api.enrol_learner(person, tree.course)
    attempt = api.start_attempt(person, QuizPage.objects.get(pk=quiz.pk))
    values = AttemptQuestion.objects.get(attempt=attempt).spec["values"]
    assert values["visitors"] in (53120, 21877, 88410, 40256, 67321) and values["orders"] in (812, 1544, 356, 1203, 990)
    api.save_answer(person, attempt.pk, 1, f"{values['orders'] / values['visitors'] * 100:.2f} %")
    assert api.submit_attempt(person, attempt.pk).percent == 100


RANGE = {
    "key": "ops-aov", "type": "calculated", "stem": "Revenue {revenue}, orders {orders}: average order value?",
    "units": "USD",
    "calculation": {
        "datasets": [
            {"name": "revenue", "min": 1000, "max": 90000, "decimals": 2, "distribution": "loguniform"},
            {"name": "orders", "min": 10, "max": 500, "decimals": 0, "distribution": "uniform"},
        ],
        "display": {"format": "sigfigs", "length": 4},
    },
    "answers": [
        {"text": "{revenue} / {orders}", "fraction": 1, "tolerance": 0.5, "match": "nominal"},
        {"text": "{orders} / {revenue}", "fraction": 0.1, "tolerance": 0.05, "match": "geometric",
         "feedback": "Upside down."},
        {"text": "{revenue}", "fraction": 0, "feedback": "That is the revenue."},
    ],
}


def test_export_then_import_keeps_datasets_formulas_fractions_tolerance_types_and_display(bank, zh):
    write_question(bank, zh, normalise(RANGE))
    text = export_bank(bank, zh, "moodlexml")
    assert '<question type="calculated">' in text and "<synchronize>0</synchronize>" in text
    assert text.count("<dataset_item>") == 2 * EXPORTED_ITEMS
    assert export_bank(bank, zh, "moodlexml") == text  # the drawn items are seeded by the key
    before = bank_questions(bank, zh)[0]
    other = QuestionBank.objects.create(slug="copy", title="Copy")
    report = import_questions(other, zh, text, "moodlexml")
    assert report.created == ["copy-ops-aov"] and report.skipped == []
    after = bank_questions(other, zh)[0]
    # A row without a tolerance or kind is written with the defaults it stands for (0.01, relative).
    assert after["answers"] == [
        {**a, "tolerance": 0.01 if a["tolerance"] is None else a["tolerance"], "match": a["match"] or "relative"}
        for a in before["answers"]
    ]
    assert [a["match"] for a in after["answers"]] == ["nominal", "geometric", "relative"]
    assert after["calculation"]["display"] == before["calculation"]["display"]
    assert after["units"] == "USD" and after["stem"] == before["stem"]
    # Moodle keeps fixed values per wildcard: the range comes back with the values written for it.
    for old, new in zip(before["calculation"]["datasets"], after["calculation"]["datasets"], strict=True):
        items = new.pop("items")
        assert new == old and len(items) == EXPORTED_ITEMS
        assert all(old["min"] <= item <= old["max"] and round(item, old["decimals"]) == item for item in items)


def test_an_exported_moodle_question_comes_back_unchanged(bank, zh):
    """Items, ranges and display survive import → export → import exactly."""
    import_questions(bank, zh, fixture("calculatedsimple.xml"), "moodlexml")
    first = bank_questions(bank, zh)
    copy = QuestionBank.objects.create(slug="copy", title="Copy")
    import_questions(copy, zh, export_bank(bank, zh, "moodlexml"), "moodlexml")
    second = bank_questions(copy, zh)
    assert [(q["calculation"], q["answers"], q["units"]) for q in second] == \
        [(q["calculation"], q["answers"], q["units"]) for q in first]


def test_a_formula_with_a_power_operator_is_not_exported_because_moodle_would_read_it_as_xor():
    data = normalise({**RANGE, "answers": [{"text": "{revenue} / {orders} ^ 1", "fraction": 1}]})
    xml = moodlexml.dump([data])
    assert "Skipped ops-aov: the formula '{revenue} / {orders} ^ 1' uses a power operator" in xml
    assert "<question " not in xml


def test_a_power_in_an_inline_formula_of_the_text_is_skipped_and_not_exported_either(bank, zh):
    text = fixture("calculated.xml").replace("in per cent?", "in per cent ({={orders}^2} squared)?")
    report = import_questions(bank, zh, text, "moodlexml")
    assert report.created == [] and "the formula '{orders}^2' uses '^'" in report.skipped[0][1]
    data = normalise({**RANGE, "stem": "Revenue {revenue}, or {={revenue}**2} squared?"})
    assert "Skipped ops-aov: the formula '{revenue}**2' uses a power operator" in moodlexml.dump([data])


def test_an_unknown_tolerance_type_refuses_the_file_naming_the_answer(bank, zh):
    text = fixture("calculated.xml").replace("<tolerancetype>2</tolerancetype>", "<tolerancetype>7</tolerancetype>")
    with pytest.raises(FormatError, match=r"^line \d+ <answer>: tolerancetype is 1 \(relative\)"):
        import_questions(bank, zh, text, "moodlexml")
    assert not Question.objects.exists()


def test_an_item_with_more_decimals_than_its_dataset_is_skipped_with_the_wildcard(bank, zh):
    text = fixture("calculated.xml").replace("<value>812</value>", "<value>812.5</value>")
    report = import_questions(bank, zh, text, "moodlexml")
    assert report.skipped[0][1] == "{orders}: item 812.5 has more than 0 decimals"
