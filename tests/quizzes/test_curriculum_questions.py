import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from wagtail.models import Page

from certification.models import CertificateRule
from content.curriculum import read_curriculum
from courses import api as courses_api
from courses.curriculum import load_curriculum
from courses.models import CompletionRule, CoursePage, ModulePage
from quizzes import api
from quizzes.models import Question, QuestionBank, QuizDraw, QuizPage
from tests.conftest import make_user, write_curriculum

QUESTION_YAML = """\
- key: m1-q1
  type: single_choice
  difficulty: easy
  points: 1
  stem: {zh-hans: 问题, en: Question}
  explanation: {zh-hans: 解释, en: Explanation}
  choices:
    - text: {zh-hans: 对, en: Right}
      fraction: 1
    - text: {zh-hans: 错, en: Wrong}
      fraction: 0
- key: m1-q2
  type: numeric
  difficulty: medium
  points: 2
  stem: {zh-hans: "增长率？", en: "Growth rate?"}
  explanation: {zh-hans: 解释, en: Explanation}
  answer: 15
  tolerance: 0.1
  units: ["%"]
"""


def test_the_shipped_banks_have_every_type_in_both_languages(db):
    """Six module banks of 15+ questions, every automatically graded type in each, each question
    in zh-hans and en; essays only in the capstone's bank."""
    load_curriculum()
    banks = QuestionBank.objects.exclude(slug="capstone")
    assert banks.count() == 6
    for bank in banks:
        for lang in ("zh-hans", "en"):
            questions = Question.objects.filter(bank=bank, locale__language_code=lang)
            assert questions.count() >= 15, bank.slug
            types = set(questions.values_list("question_type", flat=True))
            assert types >= {
                "single_choice", "multiple_response", "true_false", "numeric", "short_text", "ordering", "matching"
            }
            assert "essay" not in types
        zh = set(Question.objects.filter(bank=bank, locale__language_code="zh-hans")
                 .values_list("translation_key", flat=True))
        en = set(Question.objects.filter(bank=bank, locale__language_code="en")
                 .values_list("translation_key", flat=True))
        assert zh == en


def test_each_module_ends_in_a_quiz_and_the_course_in_a_final_exam(db):
    load_curriculum()
    for module in ModulePage.objects.all():
        assert module.completion_rule == CompletionRule.ASSESSMENT
        assert QuizPage.objects.child_of(module).live().count() == 1
        # All lessons read and the quiz passed: a module certificate means both.
        assert QuizPage.objects.child_of(module).get().requires_lessons_complete
    exams = QuizPage.objects.filter(slug="final-exam")
    assert exams.count() == 2
    assert {draw.bank.slug for draw in exams.first().draws.all()} == set(
        QuestionBank.objects.exclude(slug="capstone").values_list("slug", flat=True)
    )
    # After the exam, the capstone: the only quiz that draws essays.
    course = CoursePage.objects.get(locale__language_code="zh-hans")
    assert [q.slug for q in QuizPage.objects.child_of(course).order_by("path")] == ["final-exam", "capstone"]
    capstone = QuizPage.objects.get(slug="capstone", locale__language_code="en")
    assert (capstone.title, capstone.max_attempts, capstone.time_limit_minutes) == ("Capstone case", 3, 0)
    essay_banks = set(Question.objects.filter(question_type="essay").values_list("bank__slug", flat=True))
    assert essay_banks == {"capstone"}
    assert set(QuizDraw.objects.filter(bank__slug="capstone").values_list("quiz__slug", flat=True)) == {"capstone"}
    rule = CertificateRule.objects.get(slug="certified-operations-professional")
    assert [(r.quiz.slug, r.min_percent) for r in rule.requirements.order_by("sort_order")] == [
        *[("quiz", None)] * 6, ("capstone", 60)]


def test_a_module_quiz_draws_practical_questions_first(db, tmp_path):
    """A module bank with calculated or SQL-lab questions gives every attempt three of them (or
    all it has): the first draw takes questions tagged practical, the second the rest."""
    folder = write_curriculum(tmp_path / "c", modules=1, lessons=1)
    calculated = "".join(
        f"- key: calc-{n}\n  type: calculated\n  stem: {{zh-hans: '{{a}} 加 1？', en: '{{a}} plus 1?'}}\n"
        f"  wildcards: {{a: {{min: 1, max: 9}}}}\n  formulas:\n    - {{formula: '{{a}} + 1', fraction: 1}}\n"
        for n in range(4))
    (folder / "01-module-1" / "questions.yaml").write_text(QUESTION_YAML + calculated, encoding="utf-8")
    load_curriculum(folder)
    quiz = QuizPage.objects.get(slug="quiz", locale__language_code="zh-hans")
    assert [(d.count, d.tag) for d in quiz.draws.order_by("sort_order")] == [(3, "practical"), (3, "")]
    person = make_user("practice@example.com")
    courses_api.enrol_learner(person, quiz.get_parent().get_parent().specific)
    QuizPage.objects.filter(pk=quiz.pk).update(requires_lessons_complete=False)  # about the draw, not the gate
    quiz.refresh_from_db()
    attempt = api.start_attempt(person, quiz)
    assert sorted(q.spec["type"] for q in attempt.questions.all())[:3] == ["calculated"] * 3
    assert attempt.questions.count() == 6


def test_the_shipped_capstone_is_a_case_with_a_rubric_in_both_languages():
    """The capstone's essay: a case with its data table and a task, an answer template, grader
    notes with the right numbers, two optional attachments and a rubric of 4–5 criteria × 3–4
    described levels whose points are the essay's 20, each text in both languages."""
    capstone = read_curriculum(settings.CURRICULUM_DIR).capstone
    assert capstone.title == {"zh-hans": "结业案例", "en": "Capstone case"}
    [raw] = capstone.questions
    essay = raw["essay"]
    assert raw["type"] == "essay" and raw["points"] == 20
    assert "| 信息流广告 | 60,000 |" in raw["stem"]["zh-hans"] and "| In-feed ads | 60,000 |" in raw["stem"]["en"]
    assert (essay["attachments"], essay["attachments_required"]) == (2, 0)
    both = [essay["template"], essay["grader_info"]]
    for criterion in essay["rubric"]:
        both += [criterion["title"], criterion["description"]]
        both += [level[name] for level in criterion["levels"] for name in ("title", "description")]
        assert 3 <= len(criterion["levels"]) <= 4
    assert all(set(text) == {"zh-hans", "en"} and text["zh-hans"] != text["en"] for text in both)
    assert 4 <= len(essay["rubric"]) <= 5
    assert sum(max(level["points"] for level in c["levels"]) for c in essay["rubric"]) == 20
    assert all(min(level["points"] for level in c["levels"]) == 0 for c in essay["rubric"])
    assert "125" in essay["grader_info"]["zh-hans"] and "125" in essay["grader_info"]["en"]


def test_questions_reload_without_change(db, tmp_path):
    folder = write_curriculum(tmp_path / "c", modules=1, lessons=1)
    (folder / "01-module-1" / "questions.yaml").write_text(QUESTION_YAML, encoding="utf-8")
    load_curriculum(folder)
    before = list(Question.objects.values_list("pk", "latest_revision_id"))
    report = load_curriculum(folder)
    assert (report.extra["questions created"], report.extra["questions updated"]) == (0, 0)
    assert list(Question.objects.values_list("pk", "latest_revision_id")) == before
    assert Question.objects.count() == 4


def test_an_invalid_question_names_file_and_line_and_loads_nothing(db, tmp_path):
    """A fraction sum that is wrong is reported at the question's line; no page is written."""
    folder = write_curriculum(tmp_path / "c", modules=1, lessons=1)
    broken = QUESTION_YAML.replace("      fraction: 0\n", "      fraction: 1\n")
    path = folder / "01-module-1" / "questions.yaml"
    path.write_text(broken, encoding="utf-8")
    pages = Page.objects.count()
    with pytest.raises(CommandError) as error:
        call_command("load_curriculum", path=str(folder))
    assert f"{path}:1:" in str(error.value) and "m1-q1" in str(error.value)
    assert Page.objects.count() == pages and not Question.objects.exists()


CALCULATED_YAML = """\
- key: m1-conversion
  type: calculated
  stem:
    zh-hans: "{visitors} 访客、{orders} 单，转化率（%）？"
    en: "{visitors} visitors, {orders} orders: conversion (%)?"
  units: ["%"]
  wildcards:
    visitors: {min: 20000, max: 90000}
    orders: {min: 300, max: 1900}
  display: {format: decimals, length: 2}
  formulas:
    - {formula: "{orders} / {visitors} * 100", fraction: 1, tolerance: 0.01}
    - formula: "{orders} / {visitors}"
      fraction: 0.5
      feedback: {zh-hans: 忘了乘以 100。, en: Forgot to multiply by 100.}
"""


def test_a_calculated_question_loads_in_both_languages_with_its_wildcards(db, tmp_path):
    folder = write_curriculum(tmp_path / "c", modules=1, lessons=1)
    (folder / "01-module-1" / "questions.yaml").write_text(CALCULATED_YAML, encoding="utf-8")
    load_curriculum(folder)
    zh, en = (Question.objects.get(key="m1-conversion", locale__language_code=lang) for lang in ("zh-hans", "en"))
    assert zh.question_type == en.question_type == "calculated"
    assert [d["name"] for d in en.calculation["datasets"]] == ["visitors", "orders"]
    assert [(a.text, float(a.fraction), a.match) for a in en.answers.all()] == [
        ("{orders} / {visitors} * 100", 1.0, "relative"), ("{orders} / {visitors}", 0.5, "relative")]
    assert en.answers.all()[1].feedback == "Forgot to multiply by 100."
    assert zh.answers.all()[1].feedback == "忘了乘以 100。"


def test_a_calculated_formula_that_breaks_on_its_range_is_a_load_error_at_its_line(db, tmp_path):
    folder = write_curriculum(tmp_path / "c", modules=1, lessons=1)
    path = folder / "01-module-1" / "questions.yaml"
    broken = CALCULATED_YAML.replace("{orders} / {visitors} * 100", "{orders} / ({visitors} - 20000)")
    path.write_text(QUESTION_YAML + broken, encoding="utf-8")
    with pytest.raises(CommandError) as error:
        call_command("load_curriculum", path=str(folder))
    line = QUESTION_YAML.count("\n") + 1  # the calculated question's first line
    assert f"{path}:{line}: question 'm1-conversion'" in str(error.value)
    assert "division by zero when {orders}=300, {visitors}=20000" in str(error.value)
    assert not Question.objects.exists()
