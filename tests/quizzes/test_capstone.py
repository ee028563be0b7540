"""The capstone in the curriculum files: essays with their rubric in both languages, the capstone
quiz after the final exam, and the course certificate that asks for the capstone graded at
least 60 % (through a grader's real marking)."""

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from wagtail.models import Page

from certification.models import Certificate, CertificateRule, RuleRequirement
from courses import api as courses_api
from courses.curriculum import load_curriculum
from courses.models import CoursePage, LessonPage, ModulePage
from quizzes import api, marking
from quizzes.grading import right_answer
from quizzes.models import (
    AnswersShown,
    Attempt,
    AttemptQuestion,
    Question,
    QuestionBank,
    QuizDraw,
    QuizPage,
    ReviewPolicy,
)
from tests.conftest import INSTRUCTORS, make_user, write_curriculum

MODULE_QUESTIONS = """\
- key: m1-tf
  type: true_false
  stem: {zh-hans: 运营需要目标。, en: Operations needs goals.}
  answer: true
"""
CAPSTONE = """\
title: {zh-hans: 结业案例, en: Capstone case}
introduction:
  zh-hans: 读案例，写计划。
  en: Read the case, write the plan.
"""
ESSAY = """\
- key: capstone-plan
  type: essay
  points: 10
  skills: [growth-planning]
  stem: {zh-hans: 写一份增长计划。, en: Write a growth plan.}
  essay:
    attachments: 2
    template: {zh-hans: "## 诊断\\n", en: "## Diagnosis\\n"}
    grader_info: {zh-hans: 核对数字。, en: Check the numbers.}
    rubric:
      - key: plan
        skills: [growth-planning]
        title: {zh-hans: 计划, en: Plan}
        description: {zh-hans: 计划是否完整, en: Is the plan complete}
        levels:
          - points: 0
            title: {zh-hans: 缺失, en: Missing}
          - points: 5
            title: {zh-hans: 一半, en: Half}
          - points: 7
            title: {zh-hans: 良好, en: Good}
          - points: 10
            title: {zh-hans: 完整, en: Complete}
            description: {zh-hans: 全部到位, en: Everything in place}
"""
LEVEL_FOR = {50: 1, 70: 2}  # rubric level index → the essay's percent (10 points, all of the quiz)


def with_capstone(folder, essay=ESSAY, capstone=CAPSTONE):
    (folder / "01-module-1" / "questions.yaml").write_text(MODULE_QUESTIONS, encoding="utf-8")
    (folder / "capstone").mkdir(exist_ok=True)
    (folder / "capstone" / "capstone.yaml").write_text(capstone, encoding="utf-8")
    (folder / "capstone" / "questions.yaml").write_text(essay, encoding="utf-8")
    return folder


@pytest.fixture
def folder(tmp_path):
    return with_capstone(write_curriculum(tmp_path / "c", modules=1, lessons=1))


def load_error(folder):
    pages = Page.objects.count()
    with pytest.raises(CommandError) as error, translation.override("en"):
        call_command("load_curriculum", path=str(folder))
    assert Page.objects.count() == pages and not Question.objects.exists() and not QuestionBank.objects.exists()
    return str(error.value)


def line_of(text, needle):
    return next(i for i, line in enumerate(text.split("\n"), start=1) if needle in line)


def test_an_essay_loads_in_both_languages_with_its_rubric(db, folder):
    load_curriculum(folder)
    zh, en = (Question.objects.get(key="capstone-plan", locale__language_code=lang) for lang in ("zh-hans", "en"))
    assert zh.question_type == en.question_type == "essay" and zh.translation_key == en.translation_key
    assert zh.bank.slug == en.bank.slug == "capstone" and zh.points == Decimal("10")
    assert en.stem == "Write a growth plan." and zh.stem == "写一份增长计划。"
    assert not en.answers.exists()
    assert (en.essay["attachments"], en.essay["template"], en.essay["grader_info"]) == (
        2, "## Diagnosis\n", "Check the numbers.")
    assert (zh.essay["template"], zh.essay["grader_info"]) == ("## 诊断\n", "核对数字。")
    [criterion] = en.essay["rubric"]
    assert (criterion["key"], criterion["title"], criterion["description"], criterion["skills"]) == (
        "plan", "Plan", "Is the plan complete", ["growth-planning"])
    assert [(level["points"], level["title"]) for level in criterion["levels"]] == [
        (0, "Missing"), (5, "Half"), (7, "Good"), (10, "Complete")]
    assert criterion["levels"][3]["description"] == "Everything in place"
    assert [level["title"] for level in zh.essay["rubric"][0]["levels"]] == ["缺失", "一半", "良好", "完整"]
    assert zh.essay["rubric"][0]["title"] == "计划"


def test_the_capstone_is_a_quiz_after_the_final_exam_with_its_own_settings(db, folder):
    load_curriculum(folder)
    course = CoursePage.objects.get(locale__language_code="zh-hans")
    assert [p.slug for p in QuizPage.objects.child_of(course).order_by("path")] == ["final-exam", "capstone"]
    texts = (("zh-hans", "结业案例", "读案例，写计划。"), ("en", "Capstone case", "Read the case, write the plan."))
    for lang, title, intro in texts:
        quiz = QuizPage.objects.get(slug="capstone", locale__language_code=lang)
        assert (quiz.title, quiz.intro.strip(), quiz.live) == (title, intro, True)
        assert (quiz.pass_mark, quiz.max_attempts, quiz.time_limit_minutes) == (60, 3, 0)
        assert (quiz.review_policy, quiz.answers_shown) == (ReviewPolicy.FEEDBACK, AnswersShown.ALWAYS)
        assert quiz.requires_modules_complete
        assert [(d.bank.slug, d.count) for d in quiz.draws.all()] == [("capstone", 1)]
    exam = QuizPage.objects.get(slug="final-exam", locale__language_code="zh-hans")
    assert [d.bank.slug for d in exam.draws.all()] == ["module-1"]  # the exam never draws the capstone's essays
    essay_banks = Question.objects.filter(question_type="essay").values("bank")
    assert not QuizDraw.objects.filter(bank__in=essay_banks).exclude(quiz__slug="capstone").exists()

    report = load_curriculum(folder)  # a second load changes nothing
    assert not report.created and not report.updated
    assert (report.extra["questions created"], report.extra["questions updated"]) == (0, 0)


def test_a_changed_capstone_file_updates_its_quiz_and_question(db, folder):
    load_curriculum(folder)
    with_capstone(folder, essay=ESSAY.replace("Write a growth plan.", "Write a quarter's growth plan."),
                  capstone=CAPSTONE.replace("Read the case, write the plan.", "Read the case first."))
    report = load_curriculum(folder)
    assert report.extra["questions updated"] == 1
    assert QuizPage.objects.get(slug="capstone", locale__language_code="en").intro.strip() == "Read the case first."
    question = Question.objects.get(key="capstone-plan", locale__language_code="en")
    assert question.stem == "Write a quarter's growth plan."


REPEATED = ESSAY + """\
      - key: plan
        title: {zh-hans: 重复, en: Again}
        levels: [{points: 0, title: A}, {points: 1, title: B}]
"""


@pytest.mark.parametrize("essay, needle, message", [
    (ESSAY.replace("- points: 5", "- points: lots"), "points: lots", "every level needs points from 0 to 1000"),
    (ESSAY.replace("attachments: 2", "attachments: 9"), "attachments: 9",
     "Attachments must be a whole number from 0 to 5"),
    (ESSAY.replace("attachments: 2", "attachments: 2\n    word_limit: 500"), "word_limit",
     "unknown setting 'word_limit'"),
    (ESSAY.replace("description: {zh-hans: 全部到位", "descripton: {zh-hans: 全部到位"), "descripton",
     "unknown setting 'descripton'"),
    (ESSAY.replace("title: {zh-hans: 良好, en: Good}", "title: {zh-hans: 良好}"), "title: {zh-hans: 良好}",
     "(en): missing 'en'"),
    (ESSAY.replace("            title: {zh-hans: 一半, en: Half}\n", ""), "points: 5", "every level needs a title"),
    (REPEATED, "title: {zh-hans: 重复", "Criterion 2 repeats the key"),
])
def test_a_bad_essay_setting_is_a_load_error_at_its_line_and_nothing_is_written(db, folder, essay, needle, message):
    assert essay != ESSAY
    with_capstone(folder, essay=essay)
    error = load_error(folder)
    line = line_of(essay, needle) - (1 if "repeats" in message else 0)  # a repeated key: at the key
    assert f"{folder / 'capstone' / 'questions.yaml'}:{line}: question 'capstone-plan'" in error, error
    assert message in error, error


def test_an_essay_in_a_module_is_a_load_error_at_its_type(db, folder):
    module_questions = MODULE_QUESTIONS + ESSAY.replace("capstone-plan", "m1-essay")
    (folder / "01-module-1" / "questions.yaml").write_text(module_questions, encoding="utf-8")
    error = load_error(folder)
    path = folder / "01-module-1" / "questions.yaml"
    assert f"{path}:{line_of(module_questions, 'type: essay')}: question 'm1-essay'" in error
    assert "belongs in the capstone" in error


def test_an_unknown_capstone_setting_is_a_load_error_at_its_line(db, folder):
    with_capstone(folder, capstone=CAPSTONE + "time_limit: 30\n")
    error = load_error(folder)
    assert f"{folder / 'capstone' / 'capstone.yaml'}:5: unknown setting 'time_limit'" in error


# The course certificate ---------------------------------------------------------------------

def passed(user, quiz):
    attempt = api.start_attempt(user, quiz)
    for question in AttemptQuestion.objects.filter(attempt=attempt):
        api.save_answer(user, attempt.pk, question.position, right_answer(question.spec))
    return api.submit_attempt(user, attempt.pk)


def capstone_graded(trainee, grader, percent):
    quiz = QuizPage.objects.get(slug="capstone", locale__language_code="zh-hans")
    attempt = api.start_attempt(trainee, quiz)
    essay = AttemptQuestion.objects.get(attempt=attempt, manual=True)
    api.save_answer(trainee, attempt.pk, essay.position, "## 诊断\n信息流广告的留存最低。")
    api.submit_attempt(trainee, attempt.pk)
    marking.grade_essay(grader, essay.pk, {"levels": {"plan": LEVEL_FOR[percent]}, "feedback": "见评分。"})
    return Attempt.objects.get(pk=attempt.pk)


def test_the_course_certificate_needs_the_capstone_graded_at_least_60_percent(db, folder):
    load_curriculum(folder)
    rule = CertificateRule.objects.get(slug="certified-operations-professional")
    assert [(r.quiz.slug, r.min_percent) for r in rule.requirements.order_by("sort_order")] == [
        ("quiz", None), ("capstone", 60)]
    trainee, grader = make_user("learner@example.com"), make_user("grader@example.com", INSTRUCTORS)
    course = CoursePage.objects.get(locale__language_code="zh-hans")
    courses_api.enrol_learner(trainee, course)
    for lesson in LessonPage.objects.filter(locale__language_code="zh-hans"):
        courses_api.complete_lesson(trainee, lesson)
    module = ModulePage.objects.get(locale__language_code="zh-hans")
    assert passed(trainee, QuizPage.objects.child_of(module).get()).passed
    assert passed(trainee, QuizPage.objects.get(slug="final-exam", locale__language_code="zh-hans")).passed
    assert not Certificate.objects.filter(user=trainee, rule=rule).exists()  # the capstone is still to do

    half = capstone_graded(trainee, grader, 50)
    assert (half.percent, half.passed) == (Decimal("50.00"), False)
    assert not Certificate.objects.filter(user=trainee, rule=rule).exists()
    # Even where an editor lowers the capstone's pass mark, the rule's 60 % stands.
    QuizPage.objects.filter(slug="capstone").update(pass_mark=40)
    lenient = capstone_graded(trainee, grader, 50)
    assert (lenient.percent, lenient.passed) == (Decimal("50.00"), True)
    assert not Certificate.objects.filter(user=trainee, rule=rule).exists()

    good = capstone_graded(trainee, grader, 70)
    assert (good.percent, good.passed) == (Decimal("70.00"), True)
    certificate = Certificate.objects.get(user=trainee, rule=rule)
    assert certificate.source_attempt.quiz.slug == "final-exam"  # the exam's score is the certificate's


def test_an_existing_course_rule_gains_the_capstone_once_and_an_editors_removal_stays(db, tmp_path):
    """The rule predates the capstone: the load that first writes the capstone adds it; later
    loads leave the rule as an editor left it."""
    folder = write_curriculum(tmp_path / "c", modules=1, lessons=1)
    (folder / "01-module-1" / "questions.yaml").write_text(MODULE_QUESTIONS, encoding="utf-8")
    load_curriculum(folder)
    rule = CertificateRule.objects.get(slug="certified-operations-professional")
    rule.validity_months = 12  # an editor's change, kept
    rule.save()
    assert [r.quiz.slug for r in rule.requirements.all()] == ["quiz"]

    with_capstone(folder)
    load_curriculum(folder)
    load_curriculum(folder)
    rule.refresh_from_db()
    assert rule.validity_months == 12
    assert [(r.quiz.slug, r.min_percent) for r in rule.requirements.order_by("sort_order")] == [
        ("quiz", None), ("capstone", 60)]

    RuleRequirement.objects.filter(rule=rule, quiz__slug="capstone").delete()  # an editor drops it
    load_curriculum(folder)
    assert [r.quiz.slug for r in rule.requirements.all()] == ["quiz"]
