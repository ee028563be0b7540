"""Mastery of skills: evidence is written with each grade (automatic or by a grader) and the
person's mastery of the skills touched is recomputed in the same transaction; a regrade
replaces the attempt's evidence; `rebuild_mastery` computes the same from the attempts."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from content.models import Skill, SkillArea
from courses import api as courses_api
from quizzes import api, marking, mastery
from quizzes.models import Question, SkillEvidence, SkillMastery
from tests.conftest import INSTRUCTORS, make_user


def choice(key, difficulty="medium"):
    return {"key": key, "type": "true_false", "stem": f"Statement {key}", "difficulty": difficulty,
            "answers": [{"text": "true", "fraction": 1}, {"text": "false", "fraction": 0}]}


ESSAY = {"key": "plan", "type": "essay", "points": 4, "stem": "Plan a campaign.", "essay": {"rubric": [
    {"key": "numbers", "title": "Numbers", "skills": ["data-analysis"],
     "levels": [{"points": 0, "title": "None"}, {"points": 2, "title": "Some"}, {"points": 4, "title": "All"}]}]}}


@pytest.fixture
def skills(db):
    area = SkillArea.objects.create(slug="data", name="数据", name_en="Data")
    return {slug: Skill.objects.create(slug=slug, area=area, name=slug, name_en=slug)
            for slug in ("data-analysis", "campaign-planning")}


@pytest.fixture
def skilled_quiz(practice_quiz, skills):
    tree, quiz = practice_quiz(choice("c1"), choice("c2", "hard"), choice("c3", "easy"))
    for question in Question.objects.filter(key__in=["c1", "c2", "c3"]):
        question.skills.set([skills["data-analysis"]] + ([skills["campaign-planning"]] if question.key == "c1" else []))
        question.save()  # a parental relation is written with its question
    return tree, quiz


def take(quiz, person, right):
    """Start, answer each question right if its key is in `right`, submit."""
    attempt = api.start_attempt(person, quiz)
    for question in attempt.questions.all():
        wanted = "true" if question.spec["key"] in right else "false"
        api.save_answer(person, attempt.pk, question.position,
                        next(a["token"] for a in question.spec["answers"] if a["text"] == wanted))
    return api.submit_attempt(person, attempt.pk)


def enrolled(quiz, email="learner@example.com"):
    person = make_user(email)
    courses_api.enrol_learner(person, quiz.get_parent().get_parent().specific)
    return person


def test_the_rule_weighs_hard_questions_more_and_old_answers_less():
    now = timezone.now()
    assert mastery.value_of([(1.0, 1.5, now), (0.0, 0.75, now)]) == pytest.approx(1.5 / 2.25)
    # An answer graded 90 days before the newest counts half.
    assert mastery.value_of([(0.0, 1.0, now - timedelta(days=90)), (1.0, 1.0, now)]) == pytest.approx(2 / 3)
    assert mastery.level_of(0.9, 2) is None  # not enough evidence
    assert [mastery.level_of(v, 3) for v in (0.39, 0.4, 0.65, 0.85)] == [0, 1, 2, 3]


def test_grading_writes_evidence_and_mastery_in_the_same_transaction(skilled_quiz, skills):
    _tree, quiz = skilled_quiz
    person = enrolled(quiz)
    take(quiz, person, right={"c1", "c2"})  # c3 (easy) wrong
    data = SkillMastery.objects.get(user=person, skill=skills["data-analysis"])
    assert data.evidence == 3 and data.value == pytest.approx((1 + 1.5) / (1 + 1.5 + 0.75))
    assert data.level == 2 and data.previous is None
    campaign = SkillMastery.objects.get(user=person, skill=skills["campaign-planning"])
    assert campaign.evidence == 1 and campaign.value == 1.0
    take(quiz, person, right={"c1", "c2", "c3"})
    data.refresh_from_db()
    assert data.evidence == 6 and data.previous == pytest.approx(2.5 / 3.25) and data.value > data.previous


def test_an_essay_criterion_evidences_its_own_skill_and_a_regrade_replaces_it(practice_quiz, skills):
    _tree, quiz = practice_quiz(ESSAY)
    person = enrolled(quiz)
    attempt = api.start_attempt(person, quiz)
    api.submit_attempt(person, attempt.pk)
    essay = attempt.questions.get()
    assert not SkillEvidence.objects.exists()  # nothing until a grader grades it
    grader = make_user("teacher@example.com", INSTRUCTORS)
    marking.grade_essay(grader, essay.pk, {"levels": {"numbers": 1}})
    assert list(SkillEvidence.objects.values_list("skill__slug", "fraction")) == [("data-analysis", 0.5)]
    marking.grade_essay(grader, essay.pk, {"levels": {"numbers": 2}}, reason="Read the appendix")
    assert list(SkillEvidence.objects.values_list("skill__slug", "fraction")) == [("data-analysis", 1.0)]
    row = SkillMastery.objects.get(user=person)
    assert (row.value, row.evidence, row.previous) == (1.0, 1, 0.5)


def test_an_attempt_added_to_the_running_sums_gives_the_rule_over_all_evidence(skilled_quiz, skills):
    _tree, quiz = skilled_quiz
    person = enrolled(quiz)
    take(quiz, person, {"c1", "c2", "c3"})
    for row in SkillEvidence.objects.filter(user=person):  # that attempt was graded two half-lives ago
        row.graded_at -= timedelta(days=180)
        row.save()
    mastery.recompute(person.pk, {s.pk for s in skills.values()})
    take(quiz, person, set())  # all wrong today: added by the grading upsert
    data = SkillMastery.objects.get(user=person, skill=skills["data-analysis"])
    # the old answers weigh a quarter: (3.25 / 4) / (3.25 / 4 + 3.25)
    assert (data.value, data.level, data.evidence, data.previous) == (pytest.approx(0.2), 0, 6, 1.0)
    for row in SkillMastery.objects.filter(user=person):
        evidence = list(SkillEvidence.objects.filter(user=person, skill=row.skill_id)
                        .values_list("fraction", "weight", "graded_at"))
        assert row.value == pytest.approx(mastery.value_of(evidence)) and row.evidence == len(evidence)


def test_rebuilding_from_the_attempts_gives_what_grading_wrote(skilled_quiz, practice_quiz):
    _tree, quiz = skilled_quiz
    people = [enrolled(quiz, f"p{n}@example.com") for n in range(3)]
    for n, person in enumerate(people):
        for right in ({"c1"}, {"c1", "c2"}, {"c2", "c3"})[: n + 1]:
            take(quiz, person, right)
    def mastery_rows():  # values to 12 places: grading sums in SQL, the rebuild in Python, in another order
        return {(u, s, round(v, 12), level, n) for u, s, v, level, n in
                SkillMastery.objects.values_list("user_id", "skill_id", "value", "level", "evidence")}

    written = mastery_rows()
    evidence = sorted(SkillEvidence.objects.values_list("user_id", "skill_id", "attempt_id", "fraction", "weight"))
    SkillMastery.objects.update(value=0, level=0)
    call_command("rebuild_mastery", stdout=open("/dev/null", "w"))
    assert mastery_rows() == written
    assert sorted(SkillEvidence.objects.values_list("user_id", "skill_id", "attempt_id", "fraction",
                                                    "weight")) == evidence


@pytest.mark.parametrize("history", [1, 8])
def test_submitting_costs_the_same_queries_whatever_the_history(
        client, skilled_quiz, history, django_assert_num_queries):
    _tree, quiz = skilled_quiz
    person = enrolled(quiz)
    for _ in range(history):
        take(quiz, person, right={"c1"})
    attempt = api.start_attempt(person, quiz)
    client.force_login(person)
    # … the submit of test_attempts' budget, then: the evidence insert from the scored questions
    # and their skills, and one upsert of the person's mastery from it
    with django_assert_num_queries(8):
        client.post(f"/zh-hans/quizzes/attempts/{attempt.pk}/submit/")


def test_readiness_counts_skills_held_at_the_required_level_and_names_the_gaps():
    from quizzes.readiness import readiness

    requirements = [(1, 10, 1), (1, 11, 2), (1, 12, 2), (2, 10, 3)]
    result = readiness(requirements, {10: (2, 5), 11: (1, 9), 12: (3, 2)})
    assert (result[1].held, result[1].required, result[1].percent, result[1].ready) == (1, 3, 33, False)
    assert [(g.skill_id, g.required, g.level) for g in result[1].gaps] == [(11, 2, 1), (12, 2, None)]
    assert result[2].percent == 0 and [g.level for g in result[2].gaps] == [2]
